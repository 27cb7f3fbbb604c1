//! A prefilter for many regexes tried in order on one text (a recog file's
//! fingerprints): for each pattern the longest literal every match of it
//! contains (`Apache` in `^Apache(?:/(\d[\d.]*))?`), all of them in one
//! Aho-Corasick automaton. One pass over the text says which patterns can
//! match at all; only those are run. Patterns without such a literal are
//! always run, and a text that is not ASCII runs them all (the literals are
//! compared ignoring ASCII case only).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// The shortest literal worth looking for.
const MIN_LITERAL: usize = 3;

/// Which of a list of patterns can match a text.
#[derive(Debug, Clone)]
pub(crate) struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// The patterns (by position) each literal of the automaton stands for.
    by_literal: Vec<Vec<usize>>,
    /// Per pattern: it has a literal (else it is always run).
    filtered: Vec<bool>,
}

impl Prefilter {
    /// From the patterns' sources in Rust's regex syntax; one that does not
    /// parse gets no literal (and is always run, to fail as it would).
    pub(crate) fn new<'a>(sources: impl Iterator<Item = &'a str>) -> Prefilter {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut by_literal: Vec<Vec<usize>> = Vec::new();
        let mut filtered = Vec::new();
        for (i, source) in sources.enumerate() {
            let literal = regex_syntax::Parser::new()
                .parse(source)
                .ok()
                .and_then(|hir| required_literal(&hir))
                .filter(|l| l.len() >= MIN_LITERAL);
            filtered.push(literal.is_some());
            if let Some(l) = literal {
                let at = *index.entry(l.clone()).or_insert_with(|| {
                    literals.push(l);
                    by_literal.push(Vec::new());
                    literals.len() - 1
                });
                by_literal[at].push(i);
            }
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .ok();
        if automaton.is_none() {
            filtered.iter_mut().for_each(|f| *f = false);
        }
        Prefilter {
            automaton,
            by_literal,
            filtered,
        }
    }

    /// Per pattern: whether it can match `text`.
    pub(crate) fn candidates(&self, text: &str) -> Vec<bool> {
        let mut out: Vec<bool> = self.filtered.iter().map(|f| !f).collect();
        match &self.automaton {
            Some(ac) if text.is_ascii() => {
                for m in ac.find_overlapping_iter(text) {
                    for &p in &self.by_literal[m.pattern().as_usize()] {
                        out[p] = true;
                    }
                }
            }
            _ => out.iter_mut().for_each(|o| *o = true),
        }
        out
    }
}

/// The longest literal (ASCII case aside) every match of `hir` contains.
fn required_literal(hir: &Hir) -> Option<Vec<u8>> {
    let mut found = Vec::new();
    required(hir, &mut found);
    found.into_iter().max_by_key(Vec::len)
}

/// Literals every match of `hir` contains.
fn required(hir: &Hir, out: &mut Vec<Vec<u8>>) {
    if let Some(e) = exact(hir) {
        out.push(e);
        return;
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub, out),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub, out),
        HirKind::Concat(subs) => {
            let mut run = Vec::new();
            for s in subs {
                match exact(s) {
                    Some(e) => run.extend(e),
                    None => {
                        out.push(std::mem::take(&mut run));
                        required(s, out);
                    }
                }
            }
            out.push(run);
        }
        _ => {}
    }
}

/// The text `hir` matches when that is one literal, ASCII case aside
/// (`(?i)a` is `[Aa]`); zero-width assertions match the empty text.
fn exact(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(Vec::new()),
        HirKind::Literal(l) => Some(l.0.to_vec()),
        HirKind::Class(c) => one_char(c).map(|b| vec![b]),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(subs) => subs.iter().try_fold(Vec::new(), |mut acc, s| {
            acc.extend(exact(s)?);
            Some(acc)
        }),
        _ => None,
    }
}

/// The ASCII character a class stands for when it only adds other cases
/// of it (`[Kk\u{212A}]`: `k`).
fn one_char(class: &Class) -> Option<u8> {
    let chars: Vec<char> = match class {
        Class::Unicode(u) => {
            let n: u32 = u.ranges().iter().map(|r| r.len() as u32).sum();
            if n > 4 {
                return None;
            }
            u.iter().flat_map(|r| r.start()..=r.end()).collect()
        }
        Class::Bytes(b) => {
            let n: usize = b.ranges().iter().map(|r| r.len()).sum();
            if n > 4 {
                return None;
            }
            b.iter()
                .flat_map(|r| r.start()..=r.end())
                .map(char::from)
                .collect()
        }
    };
    let ascii = chars.iter().find(|c| c.is_ascii())?.to_ascii_lowercase();
    let same = |c: &char| {
        c.to_lowercase().eq(std::iter::once(ascii))
            || c.to_uppercase()
                .eq(std::iter::once(ascii.to_ascii_uppercase()))
    };
    chars.iter().all(same).then_some(ascii as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(src: &str) -> Option<String> {
        let hir = regex_syntax::Parser::new().parse(src).unwrap();
        required_literal(&hir).map(|l| String::from_utf8(l).unwrap())
    }

    #[test]
    fn the_longest_literal_every_match_holds() {
        assert_eq!(
            literal(r"^Apache(?:/(\d[\d.]*))?").as_deref(),
            Some("Apache")
        );
        assert_eq!(
            literal(r"(?i)^lighttpd/(\d+)").as_deref(),
            Some("lighttpd/")
        );
        assert_eq!(
            literal(r"^(\S+) FTP server \(Version (\S+)\) ready").as_deref(),
            Some(" FTP server (Version ")
        );
        assert_eq!(literal(r"(?:a|b)+x{2,}").as_deref(), Some("x"));
        assert_eq!(literal(r"(?:ab|cd)+").as_deref(), None);
        assert_eq!(literal(r"(foo)?bar").as_deref(), Some("bar"));
        // Case variants outside ASCII still stand for the ASCII letter.
        assert_eq!(literal(r"(?i)kit").as_deref(), Some("kit"));
        assert_eq!(literal(r"[0-9]{3}").as_deref(), None);
    }

    #[test]
    fn only_patterns_whose_literal_is_there_are_candidates() {
        let p = Prefilter::new(
            [
                r"^Apache/(\d+)",
                r"(?i)^nginx",
                r"^\d+$",
                r"(unparsable",
                r"(?i)ApAcHe-Coyote",
            ]
            .into_iter(),
        );
        assert_eq!(
            p.candidates("Apache-Coyote/1.1"),
            [false, false, true, true, true]
        );
        assert_eq!(p.candidates("apache/2.4"), [true, false, true, true, false]);
        assert_eq!(p.candidates("NGINX"), [false, true, true, true, false]);
        // Not ASCII: every pattern may match.
        assert_eq!(p.candidates("nginx ©"), [true; 5]);
    }
}
