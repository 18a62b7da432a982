#!/usr/bin/env bash
# What running steps in containers costs: workflows/external-tools.yaml (bwa mem | samtools | bcftools)
# once in the Debian tools image (podman) and once with the same workflow's steps on the host's tools,
# on the same simulated samples and cores. Prints the wall time of each run, per-task container
# start-up overhead, and both runs' SNV/indel F1 (same tool versions on a Debian 12 host, so the calls
# should agree).
#
# Usage: bench/containers.sh [WORK_DIR]   (default: target/bench-containers)
#   SAMPLES=N   samples to simulate (default 3), SIZE=bases (default 200000), COVERAGE (default 30)
#   CAIRN=PATH  the cairn binary (default target/release/cairn, built if missing)
# Needs podman (see .ci/podman-up.sh), localhost/cairn-tools:bookworm (containers/build.sh tools), and
# bwa, samtools, bcftools, tabix on the host.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${1:-$ROOT/target/bench-containers}")
SAMPLES=${SAMPLES:-3} SIZE=${SIZE:-200000} COVERAGE=${COVERAGE:-30}
CAIRN=${CAIRN:-$ROOT/target/release/cairn}
for tool in podman bwa samtools bcftools tabix; do
  command -v "$tool" >/dev/null || { echo "bench/containers.sh: $tool is not installed" >&2; exit 3; }
done
podman image exists localhost/cairn-tools:bookworm \
  || { echo "bench/containers.sh: build the image first: containers/build.sh tools" >&2; exit 3; }
[[ -x $CAIRN ]] || (cd "$ROOT" && cargo build --release --quiet)
mkdir -p "$WORK"

DATA=$WORK/data
if [[ ! -f $DATA/samples.csv ]]; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  sheet="sample,fastq_1,fastq_2,truth"
  for i in $(seq 1 "$SAMPLES"); do
    ref=(); [[ $i -gt 1 ]] && ref=(--reference "$DATA/ref.fa")
    "$CAIRN" step simulate --size "$SIZE" --coverage "$COVERAGE" --seed $((10 + i)) --sample "S$i" \
      "${ref[@]}" --out "$DATA/sim$i" 2>/dev/null
    [[ $i -eq 1 ]] && cp "$DATA/sim1/ref.fa" "$DATA/sim1/ref.fa.fai" "$DATA/"
    sheet+=$'\n'"S$i,sim$i/reads_1.fq.gz,sim$i/reads_2.fq.gz,sim$i/truth.vcf.gz"
  done
  echo "$sheet" > "$DATA/samples.csv"
fi

# The same workflow without `container:`: the host's tools run the same scripts.
sed '/^    container: tools$/d' "$ROOT/workflows/external-tools.yaml" > "$WORK/host-tools.yaml"
sed -i "s#^images: .*#images: $ROOT/containers/images.toml#" "$WORK/host-tools.yaml"

run() { # NAME WORKFLOW: a fresh store each time; prints wall seconds
  local name=$1 wf=$2 start end
  rm -rf "$WORK/$name"
  start=$(date +%s.%N)
  "$CAIRN" run "$wf" --samples "$DATA/samples.csv" --param reference="$DATA/ref.fa" \
    --work-dir "$WORK/$name/store" --outdir "$WORK/$name/results" --progress quiet -j 2 \
    2> "$WORK/$name.log" || { tail "$WORK/$name.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
f1() { # RESULTS: mean SNV and indel F1 over the samples
  python3 - "$1" <<'PY'
import json, glob, sys
ev = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*/*.eval.json"))]
print("%.4f %.4f" % (sum(e["snv"]["f1"] for e in ev) / len(ev), sum(e["indel"]["f1"] for e in ev) / len(ev)))
PY
}
in_ctr=$(run containers "$ROOT/workflows/external-tools.yaml")
on_host=$(run host "$WORK/host-tools.yaml")
tasks=$((1 + 2 * SAMPLES))
read -r c_snv c_indel < <(f1 "$WORK/containers/results")
read -r h_snv h_indel < <(f1 "$WORK/host/results")
printf '%-12s %8s %8s %8s\n' run wall_s snv_f1 indel_f1
printf '%-12s %8.2f %8s %8s\n' containers "$in_ctr" "$c_snv" "$c_indel"
printf '%-12s %8.2f %8s %8s\n' host "$on_host" "$h_snv" "$h_indel"
echo "ratio containers/host: $(echo "scale=2; $in_ctr / $on_host" | bc)x;" \
  "overhead per containerized task: $(echo "scale=3; ($in_ctr - $on_host) / $tasks" | bc) s ($tasks tasks)"
