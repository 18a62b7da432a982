#!/usr/bin/env bash
# `cairn step annotate` beside snpEff on the same synthetic genome, gene models and calls.
#
# 1. A random 20 Mb reference from `cairn step simulate`; bench/annotate_models.py lays ~1,300
#    genes on it (both strands, 1-12 exons, UTRs, lncRNAs, skipped-exon isoforms), writes valid
#    ORFs and GT..AG introns into the reference, and draws 120,000 SNVs/MNVs/indels (85% near
#    genes). Everything is deterministic (fixed seeds).
# 2. snpEff builds its database from the same GTF + FASTA (`snpEff build -gtf22`, as its docs
#    describe for a custom genome) and annotates; cairn annotates with 2 threads.
# 3. bench/annotate_compare.py compares the most severe consequence per variant x transcript and
#    lists every disagreement class; wall times and the throughput ratio are printed.
#
# Measured (2026-11-28, 2 shared cores, load ~6): 178,491 variant x transcript pairs, 99.959%
# agreement; cairn 62.7k variants/s, snpEff 6.7k variants/s (9.3x). The disagreement classes
# (73 pairs), and why:
# - 3_prime_UTR vs splice_region (23), downstream/upstream vs splice_region/5'UTR (4): snpEff
#   gives splice_region to the terminal three bases of a transcript (and insertions just outside
#   its ends), where there is no intron; cairn and VEP need an exon-intron junction.
# - frameshift vs stop_gained (13), synonymous vs stop_gained (1): snpEff adds stop_gained when an
#   insertion's first new codon is a stop; cairn reports the frameshift (HGVS p.XxxNTer shows it).
# - splice_region vs splice_acceptor/donor (9), intron vs splice_region (6), non_coding_exon vs
#   splice_region (6), and the single cases at junctions: indels next to splice sites. snpEff
#   computes consequences on the 3'-shifted indel and reads an insertion as touching the base
#   after it; cairn, like VEP's default, uses the allele where the VCF puts it (both give the
#   same, 3'-shifted HGVS, e.g. c.1123-7_1123-2del).
# - 3_prime_UTR vs stop_retained (2), stop_retained vs inframe_insertion (1), stop_lost /
#   start_lost / splice_acceptor vs frameshift (3): indels touching the start or stop codon or
#   the CDS edge, where the two tools rank the co-occurring terms differently.
#
# Usage: bench/annotate.sh   (CAIRN=path/to/cairn to override; N=variants, default 120000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${CAIRN:-}" ]; then
  cargo build --release -q -p cairn
  CAIRN=$ROOT/target/release/cairn
fi
command -v snpEff >/dev/null || { echo "skip: snpEff not installed"; exit 0; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 0; }
N=${N:-120000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

secs() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }

"$CAIRN" step simulate --out sim --size 20000000 --contigs 2 --coverage 0.01 --seed 11 >/dev/null 2>&1
python3 "$ROOT/bench/annotate_models.py" sim/ref.fa . "$N" 5
mkdir -p se/data/bench
cp genes.gtf se/data/bench/genes.gtf
cp ref.fa se/data/bench/sequences.fa
echo "bench.genome : bench" > se/snpEff.config
build=$(secs snpEff build -c se/snpEff.config -dataDir "$W/se/data" -gtf22 -noCheckCds -noCheckProtein bench)

cairn_s=$(secs "$CAIRN" step annotate --vcf calls.vcf --annotation genes.gtf --reference ref.fa \
  --out cairn.vcf.gz --threads 2)
snpeff_s=$(secs sh -c "snpEff ann -c se/snpEff.config -dataDir $W/se/data -noStats -noLog bench calls.vcf > snpeff.vcf")
# snpEff's JVM start and database load, measured on a one-record VCF, for a fair per-variant rate.
awk '/^#/ { print; next } { print; exit }' calls.vcf > one.vcf
snpeff_0=$(secs sh -c "snpEff ann -c se/snpEff.config -dataDir $W/se/data -noStats -noLog bench one.vcf > /dev/null")
cairn_0=$(secs "$CAIRN" step annotate --vcf one.vcf --annotation genes.gtf --reference ref.fa --out one.vcf.gz)

echo "== consequence concordance (most severe per variant x transcript)"
python3 "$ROOT/bench/annotate_compare.py" cairn.vcf.gz snpeff.vcf
echo "== throughput on $N variants (snpEff database build: ${build}s, not counted)"
printf "cairn  (2 threads): %6.2f s  %8.0f variants/s  (startup + model: %.2f s)\n" "$cairn_s" "$(echo "$N / $cairn_s" | bc -l)" "$cairn_0"
printf "snpEff            : %6.2f s  %8.0f variants/s  (startup + database: %.2f s)\n" "$snpeff_s" "$(echo "$N / $snpeff_s" | bc -l)" "$snpeff_0"
printf "ratio cairn/snpEff variants/s: %.1fx\n" "$(echo "$snpeff_s / $cairn_s" | bc -l)"
