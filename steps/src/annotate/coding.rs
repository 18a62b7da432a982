//! What a change inside the coding sequence does to the protein, and its HGVS p. text.
//!
//! Substitutions are translated codon by codon over the affected window; insertions and deletions
//! are applied to the coding sequence (plus the 3' UTR, so a frameshift or lost stop can run to a
//! new stop) and the new protein is compared with the reference protein. Trimming the longest
//! common prefix first places protein-level deletions and duplications at their most C-terminal
//! (3') position, as HGVS asks.

use super::model::Transcript;
use super::seq::{spell, three_letter, translate, translate_to_stop};
use super::terms::Term;

#[derive(Debug, Default, Clone)]
pub struct CodingEffect {
    pub terms: Vec<Term>,
    pub hgvsp: Option<String>,
    /// 1-based CDS positions of the changed bases.
    pub cds_pos: (usize, usize),
    /// 1-based protein positions of the changed codons.
    pub protein_pos: (usize, usize),
    pub amino_acids: String,
    pub codons: String,
}

/// `p0..p1`: the changed range in CDS coordinates (0-based, `p0 == p1` for an insertion);
/// `alt`: the new bases in transcript orientation. The transcript must have a coding range.
pub fn effect(t: &Transcript, p0: usize, p1: usize, alt: &[u8]) -> CodingEffect {
    let (cs, ce) = t.cds_range.expect("coding transcript");
    let cds = &t.seq[cs..ce];
    let c0 = p0 / 3 * 3;
    let c1 = (p1.max(p0 + usize::from(p0 == p1 && p0 % 3 != 0))).div_ceil(3) * 3;
    let c1 = c1.min(cds.len() / 3 * 3).max(c0);
    let mut alt_window = cds[c0..p0].to_vec();
    alt_window.extend_from_slice(alt);
    alt_window.extend_from_slice(&cds[p1.min(c1)..c1]);
    let mut out = CodingEffect {
        cds_pos: (p0 + 1, p1.max(p0 + 1)),
        protein_pos: (c0 / 3 + 1, (c1 / 3).max(c0 / 3 + 1)),
        amino_acids: format!(
            "{}/{}",
            String::from_utf8_lossy(&translate(&cds[c0..c1])),
            String::from_utf8_lossy(&translate(&alt_window))
        ),
        codons: codons(&cds[c0..c1], p0 - c0, p1 - c0, &alt_window, alt.len()),
        ..Default::default()
    };
    let delta = alt.len() as i64 - (p1 - p0) as i64;
    let mut tail = alt_window;
    tail.extend_from_slice(&t.seq[(cs + c1.max(p1)).min(t.seq.len())..]);
    let alt_protein_from_c0 = translate_to_stop(&tail);
    let reference = &t.protein;
    let k0 = c0 / 3;
    let mut q = reference[..k0.min(reference.len())].to_vec();
    q.extend_from_slice(&alt_protein_from_c0);
    classify(&mut out, reference, &q, delta, p0);
    out
}

/// Codons in VEP's style: changed bases upper case, the rest lower case (`gTg/gAg`).
fn codons(ref_c: &[u8], a: usize, b: usize, alt_c: &[u8], alt_len: usize) -> String {
    let case = |s: &[u8], lo: usize, hi: usize| -> String {
        s.iter()
            .enumerate()
            .map(|(i, &c)| {
                if i >= lo && i < hi {
                    c.to_ascii_uppercase() as char
                } else {
                    c.to_ascii_lowercase() as char
                }
            })
            .collect()
    };
    format!("{}/{}", case(ref_c, a, b), case(alt_c, a, a + alt_len))
}

fn classify(out: &mut CodingEffect, p: &[u8], q: &[u8], delta: i64, p0: usize) {
    let k = p.iter().zip(q).take_while(|(a, b)| a == b).count();
    let ref_stop = p.iter().position(|&a| a == b'*');
    let alt_stop = q.iter().position(|&a| a == b'*');
    let pos = |i: usize| {
        format!(
            "{}{}",
            three_letter(p.get(i).copied().unwrap_or(b'X')),
            i + 1
        )
    };
    if p0 < 3 && p.first() == Some(&b'M') && q.first() != Some(&b'M') {
        out.terms.push(Term::StartLost);
        out.hgvsp = Some("p.Met1?".to_string());
        if delta % 3 != 0 {
            out.terms.push(Term::Frameshift);
        }
        return;
    }
    if delta % 3 != 0 {
        out.terms.push(Term::Frameshift);
        out.hgvsp = Some(frameshift(p, q, k, &pos));
        if ref_stop.is_some_and(|s| k >= s) {
            out.terms.push(Term::StopLost);
        }
        return;
    }
    let expected_stop = ref_stop.map(|s| s as i64 + delta / 3);
    match (expected_stop, alt_stop) {
        (Some(e), Some(a)) if (a as i64) < e && ref_stop.is_some_and(|s| a < s) && k <= a => {
            out.terms.push(Term::StopGained);
            out.hgvsp = Some(if q[k] == b'*' {
                format!("p.{}Ter", pos(k))
            } else {
                format!("p.{}delins{}", pos(k), spell(&q[k..=a]))
            });
            return;
        }
        (Some(e), a) if a.is_none_or(|a| a as i64 > e) && k <= ref_stop.unwrap_or(0) => {
            out.terms.push(Term::StopLost);
            let s = ref_stop.unwrap_or(0);
            out.hgvsp = Some(match a {
                Some(a) => format!(
                    "p.Ter{}{}extTer{}",
                    s + 1,
                    three_letter(q.get(s).copied().unwrap_or(b'X')),
                    a.saturating_sub(s)
                ),
                None => format!(
                    "p.Ter{}{}extTer?",
                    s + 1,
                    three_letter(q.get(s).copied().unwrap_or(b'X'))
                ),
            });
            return;
        }
        _ => {}
    }
    inframe(out, p, q, k, delta, &pos);
}

fn frameshift(p: &[u8], q: &[u8], k: usize, pos: &dyn Fn(usize) -> String) -> String {
    match q.get(k) {
        Some(b'*') => format!("p.{}Ter", pos(k)),
        Some(&aa) => match q.iter().position(|&a| a == b'*') {
            Some(s) => format!("p.{}{}fsTer{}", pos(k), three_letter(aa), s - k + 1),
            None => format!("p.{}{}fsTer?", pos(k), three_letter(aa)),
        },
        None if k < p.len() => format!("p.{}fsTer?", pos(k)),
        None => "p.?".to_string(),
    }
}

fn inframe(
    out: &mut CodingEffect,
    p: &[u8],
    q: &[u8],
    k: usize,
    delta: i64,
    pos: &dyn Fn(usize) -> String,
) {
    let max_suffix = p.len().min(q.len()) - k;
    let m = p
        .iter()
        .rev()
        .zip(q.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let del = &p[k..p.len() - m];
    let ins = &q[k..q.len() - m];
    let range = |a: usize, len: usize| {
        if len <= 1 {
            pos(a)
        } else {
            format!("{}_{}", pos(a), pos(a + len - 1))
        }
    };
    let (term, text) = match (del.is_empty(), ins.is_empty()) {
        (true, true) => {
            let at = out.protein_pos.0 - 1;
            let term = match p.get(at) {
                Some(b'*') => Term::StopRetained,
                _ if at == 0 => Term::StartRetained,
                _ => Term::Synonymous,
            };
            (term, format!("p.{}=", pos(at)))
        }
        (true, false) => {
            let n = ins.len();
            let text = if k >= n && &p[k - n..k] == ins {
                format!("p.{}dup", range(k - n, n))
            } else {
                format!("p.{}_{}ins{}", pos(k - 1), pos(k), spell(ins))
            };
            (Term::InframeInsertion, text)
        }
        (false, true) => (
            Term::InframeDeletion,
            format!("p.{}del", range(k, del.len())),
        ),
        (false, false) => {
            let term = match delta {
                0 => Term::Missense,
                d if d > 0 => Term::InframeInsertion,
                _ => Term::InframeDeletion,
            };
            let text = if del.len() == 1 && ins.len() == 1 {
                format!("p.{}{}", pos(k), three_letter(ins[0]))
            } else {
                format!("p.{}delins{}", range(k, del.len()), spell(ins))
            };
            (term, text)
        }
    };
    out.terms.push(term);
    out.hgvsp = Some(text);
}
