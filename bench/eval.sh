#!/usr/bin/env bash
# `cairn step eval` side by side with its peers on the shared benchmark data.
#
# 1. Somatic: Cairn vs som.py's own pipeline re-enacted with bcftools (view -f PASS,. ; isec ;
#    FP-region split ; stats), the way som.py v0.3 runs it, plus som.py's published counts.
# 2. Germline, realistic: NA12878 reads of the GRCh38 chr22 chunk aligned (minimap2) and called
#    (bcftools call, freebayes), scored against GIAB v4.2.1 by Cairn (with and without the
#    reference) and by an allele-exact bcftools baseline (norm -m-any -f REF; isec), and by
#    Aardvark when it is installed.
# 3. Germline, scale: Platinum chr21 and GIAB CMRG self-comparisons (time only).
#
# Usage: bench/eval.sh   (CAIRN=path/to/cairn, CAIRN_SHARED_DATA=path/to/shared/data to override)
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
  callers=(bcftools)
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
    bcftools norm -m-any -f "$REF" "$W/$c.vcf.gz" 2>/dev/null | bcftools view -i 'GT="alt"' -Oz -o "$W/$c.norm.vcf.gz"
    bcftools index -f "$W/$c.norm.vcf.gz"
    rm -rf "$W/i" && bcftools isec "$W/truth.norm.vcf.gz" "$W/$c.norm.vcf.gz" -p "$W/i" -Oz
    n() { bcftools view -H -v "$2" "$W/i/$1.vcf.gz" | wc -l; }
    printf '%-10s %-22s %6s %6s %6s %6s %6s %6s\n' "$c" "bcftools isec (exact)" \
      "$(n 0002 snps)" "$(n 0001 snps)" "$(n 0000 snps)" "$(n 0002 indels)" "$(n 0001 indels)" "$(n 0000 indels)"
    if command -v aardvark >/dev/null; then
      tabix -f -p vcf "$W/$c.vcf.gz"
      aardvark compare --reference "$REF" --truth-vcf "$TRUTH" --query-vcf "$W/$c.vcf.gz" --output-dir "$W/aardvark.$c" > /dev/null 2>&1 &&
        echo "aardvark summary:" && column -t -s, "$W/aardvark.$c/summary.tsv" 2>/dev/null | head -5
    else
      echo "(aardvark not installed: cargo install aardvark-bio needs libclang-dev)"
    fi
  done
  echo "(no benchmark BED for this chunk: recall is exact, precision approximate)"
else
  echo "skip: minimap2/samtools not installed"
fi

echo
echo "== germline, scale: self-comparisons (seconds)"
P=$DATA/vcf-benchmarks/platinum-chr21 C=$DATA/vcf-benchmarks/giab-cmrg-hg002
echo "platinum chr21 (65k records): $(secs "$CAIRN" step eval --truth "$P/PG_NA12878_hg38-chr21.vcf.gz" --query "$P/PG_NA12878_hg38-chr21.vcf.gz" --regions "$P/PG_Conf_hg38-chr21.bed.gz")"
echo "GIAB CMRG (28k records):     $(secs "$CAIRN" step eval --truth "$C/HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz" --query "$C/HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz" --regions "$C/HG002_GRCh38_CMRG_smallvar_v1.00.bed")"
