#!/usr/bin/env bash
# Somatic benchmark: a simulated tumour/normal pair with known truth, called by
# `cairn step call --somatic` and scored by `cairn eval --somatic` (som.py semantics).
#
# The pair: a 1 Mb random genome with germline variants (`cairn simulate`), then 500 somatic SNVs
# and 50 indels (1-12 bp) whose allele fractions are spread evenly over 0.05-0.5
# (bench/somatic_truth.py; `--somatic` plants them with those fractions, so the tumour is a mix of
# clones at many cell fractions), normal at 30x and tumour at 60x. No somatic peer (Mutect2,
# Strelka2) is installable here, so the comparison is against truth and against the issue's goals:
# SNV F1 >= 0.90, indel F1 >= 0.80, germline truth sites called somatic (PASS) <= 1%.
#
# Prints SNV/indel precision, recall and F1, recall per VAF bin, the germline-called-somatic
# fraction, TMB from the metrics, and the caller's wall time.
#
# Usage: bench/somatic.sh [WORKDIR]   (env: THREADS=2, CAIRN=path to a built binary, SEED=1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d /tmp/cairn-somatic-bench.XXXXXX)}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
mkdir -p "$WORK"
command -v python3 >/dev/null || { echo "bench/somatic.sh: python3 is not installed" >&2; exit 3; }
if [ -z "${CAIRN:-}" ]; then
  (cd "$ROOT" && cargo build --release -q)
  CAIRN=$ROOT/target/release/cairn
fi
cd "$WORK"

if [ ! -s pair/tumour_1.fq.gz ]; then
  "$CAIRN" simulate --size 1000000 --coverage 0 --seed "$SEED" --out germline >/dev/null
  python3 "$ROOT/bench/somatic_truth.py" germline/ref.fa germline/truth.vcf.gz 500 50 "$SEED" somatic.vcf 0.05 0.5
  "$CAIRN" simulate --reference germline/ref.fa --variants germline/truth.vcf.gz --tumour \
    --somatic somatic.vcf --purity 0.6 --coverage 30 --tumour-coverage 60 --seed "$SEED" --out pair >/dev/null
fi
for s in tumour normal; do
  [ -s "$s.bam.bai" ] && continue
  if [ $s = tumour ]; then r=pair/tumour; else r=pair/reads; fi
  "$CAIRN" step align --r1 ${r}_1.fq.gz --r2 ${r}_2.fq.gz --reference pair/ref.fa \
    --sample "${s^^}" --out "$s.bam" --threads "$THREADS" >/dev/null
done
start=$(date +%s.%N)
"$CAIRN" step call --somatic --tumor tumour.bam --normal normal.bam --reference pair/ref.fa \
  --out calls.vcf.gz --metrics metrics.json --threads "$THREADS"
end=$(date +%s.%N)
"$CAIRN" eval --somatic --truth pair/somatic.vcf.gz --query calls.vcf.gz --reference pair/ref.fa \
  --json eval.json >/dev/null
python3 - "$start" "$end" <<'PY'
import gzip, json, sys

def records(path, pass_only):
    out = {}
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            c, p, _, r, a, _, flt, info, *_ = line.rstrip("\n").split("\t")
            if pass_only and flt not in ("PASS", "."):
                continue
            af = next((float(x[3:]) for x in info.split(";") if x.startswith("AF=")), None)
            out[(c, int(p), r, a)] = af
    return out

ev = json.load(open("eval.json"))
truth = records("pair/somatic.vcf.gz", False)
calls = records("calls.vcf.gz", True)
germ = records("pair/truth.vcf.gz", False)
metrics = json.load(open("metrics.json"))
print("somatic benchmark: 1 Mb genome, normal 30x, tumour 60x, 500 SNVs + 50 indels at VAF 0.05-0.5")
goals = {"snv": 0.90, "indel": 0.80}
for kind in ("snv", "indel"):
    tp = sum(1 for k in truth if (len(k[2]) == len(k[3]) == 1) == (kind == "snv") and k in calls)
    t = sum(1 for k in truth if (len(k[2]) == len(k[3]) == 1) == (kind == "snv"))
    q = sum(1 for k in calls if (len(k[2]) == len(k[3]) == 1) == (kind == "snv"))
    prec = tp / q if q else 0.0
    rec = tp / t if t else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    ok = "ok" if f1 >= goals[kind] else "BELOW GOAL"
    print(f"  {kind:6} truth {t:4} calls {q:4} tp {tp:4}  precision {prec:.4f}  recall {rec:.4f}  F1 {f1:.4f}  (goal >= {goals[kind]}: {ok})")
print("  recall per truth VAF (SNVs + indels):")
bins = {}
for k, af in truth.items():
    b = round(af, 2)
    n, hit = bins.get(b, (0, 0))
    bins[b] = (n + 1, hit + (k in calls))
for b in sorted(bins):
    n, hit = bins[b]
    print(f"    VAF {b:.2f}: {hit:4}/{n:4} = {hit / n:.3f}")
gc = sum(1 for k in germ if k in calls)
frac = gc / len(germ) if germ else 0.0
print(f"  germline truth sites called somatic (PASS): {gc}/{len(germ)} = {frac:.4%}  (goal <= 1%: {'ok' if frac <= 0.01 else 'ABOVE GOAL'})")
print(f"  TMB {metrics['tmb_per_mb']} /Mb over {metrics['callable_bases']} callable bases; median VAF {metrics['vaf_median']}; identity concordance {metrics['identity']['concordance']}")
print(f"  call --somatic wall time: {float(sys.argv[2]) - float(sys.argv[1]):.1f} s")
PY
