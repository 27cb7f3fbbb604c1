//! The Dutch wording of the rules (`checks/lang/nl.toml`): title,
//! description and remediation of every check and firmware advisory, so a
//! report in Dutch shows no English sentence. English stays in the check or
//! advisory itself; a rule without Dutch wording falls back to it (a test
//! makes sure the built-in data has none).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::CheckLoadError;
use crate::knowledge::validate::{DataFile, Problem};

/// The three texts of a rule in one language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    /// The title.
    pub title: String,
    /// What the weakness is and why it matters.
    pub description: String,
    /// What to do about it.
    pub remediation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LangFile {
    #[serde(default)]
    rule: BTreeMap<String, Wording>,
}

/// The folder under `checks/` that holds the wording files.
pub const DIR: &str = "lang";

/// True for a wording file (`lang/nl.toml`).
pub fn is_lang_file(path: &str) -> bool {
    let p = path.replace('\\', "/");
    p.contains(&format!("/{DIR}/")) || p.starts_with(&format!("{DIR}/"))
}

/// The Dutch wording per rule id from the `lang/nl.toml` files among
/// `files` (path, text).
pub fn dutch(files: &[(&str, &str)]) -> Result<BTreeMap<String, Wording>, CheckLoadError> {
    let mut out = BTreeMap::new();
    for (path, text) in files
        .iter()
        .filter(|(p, _)| is_lang_file(p) && p.ends_with("nl.toml"))
    {
        let data = DataFile::new(path, text);
        let file: LangFile = data.parse("rule")?;
        for (id, mut w) in file.rule {
            for t in [&mut w.title, &mut w.description, &mut w.remediation] {
                *t = t.trim().to_string();
            }
            if w.title.is_empty() || w.remediation.is_empty() {
                let at = text.find(&format!("[rule.{id}]")).unwrap_or(0);
                let problem = Problem::new(
                    format!("rule.{id}"),
                    "title and remediation must not be empty",
                );
                return Err(data.error("", at..at, problem));
            }
            out.insert(id, w);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::knowledge_base::Knowledge;

    /// Every rule a report can show (checks, firmware advisories and the
    /// NVD rules of a scan with an index) has its Dutch wording, and every
    /// Dutch entry names a rule that exists.
    #[test]
    fn every_rule_has_dutch_and_english_wording() {
        let k = Knowledge::load(None).unwrap();
        let mut rules = k.rules(None);
        let nvd_rules = crate::check::nvd::rules(&rules.dutch);
        rules.checks.extend(nvd_rules);
        let missing: Vec<&str> = rules
            .checks
            .iter()
            .filter(|c| c.nl.is_none())
            .map(|c| c.id.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "rules without Dutch wording in checks/lang/nl.toml: {missing:?}"
        );
        for c in &rules.checks {
            let nl = c.nl.as_ref().unwrap();
            for (field, en, nl) in [
                ("title", &c.title, &nl.title),
                ("description", &c.description, &nl.description),
                ("remediation", &c.remediation, &nl.remediation),
            ] {
                assert!(!en.trim().is_empty(), "{}: no English {field}", c.id);
                assert!(!nl.trim().is_empty(), "{}: no Dutch {field}", c.id);
                assert_ne!(en, nl, "{}: the Dutch {field} is the English one", c.id);
            }
        }
        let orphans: Vec<&String> = rules
            .dutch
            .keys()
            .filter(|id| !rules.checks.iter().any(|c| &c.id == *id))
            .collect();
        assert!(
            orphans.is_empty(),
            "Dutch wording for unknown rules: {orphans:?}"
        );
    }

    #[test]
    fn a_wording_without_a_title_is_refused_with_file_and_line() {
        let text = "[rule.x]\ntitle = \"\"\ndescription = \"d\"\nremediation = \"r\"\n";
        let err = super::dutch(&[("checks/lang/nl.toml", text)]).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
        assert!(err.to_string().contains("rule.x"), "{err}");
    }
}
