#!/usr/bin/env bash
# Benchmark of `cairn step call` beside `bcftools mpileup | bcftools call -mv` and FreeBayes on the
# same BAMs: real NA12878 reads on grch38-chr22 (GIAB v4.2.1 truth; no benchmark BED there, so
# precision is approximate), a generated 2 Mb genome at 30x and 10x (exact truth) and an
# indel-rich generated 1 Mb genome at 30x and 10x.
# Prints SNV/indel recall, precision and F1 per caller (scored by `cairn step eval`, which counts
# PASS records: cairn is shown on all its records, as the peers are, and on PASS only) and the
# wall-time and CPU-time ratios cairn / bcftools.
#
# Measured numbers and an analysis of what each caller misses: docs/call.md.
#
# Usage: bench/call.sh [WORKDIR]     (env: CAIRN_SHARED_DATA, THREADS=2, SEEDS="3 4 5 6 7")
#
# SEEDS: more generated 2 Mb genomes, scored at 10x only, where the callers sit within a few calls of
# each other and one genome is not enough to rank them (empty to skip).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${CAIRN_SHARED_DATA:-$ROOT/../shared/data}
WORK=${1:-$(mktemp -d /tmp/cairn-call-bench.XXXXXX)}
THREADS=${THREADS:-2}
mkdir -p "$WORK"
for tool in bwa samtools bcftools freebayes bgzip tabix python3; do
  command -v "$tool" >/dev/null || { echo "bench/call.sh: $tool is not installed; install the peer tools first" >&2; exit 3; }
done
(cd "$ROOT" && cargo build --release -q)
CAIRN=$ROOT/target/release/cairn
TIMEFORMAT=%R

# seconds CMD...: run CMD, print "wall/cpu" seconds (cpu = user + sys of it and its children;
# the machine may be shared, so cpu time is the steadier comparison).
seconds() {
  /usr/bin/time -f "%e/%U/%S" -o "$WORK/.time" "$@" >/dev/null 2>&1
  awk -F/ '{printf "%s/%.2f", $1, $2 + $3}' "$WORK/.time"
}
ratio() { python3 -c "import sys; a, b = (float(x) for x in sys.argv[1:]); print(f'{a / b:.2f}')" "$1" "$2"; }

score() { # label truth query ref
  "$CAIRN" step eval --truth "$2" --query "$3" --reference "$4" | awk -v l="$1" 'NR > 1 { printf "  %-20s %s\n", l, $0 }'
}

align() { # ref r1 r2 out.bam
  [ -s "$4.bai" ] && return
  [ -s "$1.bwt" ] || bwa index "$1" 2>/dev/null
  samtools faidx "$1"
  bwa mem -t "$THREADS" -R '@RG\tID:rg\tSM:sample' "$1" "$2" "$3" 2>/dev/null | samtools sort -@"$THREADS" -o "$4" - 2>/dev/null
  samtools index "$4"
}

# genome DIR SEED SIZE SNV_RATE INDEL_RATE: a generated genome in DIR (simulated once) at 30x,
# aligned to s30.bam, and the same reads thinned to about 10x (s10.bam, seeded by SEED).
genome() {
  local dir=$1 seed=$2
  [ -s "$dir/truth.vcf.gz" ] || "$CAIRN" step simulate --size "$3" --coverage 30 --seed "$seed" \
    --snv-rate "$4" --indel-rate "$5" --out "$dir"
  align "$dir/ref.fa" "$dir/reads_1.fq.gz" "$dir/reads_2.fq.gz" "$dir/s30.bam"
  [ -s "$dir/s10.bam.bai" ] || { samtools view -b -s "$seed.3333" -o "$dir/s10.bam" "$dir/s30.bam" && samtools index "$dir/s10.bam"; }
}

run_callers() { # label ref bam truth
  local label=$1 ref=$2 bam=$3 truth=$4 dir=$WORK/$1
  mkdir -p "$dir"
  local tc tb tf
  tc=$(seconds "$CAIRN" step call --bam "$bam" --reference "$ref" --out "$dir/cairn.vcf.gz" --threads "$THREADS")
  tb=$(seconds bash -c "bcftools mpileup --threads $THREADS -f '$ref' '$bam' | bcftools call --threads $THREADS -mv -Oz -o '$dir/bcftools.vcf.gz'")
  tf=$(seconds bash -c "freebayes -f '$ref' '$bam' > '$dir/freebayes.vcf'")
  echo "== $label  wall/cpu seconds: cairn $tc  bcftools $tb  freebayes $tf" \
    "(cairn/bcftools wall $(ratio "${tc%/*}" "${tb%/*}"), cpu $(ratio "${tc#*/}" "${tb#*/}"))"
  printf "  %-20s %s\n" caller "type tp fp fn query_tp precision recall f1 genotype_concordance"
  bcftools annotate -x FILTER -Oz -o "$dir/cairn.all.vcf.gz" "$dir/cairn.vcf.gz"
  score "cairn (all records)" "$truth" "$dir/cairn.all.vcf.gz" "$ref"
  score "cairn (PASS only)" "$truth" "$dir/cairn.vcf.gz" "$ref"
  score bcftools "$truth" "$dir/bcftools.vcf.gz" "$ref"
  score freebayes "$truth" "$dir/freebayes.vcf" "$ref"
}

# 1. Real reads: NA12878 on the GRCh38 chr22 chunk.
if [ -d "$DATA/grch38-chr22" ]; then
  G=$DATA/grch38-chr22
  mkdir -p "$WORK/chr22"
  cp -n "$G/reference/chr22_16570000_16610000.fa" "$WORK/chr22/ref.fa"
  align "$WORK/chr22/ref.fa" "$G/reads/NA12878_chr22_16570000_16610000_R1.fastq.gz" \
    "$G/reads/NA12878_chr22_16570000_16610000_R2.fastq.gz" "$WORK/chr22/na12878.bam"
  run_callers chr22-NA12878 "$WORK/chr22/ref.fa" "$WORK/chr22/na12878.bam" "$G/truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz"
  # The same real reads thinned to about 10x (27%, seed 3).
  [ -s "$WORK/chr22/n10.bam.bai" ] || { samtools view -b -s 3.27 -o "$WORK/chr22/n10.bam" "$WORK/chr22/na12878.bam" && samtools index "$WORK/chr22/n10.bam"; }
  run_callers chr22-NA12878-10x "$WORK/chr22/ref.fa" "$WORK/chr22/n10.bam" "$G/truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz"
else
  echo "skipping grch38-chr22: $DATA/grch38-chr22 not found (set CAIRN_SHARED_DATA)"
fi

# 2. Generated genome (`cairn step simulate`): 2 Mb, 30x, then the same reads thinned to 10x.
S=$WORK/sim
genome "$S" 1 2000000 0.0012 0.0002
echo "generated truth: $(zcat "$S/truth.vcf.gz" | grep -vc '^#') variants"
# What the reads allow: a het SNV seen by one fragment is, at 10x, as likely a sequencing error
# (the genotyper calls it only where both mates overlap and agree, or depth is tiny), so the
# truth SNVs with fewer than two alt fragments bound every caller's recall.
ceiling() { # truth bam ref
  python3 - "$@" <<'PY'
import gzip, re, subprocess, sys
truth, bam, ref = sys.argv[1:4]
snvs = []
for line in gzip.open(truth, "rt"):
    f = line.split("\t")
    if line[0] != "#" and len(f[3]) == 1 and all(len(a) == 1 for a in f[4].split(",")):
        snvs.append((f[0], int(f[1]), set(f[4].split(","))))
sites = "".join(f"{c}\t{p}\n" for c, p, _ in snvs)
out = subprocess.run(["samtools", "mpileup", "-l", "/dev/stdin", "-f", ref, "-q", "20", "-Q", "13",
                      "--output-QNAME", bam], input=sites, capture_output=True, text=True).stdout
seen = {}
for line in out.splitlines():
    f = line.split("\t")
    bases = re.sub(r"\^.", "", f[4]).replace("$", "")
    bases = re.sub(r"[+-](\d+)([ACGTNacgtn]+)", lambda m: m.group(2)[int(m.group(1)):], bases)
    seen[(f[0], int(f[1]))] = (bases, f[6].split(",") if len(f) > 6 else [])
n = [0, 0, 0]
for c, p, alts in snvs:
    bases, names = seen.get((c, p), ("", []))
    n[min(len({q for b, q in zip(bases, names) if b.upper() in alts}), 2)] += 1
r = n[2] / sum(n)
print(f"  truth SNVs by alt fragments: 0: {n[0]}, 1: {n[1]}, 2+: {n[2]};"
      f" a two-fragment caller's ceiling: recall {r:.4f}, F1 {2 * r / (1 + r):.4f}")
PY
}
run_callers sim-30x "$S/ref.fa" "$S/s30.bam" "$S/truth.vcf.gz"
run_callers sim-10x "$S/ref.fa" "$S/s10.bam" "$S/truth.vcf.gz"
ceiling "$S/truth.vcf.gz" "$S/s10.bam" "$S/ref.fa"

# 3. An indel-rich generated genome (1 Mb, one indel per kb, another seed): repeats and indels
#    written several ways by the aligner are where haplotype scoring earns its keep.
S=$WORK/sim-indels
genome "$S" 2 1000000 0.001 0.001
echo "indel-rich truth: $(zcat "$S/truth.vcf.gz" | grep -vc '^#') variants"
run_callers indels-30x "$S/ref.fa" "$S/s30.bam" "$S/truth.vcf.gz"
run_callers indels-10x "$S/ref.fa" "$S/s10.bam" "$S/truth.vcf.gz"
# 4. More generated genomes at 10x (same settings as set 2, other seeds).
for seed in ${SEEDS-3 4 5 6 7}; do
  S=$WORK/sim-seed$seed
  genome "$S" "$seed" 2000000 0.0012 0.0002
  run_callers "sim-seed$seed-10x" "$S/ref.fa" "$S/s10.bam" "$S/truth.vcf.gz"
done
echo "work directory: $WORK"
