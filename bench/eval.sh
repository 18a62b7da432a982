#!/usr/bin/env bash
# `cairn step eval` side by side with its peers on the shared benchmark data.
#
# 1. Somatic: Cairn vs som.py's own pipeline re-enacted with bcftools (view -f PASS,. ; isec ;
#    FP-region split ; stats), the way som.py v0.3 runs it, plus som.py's published counts.
# 2. Germline, realistic: NA12878 reads of the GRCh38 chr22 chunk aligned (minimap2) and called
#    (bcftools call, freebayes, cairn step call), scored against GIAB v4.2.1 by Cairn (with and without the
#    reference) and by an allele-exact bcftools baseline (norm -m-any -f REF; isec).
#    Then cairn eval beside Aardvark (crate aardvark-bio) on the same PASS-only, GT-only files, for
#    those calls and (CALL_BENCH_DIR=<bench/call.sh work dir>) for the generated benchmark.
# 3. Germline, scale: Platinum chr21 and GIAB CMRG self-comparisons (time only).
#
# Usage: bench/eval.sh   (CAIRN=path/to/cairn, CAIRN_SHARED_DATA=path/to/shared/data, AARDVARK=path,
#        CALL_BENCH_DIR=work dir of bench/call.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${CAIRN_SHARED_DATA:-../shared/data}
[ -d "$DATA/vcf-benchmarks" ] || { echo "skip: shared data not found at $DATA"; exit 0; }
if [ -z "${CAIRN:-}" ]; then
  cargo build --release -q -p cairn
  CAIRN=target/release/cairn
fi
for t in bcftools; do command -v $t >/dev/null || { echo "skip: $t not installed"; exit 0; }; done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

secs() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
count() { bcftools view -H "$1" | wc -l; }

echo "== somatic: som.py counts (published) vs bcftools re-enactment vs cairn"
S=$DATA/vcf-benchmarks/somatic-admix-chr22
sompy_bcftools() { # truth query out-dir
  bcftools view -f PASS,. "$1" -Oz -o "$3/t.vcf.gz" && bcftools index -f "$3/t.vcf.gz"
  bcftools view -f PASS,. "$2" -Oz -o "$3/q.vcf.gz" && bcftools index -f "$3/q.vcf.gz"
  rm -rf "$3/isec" && bcftools isec "$3/t.vcf.gz" "$3/q.vcf.gz" -p "$3/isec" -Oz
  zcat "$S/FP_admix_grch38.bed.gz" > "$3/fp.bed"
  bcftools view -H -R "$3/fp.bed" "$3/isec/0001.vcf.gz" | wc -l > "$3/fp.count"
}
printf '%-7s %-10s %7s %7s %7s %7s %9s\n' type tool tp fp fn unk seconds
for kind in snvs indels; do
  T=$S/PG_admix_truth_grch38_$kind.vcf.gz Q=$S/strelka_grch38_admix_pass_$kind.vcf.gz
  mkdir -p "$W/$kind"
  tb=$(secs sompy_bcftools "$T" "$Q" "$W/$kind")
  tp=$(count "$W/$kind/isec/0002.vcf.gz") fn=$(count "$W/$kind/isec/0000.vcf.gz")
  priv=$(count "$W/$kind/isec/0001.vcf.gz") fp=$(cat "$W/$kind/fp.count")
  csv=$S/reference_outputs/sompy.strelka_grch38_admix_pass_$kind.stats.csv
  awk -F, -v k=$kind 'NR>1 && $2!="records" {printf "%-7s %-10s %7s %7s %7s %7s %9s\n", k, "som.py", $5, $6, $7, $8, "-"}' "$csv"
  printf '%-7s %-10s %7s %7s %7s %7s %9s\n' $kind bcftools "$tp" "$fp" "$fn" $((priv - fp)) "$tb"
  tc=$(secs "$CAIRN" step eval --somatic --truth "$T" --query "$Q" --fp-regions "$S/FP_admix_grch38.bed.gz" --json "$W/$kind.json")
  key=$([ $kind = snvs ] && echo snv || echo indel)
  python3 -c "import json,sys; r=json.load(open('$W/$kind.json'))['$key']; print('%-7s %-10s %7d %7d %7d %7d %9s' % ('$kind','cairn',r['tp'],r['fp'],r['fn'],r['unk'],'$tc'))"
  echo "        time cairn / bcftools re-enactment: $(ratio "$tc" "$tb")"
done

echo
echo "== germline, realistic: GRCh38 chr22 chunk, NA12878 reads called two ways, vs GIAB v4.2.1"
G=$DATA/grch38-chr22 REF=$G/reference/chr22_16570000_16610000.fa TRUTH=$G/truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz
if command -v minimap2 >/dev/null && command -v samtools >/dev/null; then
  minimap2 -ax sr -t 2 "$REF" "$G"/reads/NA12878_chr22_16570000_16610000_R{1,2}.fastq.gz 2>/dev/null |
    samtools sort -o "$W/n.bam" - 2>/dev/null && samtools index "$W/n.bam"
  bcftools mpileup -f "$REF" "$W/n.bam" 2>/dev/null | bcftools call -mv -Oz -o "$W/bcftools.vcf.gz" 2>/dev/null
  "$CAIRN" step call --bam "$W/n.bam" --reference "$REF" --out "$W/cairn.vcf.gz" --threads 2
  callers=(bcftools cairn)
  if command -v freebayes >/dev/null; then
    freebayes -f "$REF" "$W/n.bam" | bcftools view -Oz -o "$W/freebayes.vcf.gz"; callers+=(freebayes)
  fi
  bcftools norm -m-any -f "$REF" "$TRUTH" 2>/dev/null | bcftools view -e 'ALT="*"' -Oz -o "$W/truth.norm.vcf.gz"
  bcftools index -f "$W/truth.norm.vcf.gz"
  printf '%-10s %-22s %6s %6s %6s %6s %6s %6s\n' caller tool snv.tp snv.fp snv.fn ind.tp ind.fp ind.fn
  for c in "${callers[@]}"; do
    for mode in with-ref no-ref; do
      ref=(); [ $mode = with-ref ] && ref=(--reference "$REF")
      "$CAIRN" step eval --truth "$TRUTH" --query "$W/$c.vcf.gz" "${ref[@]}" --json "$W/$c.$mode.json" > /dev/null 2>&1
      python3 -c "import json; r=json.load(open('$W/$c.$mode.json')); s,i=r['snv'],r['indel']; print('%-10s %-22s %6d %6d %6d %6d %6d %6d' % ('$c','cairn $mode',s['tp'],s['fp'],s['fn'],i['tp'],i['fp'],i['fn']))"
    done
    # Allele-exact baseline: split + left-align both, then exact intersection.
    bcftools norm -m-any -f "$REF" "$W/$c.vcf.gz" 2>/dev/null | bcftools view -f PASS,. -i 'GT="alt"' -Oz -o "$W/$c.norm.vcf.gz"
    bcftools index -f "$W/$c.norm.vcf.gz"
    rm -rf "$W/i" && bcftools isec "$W/truth.norm.vcf.gz" "$W/$c.norm.vcf.gz" -p "$W/i" -Oz
    n() { bcftools view -H -v "$2" "$W/i/$1.vcf.gz" | wc -l; }
    printf '%-10s %-22s %6s %6s %6s %6s %6s %6s\n' "$c" "bcftools isec (exact)" \
      "$(n 0002 snps)" "$(n 0001 snps)" "$(n 0000 snps)" "$(n 0002 indels)" "$(n 0001 indels)" "$(n 0000 indels)"
  done
  echo "(no benchmark BED for this chunk: recall is exact, precision approximate)"
else
  echo "skip: minimap2/samtools not installed"
fi

echo
echo "== germline: cairn eval beside Aardvark on the same files (PASS records, stripped to GT)"
# Aardvark wants tabix-indexed VCFs, a regions BED and plain GT; it reads every record whatever its
# FILTER, so both tools get the PASS records only. `cairn allele` is eval's headline count (a TP is
# an allele match), `cairn copies` its Aardvark-rule count (a genotype a copy short is an FN, a copy
# too many an FP), `aardvark GT` Aardvark's own. docs/eval.md explains every difference.
AARDVARK=${AARDVARK:-$(command -v aardvark || echo /tmp/peers/aardvark/bin/aardvark)}
strip_gt() { bcftools view -f PASS,. "$1" | bcftools annotate -x ID,QUAL,FILTER,INFO,^FORMAT/GT -Oz -o "$2" && tabix -f -p vcf "$2"; }
side_by_side() { # label truth query ref
  local d=$W/sbs.$1
  mkdir -p "$d"
  strip_gt "$2" "$d/truth.vcf.gz" && strip_gt "$3" "$d/query.vcf.gz"
  awk -v OFS='\t' '{print $1, 0, $2}' "$4.fai" > "$d/all.bed"
  "$CAIRN" step eval --truth "$d/truth.vcf.gz" --query "$d/query.vcf.gz" --reference "$4" --json "$d/cairn.json" > /dev/null 2>&1
  "$AARDVARK" compare --reference "$4" --truth-vcf "$d/truth.vcf.gz" --query-vcf "$d/query.vcf.gz" \
    --regions "$d/all.bed" --output-dir "$d/aardvark" > /dev/null 2>&1
  python3 - "$1" "$d" <<'PY'
import csv, json, sys
label, d = sys.argv[1:3]
r = json.load(open(f"{d}/cairn.json"))
a = {(x["comparison"], x["variant_type"]): x for x in csv.DictReader(open(f"{d}/aardvark/summary.tsv"), delimiter="\t")}
for cls, kind in (("snv", "Snv"), ("indel", "JointIndel")):
    c, k = r[cls], r[cls]["copies"]
    g = a[("GT", kind)]
    rows = [("cairn allele", c["tp"], c["fp"], c["fn"], c["f1"]), ("cairn copies", k["tp"], k["fp"], k["fn"], k["f1"]),
            ("aardvark GT", int(g["truth_tp"]), int(g["query_fp"]), int(g["truth_fn"]), float(g["metric_f1"]))]
    same = "same" if rows[1][1:4] == rows[2][1:4] else "differs"
    for name, tp, fp, fn, f1 in rows:
        print(f"{label:18} {cls:6} {name:13} {tp:6} {fp:5} {fn:5} {f1 or 0:8.4f}" + (f"  copies vs aardvark: {same}" if name == "aardvark GT" else ""))
PY
}
if [ -x "$AARDVARK" ] && [ -s "$W/n.bam" ]; then
  printf '%-18s %-6s %-13s %6s %5s %5s %8s\n' set class counter tp fp fn f1
  for c in "${callers[@]}"; do side_by_side "chr22-$c" "$TRUTH" "$W/$c.vcf.gz" "$REF"; done
  # The generated benchmark of bench/call.sh, when its work directory is given (more calls, exact truth).
  if [ -n "${CALL_BENCH_DIR:-}" ] && [ -s "$CALL_BENCH_DIR/sim/truth.vcf.gz" ]; then
    for depth in 10x 30x; do
      for c in cairn bcftools freebayes; do
        q=$CALL_BENCH_DIR/sim-$depth/$c.vcf.gz
        [ -s "$q" ] || { bgzip -c "$CALL_BENCH_DIR/sim-$depth/$c.vcf" > "$W/sim-$depth.$c.vcf.gz"; q=$W/sim-$depth.$c.vcf.gz; }
        side_by_side "sim-$depth-$c" "$CALL_BENCH_DIR/sim/truth.vcf.gz" "$q" "$CALL_BENCH_DIR/sim/ref.fa"
      done
    done
  fi
else
  echo "skip: aardvark not installed (apt-get install libclang-dev; cargo install aardvark-bio --root DIR; AARDVARK=DIR/bin/aardvark)"
fi

echo
echo "== germline, scale: self-comparisons (seconds)"
P=$DATA/vcf-benchmarks/platinum-chr21 C=$DATA/vcf-benchmarks/giab-cmrg-hg002
echo "platinum chr21 (65k records): $(secs "$CAIRN" step eval --truth "$P/PG_NA12878_hg38-chr21.vcf.gz" --query "$P/PG_NA12878_hg38-chr21.vcf.gz" --regions "$P/PG_Conf_hg38-chr21.bed.gz")"
echo "GIAB CMRG (28k records):     $(secs "$CAIRN" step eval --truth "$C/HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz" --query "$C/HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz" --regions "$C/HG002_GRCh38_CMRG_smallvar_v1.00.bed")"
