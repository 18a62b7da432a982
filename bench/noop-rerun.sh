#!/usr/bin/env bash
# No-op rerun: a workflow of N samples x 3 steps, run once, then run again with nothing changed.
# Cairn's second run beside Snakemake's second run on the same work, as a ratio.
#
#   bench/noop-rerun.sh [N]        default: 1000
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000}
cores=${CORES:-2}
d=${BENCH_DIR:-/tmp/cairn-bench-noop}/n$n
rm -rf "$d"; mkdir -p "$d/data"

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
cairn="$here/target/release/cairn"
smk=${SNAKEMAKE:-}
if [ -z "$smk" ]; then
  if [ -x /tmp/peers/venv-smk/bin/snakemake ]; then smk=/tmp/peers/venv-smk/bin/snakemake
  elif command -v snakemake >/dev/null; then smk=$(command -v snakemake)
  else python3 -m venv "$d/venv" && "$d/venv/bin/pip" install -q snakemake && smk="$d/venv/bin/snakemake"; fi
fi

{ echo sample,reads; for i in $(seq 1 "$n"); do echo "s$i,data/s$i.txt"; echo "reads of s$i" > "$d/data/s$i.txt"; done; } > "$d/samples.csv"
cat > "$d/wf.yaml" <<'YAML'
name: noop
samples: samples.csv
steps:
  a:
    per: sample
    in: { r: "{{ sample.reads }}" }
    out: { o: "{{ sample }}.a" }
    run: cat {{ in.r }} > {{ out.o }}
  b:
    per: sample
    in: { r: "{{ a.o }}" }
    out: { o: "{{ sample }}.b" }
    run: cat {{ in.r }} > {{ out.o }}
  c:
    per: sample
    in: { r: "{{ b.o }}" }
    out: { o: "{{ sample }}.c" }
    run: cat {{ in.r }} > {{ out.o }}
YAML
cat > "$d/Snakefile" <<'SMK'
import csv
SAMPLES = [r["sample"] for r in csv.DictReader(open("samples.csv"))]
rule all:
    input: expand("out/{s}.c", s=SAMPLES)
rule a:
    input: "data/{s}.txt"
    output: "out/{s}.a"
    shell: "cat {input} > {output}"
rule b:
    input: "out/{s}.a"
    output: "out/{s}.b"
    shell: "cat {input} > {output}"
rule c:
    input: "out/{s}.b"
    output: "out/{s}.c"
    shell: "cat {input} > {output}"
SMK
cd "$d"
echo "first runs ($n samples x 3 steps, $cores cores)..."
"$cairn" run wf.yaml -j "$cores" --progress quiet --work-dir store --outdir results 2> cairn-first.log
# Snakemake's first run of thousands of jobs takes very long (see engine-overhead.sh); its outputs
# are made by the same commands directly, in order, so that its rerun finds everything up to date.
mkdir -p out
for i in $(seq 1 "$n"); do cat "data/s$i.txt" > "out/s$i.a"; done
for i in $(seq 1 "$n"); do cat "out/s$i.a" > "out/s$i.b"; done
for i in $(seq 1 "$n"); do cat "out/s$i.b" > "out/s$i.c"; done
"$smk" --cores "$cores" --dry-run --quiet all > smk-dry.log 2>&1
grep -q "Nothing to be done" smk-dry.log || { echo "snakemake would run jobs:"; tail -5 smk-dry.log; exit 1; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
best() { local b=999999 t; for _ in 1 2 3; do t=$(secs "$@"); b=$(echo "if ($t < $b) $t else $b" | bc -l); done; echo "$b"; }
c=$(best "$cairn" run wf.yaml -j "$cores" --progress quiet --work-dir store --outdir results)
s=$(best "$smk" --cores "$cores" --quiet all)
"$cairn" run wf.yaml -j "$cores" --progress quiet --work-dir store --outdir results 2>&1 | grep -q "everything is cached" || { echo "cairn rerun was not a no-op"; exit 1; }
printf 'no-op rerun, %s tasks: cairn %.3f s, snakemake %.3f s, ratio %.1fx (best of 3)\n' "$((n * 3))" "$c" "$s" "$(echo "$s / $c" | bc -l)"
