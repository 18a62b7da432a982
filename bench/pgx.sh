#!/usr/bin/env bash
# Cairn's pgx step beside PharmCAT's matcher on the same VCFs: wall time and the ratio.
#
#   bench/pgx.sh [VCF...]      (default: the PharmCAT example and the haplotype test VCFs)
#
# PharmCAT is used when PHARMCAT_JAR points at a pharmcat-*-all.jar (java on PATH); otherwise only
# Cairn is timed and the comparison is skipped with a message. Shared data: ../shared/data or
# CAIRN_SHARED_DATA.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${CAIRN_SHARED_DATA:-../shared/data}/pgx"
[ -d "$DATA" ] || { echo "skipping: no shared PGx data at $DATA"; exit 0; }
cargo build --release --quiet
CAIRN=target/release/cairn
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

if [ "$#" -gt 0 ]; then VCFS=("$@"); else
  VCFS=("$DATA/example/pharmcat.example.vcf")
  while IFS= read -r f; do VCFS+=("$f"); done < <(find "$DATA/test_vcfs/haplotype" -mindepth 2 -name '*.vcf' | sort)
fi

now() { date +%s.%N; }
t0=$(now)
i=0
for v in "${VCFS[@]}"; do
  i=$((i + 1))
  "$CAIRN" step pgx --vcf "$v" --definitions "$DATA" --out "$OUT/$i.cairn.json" 2>/dev/null || true
done
t1=$(now)
cairn_s=$(echo "$t1 - $t0" | bc)
echo "cairn pgx: ${#VCFS[@]} VCFs in ${cairn_s}s"

if [ -z "${PHARMCAT_JAR:-}" ] || ! command -v java >/dev/null; then
  echo "skipping PharmCAT: set PHARMCAT_JAR to a pharmcat-*-all.jar to compare"
  exit 0
fi
t0=$(now)
i=0
for v in "${VCFS[@]}"; do
  i=$((i + 1))
  mkdir -p "$OUT/pc$i"
  java -jar "$PHARMCAT_JAR" -vcf "$v" -matcher -o "$OUT/pc$i" >/dev/null 2>&1 || true
done
t1=$(now)
pc_s=$(echo "$t1 - $t0" | bc)
echo "pharmcat matcher: ${#VCFS[@]} VCFs in ${pc_s}s"
echo "ratio pharmcat/cairn: $(echo "scale=2; $pc_s / $cairn_s" | bc)"
