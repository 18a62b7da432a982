#!/usr/bin/env bash
# FASTQ to VCF, end to end: Cairn's `fastq-qc` -> `align` -> `call` (its germline workflow's chain)
# beside the classic chain on the same reads and the same cores:
#   bwa mem | samtools fixmate -m | samtools sort -> samtools markdup -> samtools index
#   -> bcftools mpileup | bcftools call -mv
# The classic chain gets no trimming step: bwa mem's local alignment clips adapters itself. Cairn's
# aligner (minimap2) is slowed badly by pairs that read through into the adapter: on the untrimmed
# generated reads it takes about eight times as long (44 s against 5.6 s after fastq-qc; the
# minimap2 2.24 command line `-ax sr` the same). On 20,000 pairs, dropping the 1.7% whose reads hold
# the adapter takes it from 4.8 s to 0.8 s, while stripping the low-quality tails changes nothing.
# That is why adapter trimming comes before alignment in Cairn's workflows.
# Prints wall and CPU seconds per stage and in total, the ratio Cairn / classic, and SNV/indel
# F1 of both final VCFs against the truth (cairn: PASS records; bcftools: all, it sets no FILTER).
# Index building (bwa index, cairn step align-index) is timed apart and left out of the ratio: both
# sides build an index once per reference.
#
# Sets: real NA12878 reads on grch38-chr22 (GIAB v4.2.1 truth; no benchmark BED, so precision is
# approximate), and a generated 2 Mb genome at 30x (exact truth).
#
# Usage: bench/e2e.sh [WORKDIR]     (env: CAIRN_SHARED_DATA, THREADS=2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${CAIRN_SHARED_DATA:-$ROOT/../shared/data}
WORK=${1:-$(mktemp -d /tmp/cairn-e2e-bench.XXXXXX)}
THREADS=${THREADS:-2}
mkdir -p "$WORK"
for tool in bwa samtools bcftools python3; do
  command -v "$tool" >/dev/null || { echo "bench/e2e.sh: $tool is not installed; install the peer tools first" >&2; exit 3; }
done
(cd "$ROOT" && cargo build --release -q)
CAIRN=$ROOT/target/release/cairn

# timed LABEL CMD...: run CMD, append "LABEL wall cpu" to $WORK/.times (cpu = user + sys of it and
# its children; the machine may be shared, so cpu time is the steadier comparison).
timed() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$WORK/.time" "$@" >/dev/null 2>"$WORK/.stderr" || {
    cat "$WORK/.stderr" >&2
    exit 1
  }
  awk -v l="$label" '{printf "%s %s %.2f\n", l, $1, $2 + $3}' "$WORK/.time" >>"$WORK/.times"
}

f1() { # truth query ref -> "snv_f1 indel_f1"
  "$CAIRN" step eval --truth "$1" --query "$2" --reference "$3" | awk '$1 == "SNV" {s = $8} $1 == "INDEL" {i = $8} END {print s, i}'
}

run_set() { # label ref r1 r2 truth
  local label=$1 ref=$2 r1=$3 r2=$4 truth=$5 dir=$WORK/$1
  mkdir -p "$dir"
  : >"$WORK/.times"
  cp -n "$ref" "$dir/ref.fa"
  samtools faidx "$dir/ref.fa"
  timed index-classic bwa index "$dir/ref.fa"
  timed index-cairn "$CAIRN" step align-index --reference "$dir/ref.fa" --out "$dir/ref.mmi" --threads "$THREADS"

  timed classic-align bash -c "bwa mem -t $THREADS -R '@RG\tID:s\tSM:s' '$dir/ref.fa' '$r1' '$r2' \
    | samtools fixmate -m -@$THREADS - - | samtools sort -@$THREADS -o '$dir/classic.sorted.bam' -"
  timed classic-markdup samtools markdup -@"$THREADS" "$dir/classic.sorted.bam" "$dir/classic.bam"
  timed classic-index samtools index "$dir/classic.bam"
  timed classic-call bash -c "bcftools mpileup --threads $THREADS -f '$dir/ref.fa' '$dir/classic.bam' \
    | bcftools call --threads $THREADS -mv -Oz -o '$dir/classic.vcf.gz'"

  timed cairn-qc "$CAIRN" step fastq-qc --r1 "$r1" --r2 "$r2" --out-dir "$dir/qc" --threads "$THREADS"
  timed cairn-align "$CAIRN" step align --r1 "$dir/qc/trimmed_1.fq.gz" --r2 "$dir/qc/trimmed_2.fq.gz" \
    --reference "$dir/ref.mmi" --sample s \
    --out "$dir/cairn.bam" --threads "$THREADS"
  timed cairn-call "$CAIRN" step call --bam "$dir/cairn.bam" --reference "$dir/ref.fa" \
    --out "$dir/cairn.vcf.gz" --threads "$THREADS"

  echo "== $label"
  awk '{printf "  %-16s wall %7.2f s  cpu %7.2f s\n", $1, $2, $3}' "$WORK/.times"
  python3 - "$WORK/.times" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
tot = lambda p: [sum(float(r[i]) for r in rows if r[0].startswith(p) and not r[0].startswith("index")) for i in (1, 2)]
c, k = tot("cairn"), tot("classic")
print(f"  total (no index) cairn wall {c[0]:.2f} s cpu {c[1]:.2f} s | classic wall {k[0]:.2f} s cpu {k[1]:.2f} s"
      f" | cairn/classic wall {c[0] / k[0]:.2f}, cpu {c[1] / k[1]:.2f}")
PY
  read -r cs ci < <(f1 "$truth" "$dir/cairn.vcf.gz" "$dir/ref.fa")
  read -r bs bi < <(f1 "$truth" "$dir/classic.vcf.gz" "$dir/ref.fa")
  echo "  F1 SNV / indel: cairn $cs / $ci   classic $bs / $bi"
}

# 1. Real reads: NA12878 on the GRCh38 chr22 chunk.
if [ -d "$DATA/grch38-chr22" ]; then
  G=$DATA/grch38-chr22
  run_set chr22-NA12878 "$G/reference/chr22_16570000_16610000.fa" \
    "$G/reads/NA12878_chr22_16570000_16610000_R1.fastq.gz" "$G/reads/NA12878_chr22_16570000_16610000_R2.fastq.gz" \
    "$G/truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz"
else
  echo "skipping grch38-chr22: $DATA/grch38-chr22 not found (set CAIRN_SHARED_DATA)"
fi

# 2. Generated genome: 2 Mb at 30x (the genome of bench/call.sh).
S=$WORK/sim
[ -s "$S/truth.vcf.gz" ] || "$CAIRN" step simulate --size 2000000 --coverage 30 --seed 1 --snv-rate 0.0012 --indel-rate 0.0002 --out "$S" >/dev/null
run_set sim-30x "$S/ref.fa" "$S/reads_1.fq.gz" "$S/reads_2.fq.gz" "$S/truth.vcf.gz"
echo "work directory: $WORK"
