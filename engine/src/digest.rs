//! Typed BLAKE3 digests. An action digest and a content digest are different things with the same
//! shape; the types keep them from being mixed up.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Lowercase hex of 32 bytes, without going through the formatter per byte (digests are formatted
/// for every blob path and record, so this is on the per-task path).
fn to_hex(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

macro_rules! digest_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            pub fn hex(&self) -> String {
                to_hex(&self.0)
            }

            /// The first 8 hex digits, for display.
            pub fn short(&self) -> String {
                to_hex(&self.0)[..8].to_string()
            }

            pub fn parse(hex: &str) -> Option<Self> {
                if hex.len() != 64 {
                    return None;
                }
                let mut out = [0u8; 32];
                for (i, b) in out.iter_mut().enumerate() {
                    *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
                }
                Some($name(out))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&to_hex(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.short())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a digest: {s}")))
            }
        }
    };
}

digest_type!(
    /// The digest of a file's bytes (or of a directory's listing of names and content digests).
    ContentDigest
);
digest_type!(
    /// The digest of everything that determines a task's outputs: its cache key.
    ActionDigest
);

impl ContentDigest {
    pub fn of_bytes(bytes: &[u8]) -> ContentDigest {
        ContentDigest(*blake3::hash(bytes).as_bytes())
    }

    /// Hash a file's content, streaming.
    pub fn of_file(path: &Path) -> std::io::Result<ContentDigest> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(ContentDigest(*hasher.finalize().as_bytes()))
    }
}

impl ActionDigest {
    pub fn of_bytes(bytes: &[u8]) -> ActionDigest {
        ActionDigest(*blake3::hash(bytes).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_value() {
        assert_eq!(
            ContentDigest::of_bytes(b"").hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    proptest! {
        #[test]
        fn hex_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let d = ContentDigest::of_bytes(&bytes);
            prop_assert_eq!(ContentDigest::parse(&d.hex()), Some(d));
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<ContentDigest>(&json).unwrap(), d);
        }

        #[test]
        fn file_and_bytes_agree(bytes in proptest::collection::vec(any::<u8>(), 0..200_000)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("f");
            std::fs::write(&p, &bytes).unwrap();
            prop_assert_eq!(ContentDigest::of_file(&p).unwrap(), ContentDigest::of_bytes(&bytes));
        }
    }
}
