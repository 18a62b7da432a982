//! How allele and diplotype names are ordered and written, as PharmCAT does: numbers inside names
//! compare as numbers (`*2` < `*10`), plain names come before `[A + B]` combinations, and a
//! combination lists its components in that same order.

use std::cmp::Ordering;

/// Reference allele first, then names in natural order (`*2` before `*10`).
pub fn hap_order(ref_a: bool, a: &str, ref_b: bool, b: &str) -> Ordering {
    ref_b.cmp(&ref_a).then_with(|| natural_cmp(a, b))
}

/// The order of the two names in a diplotype (PharmCAT's): plain allele names before `[A + B]`
/// combinations, then natural order.
pub fn name_order(a: &str, b: &str) -> Ordering {
    a.starts_with('[')
        .cmp(&b.starts_with('['))
        .then_with(|| natural_cmp(a, b))
}

/// A diplotype's two names in [`name_order`].
pub fn ordered(a: String, b: String) -> (String, String) {
    if name_order(&a, &b) == Ordering::Greater {
        (b, a)
    } else {
        (a, b)
    }
}

/// `[A + B + C]`: a strand carrying several named alleles, components in natural order.
pub fn combination_name(mut names: Vec<&str>) -> String {
    names.sort_by(|a, b| natural_cmp(a, b));
    names.dedup();
    format!("[{}]", names.join(" + "))
}

/// Compares names with embedded numbers numerically: `*2` < `*10` < `*10A`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut v = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                v.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        v
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = match (x.0, y.0) {
            (true, true) => {
                let (nx, ny) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny))
            }
            _ => x.1.cmp(y.1),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}
