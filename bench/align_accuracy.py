#!/usr/bin/env python3
"""Score aligners against the simulator's truth: `cairn step simulate --origins` writes each
fragment's reference span into the read headers. A read is placed correctly when its unclipped
5' end lies within 10 bp of where its fragment says, on the right strand and contig.

Usage: bench/align_accuracy.py READS_1.fq.gz BAM...   (needs samtools)
"""
import gzip, re, subprocess, sys
truth = {}
with gzip.open(sys.argv[1], 'rt') as f:
    for i, line in enumerate(f):
        if i % 4 == 0:
            fields = line[1:].split()
            name, origin = fields[0], (fields[1] if len(fields) > 1 else '')
            name = name.rsplit('/', 1)[0]
            m = re.match(r'origin=(\S+):(\d+)-(\d+):([+-])', origin)
            truth[name] = m and (m.group(1), int(m.group(2)), int(m.group(3)), m.group(4))
def five_prime(flag, pos, cigar):
    ops = re.findall(r'(\d+)([MIDNSHP=X])', cigar)
    if flag & 16:
        ref = sum(int(n) for n, o in ops if o in 'MDN=X')
        trail = 0
        for n, o in reversed(ops):
            if o in 'SH': trail += int(n)
            else: break
        return pos + ref - 1 + trail
    lead = 0
    for n, o in ops:
        if o in 'SH': lead += int(n)
        else: break
    return pos - lead
if not truth or not all(truth.values()):
    sys.exit('align_accuracy.py: the reads have no origin= headers (simulate with --origins)')
for bam in sys.argv[2:]:
    out = subprocess.run(['samtools', 'view', '-F', '0x900', bam], capture_output=True, text=True).stdout
    n = ok = mapped = wrong_q = 0
    for l in out.splitlines():
        f = l.split('\t'); flag = int(f[1]); n += 1
        if flag & 4: continue
        mapped += 1
        contig, first, last, s1 = truth[f[0]]
        read1 = bool(flag & 64)
        fwd_expected = (s1 == '+') == read1
        exp = first if fwd_expected else last
        got = five_prime(flag, int(f[3]), f[5])
        if f[2] == contig and abs(got - exp) <= 10 and bool(flag & 16) != fwd_expected:
            ok += 1
        elif int(f[4]) >= 20:
            wrong_q += 1
    print(f"{bam}: reads {n}, mapped {100*mapped/n:.3f}%, correctly placed {100*ok/n:.3f}% of reads, wrong with MAPQ>=20: {wrong_q}")
