//! Tumour types: which evidence applies to a patient's tumour.
//!
//! AMP/ASCO/CAP tiers depend on whether an assertion is for the patient's tumour type, so the
//! match has to be right in both directions: evidence for non-small cell lung cancer applies to a
//! lung adenocarcinoma, but not to a small cell lung cancer, although "lung cancer" is in both
//! names. Matching by substring gets this wrong, so names resolve to a small tree of tumour types
//! (`knowledge/tumour_types.tsv`, compiled in; OncoTree codes) and a patient's type matches
//! evidence for the same node or any ancestor of it. Names and codes are compared after
//! [`normalise`]; a knowledge condition naming several types ("Ovarian, breast, prostate,
//! pancreatic cancer") is split into them. Where either side is not in the tree, only equal
//! normalised names match, and the report says the tumour type is unknown to the list.

use std::collections::HashMap;

pub const BUNDLED: &str = include_str!("../../../knowledge/tumour_types.tsv");

/// One tumour type of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TumourType {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// The tree, with every name, synonym and code (normalised) pointing at its node.
#[derive(Debug)]
pub struct Vocabulary {
    types: HashMap<String, TumourType>,
    lookup: HashMap<String, String>,
}

/// Lower case, one spelling of tumour and leukaemia, hyphens and repeated spaces as one space, and
/// a trailing parenthesised qualifier dropped: "Non-Small-Cell Lung Cancer (ALK fusion)" ->
/// "non small cell lung cancer".
pub fn normalise(name: &str) -> String {
    let mut s = name.trim().to_lowercase();
    if let Some(open) = s.find('(') {
        if s.ends_with(')') {
            s.truncate(open);
        }
    }
    let s = s
        .replace("tumor", "tumour")
        .replace("leukemia", "leukaemia")
        .replace(['-', '_', '/'], " ");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The tumour types a knowledge condition names: "Ovarian, breast, prostate, pancreatic cancer"
/// is four, each taking the last one's head noun ("cancer").
pub fn split_condition(condition: &str) -> Vec<String> {
    let n = normalise(condition);
    let parts: Vec<&str> = n
        .split(',')
        .flat_map(|p| p.split(" and "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return vec![n];
    }
    let last = parts[parts.len() - 1];
    let head = ["cancer", "carcinoma", "tumour", "tumours", "cancers"]
        .into_iter()
        .find(|h| last.ends_with(h));
    parts
        .iter()
        .map(|p| match head {
            Some(h) if !p.contains(' ') && !p.ends_with(h) => format!("{p} {h}"),
            _ => p.to_string(),
        })
        .collect()
}

impl Vocabulary {
    /// The bundled tree.
    pub fn bundled() -> Vocabulary {
        Self::parse(BUNDLED).expect("the bundled tumour-type list is well formed")
    }

    /// Parse the TSV (see the file's header for the format).
    pub fn parse(text: &str) -> Result<Vocabulary, String> {
        let mut types = HashMap::new();
        let mut lookup = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.starts_with("code\t") || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                return Err(format!("tumour types line {}: expected 4 columns", i + 1));
            }
            let t = TumourType {
                code: f[0].to_string(),
                name: f[1].to_string(),
                parent: (f[2] != "-").then(|| f[2].to_string()),
            };
            let synonyms = f[3].split(';').filter(|s| *s != "-");
            for key in [f[0], f[1]].into_iter().chain(synonyms) {
                if let Some(other) = lookup.insert(normalise(key), t.code.clone()) {
                    if other != t.code {
                        return Err(format!(
                            "tumour types line {}: {key:?} names both {other} and {}",
                            i + 1,
                            t.code
                        ));
                    }
                }
            }
            types.insert(t.code.clone(), t);
        }
        for t in types.values() {
            if let Some(p) = t.parent.as_ref().filter(|p| !types.contains_key(*p)) {
                return Err(format!("tumour type {}: unknown parent {p}", t.code));
            }
        }
        Ok(Vocabulary { types, lookup })
    }

    /// The tumour type a name, synonym or code stands for.
    pub fn resolve(&self, name: &str) -> Option<&TumourType> {
        self.lookup
            .get(&normalise(name))
            .and_then(|c| self.types.get(c))
    }

    /// `code` and its ancestors, nearest first.
    fn lineage<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut next = Some(code);
        std::iter::from_fn(move || {
            let c = next?;
            next = self.types.get(c).and_then(|t| t.parent.as_deref());
            Some(c)
        })
        .take(32)
    }

    /// Whether evidence for `condition` applies to a patient with `tumour`.
    pub fn applies(&self, condition: &str, tumour: &str) -> bool {
        let patient = self.resolve(tumour);
        split_condition(condition)
            .iter()
            .any(|c| match (self.resolve(c), patient) {
                (Some(ev), Some(p)) => self.lineage(&p.code).any(|a| a == ev.code),
                _ => *c == normalise(tumour),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_parses_and_resolves_names_codes_and_synonyms() {
        let v = Vocabulary::bundled();
        assert_eq!(v.resolve("NSCLC").unwrap().code, "NSCLC");
        assert_eq!(
            v.resolve("non-small-cell lung carcinoma").unwrap().code,
            "NSCLC"
        );
        assert_eq!(v.resolve("Acute Myeloid Leukemia").unwrap().code, "AML");
        assert_eq!(
            v.resolve("gastrointestinal stromal tumor").unwrap().code,
            "GIST"
        );
        assert_eq!(v.resolve("Breast cancer (HR+/HER2-)").unwrap().code, "BRCA");
        assert!(v.resolve("Mesothelioma").is_none());
    }

    #[test]
    fn evidence_applies_to_the_same_type_and_its_descendants_only() {
        let v = Vocabulary::bundled();
        assert!(v.applies("Non-small cell lung cancer", "Lung adenocarcinoma"));
        assert!(v.applies("Non-small cell lung cancer", "NSCLC"));
        assert!(!v.applies("Non-small cell lung cancer", "Small cell lung cancer"));
        assert!(!v.applies("Non-small cell lung cancer", "lung"));
        assert!(v.applies("Melanoma", "SKCM"));
        assert!(!v.applies("Melanoma", "Uveal melanoma"));
        assert!(!v.applies("Colorectal cancer", "Melanoma"));
        assert!(v.applies("Colorectal cancer", "colon cancer"));
        assert!(v.applies("Solid tumours", "Pancreatic cancer"));
        assert!(!v.applies("Solid tumours", "AML"));
        // A condition that lists several types.
        let many = "Ovarian, breast, prostate, pancreatic cancer";
        assert!(v.applies(many, "Prostate adenocarcinoma"));
        assert!(v.applies(many, "Breast cancer"));
        assert!(!v.applies(many, "Colorectal cancer"));
        // Outside the list only equal names match.
        assert!(v.applies("Mesothelioma", "mesothelioma"));
        assert!(!v.applies("Pleural mesothelioma", "Mesothelioma"));
    }

    #[test]
    fn conditions_split_into_their_tumour_types() {
        assert_eq!(
            split_condition("Ovarian, breast, prostate, pancreatic cancer"),
            [
                "ovarian cancer",
                "breast cancer",
                "prostate cancer",
                "pancreatic cancer"
            ]
        );
        assert_eq!(split_condition("Melanoma"), ["melanoma"]);
    }

    #[test]
    fn a_broken_list_is_refused() {
        assert!(Vocabulary::parse("A\tx\tB\t-\n")
            .unwrap_err()
            .contains("unknown parent"));
        assert!(Vocabulary::parse("A\tx\t-\t-\nB\tx\t-\t-\n")
            .unwrap_err()
            .contains("names both"));
    }
}
