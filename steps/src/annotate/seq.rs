//! Sequence helpers: the standard genetic code and amino-acid names (reverse complements come
//! from `crate::seq`).
//!
//! Proteins are kept as one-letter bytes with `*` for a stop, and spelled in three-letter form
//! (`Ter` for a stop) only when HGVS p. text is written.

fn base_index(b: u8) -> Option<usize> {
    match b {
        b'T' => Some(0),
        b'C' => Some(1),
        b'A' => Some(2),
        b'G' => Some(3),
        _ => None,
    }
}

/// The standard code in TCAG order (first base slowest).
const CODE: &[u8; 64] = b"FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG";

/// One codon to its amino acid; `X` when it holds an ambiguous base.
pub fn codon(c: &[u8]) -> u8 {
    match (base_index(c[0]), base_index(c[1]), base_index(c[2])) {
        (Some(a), Some(b), Some(d)) => CODE[a * 16 + b * 4 + d],
        _ => b'X',
    }
}

/// Translate whole codons of `seq`; a trailing partial codon is ignored.
pub fn translate(seq: &[u8]) -> Vec<u8> {
    seq.chunks_exact(3).map(codon).collect()
}

/// Translate up to and including the first stop.
pub fn translate_to_stop(seq: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(seq.len() / 3);
    for c in seq.chunks_exact(3) {
        let aa = codon(c);
        out.push(aa);
        if aa == b'*' {
            break;
        }
    }
    out
}

/// Three-letter name of a one-letter amino acid (`Ter` for `*`).
pub fn three_letter(aa: u8) -> &'static str {
    match aa {
        b'A' => "Ala",
        b'R' => "Arg",
        b'N' => "Asn",
        b'D' => "Asp",
        b'C' => "Cys",
        b'Q' => "Gln",
        b'E' => "Glu",
        b'G' => "Gly",
        b'H' => "His",
        b'I' => "Ile",
        b'L' => "Leu",
        b'K' => "Lys",
        b'M' => "Met",
        b'F' => "Phe",
        b'P' => "Pro",
        b'S' => "Ser",
        b'T' => "Thr",
        b'W' => "Trp",
        b'Y' => "Tyr",
        b'V' => "Val",
        b'*' => "Ter",
        _ => "Xaa",
    }
}

/// One-letter code of a three-letter name (case-insensitive; `Ter` and `*` are stops).
pub fn one_letter(name: &str) -> Option<u8> {
    if name == "*" {
        return Some(b'*');
    }
    b"ARNDCQEGHILKMFPSTWYV*"
        .iter()
        .copied()
        .find(|&aa| three_letter(aa).eq_ignore_ascii_case(name))
}

/// Spell a protein fragment in three-letter form.
pub fn spell(aas: &[u8]) -> String {
    aas.iter().map(|&a| three_letter(a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_names() {
        assert_eq!(translate(b"ATGTAAGCTTGG"), b"M*AW");
        assert_eq!(translate_to_stop(b"ATGTGATTT"), b"M*");
        assert_eq!(codon(b"ANG"), b'X');
        assert_eq!(spell(b"V*"), "ValTer");
        assert_eq!(one_letter("glu"), Some(b'E'));
        assert_eq!(one_letter("Ter"), Some(b'*'));
        assert_eq!(one_letter("Foo"), None);
    }
}
