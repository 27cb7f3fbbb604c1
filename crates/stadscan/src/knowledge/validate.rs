//! The one way a data file's entries are validated.
//!
//! A loader parses a file, validates each entry and reports the first
//! problem. The entry's validator says what is wrong as a [`Problem`]: the
//! field path inside the entry (`extract[2].regex`), the message, and the
//! byte span when it knows one. [`DataFile::error`] turns it into the
//! [`CheckLoadError`] a user reads, naming file, line and field the same
//! way for every kind of data (`path:line: entry-id: field: message`; the
//! line is the span's, else the entry's). [`load_entries`] is the loop most
//! loaders share; the rule helpers ([`id`], [`regex`], [`non_empty`]...)
//! are the checks several kinds of data repeat, each with its message.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use regex::{Regex, RegexBuilder};
use toml::Spanned;

use super::{CheckLoadError, ID_RULE, line_of, parse_toml, valid_id};

/// What is wrong with one field of a data file's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The path of the field inside its entry (`id`, `extract[2].regex`);
    /// empty for the entry as a whole.
    pub(crate) field: String,
    pub(crate) message: String,
    /// Where in the file, when known (else the entry's own span counts).
    pub(crate) span: Option<Range<usize>>,
}

impl Problem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
            span: None,
        }
    }

    /// The same problem at byte range `span` of the file.
    pub(crate) fn at(self, span: Range<usize>) -> Problem {
        Problem {
            span: Some(span),
            ..self
        }
    }

    /// The same problem at `span` when one is given (keeps its own when
    /// it has one and `span` is `None`).
    pub(crate) fn at_opt(self, span: Option<Range<usize>>) -> Problem {
        match span {
            Some(s) => self.at(s),
            None => self,
        }
    }

    /// The same problem one level down: its field path is put under
    /// `outer` (`regex` under `extract[2]` is `extract[2].regex`).
    pub(crate) fn under(self, outer: &str) -> Problem {
        let field = if self.field.is_empty() {
            outer.to_string()
        } else if outer.is_empty() {
            self.field
        } else {
            format!("{outer}.{}", self.field)
        };
        Problem { field, ..self }
    }
}

/// `list[i]`: the field path of one item of a list.
pub(crate) fn item(list: &str, i: usize) -> String {
    format!("{list}[{i}]")
}

/// `entry: field`, as errors name a field of an entry (the entry alone
/// when the field is empty, the field alone when the entry is).
pub(crate) fn field_path(entry: &str, field: &str) -> String {
    match (entry.is_empty(), field.is_empty()) {
        (true, _) => field.to_string(),
        (false, true) => entry.to_string(),
        (false, false) => format!("{entry}: {field}"),
    }
}

impl CheckLoadError {
    /// `problem` of the entry named `entry` in the file `file`, at line
    /// `line` (for problems found after the text is gone, such as an
    /// example that fails once every entry is loaded).
    pub(crate) fn from_problem(file: &str, line: usize, entry: &str, problem: Problem) -> Self {
        CheckLoadError {
            file: file.to_string(),
            line,
            field: field_path(entry, &problem.field),
            message: problem.message,
        }
    }
}

/// A data file: its path and text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataFile<'a> {
    pub(crate) path: &'a str,
    pub(crate) text: &'a str,
}

impl<'a> DataFile<'a> {
    pub(crate) fn new(path: &'a str, text: &'a str) -> DataFile<'a> {
        DataFile { path, text }
    }

    /// Parses the file; a TOML error names the file, the line and `what`.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
    ) -> Result<T, CheckLoadError> {
        parse_toml(self.path, self.text, what)
    }

    /// The 1-based line of byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        line_of(self.text, offset)
    }

    /// `problem` of the entry named `entry` that stands at `span`: the
    /// line is the problem's own span's, else the entry's.
    pub(crate) fn error(
        &self,
        entry: &str,
        span: Range<usize>,
        problem: Problem,
    ) -> CheckLoadError {
        let line = self.line(problem.span.as_ref().unwrap_or(&span).start);
        CheckLoadError::from_problem(self.path, line, entry, problem)
    }
}

/// One entry of a data file (a `[[check]]`, an `[[endpoint]]`...) while it
/// is validated: its file and where it stands.
#[derive(Debug, Clone)]
pub(crate) struct Place<'a> {
    pub(crate) file: DataFile<'a>,
    pub(crate) span: Range<usize>,
}

impl<'a> Place<'a> {
    pub(crate) fn new(file: DataFile<'a>, span: Range<usize>) -> Place<'a> {
        Place { file, span }
    }

    /// `problem` of this entry, named `entry` (see [`DataFile::error`]).
    pub(crate) fn error(&self, entry: &str, problem: Problem) -> CheckLoadError {
        self.file.error(entry, self.span.clone(), problem)
    }

    pub(crate) fn path(&self) -> &str {
        self.file.path
    }

    /// The line the entry starts on.
    pub(crate) fn line(&self) -> usize {
        self.file.line(self.span.start)
    }

    /// The line of `span` (a field of the entry).
    pub(crate) fn line_of(&self, span: &Range<usize>) -> usize {
        self.file.line(span.start)
    }
}

/// The loop most loaders share: parses every file as `F` (a TOML error
/// names file, line and `what`), takes its entries with `entries` (which
/// may keep the file's other tables, such as examples checked once every
/// file is loaded), and validates each in file order with `validate`; a
/// problem becomes an error naming the file, the line and
/// `label(entry): field`.
pub(crate) fn load_entries<'a, F, R, T>(
    files: &[(&'a str, &'a str)],
    what: &str,
    mut entries: impl FnMut(DataFile<'a>, F) -> Vec<Spanned<R>>,
    label: impl Fn(&R) -> String,
    mut validate: impl FnMut(&Place<'a>, R) -> Result<T, Problem>,
) -> Result<Vec<T>, CheckLoadError>
where
    F: serde::de::DeserializeOwned,
{
    let mut out = Vec::new();
    for (path, text) in files {
        let file = DataFile::new(path, text);
        for raw in entries(file, file.parse(what)?) {
            let place = Place::new(file, raw.span());
            let raw = raw.into_inner();
            let name = label(&raw);
            let value = validate(&place, raw).map_err(|p| place.error(&name, p))?;
            out.push(value);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/// An id that follows [`ID_RULE`].
pub(crate) fn id(field: &str, id: &str) -> Result<(), Problem> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(Problem::new(field, ID_RULE))
    }
}

/// The ids already taken by entries of one kind, across files, with where
/// each was first defined.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    /// What the ids name (`check`, `advisory`), for the message.
    kind: &'static str,
    first: HashMap<String, (String, usize)>,
}

impl Ids {
    pub(crate) fn new(kind: &'static str) -> Ids {
        Ids {
            kind,
            first: HashMap::new(),
        }
    }

    /// Takes `id` for the entry at `place`; an id taken before is a
    /// problem of field `id` that names where it was first defined.
    pub(crate) fn claim(&mut self, id: &str, place: &Place<'_>) -> Result<(), Problem> {
        if let Some((file, line)) = self.first.get(id) {
            return Err(Problem::new(
                "id",
                format!(
                    "{} id `{id}` is defined twice (first at {file}:{line})",
                    self.kind
                ),
            ));
        }
        self.first
            .insert(id.to_string(), (place.path().to_string(), place.line()));
        Ok(())
    }
}

/// A list that must hold at least one item; `message` says what to give.
pub(crate) fn non_empty<T>(field: &str, list: &[T], message: &str) -> Result<(), Problem> {
    if list.is_empty() {
        Err(Problem::new(field, message))
    } else {
        Ok(())
    }
}

/// Prose (a title, a description, a remediation): 1 to 1000 characters
/// once trimmed.
pub(crate) fn text(field: &str, text: &str) -> Result<(), Problem> {
    let t = text.trim();
    if t.is_empty() || t.len() > 1000 {
        Err(Problem::new(field, "must be 1 to 1000 characters"))
    } else {
        Ok(())
    }
}

/// A CVSS-like score, 0.0 to 10.0.
pub(crate) fn score(field: &str, score: f64) -> Result<(), Problem> {
    if (0.0..=10.0).contains(&score) {
        Ok(())
    } else {
        Err(Problem::new(
            field,
            format!("{score} is not a CVSS score (0.0 to 10.0)"),
        ))
    }
}

/// A fact name of the vocabulary (`src/facts.rs`); `what` says whose fact
/// it is (`fact`, `example fact`).
pub(crate) fn known_fact(field: &str, what: &str, name: &str) -> Result<(), Problem> {
    if crate::facts::is_known(name) {
        Ok(())
    } else {
        Err(Problem::new(
            field,
            format!("{what} `{name}` is not in the vocabulary (src/facts.rs)"),
        ))
    }
}

/// Controls of the baselines: at least one BIO2 control (`bio2:...`), and
/// every one a control `exists` knows. `kind` names the entry (`check`,
/// `advisory`), `example` a BIO2 control to show.
pub(crate) fn controls(
    field: &str,
    controls: &[String],
    kind: &str,
    example: &str,
    exists: impl Fn(&str) -> bool,
) -> Result<(), Problem> {
    non_empty(field, controls, "name at least one control")?;
    if !controls.iter().any(|c| c.starts_with("bio2:")) {
        return Err(Problem::new(
            field,
            format!("every {kind} maps to at least one BIO2 control ({example})"),
        ));
    }
    match controls.iter().find(|c| !exists(c)) {
        Some(c) => Err(Problem::new(
            field,
            format!("`{c}` is not a control of any catalogue in baselines/"),
        )),
        None => Ok(()),
    }
}

/// A request path: starts with `/` and has no whitespace.
pub(crate) fn request_path(field: &str, path: &str) -> Result<(), Problem> {
    if path.starts_with('/') && !path.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(Problem::new(
            field,
            "a path starts with `/` and has no whitespace",
        ))
    }
}

/// An error's text on one line (the regex parser draws a caret below).
pub(crate) fn one_line(e: &impl fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A regular expression, compiled with the regex crate's defaults.
pub(crate) fn regex(field: &str, source: &str) -> Result<Regex, Problem> {
    build(field, source, &mut RegexBuilder::new(source))
}

/// A regular expression that ignores case, at most 1 MiB compiled (the
/// product patterns of advisories and CPE rules).
pub(crate) fn regex_ignoring_case(field: &str, source: &str) -> Result<Regex, Problem> {
    build(
        field,
        source,
        RegexBuilder::new(source)
            .case_insensitive(true)
            .size_limit(1 << 20),
    )
}

/// A regular expression whose capture group 1 is a value to take.
pub(crate) fn regex_with_group(field: &str, source: &str) -> Result<Regex, Problem> {
    let re = regex(field, source)?;
    if re.captures_len() < 2 {
        return Err(Problem::new(
            field,
            "the regex needs a capture group: group 1 is the value",
        ));
    }
    Ok(re)
}

fn build(field: &str, source: &str, builder: &mut RegexBuilder) -> Result<Regex, Problem> {
    builder.build().map_err(|e| {
        Problem::new(
            field,
            format!("`{source}` is not a valid regex: {}", one_line(&e)),
        )
    })
}

/// Examples of both outcomes: at least one for which `positive` holds and
/// one for which it does not; `message` says what to give.
pub(crate) fn both_outcomes<T>(
    field: &str,
    examples: &[T],
    positive: impl Fn(&T) -> bool,
    message: &str,
) -> Result<(), Problem> {
    let yes = examples.iter().any(&positive);
    let no = examples.iter().any(|e| !positive(e));
    if yes && no {
        Ok(())
    } else {
        Err(Problem::new(field, message))
    }
}

/// An example's outcome: what the data gives (`got`) must be what the
/// example expects (`want`); `subject` says what was given to the data.
pub(crate) fn example_gives<T: PartialEq + fmt::Debug>(
    field: &str,
    subject: &str,
    want: &T,
    got: &T,
) -> Result<(), Problem> {
    if want == got {
        Ok(())
    } else {
        Err(Problem::new(
            field,
            format!("{subject} gives {got:?}, the example expects {want:?}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        thing: Vec<Spanned<Raw>>,
    }

    #[derive(Deserialize)]
    struct Raw {
        id: Spanned<String>,
        #[serde(default)]
        extract: Vec<String>,
    }

    const TEXT: &str = "\
[[thing]]
id = \"first\"
extract = [\"(a)\"]

[[thing]]
id = \"second\"
extract = [\"(a)\", \"b\", \"(c\"]
";

    /// Loads `text` as `f.toml`, validating each thing with `rule`.
    fn load(
        text: &str,
        mut rule: impl FnMut(&Place<'_>, Raw) -> Result<String, Problem>,
    ) -> Result<Vec<String>, CheckLoadError> {
        load_entries(
            &[("f.toml", text)],
            "thing",
            |_, f: File| f.thing,
            |r: &Raw| r.id.get_ref().clone(),
            |place, raw| rule(place, raw),
        )
    }

    /// Each extract regex with a capture group, as a validator would.
    fn extracts(raw: &Raw) -> Result<(), Problem> {
        for (i, x) in raw.extract.iter().enumerate() {
            regex_with_group("regex", x).map_err(|p| p.under(&item("extract", i)))?;
        }
        Ok(())
    }

    #[test]
    fn a_problem_names_the_file_the_entry_line_and_the_field_path() {
        let e = load(TEXT, |_, raw| {
            extracts(&raw)?;
            Ok(raw.id.into_inner())
        })
        .unwrap_err();
        assert_eq!(e.file, "f.toml");
        assert_eq!(e.line, 5, "{e}");
        assert_eq!(e.field, "second: extract[1].regex", "{e}");
        assert!(e.message.contains("capture group"), "{e}");
    }

    #[test]
    fn a_problem_with_a_span_names_its_own_line() {
        let e = load(TEXT, |_, raw| {
            if raw.id.get_ref() == "second" {
                return Err(Problem::new("id", "no").at(raw.id.span()));
            }
            Ok(raw.id.into_inner())
        })
        .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (6, "second: id"), "{e}");
        assert_eq!(e.to_string(), "f.toml:6: second: id: no");
    }

    #[test]
    fn valid_entries_load_in_file_order() {
        let ids = load(TEXT, |_, raw| Ok(raw.id.into_inner())).unwrap();
        assert_eq!(ids, ["first", "second"]);
    }

    #[test]
    fn bad_toml_names_the_file_and_line() {
        let e = load("[[thing]]\nid = \"a\"\nextract = 3\n", |_, raw| {
            Ok(raw.id.into_inner())
        })
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("f.toml", 3), "{e}");
        assert_eq!(e.field, "thing");
    }

    #[test]
    fn a_second_definition_of_an_id_names_the_first() {
        let text = "[[thing]]\nid = \"a\"\n\n[[thing]]\nid = \"b\"\n\n[[thing]]\nid = \"a\"\n";
        let mut ids = Ids::new("thing");
        let e = load(text, |place, raw| {
            ids.claim(raw.id.get_ref(), place)?;
            Ok(raw.id.into_inner())
        })
        .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (7, "a: id"), "{e}");
        assert_eq!(
            e.message,
            "thing id `a` is defined twice (first at f.toml:1)"
        );
    }

    #[test]
    fn ids_follow_the_id_rule() {
        for good in ["a", "demo-check-2", &"a".repeat(64)] {
            assert_eq!(id("id", good), Ok(()), "{good}");
        }
        for bad in ["", "Demo", "2fa", "a_b", "a b", &"a".repeat(65)] {
            let p = id("id", bad).unwrap_err();
            assert_eq!((p.field.as_str(), p.message.as_str()), ("id", ID_RULE));
        }
    }

    #[test]
    fn field_paths_nest() {
        let p = Problem::new("regex", "m").under("extract[2]").under("");
        assert_eq!(p.field, "extract[2].regex");
        assert_eq!(Problem::new("", "m").under("when[0]").field, "when[0]");
        assert_eq!(field_path("x", ""), "x");
        assert_eq!(field_path("", "y"), "y");
        assert_eq!(field_path("x", "y"), "x: y");
        let p = Problem::new("f", "m").at(3..4).at_opt(None);
        assert_eq!(p.span, Some(3..4));
    }

    #[test]
    fn lists_must_not_be_empty() {
        let p = non_empty::<u8>("paths", &[], "name one").unwrap_err();
        assert_eq!(
            (p.field.as_str(), p.message.as_str()),
            ("paths", "name one")
        );
        assert!(non_empty("paths", &[1], "name one").is_ok());
    }

    #[test]
    fn prose_is_1_to_1000_characters() {
        assert!(text("title", "  \n ").is_err());
        assert!(text("title", &"x".repeat(1001)).is_err());
        assert_eq!(text("title", "").unwrap_err().field, "title");
        assert!(text("title", &"x".repeat(1000)).is_ok());
    }

    #[test]
    fn scores_are_0_to_10() {
        assert!(score("cvss", 10.5).unwrap_err().message.contains("10.5"));
        assert!(score("cvss", -0.1).is_err());
        assert!(score("cvss", 0.0).is_ok() && score("cvss", 10.0).is_ok());
    }

    #[test]
    fn facts_come_from_the_vocabulary() {
        let p = known_fact("when", "fact", "no.such.fact").unwrap_err();
        assert_eq!(p.field, "when");
        assert!(p.message.contains("`no.such.fact`"), "{}", p.message);
        assert!(known_fact("when", "fact", "telnet.login_prompt").is_ok());
    }

    #[test]
    fn controls_need_bio2_and_must_exist() {
        let exists = |c: &str| c != "bio2:42.1";
        let list = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let check = |c: &[&str]| controls("controls", &list(c), "check", "bio2:8.8", exists);
        assert!(check(&[]).unwrap_err().message.contains("at least one"));
        assert!(check(&["etsi:5.1-3"]).unwrap_err().message.contains("BIO2"));
        let p = check(&["bio2:8.20", "bio2:42.1"]).unwrap_err();
        assert!(p.message.contains("`bio2:42.1`"), "{}", p.message);
        assert_eq!(p.field, "controls");
        assert!(check(&["bio2:8.20", "etsi:5.1-3"]).is_ok());
    }

    #[test]
    fn request_paths_start_with_a_slash_and_have_no_whitespace() {
        assert!(request_path("path", "shelly").is_err());
        assert!(request_path("path", "/a b").is_err());
        assert!(request_path("path", "/a\tb").is_err());
        assert!(request_path("path", "/cgi-bin/x?y=1").is_ok());
    }

    #[test]
    fn regexes_must_compile_and_may_need_a_group() {
        let p = regex("when[0].regex", "(unclosed").unwrap_err();
        assert_eq!(p.field, "when[0].regex");
        assert!(p.message.starts_with("`(unclosed` is not a valid regex: "));
        assert!(!p.message.contains('\n'), "{}", p.message);
        assert!(regex_with_group("regex", "abc").is_err());
        assert!(regex_with_group("regex", "(?:abc)").is_err());
        assert_eq!(regex_with_group("regex", "a(b)").unwrap().captures_len(), 2);
        assert!(
            regex_ignoring_case("product", "AXIS")
                .unwrap()
                .is_match("axis")
        );
        assert!(!regex("product", "AXIS").unwrap().is_match("axis"));
        assert!(regex_ignoring_case("product", "a{10000}{10000}").is_err());
    }

    #[test]
    fn examples_cover_both_outcomes_and_give_what_they_expect() {
        let fires = |b: &bool| *b;
        assert!(both_outcomes("examples", &[true, false], fires, "m").is_ok());
        assert!(both_outcomes("examples", &[true, true], fires, "m").is_err());
        assert_eq!(
            both_outcomes("examples", &[false], fires, "m").unwrap_err(),
            Problem::new("examples", "m")
        );
        assert!(example_gives("examples[0]", "x", &1, &1).is_ok());
        let p = example_gives("examples[0]", "the body", &vec!["a"], &vec!["b"]).unwrap_err();
        assert_eq!(p.field, "examples[0]");
        assert_eq!(
            p.message,
            "the body gives [\"b\"], the example expects [\"a\"]"
        );
    }
}
