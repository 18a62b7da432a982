#!/usr/bin/env python3
"""Writes Cairn's small pharmacogenomics knowledge set and demo sample (test-data/pgx/).

Everything here is written by the project from public CPIC/PharmVar/dbSNP facts (GRCh38 positions,
star-allele defining variants, allele functions, activity values, phenotype rules, guideline
recommendations paraphrased in short, guideline citations). The files use the same JSON formats as
CPIC/PharmCAT data (allele definitions, gene phenotypes, PharmGKB guideline annotations), so
`cairn step pgx --definitions test-data/pgx` and a full PharmCAT data directory are read by the
same loader. Run `python3 test-data/pgx/generate.py` to regenerate; output is deterministic.
"""
import itertools
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent
VERSION = "cairn-demo-1"

# gene -> chromosome, [(rsid, position, ref, alt)], [(allele, {rsid: allele}, function, activity)]
# The first allele is the reference; an allele lists only its defining variants; `Y` is IUPAC C/T.
GENES = {
    "CYP2C19": ("chr10", [
        ("rs12248560", 94761900, "C", "T"),
        ("rs28399504", 94762706, "A", "G"),
        ("rs12769205", 94775367, "A", "G"),
        ("rs4986893", 94780653, "G", "A"),
        ("rs4244285", 94781859, "G", "A"),
    ], [
        ("*1", {}, "Normal function", None),
        ("*2", {"rs12769205": "G", "rs4244285": "A"}, "No function", None),
        ("*3", {"rs4986893": "A"}, "No function", None),
        ("*4", {"rs12248560": "Y", "rs28399504": "G"}, "No function", None),
        ("*17", {"rs12248560": "T"}, "Increased function", None),
    ]),
    "CYP2C9": ("chr10", [
        ("rs1799853", 94942290, "C", "T"),
        ("rs1057910", 94981296, "A", "C"),
    ], [
        ("*1", {}, "Normal function", "1.0"),
        ("*2", {"rs1799853": "T"}, "Decreased function", "0.5"),
        ("*3", {"rs1057910": "C"}, "No function", "0.0"),
    ]),
    "VKORC1": ("chr16", [("rs9923231", 31096368, "C", "T")], [
        ("rs9923231 reference (C)", {}, None, None),
        ("rs9923231 variant (T)", {"rs9923231": "T"}, None, None),
    ]),
    "DPYD": ("chr1", [
        ("rs67376798", 97082391, "T", "A"),
        ("rs3918290", 97450058, "C", "T"),
        ("rs55886062", 97515787, "A", "C"),
        ("rs56038477", 97573863, "C", "T"),
        ("rs75017182", 97579893, "G", "C"),
    ], [
        ("Reference", {}, "Normal function", "1.0"),
        ("c.1129-5923C>G, c.1236G>A (HapB3)", {"rs56038477": "T", "rs75017182": "C"},
         "Decreased function", "0.5"),
        ("c.1679T>G (*13)", {"rs55886062": "C"}, "No function", "0.0"),
        ("c.1905+1G>A (*2A)", {"rs3918290": "T"}, "No function", "0.0"),
        ("c.2846A>T", {"rs67376798": "A"}, "Decreased function", "0.5"),
    ]),
    "TPMT": ("chr6", [
        ("rs1142345", 18130687, "T", "C"),
        ("rs1800460", 18138997, "C", "T"),
        ("rs1800462", 18143724, "C", "G"),
    ], [
        ("*1", {}, "Normal function", None),
        ("*2", {"rs1800462": "G"}, "No function", None),
        ("*3A", {"rs1142345": "C", "rs1800460": "T"}, "No function", None),
        ("*3B", {"rs1800460": "T"}, "No function", None),
        ("*3C", {"rs1142345": "C"}, "No function", None),
    ]),
    "NUDT15": ("chr13", [("rs116855232", 48045719, "C", "T")], [
        ("*1", {}, "Normal function", None),
        ("*3", {"rs116855232": "T"}, "No function", None),
    ]),
    "SLCO1B1": ("chr12", [
        ("rs2306283", 21176804, "A", "G"),
        ("rs4149056", 21178615, "T", "C"),
    ], [
        ("*1", {}, "Normal function", None),
        ("*5", {"rs4149056": "C"}, "No function", None),
        ("*15", {"rs2306283": "G", "rs4149056": "C"}, "No function", None),
        ("*37", {"rs2306283": "G"}, "Normal function", None),
    ]),
}


def definition(gene, chrom, variants, alleles):
    loci = [{
        "chromosome": chrom, "position": pos, "cpicPosition": pos, "rsid": rs,
        "chromosomeHgvsName": f"g.{pos}{ref}>{alt}", "cpicAlleles": [ref, alt],
        "cpicToVcfAlleleMap": {ref: ref, alt: alt}, "ref": ref, "alts": [alt],
    } for rs, pos, ref, alt in variants]
    named = []
    for i, (name, defining, _, _) in enumerate(alleles):
        cells = [ref if i == 0 else defining.get(rs) for rs, _, ref, _ in variants]
        named.append({"name": name, "id": f"{gene}-{i}", "alleles": cells, "cpicAlleles": cells,
                      "populationFrequency": None, "reference": i == 0,
                      "numCombinations": 0, "numPartials": 0})
    return {"formatVersion": "2", "source": "CPIC", "version": VERSION, "gene": gene,
            "orientation": None, "chromosome": chrom, "genomeBuild": "GRCh38",
            "variants": loci, "namedAlleles": named}


def by_activity(score):
    """CPIC activity-score bins shared by CYP2C9 and DPYD."""
    return "Normal Metabolizer" if score >= 2 else "Intermediate Metabolizer" if score >= 1 else "Poor Metabolizer"


FUNCTION_RULES = {
    # sorted pair of function words -> phenotype
    "CYP2C19": {("Normal", "Normal"): "Normal Metabolizer", ("Increased", "Normal"): "Rapid Metabolizer",
                ("Increased", "Increased"): "Ultrarapid Metabolizer", ("No", "Normal"): "Intermediate Metabolizer",
                ("Increased", "No"): "Intermediate Metabolizer", ("No", "No"): "Poor Metabolizer"},
    "TPMT": {("Normal", "Normal"): "Normal Metabolizer", ("No", "Normal"): "Intermediate Metabolizer",
             ("No", "No"): "Poor Metabolizer"},
    "NUDT15": {("Normal", "Normal"): "Normal Metabolizer", ("No", "Normal"): "Intermediate Metabolizer",
               ("No", "No"): "Poor Metabolizer"},
    "SLCO1B1": {("Normal", "Normal"): "Normal Function", ("No", "Normal"): "Decreased Function",
                ("No", "No"): "Poor Function"},
}


def phenotypes(gene, alleles):
    rows = []
    for a, b in itertools.combinations_with_replacement(alleles, 2):
        key = {a[0]: 2} if a[0] == b[0] else {a[0]: 1, b[0]: 1}
        if a[3] is not None:
            score = float(a[3]) + float(b[3])
            pheno, lookup, activity = by_activity(score), f"{score:.1f}", f"{score:.1f}"
        else:
            words = tuple(sorted((a[2].split()[0], b[2].split()[0])))
            pheno, lookup, activity = FUNCTION_RULES[gene][words], FUNCTION_RULES[gene][words], None
        rows.append({"generesult": pheno, "diplotype": f"{a[0]}/{b[0]}", "description": None,
                     "lookupkey": lookup, "diplotypekey": key, "activityScore": activity, "phenotype": pheno})
    return {"gene": gene, "haplotypes": {a[0]: a[2] for a in alleles},
            "activityValues": {a[0]: a[3] for a in alleles if a[3] is not None},
            "diplotypes": rows,
            "namedAlleles": [{"name": a[0], "activityValue": a[3], "functionValue": a[2], "lookupKey": a[3] or a[2]}
                             for a in alleles],
            "version": VERSION}


CITATIONS = {
    "clopidogrel": ("35034351", "Clinical Pharmacogenetics Implementation Consortium Guideline for CYP2C19 Genotype and Clopidogrel Therapy: 2022 Update.", 2022),
    "fluoropyrimidines": ("29152729", "Clinical Pharmacogenetics Implementation Consortium (CPIC) Guideline for Dihydropyrimidine Dehydrogenase Genotype and Fluoropyrimidine Dosing: 2017 Update.", 2018),
    "statins": ("35152405", "The Clinical Pharmacogenetics Implementation Consortium Guideline for SLCO1B1, ABCG2, and CYP2C9 genotypes and Statin-Associated Musculoskeletal Symptoms.", 2022),
    "thiopurines": ("30447069", "Clinical Pharmacogenetics Implementation Consortium Guideline for Thiopurine Dosing Based on TPMT and NUDT15 Genotypes: 2018 Update.", 2019),
    "nsaids": ("32189324", "Clinical Pharmacogenetics Implementation Consortium Guideline (CPIC) for CYP2C9 and Nonsteroidal Anti-Inflammatory Drugs.", 2020),
}

# file stem -> (drugs, genes, citation key, [(lookupKey, strength, recommendation)])
GUIDELINES = {
    "clopidogrel_and_CYP2C19": (["clopidogrel"], ["CYP2C19"], "clopidogrel", [
        ({"CYP2C19": p}, "Strong", "If considering clopidogrel, use it at the standard dose (75 mg/day).")
        for p in ("Normal Metabolizer", "Rapid Metabolizer", "Ultrarapid Metabolizer")] + [
        ({"CYP2C19": "Intermediate Metabolizer"}, "Strong",
         "Avoid standard-dose clopidogrel if possible; use prasugrel or ticagrelor at standard dose unless contraindicated."),
        ({"CYP2C19": "Poor Metabolizer"}, "Strong",
         "Avoid clopidogrel if possible; use prasugrel or ticagrelor at standard dose unless contraindicated."),
    ]),
    "fluorouracil_capecitabine_and_DPYD": (["fluorouracil", "capecitabine"], ["DPYD"], "fluoropyrimidines", [
        ({"DPYD": "2.0"}, "Strong", "No indication to change dose or therapy; use the label-recommended dose."),
        ({"DPYD": "1.5"}, "Moderate", "Reduce the starting dose by 50%, then titrate by toxicity or drug monitoring."),
        ({"DPYD": "1.0"}, "Strong", "Reduce the starting dose by 50%, then titrate by toxicity or drug monitoring."),
        ({"DPYD": "0.5"}, "Strong", "Avoid fluoropyrimidines; if no alternative, give a strongly reduced dose with early drug monitoring."),
        ({"DPYD": "0.0"}, "Strong", "Avoid fluoropyrimidines."),
    ]),
    "simvastatin_and_SLCO1B1": (["simvastatin"], ["SLCO1B1"], "statins", [
        ({"SLCO1B1": "Normal Function"}, "Strong", "Prescribe the desired starting dose."),
        ({"SLCO1B1": "Decreased Function"}, "Strong", "Prescribe an alternative statin, or limit simvastatin to 20 mg/day or less."),
        ({"SLCO1B1": "Poor Function"}, "Strong", "Prescribe an alternative statin."),
    ]),
    "azathioprine_and_NUDT15_TPMT": (["azathioprine"], ["NUDT15", "TPMT"], "thiopurines", [
        ({"TPMT": "Normal Metabolizer", "NUDT15": "Normal Metabolizer"}, "Strong", "Start with the normal starting dose."),
        ({"TPMT": "Intermediate Metabolizer", "NUDT15": "Normal Metabolizer"}, "Strong",
         "Start with a reduced dose (30-80% of the normal dose) and adjust by myelosuppression."),
        ({"TPMT": "Normal Metabolizer", "NUDT15": "Intermediate Metabolizer"}, "Strong",
         "Start with a reduced dose (30-80% of the normal dose) and adjust by myelosuppression."),
        ({"TPMT": "Poor Metabolizer", "NUDT15": "Normal Metabolizer"}, "Strong",
         "Consider an alternative agent; if used, give a drastically reduced dose thrice weekly."),
        ({"TPMT": "Normal Metabolizer", "NUDT15": "Poor Metabolizer"}, "Strong",
         "Consider an alternative agent; if used, give a drastically reduced dose."),
    ]),
    "celecoxib_and_CYP2C9": (["celecoxib"], ["CYP2C9"], "nsaids", [
        ({"CYP2C9": "2.0"}, "Strong", "Initiate therapy with the recommended starting dose."),
        ({"CYP2C9": "1.5"}, "Moderate", "Initiate therapy with the recommended starting dose."),
        ({"CYP2C9": "1.0"}, "Moderate", "Initiate therapy with the lowest recommended starting dose and titrate cautiously."),
        ({"CYP2C9": "0.5"}, "Moderate", "Use 25-50% of the lowest starting dose, or an alternative not metabolized by CYP2C9."),
        ({"CYP2C9": "0.0"}, "Moderate", "Use 25-50% of the lowest starting dose, or an alternative not metabolized by CYP2C9."),
    ]),
}


def guideline(stem, drugs, genes, cite, recs):
    pmid, title, year = CITATIONS[cite]
    name = f"Annotation of CPIC Guideline for {' and '.join(drugs)} and {' and '.join(genes)}"
    return {
        "guideline": {"id": stem, "name": name, "source": "CPIC", "version": 1,
                      "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                      "relatedChemicals": [{"name": d} for d in drugs],
                      "relatedGenes": [{"symbol": g} for g in genes], "recommendation": True},
        "recommendations": [{
            "id": f"{stem}-{i}", "population": "general",
            "classification": {"term": strength}, "relatedChemicals": [{"name": d} for d in drugs],
            "text": {"html": f"<p>{text}</p>"}, "implications": [], "lookupKey": key,
        } for i, (key, strength, text) in enumerate(recs)],
        "citations": [{"pmid": pmid, "title": title, "authors": [], "journal": "Clinical pharmacology and therapeutics", "year": year}],
        "version": VERSION,
    }


# demo sample: CYP2C19 *1/*17, CYP2C9 *1/*3, VKORC1 het, DPYD c.2846A>T het, TPMT *1/*3A (unphased),
# SLCO1B1 *1/*5, NUDT15 absent from the VCF (not assessed -> not called); CYP2D6 as an outside call.
DEMO = {
    "rs12248560": "0/1", "rs28399504": "0/0", "rs12769205": "0/0", "rs4986893": "0/0", "rs4244285": "0/0",
    "rs1799853": "0/0", "rs1057910": "0/1", "rs9923231": "0/1",
    "rs67376798": "0/1", "rs3918290": "0/0", "rs55886062": "0/0", "rs56038477": "0/0", "rs75017182": "0/0",
    "rs1142345": "0/1", "rs1800460": "0/1", "rs1800462": "0/0",
    "rs2306283": "0/0", "rs4149056": "0/1",
}


def demo_vcf():
    contigs = sorted({c for c, _, _ in GENES.values()}, key=lambda c: int(c[3:]))
    lines = ["##fileformat=VCFv4.2", "##source=cairn test-data/pgx/generate.py"]
    lines += [f"##contig=<ID={c},assembly=GRCh38>" for c in contigs]
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tDEMO1")
    records = []
    for chrom, variants, _ in GENES.values():
        for rs, pos, ref, alt in variants:
            if rs in DEMO:
                records.append((contigs.index(chrom), pos, f"{chrom}\t{pos}\t{rs}\t{ref}\t{alt}\t50\tPASS\t.\tGT\t{DEMO[rs]}"))
    lines += [r[2] for r in sorted(records)]
    return "\n".join(lines) + "\n"


def write(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = value if isinstance(value, str) else json.dumps(value, indent=2) + "\n"
    path.write_text(text)


def main():
    for gene, (chrom, variants, alleles) in GENES.items():
        write(OUT / "definition/alleles" / f"{gene}_translation.json", definition(gene, chrom, variants, alleles))
        if gene != "VKORC1":
            write(OUT / "phenotype/cpic" / f"{gene}.json", phenotypes(gene, alleles))
    for stem, (drugs, genes, cite, recs) in GUIDELINES.items():
        write(OUT / "guidelines_cpic" / f"CPIC_{stem}.json", guideline(stem, drugs, genes, cite, recs))
    write(OUT / "demo.vcf", demo_vcf())
    write(OUT / "demo.outside_calls.tsv",
          "# gene\tdiplotype\tphenotype\tactivity score (CYP2D6 from a CNV-aware caller)\n"
          "CYP2D6\t*1/*4\tIntermediate Metabolizer\t1.0\n")


if __name__ == "__main__":
    main()
