//! Rewrites of a truth VCF whose comparison against the original has known counts.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Expected changes, per class ("snv" / "indel").
#[derive(Debug, Default)]
pub struct Expected {
    pub missed: BTreeMap<&'static str, u64>,
    pub false_calls: BTreeMap<&'static str, u64>,
    pub genotype_flips: BTreeMap<&'static str, u64>,
    pub rewritten: u64,
}

pub fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// A biallelic SNV or an anchored insertion/deletion: exactly one allele of a known class.
fn simple_class(r: &str, a: &str) -> Option<&'static str> {
    let acgt = |s: &str| s.bytes().all(|b| b"ACGT".contains(&b));
    if !acgt(r) || !acgt(a) {
        return None;
    }
    match (r.len(), a.len()) {
        (1, 1) => Some("snv"),
        (1, _) | (_, 1) if r.as_bytes()[0] == a.as_bytes()[0] => Some("indel"),
        _ => None,
    }
}

/// Perturb every countable record (FILTER PASS/., a genotype with an ALT) in turn:
/// drop one (a miss), change one SNV's ALT (a miss plus a false call), flip one het<->hom (a
/// genotype error), and rewrite representations that must still match (MNPs written as SNV records,
/// multi-allelic ALTs in the other order).
pub fn perturb(text: &str) -> (String, Expected) {
    let mut out = String::new();
    let mut exp = Expected::default();
    let mut n = 0u64;
    for line in text.lines() {
        if line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let gt = f[9].split(':').next().unwrap_or(".");
        let countable =
            matches!(f[6], "PASS" | ".") && gt.bytes().any(|b| b.is_ascii_digit() && b != b'0');
        let class = simple_class(f[3], f[4]);
        let het = matches!(gt, "0/1" | "1/0" | "0|1" | "1|0");
        let hom = matches!(gt, "1/1" | "1|1");
        let slot = if countable {
            n += 1;
            n % 40
        } else {
            99
        };
        match (slot, class) {
            (0, Some(c)) if het || hom => *exp.missed.entry(c).or_default() += 1,
            (1, Some(c)) if het || hom => {
                *exp.genotype_flips.entry(c).or_default() += 1;
                out.push_str(&with_gt(&f, if het { "1/1" } else { "0/1" }));
            }
            (2, Some("snv")) if het || hom => {
                *exp.missed.entry("snv").or_default() += 1;
                *exp.false_calls.entry("snv").or_default() += 1;
                let alt = b"ACGT"
                    .iter()
                    .map(|&b| b as char)
                    .find(|c| !f[3].contains(*c) && !f[4].contains(*c))
                    .unwrap();
                out.push_str(&with_field(&f, 4, &alt.to_string()));
            }
            _ => match rewrite(&f) {
                Some(text) => {
                    exp.rewritten += 1;
                    out.push_str(&text);
                }
                None => out.push_str(&format!("{line}\n")),
            },
        }
    }
    (out, exp)
}

fn with_field(f: &[&str], i: usize, value: &str) -> String {
    let mut g = f.to_vec();
    g[i] = value;
    format!("{}\n", g.join("\t"))
}

fn with_gt(f: &[&str], gt: &str) -> String {
    let rest: Vec<&str> = f[9].split(':').skip(1).collect();
    let sample = std::iter::once(gt)
        .chain(rest)
        .collect::<Vec<_>>()
        .join(":");
    with_field(f, 9, &sample)
}

/// Same alleles, another spelling: a biallelic MNP as one SNV record per changed base, a two-ALT
/// record with its ALTs swapped (and the genotype renumbered).
fn rewrite(f: &[&str]) -> Option<String> {
    let alts: Vec<&str> = f[4].split(',').collect();
    if alts.len() == 1 && f[3].len() == f[4].len() && f[3].len() > 1 {
        let pos: u64 = f[1].parse().ok()?;
        let mut out = String::new();
        for (i, (r, a)) in f[3]
            .chars()
            .zip(f[4].chars())
            .enumerate()
            .filter(|(_, (r, a))| r != a)
        {
            let mut g = f.to_vec();
            let (p, r, a) = ((pos + i as u64).to_string(), r.to_string(), a.to_string());
            g[1] = &p;
            g[3] = &r;
            g[4] = &a;
            out.push_str(&format!("{}\n", g.join("\t")));
        }
        return Some(out);
    }
    if alts.len() == 2 {
        let swapped = format!("{},{}", alts[1], alts[0]);
        let gt: String = f[9]
            .split(':')
            .next()?
            .chars()
            .map(|c| match c {
                '1' => '2',
                '2' => '1',
                c => c,
            })
            .collect();
        let mut g = f.to_vec();
        g[4] = &swapped;
        return Some(with_gt(&g, &gt));
    }
    None
}

/// Move every biallelic anchored indel as far right as the reference allows (the opposite of
/// left-alignment), keeping the same haplotype. Returns the new text and how many indels moved.
pub fn right_shift_indels(text: &str, seq: &[u8]) -> (String, u64) {
    let mut out = String::new();
    let mut moved = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if line.starts_with('#') || simple_class(f[3], f[4]) != Some("indel") {
            out.push_str(&format!("{line}\n"));
            continue;
        }
        let (mut p, mut r, mut a) = (
            f[1].parse::<usize>().unwrap() - 1,
            f[3].as_bytes().to_vec(),
            f[4].as_bytes().to_vec(),
        );
        // The inserted or deleted bases follow the anchor; shift while the next base repeats them.
        loop {
            let (long, short) = if r.len() > a.len() {
                (&r, &a)
            } else {
                (&a, &r)
            };
            let event = long[short.len()..].to_vec();
            let next = p + r.len();
            if next >= seq.len() || seq[next] != event[0] {
                break;
            }
            let shifted: Vec<u8> = event[1..].iter().copied().chain([seq[next]]).collect();
            p += 1;
            let anchor = seq[p];
            let body = [vec![anchor], shifted].concat();
            if r.len() > a.len() {
                (r, a) = (body, vec![anchor])
            } else {
                (r, a) = (vec![anchor], body)
            }
        }
        if p + 1 != f[1].parse::<usize>().unwrap() {
            moved += 1;
        }
        let (ps, rs, as_) = (
            (p + 1).to_string(),
            String::from_utf8(r).unwrap(),
            String::from_utf8(a).unwrap(),
        );
        let mut g = f.clone();
        g[1] = &ps;
        g[3] = &rs;
        g[4] = &as_;
        out.push_str(&format!("{}\n", g.join("\t")));
    }
    (out, moved)
}

/// Write pairs of touching records on the same phased haplotype (the second starts where the
/// first's REF ends, same `a|b` genotype) as one record: an SNV next to a deletion becomes one
/// complex allele, which only haplotype matching can match. Returns the text and the pairs merged.
pub fn merge_neighbours(text: &str) -> (String, u64) {
    let mut out = String::new();
    let mut merged = 0;
    let mut pending: Option<Vec<String>> = None;
    let mergeable = |f: &[String]| {
        let gt = f[9].split(':').next().unwrap_or("").to_string();
        matches!(f[6].as_str(), "PASS" | ".")
            && gt.contains('|')
            && gt != "0|0"
            && !f[4].contains(',')
            && f[3]
                .bytes()
                .chain(f[4].bytes())
                .all(|b| b"ACGT".contains(&b))
    };
    for line in text.lines() {
        if line.starts_with('#') {
            out.push_str(&format!("{line}\n"));
            continue;
        }
        let f: Vec<String> = line.split('\t').map(str::to_string).collect();
        if let Some(prev) = pending.take() {
            let touches = prev[0] == f[0]
                && prev[1].parse::<usize>().unwrap() + prev[3].len()
                    == f[1].parse::<usize>().unwrap()
                && prev[9].split(':').next() == f[9].split(':').next();
            if touches && mergeable(&f) {
                let mut g = prev.clone();
                g[3] = format!("{}{}", prev[3], f[3]);
                g[4] = format!("{}{}", prev[4], f[4]);
                out.push_str(&format!("{}\n", g.join("\t")));
                merged += 1;
                continue;
            }
            out.push_str(&format!("{}\n", prev.join("\t")));
        }
        if mergeable(&f) {
            pending = Some(f);
        } else {
            out.push_str(&format!("{line}\n"));
        }
    }
    if let Some(prev) = pending {
        out.push_str(&format!("{}\n", prev.join("\t")));
    }
    (out, merged)
}
