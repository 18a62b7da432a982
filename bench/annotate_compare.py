#!/usr/bin/env python3
"""Most-severe consequence per variant x transcript: cairn's CSQ vs snpEff's ANN.

Both tools' terms are mapped to one vocabulary (snpEff's finer inframe classes and its extra
terms folded into the SO terms cairn uses), then each side's most severe term is picked with
the same ranking (VEP's, cairn's documented one). Intergenic variants compare under transcript
"-". Prints agreement and every disagreement class with counts and an example.

usage: annotate_compare.py CAIRN.vcf.gz SNPEFF.vcf
"""
import collections
import gzip
import sys

RANK = """transcript_ablation splice_acceptor_variant splice_donor_variant stop_gained
frameshift_variant stop_lost start_lost inframe_insertion inframe_deletion missense_variant
protein_altering_variant splice_region_variant start_retained_variant stop_retained_variant
synonymous_variant coding_sequence_variant 5_prime_UTR_variant 3_prime_UTR_variant
non_coding_transcript_exon_variant intron_variant upstream_gene_variant
downstream_gene_variant intergenic_variant""".split()
SNPEFF = {
    "conservative_inframe_insertion": "inframe_insertion",
    "disruptive_inframe_insertion": "inframe_insertion",
    "conservative_inframe_deletion": "inframe_deletion",
    "disruptive_inframe_deletion": "inframe_deletion",
    "5_prime_UTR_premature_start_codon_gain_variant": "5_prime_UTR_variant",
    "initiator_codon_variant": "start_retained_variant",
    "intergenic_region": "intergenic_variant",
    "non_coding_transcript_variant": "non_coding_transcript_exon_variant",
    "exon_loss_variant": "exon_loss_variant",
}


def top(terms):
    known = [t for t in terms if t in RANK]
    return min(known, key=RANK.index) if known else "+".join(sorted(terms))


def opener(path):
    return gzip.open(path, "rt") if path.endswith(".gz") else open(path)


def info_field(info, key):
    for kv in info.split(";"):
        if kv.startswith(key + "="):
            return kv[len(key) + 1:]
    return None


def read(path, key, feature_col):
    out = {}
    for line in opener(path):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 8:
            continue
        value = info_field(f[7], key)
        if value is None:
            continue
        for entry in value.split(","):
            e = entry.split("|")
            tx = e[feature_col] if e[1] not in ("intergenic_region", "intergenic_variant") else "-"
            terms = [SNPEFF.get(t, t) for t in e[1].split("&")]
            k = (f[0], f[1], f[3], e[0], tx)
            out.setdefault(k, []).extend(terms)
    # snpEff adds an intergenic_region entry beside upstream/downstream ones; VEP and cairn call
    # a variant intergenic only when no transcript lies within 5 kb.
    genic = {k[:4] for k in out if k[4] != "-"}
    return {k: top(v) for k, v in out.items() if k[4] != "-" or k[:4] not in genic}


def main():
    cairn = read(sys.argv[1], "CSQ", 6)
    snpeff = read(sys.argv[2], "ANN", 6)
    keys = sorted(set(cairn) | set(snpeff))
    agree = 0
    classes = collections.Counter()
    example = {}
    for k in keys:
        a, b = cairn.get(k, "(absent)"), snpeff.get(k, "(absent)")
        if a == b:
            agree += 1
        else:
            classes[(a, b)] += 1
            example.setdefault((a, b), k)
    total = len(keys)
    print("variant x transcript pairs: %d (cairn %d, snpEff %d)" % (total, len(cairn), len(snpeff)))
    print("most-severe agreement: %d / %d = %.3f%%" % (agree, total, 100.0 * agree / max(total, 1)))
    print("disagreement classes (cairn vs snpEff): count, example chrom:pos ref>alt transcript")
    for (a, b), n in classes.most_common():
        c, p, r, alt, tx = example[(a, b)]
        print("  %-34s %-34s %6d  %s:%s %s>%s %s" % (a, b, n, c, p, r, alt, tx))


if __name__ == "__main__":
    main()
