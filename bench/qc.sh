#!/usr/bin/env bash
# Cairn fastq-qc beside fastp on simulated reads: reads/bases kept, adapter-trimmed reads, wall time.
#
# Usage: bench/qc.sh [size_bp] [coverage]      (defaults: 2000000 30 -> 200,000 pairs of 2x150)
# Needs a release build (cargo build --release) and, for the comparison, fastp on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-2000000}
COV=${2:-30}
CAIRN=target/release/cairn
[ -x "$CAIRN" ] || cargo build --release
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Wall and CPU (user + sys) seconds of a command, into $WORK/time.<name>; the machine may be shared,
# so CPU time is the steadier number.
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.$name" "$@"
}
wall() { awk '{print $1}' "$WORK/time.$1"; }
cpu() { awk '{print $2 + $3}' "$WORK/time.$1"; }

timed sim "$CAIRN" step simulate --size "$SIZE" --coverage "$COV" --seed 1 --out "$WORK/sim"
echo "simulate: $(wall sim) s wall, $(cpu sim) s cpu for $SIZE bp at ${COV}x"
R1=$WORK/sim/reads_1.fq.gz R2=$WORK/sim/reads_2.fq.gz

for th in 1 2; do
  timed cairn$th "$CAIRN" step fastq-qc --r1 "$R1" --r2 "$R2" --out-dir "$WORK/cairn$th" --threads "$th"
done
cmp -s "$WORK/cairn1/trimmed_1.fq.gz" "$WORK/cairn2/trimmed_1.fq.gz" && echo "cairn output identical on 1 and 2 threads"

have_fastp=0
if command -v fastp >/dev/null; then
  have_fastp=1
  for th in 1 2; do
    mkdir -p "$WORK/fastp$th"
    # Same settings as cairn's defaults: overlap adapter trimming, 3' quality cut at Q20
    # (window 4), min length 30, at most 5 N, gzip level 4; no extra quality filter.
    timed fastp$th fastp -i "$R1" -I "$R2" -o "$WORK/fastp$th/1.fq.gz" -O "$WORK/fastp$th/2.fq.gz" -w "$th" \
      --cut_tail --cut_tail_window_size 4 --cut_tail_mean_quality 20 -l 30 -n 5 -Q -z 4 \
      -j "$WORK/fastp$th/fastp.json" -h /dev/null 2>/dev/null
  done
else
  echo "fastp not on PATH: comparison skipped"
fi

python3 - "$WORK" "$have_fastp" <<'PY'
import json, os, sys
work, have_fastp = sys.argv[1], sys.argv[2] == "1"
def times(name):
    path = f"{work}/time.{name}"
    if not os.path.exists(path):
        return 0.0, 0.0
    e, u, s = map(float, open(path).read().split()[-3:])
    return e, u + s
c = json.load(open(f"{work}/cairn1/qc.json"))
pairs = c["filtering"]["input"]
rows = [("reads in", c["before"]["reads"]), ("reads kept", c["after"]["reads"]),
        ("bases kept", c["after"]["bases"]), ("adapter-trimmed reads", c["adapters"]["trimmed_reads"]),
        ("q30 rate after", c["after"]["q30_rate"]), ("duplication rate", c["duplication_rate"])]
f = None
if have_fastp:
    j = json.load(open(f"{work}/fastp1/fastp.json"))
    s = j["summary"]
    f = [s["before_filtering"]["total_reads"], s["after_filtering"]["total_reads"],
         s["after_filtering"]["total_bases"], j["adapter_cutting"]["adapter_trimmed_reads"],
         s["after_filtering"]["q30_rate"], j["duplication"]["rate"]]
print(f"\n{'metric':24} {'cairn':>12} {'fastp':>12} {'ratio':>7}")
for i, (name, v) in enumerate(rows):
    fv = f[i] if f else None
    ratio = f"{v / fv:.3f}" if fv else "-"
    print(f"{name:24} {v:>12} {fv if fv is not None else '-':>12} {ratio:>7}")
size = lambda p: os.path.getsize(p) if os.path.exists(p) else 0
cs, fs = size(f"{work}/cairn1/trimmed_1.fq.gz"), size(f"{work}/fastp1/1.fq.gz")
print(f"{'read-1 output bytes':24} {cs:>12} {fs:>12} {cs / fs if fs else 0:>7.3f}")
print(f"\n{'seconds':24} {'cairn':>12} {'fastp':>12} {'ratio':>7}")
for th in (1, 2):
    for kind, i in (("wall", 0), ("cpu", 1)):
        cv, fv = times(f"cairn{th}")[i], times(f"fastp{th}")[i]
        ratio = f"{cv / fv:.2f}" if fv else "-"
        print(f"{f'{kind}, {th} thread(s)':24} {cv:>12.2f} {fv:>12.2f} {ratio:>7}")
    w = times(f"cairn{th}")[0]
    print(f"{'':24} cairn: {pairs / w:,.0f} pairs/s wall")
PY

# Real reads: the NA12878 chr22 chunk (2x150 NovaSeq), when the shared data is present.
DATA=${CAIRN_SHARED_DATA:-../shared/data}
READS=$DATA/grch38-chr22/reads
if [ -d "$READS" ] && [ "$have_fastp" = 1 ]; then
  R1=$READS/NA12878_chr22_16570000_16610000_R1.fastq.gz R2=$READS/NA12878_chr22_16570000_16610000_R2.fastq.gz
  "$CAIRN" step fastq-qc --r1 "$R1" --r2 "$R2" --out-dir "$WORK/real_cairn" --threads 1
  mkdir -p "$WORK/real_fastp"
  fastp -i "$R1" -I "$R2" -o "$WORK/real_fastp/1.fq.gz" -O "$WORK/real_fastp/2.fq.gz" -w 1 \
    --cut_tail --cut_tail_window_size 4 --cut_tail_mean_quality 20 -l 30 -n 5 -Q -z 4 \
    -j "$WORK/real_fastp/fastp.json" -h /dev/null 2>/dev/null
  python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
c = json.load(open(f"{work}/real_cairn/qc.json"))
f = json.load(open(f"{work}/real_fastp/fastp.json"))
s = f["summary"]
rows = [("reads kept", c["after"]["reads"], s["after_filtering"]["total_reads"]),
        ("bases kept", c["after"]["bases"], s["after_filtering"]["total_bases"]),
        ("adapter-trimmed reads", c["adapters"]["trimmed_reads"], f["adapter_cutting"]["adapter_trimmed_reads"]),
        ("duplication rate", c["duplication_rate"], f["duplication"]["rate"])]
print(f"\nreal NA12878 chr22 chunk ({c['before']['reads']} reads)")
for name, a, b in rows:
    print(f"{name:24} {a:>12} {round(b, 6):>12} {a / b if b else 0:>7.3f}")
PY
else
  echo "real-data comparison skipped: $READS absent or fastp missing"
fi
