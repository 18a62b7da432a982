#!/usr/bin/env python3
"""Write a somatic truth VCF for `cairn simulate --tumour --somatic`: SNVs and indels at allele
fractions spread evenly over [min_af, max_af], at least 15 bp away from germline variants and from
each other, with reference bases taken from the FASTA.

usage: somatic_truth.py REF.fa GERMLINE.vcf.gz N_SNV N_INDEL SEED OUT.vcf [MIN_AF MAX_AF]
"""
import gzip
import random
import sys


def read_fasta(path):
    seqs, name = {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            name = line[1:].split()[0]
            seqs[name] = []
        elif name:
            seqs[name].append(line.upper())
    return {k: "".join(v) for k, v in seqs.items()}


def germline_positions(path):
    out = {}
    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            c, p, _, r, *_ = line.split("\t")
            out.setdefault(c, []).append((int(p) - 1, int(p) - 1 + len(r)))
    return out


def left_align(s, pos, r, a):
    """Shift an indel (sharing its first base) left while the shifted allele is the same."""
    while len(r) != len(a) and pos > 0 and r[-1] == a[-1]:
        pos -= 1
        r, a = s[pos] + r[:-1], s[pos] + a[:-1]
    return pos, r, a


def main():
    ref, germ, n_snv, n_indel, seed, out = sys.argv[1:7]
    lo, hi = (float(x) for x in (sys.argv[7:9] or ["0.05", "0.5"]))
    rng = random.Random(int(seed))
    seqs = read_fasta(ref)
    busy = germline_positions(germ)
    total = int(n_snv) + int(n_indel)
    kinds = ["snv"] * int(n_snv) + ["indel"] * int(n_indel)
    rng.shuffle(kinds)
    contigs = sorted(seqs)
    records = []
    taken = {c: list(busy.get(c, [])) for c in contigs}
    i = 0
    while len(records) < total:
        c = rng.choice(contigs)
        s = seqs[c]
        pos = rng.randrange(100, len(s) - 100)
        if any(a - 15 <= pos <= b + 15 for a, b in taken[c]) or "N" in s[pos - 1 : pos + 30]:
            continue
        kind = kinds[len(records)]
        af = round(lo + (hi - lo) * (i % 10) / 9, 2)
        i += 1
        if kind == "snv":
            r = s[pos]
            a = rng.choice([b for b in "ACGT" if b != r])
            span = 1
        elif rng.random() < 0.5:
            n = rng.randint(1, 12)
            r, a, span = s[pos : pos + n + 1], s[pos], n + 1
        else:
            n = rng.randint(1, 12)
            r = s[pos]
            a = r + "".join(rng.choice("ACGT") for _ in range(n))
            span = 1
        taken[c].append((pos, pos + span))
        pos, r, a = left_align(s, pos, r, a)
        records.append((c, pos + 1, r, a, af))
    records.sort(key=lambda x: (contigs.index(x[0]), x[1]))
    with open(out, "w") as f:
        f.write("##fileformat=VCFv4.3\n")
        f.write('##INFO=<ID=AF,Number=A,Type=Float,Description="Expected allele fraction">\n')
        for c in contigs:
            f.write(f"##contig=<ID={c},length={len(seqs[c])}>\n")
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOUR\n")
        for c, p, r, a, af in records:
            f.write(f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\tAF={af}\tGT\t0|1\n")


if __name__ == "__main__":
    main()
