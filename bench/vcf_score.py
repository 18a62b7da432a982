#!/usr/bin/env python3
"""Quick SNV/indel recall, precision and F1 of a call set against a truth VCF (benchmark helper only).

Both VCFs are split into biallelic records and left-normalised with `bcftools norm` against the
reference, then matched on (chrom, pos, ref, alt) for records whose genotype carries the alternate
allele. With --bed, both sides are restricted to those intervals. Prints one TSV line per type.
Usage: vcf_score.py TRUTH CALLS REF [--pass-only] [--bed BED] [--label NAME]
"""
import argparse
import subprocess


def load(path, ref, pass_only, bed):
    cmd = ["bcftools", "norm", "-m", "-any", "-f", ref, "-c", "w", path]
    if bed:
        cmd = ["bash", "-c", f"bcftools view -R {bed} {path} | bcftools norm -m -any -f {ref} -c w -"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    calls = {"snv": set(), "indel": set()}
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        if pass_only and f[6] not in ("PASS", "."):
            continue
        if f[4] in (".", "*") or f[4].startswith("<"):
            continue
        gt = f[9].split(":")[0] if len(f) > 9 else "1"
        if not any(a not in ("0", ".") for a in gt.replace("|", "/").split("/")):
            continue
        kind = "snv" if len(f[3]) == 1 and len(f[4]) == 1 else "indel"
        calls[kind].add((f[0], int(f[1]), f[3], f[4]))
    return calls


def main():
    p = argparse.ArgumentParser()
    p.add_argument("truth")
    p.add_argument("calls")
    p.add_argument("ref")
    p.add_argument("--pass-only", action="store_true")
    p.add_argument("--bed")
    p.add_argument("--label", default="calls")
    a = p.parse_args()
    truth = load(a.truth, a.ref, False, a.bed)
    calls = load(a.calls, a.ref, a.pass_only, a.bed)
    for kind in ("snv", "indel"):
        t, c = truth[kind], calls[kind]
        tp = len(t & c)
        fn = len(t - c)
        fp = len(c - t)
        rec = tp / (tp + fn) if tp + fn else 0.0
        prec = tp / (tp + fp) if tp + fp else 0.0
        f1 = 2 * rec * prec / (rec + prec) if rec + prec else 0.0
        print(f"{a.label}\t{kind}\tTP={tp}\tFP={fp}\tFN={fn}\trecall={rec:.4f}\tprecision={prec:.4f}\tF1={f1:.4f}")


if __name__ == "__main__":
    main()
