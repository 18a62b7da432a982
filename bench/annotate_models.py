#!/usr/bin/env python3
"""Deterministic synthetic gene models + variants for bench/annotate.sh.

Reads a random reference (from `cairn step simulate`), lays genes along each contig (both strands,
1-12 exons, UTRs, some non-coding transcripts, a second isoform skipping an exon for some genes),
writes each coding transcript's ORF into the reference (ATG, random sense codons, a stop; GT..AG
at every intron) so the models are valid, and draws SNVs, MNVs and short indels, weighted towards
genes. Outputs: ref.fa (patched), genes.gtf (Ensembl style, CDS without the stop codon, as
Ensembl's GTF does), calls.vcf.

usage: annotate_models.py IN.fa OUT_DIR N_VARIANTS SEED
"""
import random
import sys

COMP = str.maketrans("ACGT", "TGCA")
SENSE = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in ("TAA", "TAG", "TGA")]


def read_fasta(path):
    seqs, name = {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            name = line[1:].split()[0]
            seqs[name] = []
        elif name:
            seqs[name].append(line.upper())
    return {k: bytearray("".join(v), "ascii") for k, v in seqs.items()}


def put(seq, start, text):
    seq[start:start + len(text)] = text.encode()


def gene(rng, seq, contig, start, gid, out):
    """Lay one gene at `start`; returns its end."""
    strand = rng.choice("+-")
    n = rng.randint(1, 12)
    exons, pos = [], start
    for i in range(n):
        length = rng.randint(60, 400)
        exons.append([pos, pos + length])
        pos += length + rng.randint(80, 2500)
    end = exons[-1][1]
    coding = rng.random() < 0.8
    for s, e in exons[:-1]:
        nxt = exons[exons.index([s, e]) + 1][0]
        if strand == "+":
            put(seq, e, "GT"); put(seq, nxt - 2, "AG")
        else:
            put(seq, e, "CT"); put(seq, nxt - 2, "AC")
    tx_exons = exons if strand == "+" else exons[::-1]
    total = sum(e - s for s, e in exons)
    cds = None
    if coding and total > 60:
        utr5 = rng.randint(0, min(150, total // 4))
        utr3 = rng.randint(0, min(150, total // 4))
        n_codons = (total - utr5 - utr3) // 3
        orf = "ATG" + "".join(rng.choice(SENSE) for _ in range(n_codons - 2)) + rng.choice(["TAA", "TAG", "TGA"])
        # cDNA positions -> genome
        genome_pos = []
        for s, e in tx_exons:
            rng_ = range(s, e) if strand == "+" else range(e - 1, s - 1, -1)
            genome_pos.extend(rng_)
        for i, base in enumerate(orf):
            g = genome_pos[utr5 + i]
            seq[g] = ord(base if strand == "+" else base.translate(COMP))
        cds = (utr5, utr5 + len(orf), genome_pos)
    transcripts = [("%s_1" % gid, exons)]
    if n >= 3 and rng.random() < 0.3 and not cds:
        skip = rng.randint(1, n - 2)
        transcripts.append(("%s_2" % gid, exons[:skip] + exons[skip + 1:]))
    biotype = "protein_coding" if cds else "lncRNA"
    name = "GENE%s" % gid[4:]
    attrs = 'gene_id "%s"; gene_name "%s"; gene_biotype "%s";' % (gid, name, biotype)
    out.append((contig, start, "%s\tbench\tgene\t%d\t%d\t.\t%s\t.\t%s" % (contig, start + 1, end, strand, attrs)))
    for tid, tex in transcripts:
        ta = '%s transcript_id "T%s"; transcript_biotype "%s";' % (attrs, tid, biotype)
        out.append((contig, start, "%s\tbench\ttranscript\t%d\t%d\t.\t%s\t.\t%s" % (contig, tex[0][0] + 1, tex[-1][1], strand, ta)))
        for k, (s, e) in enumerate(tex if strand == "+" else tex[::-1]):
            out.append((contig, start, "%s\tbench\texon\t%d\t%d\t.\t%s\t.\t%s exon_number \"%d\";" % (contig, s + 1, e, strand, ta, k + 1)))
        if cds and tid.endswith("_1"):
            a, b, gp = cds
            coding = sorted(gp[a:b - 3])
            stop = sorted(gp[b - 3:b])
            phase = 0
            pieces = []
            for s, e in tex:
                lo, hi = max(s, coding[0]), min(e, coding[-1] + 1)
                if lo < hi:
                    pieces.append((lo, hi))
            if strand == "-":
                pieces = pieces[::-1]
            for lo, hi in pieces:
                out.append((contig, start, "%s\tbench\tCDS\t%d\t%d\t.\t%s\t%d\t%s" % (contig, lo + 1, hi, strand, phase, ta)))
                phase = (3 - ((hi - lo - phase) % 3)) % 3
            for s, e in tex:
                lo, hi = max(s, stop[0]), min(e, stop[-1] + 1)
                if lo < hi:
                    out.append((contig, start, "%s\tbench\tstop_codon\t%d\t%d\t.\t%s\t0\t%s" % (contig, lo + 1, hi, strand, ta)))
    return end


def variants(rng, seqs, genes, n):
    recs = set()
    contigs = sorted(seqs)
    while len(recs) < n:
        c = rng.choice(contigs)
        if rng.random() < 0.85 and genes[c]:
            s, e = rng.choice(genes[c])
            pos = rng.randint(max(1, s - 6000), e + 6000)
        else:
            pos = rng.randint(1, len(seqs[c]) - 20)
        pos = min(max(pos, 1), len(seqs[c]) - 20)
        ref = chr(seqs[c][pos])
        r = rng.random()
        if r < 0.75:
            alt = rng.choice([b for b in "ACGT" if b != ref])
            recs.add((c, pos, ref, alt))
        elif r < 0.80:
            ref = seqs[c][pos:pos + 2].decode()
            alt = "".join(rng.choice([b for b in "ACGT" if b != x]) for x in ref)
            recs.add((c, pos, ref, alt))
        elif r < 0.90:
            k = rng.choice([1, 1, 1, 2, 3, 3, 4, 6, 9])
            recs.add((c, pos, seqs[c][pos:pos + k + 1].decode(), ref))
        else:
            k = rng.choice([1, 1, 1, 2, 3, 3, 4, 6, 9])
            recs.add((c, pos, ref, ref + "".join(rng.choice("ACGT") for _ in range(k))))
    return sorted(recs, key=lambda r: (contigs.index(r[0]), r[1], r[2], r[3]))


def main():
    fa, out_dir, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    seqs = read_fasta(fa)
    lines, genes = [], {}
    for c in sorted(seqs):
        genes[c] = []
        pos, gi = 8000, 0
        while pos < len(seqs[c]) - 60000:
            gid = "GENE%s_%05d" % (c, gi)
            end = gene(rng, seqs[c], c, pos, gid, lines)
            genes[c].append((pos, end))
            pos = end + rng.randint(500, 12000)
            gi += 1
    with open(out_dir + "/ref.fa", "w") as f:
        for c in sorted(seqs):
            f.write(">%s\n" % c)
            s = seqs[c].decode()
            for i in range(0, len(s), 60):
                f.write(s[i:i + 60] + "\n")
    with open(out_dir + "/genes.gtf", "w") as f:
        for _, _, l in lines:
            f.write(l + "\n")
    with open(out_dir + "/calls.vcf", "w") as f:
        f.write("##fileformat=VCFv4.2\n")
        for c in sorted(seqs):
            f.write("##contig=<ID=%s,length=%d>\n" % (c, len(seqs[c])))
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for c, pos, ref, alt in variants(rng, seqs, genes, n):
            f.write("%s\t%d\t.\t%s\t%s\t50\tPASS\t.\n" % (c, pos + 1, ref, alt))
    print("genes: %d, variants: %d" % (sum(len(g) for g in genes.values()), n))


if __name__ == "__main__":
    main()
