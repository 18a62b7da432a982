#!/usr/bin/env bash
# Engine overhead: N trivial command tasks (N samples x 1 step) run by Cairn and by Snakemake on the
# same cores, side by side in one run. Prints wall time, peak RSS, per-task cost and the ratio.
#
#   bench/engine-overhead.sh [N ...]        default: 1000 10000
#
# Snakemake comes from PyPI (a venv under $BENCH_DIR is created when `snakemake` is not on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
cores=${CORES:-2}
BENCH_DIR=${BENCH_DIR:-/tmp/cairn-bench-engine}
mkdir -p "$BENCH_DIR"

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
cairn="$here/target/release/cairn"

smk=${SNAKEMAKE:-}
if [ -z "$smk" ]; then
  if [ -x /tmp/peers/venv-smk/bin/snakemake ]; then smk=/tmp/peers/venv-smk/bin/snakemake
  elif command -v snakemake >/dev/null; then smk=$(command -v snakemake)
  else
    python3 -m venv "$BENCH_DIR/venv" && "$BENCH_DIR/venv/bin/pip" install -q snakemake
    smk="$BENCH_DIR/venv/bin/snakemake"
  fi
fi
echo "cairn $("$cairn" --version | cut -d' ' -f2), snakemake $("$smk" --version), $cores cores"

# /usr/bin/time -v gives wall and peak RSS; fall back to bash's time without RSS.
measure() { # out-file cmd...
  local out=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" > "$out.log" 2> "$out.time" || { tail -5 "$out.time" "$out.log"; return 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$out.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$out.time")
  else
    local t0=$(date +%s.%N); "$@" > "$out.log" 2>&1; wall=$(echo "$(date +%s.%N) - $t0" | bc); rss=NA
  fi
}

printf '\n%-8s %-10s %10s %12s %14s %16s\n' tasks engine wall_s peak_rss_MB wall_ms/task engine_cpu_ms/task
for n in "${sizes[@]}"; do
  d="$BENCH_DIR/n$n"; rm -rf "$d"; mkdir -p "$d"
  { echo sample; for i in $(seq 1 "$n"); do echo "s$i"; done; } > "$d/samples.csv"
  cat > "$d/wf.yaml" <<'YAML'
name: overhead
samples: samples.csv
steps:
  touch:
    per: sample
    out: { txt: "{{ sample }}.txt" }
    run: echo {{ sample }} > {{ out.txt }}
YAML
  cat > "$d/Snakefile" <<'SMK'
import csv
SAMPLES = [r["sample"] for r in csv.DictReader(open("samples.csv"))]
rule all:
    input: expand("out/{s}.txt", s=SAMPLES)
rule touch:
    output: "out/{s}.txt"
    shell: "echo {wildcards.s} > {output}"
SMK
  cd "$d"; measure "$d/cairn" "$cairn" run wf.yaml -j "$cores" --progress quiet --work-dir "$d/store" --outdir "$d/results"; cd "$here"
  cw=$wall; cr=$rss
  ccpu=$(grep -o 'engine cpu [0-9.]* ms/task' "$d/cairn.time" "$d/cairn.log" 2>/dev/null | head -1 | awk '{print $3}')
  printf '%-8s %-10s %10s %12s %14.3f %16s\n' "$n" cairn "$cw" "$cr" "$(echo "$cw*1000/$n" | bc -l)" "${ccpu:-NA}"
  cd "$d"; measure "$d/noop" "$cairn" run wf.yaml -j "$cores" --progress quiet --work-dir "$d/store" --outdir "$d/results"; cd "$here"
  printf '%-8s %-10s %10s %12s\n' "$n" cairn-noop "$wall" "$rss"
  # Snakemake gets at most SMK_LIMIT seconds (default: 40x Cairn's time, at least 600 s); if it
  # has not finished by then, the ratio is reported as a lower bound with the jobs it completed.
  limit=${SMK_LIMIT:-$(echo "l=$cw*40; if (l < 600) 600 else l" | bc -l | cut -d. -f1)}
  cd "$d"
  if measure "$d/smk" timeout "$limit" "$smk" --cores "$cores" --quiet all; then
    cd "$here"; sw=$wall; sr=$rss
    printf '%-8s %-10s %10s %12s %14.3f\n' "$n" snakemake "$sw" "$sr" "$(echo "$sw*1000/$n" | bc -l)"
    cd "$d"; measure "$d/smk-noop" "$smk" --cores "$cores" --quiet all; cd "$here"
    printf '%-8s %-10s %10s %12s\n' "$n" smk-noop "$wall" "$rss"
    printf '%-8s ratio snakemake/cairn wall: %.1fx\n' "$n" "$(echo "$sw/$cw" | bc -l)"
  else
    cd "$here"; done_jobs=$(ls "$d/out" 2>/dev/null | wc -l)
    printf '%-8s %-10s %10s %12s   (stopped after %s s: %s of %s jobs done)\n' "$n" snakemake ">$limit" NA "$limit" "$done_jobs" "$n"
    printf '%-8s ratio snakemake/cairn wall: >%.1fx (lower bound)\n' "$n" "$(echo "$limit/$cw" | bc -l)"
  fi
done
