//! Small DNA sequence helpers shared by the step kinds.

/// The complementary base, keeping case; anything but A, C, G, T becomes `N`.
pub fn complement(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        b'a' => b't',
        b'c' => b'g',
        b'g' => b'c',
        b't' => b'a',
        b'n' => b'n',
        _ => b'N',
    }
}

/// The reverse complement of a sequence.
pub fn reverse_complement(seq: &[u8]) -> Vec<u8> {
    seq.iter().rev().map(|&b| complement(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complements() {
        assert_eq!(reverse_complement(b"AACGTN"), b"NACGTT");
        assert_eq!(reverse_complement(b"AACGT"), b"ACGTT");
        assert_eq!(reverse_complement(b"acgt"), b"acgt");
        assert_eq!(complement(b'R'), b'N');
    }
}
