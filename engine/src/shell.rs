//! Shell quoting: every value interpolated into a script passes through [`quote`].

/// Quote `s` for bash so that it is read back as exactly one word with the same bytes.
pub fn quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'.' | b'_' | b'-' | b'+' | b'=' | b':' | b',' | b'@' | b'%'
                )
        });
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Quote and join an argument list.
pub fn join<I: IntoIterator<Item = S>, S: AsRef<str>>(args: I) -> String {
    args.into_iter()
        .map(|a| quote(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("/data/a.fq.gz"), "/data/a.fq.gz");
        assert_eq!(quote("my file.txt"), "'my file.txt'");
        assert_eq!(quote("x; rm -rf ~"), "'x; rm -rf ~'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$(id)"), "'$(id)'");
    }

    proptest! {
        #[test]
        fn bash_reads_back_the_same_bytes(s in "[ -~\t\n]{0,40}") {
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("printf '%s' {}", quote(&s)))
                .output()
                .unwrap();
            prop_assert_eq!(String::from_utf8(out.stdout).unwrap(), s);
        }
    }
}
