//! A data file's regular expression: checked when the file loads, compiled
//! the first time it is used.
//!
//! Compiling every fingerprint regex took most of a scan's start-up (about
//! 45 ms of 70), though a scan tries only the fingerprints of the protocols
//! it meets. Loading now parses the pattern (syntax errors still name the
//! file, line and field, and the capture groups are known for the
//! templates that refer to them); the automaton is built on first use.
//! What parsing cannot see, a pattern that compiles beyond the size limit,
//! is found by [`Pattern::compile`], which `stadscan checks lint` and the
//! data tests run on every pattern; should it happen during a scan, the
//! pattern matches nothing and the error is logged once.
//!
//! A user's recog folder holds thousands of patterns of which a scan tries
//! few: [`Pattern::deferred`] leaves even the syntax check to the first use
//! (`stadscan checks lint --recog` compiles them all).

use std::sync::OnceLock;

use regex::{Captures, Regex, RegexBuilder};
use regex_syntax::hir::{Hir, HirKind};

/// A regular expression from a data file, checked at load and compiled on
/// first use.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    case_insensitive: bool,
    size_limit: usize,
    /// Group 0 (the whole match) and the explicit groups; `None` for a
    /// deferred pattern (the compiled regex knows them).
    groups: Option<(usize, Vec<String>)>,
    compiled: OnceLock<Result<Regex, regex::Error>>,
    /// Set once the compile error has been logged.
    reported: OnceLock<()>,
}

impl Pattern {
    /// Checks the syntax of `source`; the error is the parser's.
    pub fn new(
        source: &str,
        case_insensitive: bool,
        size_limit: usize,
    ) -> Result<Pattern, Box<regex_syntax::Error>> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(case_insensitive)
            .build()
            .parse(source)
            .map_err(Box::new)?;
        let mut names = Vec::new();
        capture_names(&hir, &mut names);
        Ok(Pattern {
            groups: Some((hir.properties().explicit_captures_len() + 1, names)),
            ..Pattern::deferred(source, case_insensitive, size_limit)
        })
    }

    /// A pattern whose syntax is checked when it is first used: a syntax
    /// error then shows as a compile error ([`Pattern::compile`]).
    pub fn deferred(source: &str, case_insensitive: bool, size_limit: usize) -> Pattern {
        Pattern {
            source: source.to_string(),
            case_insensitive,
            size_limit,
            groups: None,
            compiled: OnceLock::new(),
            reported: OnceLock::new(),
        }
    }

    /// The pattern as written in the data file.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The number of groups, counting group 0 (as `Regex::captures_len`;
    /// 0 for a deferred pattern that does not compile).
    pub fn captures_len(&self) -> usize {
        match &self.groups {
            Some((n, _)) => *n,
            None => self.compile().map_or(0, Regex::captures_len),
        }
    }

    /// The names of the named groups, in order.
    pub fn capture_names(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match &self.groups {
            Some((_, names)) => Box::new(names.iter().map(String::as_str)),
            None => Box::new(
                self.compile()
                    .into_iter()
                    .flat_map(|r| r.capture_names().flatten()),
            ),
        }
    }

    /// The compiled regex (built now if this is its first use).
    pub fn compile(&self) -> Result<&Regex, &regex::Error> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.source)
                    .case_insensitive(self.case_insensitive)
                    .size_limit(self.size_limit)
                    .dfa_size_limit(self.size_limit)
                    .build()
            })
            .as_ref()
    }

    /// The capture groups of the first match in `haystack`; `None` when it does
    /// not match or the pattern does not compile.
    pub fn captures<'h>(&self, haystack: &'h str) -> Option<Captures<'h>> {
        self.usable()?.captures(haystack)
    }

    /// True when the pattern matches somewhere in `haystack`; false when it
    /// does not compile.
    pub fn is_match(&self, haystack: &str) -> bool {
        self.usable().is_some_and(|re| re.is_match(haystack))
    }

    /// The compiled regex, or `None` (logged the first time) when it does
    /// not compile.
    fn usable(&self) -> Option<&Regex> {
        self.compile()
            .inspect_err(|e| {
                if self.reported.set(()).is_ok() {
                    tracing::error!(pattern = %self.source, error = %e, "a data file's regex does not compile; it matches nothing");
                }
            })
            .ok()
    }
}

fn capture_names(hir: &Hir, out: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Capture(c) => {
            if let Some(name) = &c.name {
                out.push(name.to_string());
            }
            capture_names(&c.sub, out);
        }
        HirKind::Repetition(r) => capture_names(&r.sub, out),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            for s in subs {
                capture_names(s, out);
            }
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_known_before_compiling_and_agree_with_the_regex() {
        for src in [
            r"^AXIS (\S+) .*? (\d+(?:\.\d+)+) ",
            r"(?P<vendor>\w+)/(?P<version>[\d.]+)|(x)(?:y)",
            r"no groups",
            r"((a)|(?<inner>b))*",
        ] {
            let p = Pattern::new(src, true, 1 << 20).unwrap();
            let re = Regex::new(src).unwrap();
            assert_eq!(p.captures_len(), re.captures_len(), "{src}");
            let names: Vec<&str> = re.capture_names().flatten().collect();
            assert_eq!(p.capture_names().collect::<Vec<_>>(), names, "{src}");
        }
    }

    #[test]
    fn matches_as_the_regex_does_with_the_case_flag() {
        let p = Pattern::new(r"^hikvision (\d+)", true, 1 << 20).unwrap();
        assert_eq!(&p.captures("HikVision 42").unwrap()[1], "42");
        let strict = Pattern::new(r"^hikvision", false, 1 << 20).unwrap();
        assert!(!strict.is_match("HikVision"));
        assert!(strict.is_match("hikvision"));
    }

    #[test]
    fn a_syntax_error_is_found_at_load_and_a_size_error_at_compile() {
        let e = Pattern::new(r"(unclosed", true, 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unclosed group"), "{e}");
        // Valid syntax, far beyond a small size limit.
        let big = Pattern::new(r"\w{50}\w{50}", false, 1 << 10).unwrap();
        let e = big.compile().unwrap_err();
        assert!(matches!(e, regex::Error::CompiledTooBig(_)), "{e}");
        assert!(e.to_string().contains("size limit"), "{e}");
        assert!(!big.is_match(&"a".repeat(100)));
    }

    #[test]
    fn a_deferred_pattern_is_checked_at_first_use() {
        let bad = Pattern::deferred(r"(unclosed", false, 1 << 20);
        let e = bad.compile().unwrap_err();
        assert!(matches!(e, regex::Error::Syntax(_)), "{e}");
        assert!(e.to_string().contains("unclosed group"), "{e}");
        assert!(!bad.is_match("(unclosed"));
        assert_eq!(bad.captures_len(), 0);
        let p = Pattern::deferred(r"^(?<model>\S+) v(\d+)", false, 1 << 20);
        assert_eq!(p.captures_len(), 3);
        assert_eq!(p.capture_names().collect::<Vec<_>>(), ["model"]);
        assert_eq!(&p.captures("NP-5 v2").unwrap()["model"], "NP-5");
    }
}
