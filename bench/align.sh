#!/usr/bin/env bash
# Cairn's fastq-qc + align against the classic chain on the same reads and the same cores:
#   fastp -> bwa mem | samtools fixmate -m | samtools sort -> samtools markdup -> samtools index
# Prints wall time and peak RSS (GNU time) per step, the totals and the ratio Cairn / classic.
#
# Usage: bench/align.sh [WORK_DIR]   (default: target/bench-align)
#   THREADS=2           threads for every tool (default 2)
#   READS_DIR=DIR       use DIR/ref.fa, DIR/reads_1.fq.gz, DIR/reads_2.fq.gz instead of simulating
# Without READS_DIR the reads come from `cairn step simulate --size 2000000 --coverage 30 --seed 1
# --origins`
# (2x150, ~200k pairs). Index building (bwa index, cairn step align-index) is timed separately and
# left out of the ratio: both sides build an index once per reference.
# On a machine shared with other jobs, wall time follows how many runnable threads each side has
# (the classic chain runs 3-4 processes at once); the CPU-time ratio is the steadier comparison.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${1:-$ROOT/target/bench-align}")
THREADS=${THREADS:-2}
CAIRN=$ROOT/target/release/cairn
mkdir -p "$WORK"

for tool in fastp bwa samtools /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/align.sh: $tool is not installed" >&2; exit 3; }
done
(cd "$ROOT" && cargo build --release --quiet)

if [[ -n "${READS_DIR:-}" ]]; then
  DATA=$(realpath "$READS_DIR")
else
  DATA=$WORK/sim
  zcat "$DATA/reads_1.fq.gz" 2>/dev/null | head -1 | grep -q origin= \
    || "$CAIRN" step simulate --size 2000000 --coverage 30 --seed 1 --origins --out "$DATA"
fi
for f in ref.fa reads_1.fq.gz reads_2.fq.gz; do
  [[ -f $DATA/$f ]] || { echo "bench/align.sh: $DATA/$f is missing" >&2; exit 2; }
done

# timed NAME CMD...: run under GNU time, record "NAME wall_seconds max_rss_kb cpu_seconds".
# CPU time (user + system) is printed too: on a shared machine it is steadier than wall time.
RESULTS=$WORK/results.tsv
: > "$RESULTS"
timed() {
  local name=$1; shift
  /usr/bin/time -v -o "$WORK/$name.time" "$@"
  awk -v n="$name" '
    /Elapsed \(wall clock\)/ { t = $NF; k = split(t, p, ":"); s = 0; for (i = 1; i <= k; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { r = $NF }
    /User time \(seconds\)|System time \(seconds\)/ { c += $NF }
    END { printf "%s\t%.2f\t%d\t%.2f\n", n, s, r, c }' "$WORK/$name.time" >> "$RESULTS"
}

REF=$WORK/ref.fa
cp "$DATA/ref.fa" "$REF"
samtools faidx "$REF"
timed index_bwa bwa index "$REF" 2>/dev/null
timed index_cairn "$CAIRN" step align-index --reference "$REF" --out "$REF.mmi" --threads "$THREADS"

# Cairn: QC + align (sorted, duplicate-marked, indexed BAM + metrics).
C=$WORK/cairn; rm -rf "$C"; mkdir -p "$C"
if "$CAIRN" step fastq-qc --help >/dev/null 2>&1; then
  timed cairn_qc "$CAIRN" step fastq-qc --r1 "$DATA/reads_1.fq.gz" --r2 "$DATA/reads_2.fq.gz" --out-dir "$C/qc" --threads "$THREADS"
  CR1=$C/qc/trimmed_1.fq.gz; CR2=$C/qc/trimmed_2.fq.gz
else
  echo "note: cairn step fastq-qc is not available; Cairn aligns the raw reads" >&2
  CR1=$DATA/reads_1.fq.gz; CR2=$DATA/reads_2.fq.gz
fi
timed cairn_align "$CAIRN" step align --r1 "$CR1" --r2 "$CR2" --reference "$REF.mmi" \
  --sample bench --out "$C/bench.bam" --threads "$THREADS"

# Classic chain.
P=$WORK/classic; rm -rf "$P"; mkdir -p "$P"
timed classic_fastp fastp -w "$THREADS" -i "$DATA/reads_1.fq.gz" -I "$DATA/reads_2.fq.gz" \
  -o "$P/trimmed_1.fq.gz" -O "$P/trimmed_2.fq.gz" -j "$P/fastp.json" -h "$P/fastp.html" 2>/dev/null
timed classic_bwa_sort bash -c "bwa mem -t $THREADS -R '@RG\tID:bench\tSM:bench' '$REF' '$P/trimmed_1.fq.gz' '$P/trimmed_2.fq.gz' 2>/dev/null \
  | samtools fixmate -m -u - - | samtools sort -@ $THREADS -o '$P/sorted.bam' - 2>/dev/null"
timed classic_markdup samtools markdup -@ "$THREADS" "$P/sorted.bam" "$P/bench.bam"
timed classic_index samtools index -@ "$THREADS" "$P/bench.bam"

samtools quickcheck "$C/bench.bam" "$P/bench.bam"
echo
echo "== flagstat: cairn"; samtools flagstat "$C/bench.bam" | sed -n '1p;5p;7p;12p'
echo "== flagstat: classic"; samtools flagstat "$P/bench.bam" | sed -n '1p;5p;7p;12p'
if zcat "$DATA/reads_1.fq.gz" | head -1 | grep -q origin=; then
  echo "== placement against the simulator's truth"
  python3 "$ROOT/bench/align_accuracy.py" "$DATA/reads_1.fq.gz" "$C/bench.bam" "$P/bench.bam"
fi
echo
awk -F'\t' '
  { wall[$1] = $2; rss[$1] = $3; cpu[$1] = $4; order[NR] = $1 }
  END {
    printf "%-18s %10s %10s %14s\n", "step", "wall (s)", "cpu (s)", "peak RSS (MB)"
    for (i = 1; i <= NR; i++) { k = order[i]; printf "%-18s %10.2f %10.2f %14.1f\n", k, wall[k], cpu[k], rss[k] / 1024 }
    cw = wall["cairn_qc"] + wall["cairn_align"]; cc = cpu["cairn_qc"] + cpu["cairn_align"]; pw = 0; pc = 0
    for (k in wall) if (k ~ /^classic_/) { pw += wall[k]; pc += cpu[k] }
    cr = rss["cairn_qc"] > rss["cairn_align"] ? rss["cairn_qc"] : rss["cairn_align"]; pr = 0
    for (k in rss) if (k ~ /^classic_/ && rss[k] > pr) pr = rss[k]
    printf "\ncairn (qc + align):  wall %8.2f s  cpu %8.2f s  peak %7.1f MB\n", cw, cc, cr / 1024
    printf "classic chain:       wall %8.2f s  cpu %8.2f s  peak %7.1f MB\n", pw, pc, pr / 1024
    printf "ratio cairn / classic: wall %.3f (goal <= 0.5), cpu %.3f\n", cw / pw, cc / pc
  }' "$RESULTS"
