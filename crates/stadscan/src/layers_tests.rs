//! The crate's modules form layers: reads every source file, collects the
//! modules each top-level module names (`crate::x`, `use crate::{x, y}`,
//! `super::x` from a top-level file), and holds the graph to the layer list
//! in `lib.rs`'s crate documentation: each module uses only modules named
//! in the lines above its own, so there is no cycle. Inside a folder, the
//! files beside each other form no cycle either.
//!
//! Test modules are left out (a test may reach anywhere); so are comments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module -> (module it names -> the files that name it).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder reads") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// True for a file that only tests compile.
fn test_only(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "tests.rs"
        || name == "testkit.rs"
        || name.ends_with("_tests.rs")
        || rel.split('/').any(|c| c == "tests")
}

/// The text without comments and without `#[cfg(test)] mod x { ... }`
/// blocks (rustfmt closes a top-level module with `}` in column 0).
fn library_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            // Skip the attributes up to the item they guard.
            let mut item = String::new();
            for next in lines.by_ref() {
                if !next.trim_start().starts_with("#[") {
                    item = next.to_string();
                    break;
                }
            }
            let item = item.trim_start();
            let is_mod = item.starts_with("mod ")
                || item.starts_with("pub mod ")
                || item.starts_with("pub(crate) mod ");
            if is_mod && item.ends_with('{') {
                for inner in lines.by_ref() {
                    if inner == "}" {
                        break;
                    }
                }
            }
            // `#[cfg(test)] mod x;` (a file of its own) or a test-only
            // item: nothing of it is library code.
            continue;
        }
        let code = match line.find("//") {
            // A `//` inside a string (a URL) cuts the line short; what
            // follows it on that line is never an import.
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules a piece of library code names.
fn named_modules(code: &str, top_level_file: bool) -> BTreeSet<String> {
    if top_level_file {
        // In `scan.rs`, `super::` is the crate root.
        names_after(code, &["crate::", "super::"])
    } else {
        names_after(code, &["crate::"])
    }
}

/// The first name after each of `prefixes` in `code` (each first name of
/// a `prefix{a, b::c}` group).
fn names_after(code: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for prefix in prefixes {
        for (i, _) in code.match_indices(prefix) {
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c, d::{e, f}}`: the first name of each
                // top-level item.
                let mut depth = 0;
                let mut at_item = true;
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => at_item = true,
                        c if at_item && !c.is_whitespace() => {
                            names.insert(ident_at(&group[j..]).to_string());
                            at_item = false;
                        }
                        _ => {}
                    }
                }
            } else {
                names.insert(ident_at(rest).to_string());
            }
        }
    }
    names.retain(|n| !n.is_empty() && n != "self" && n != "super");
    names
}

/// The library's files as paths under `src/` (`probe/http.rs`), without
/// `lib.rs` and the files only tests compile.
fn library_files() -> Vec<(String, PathBuf)> {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, path)
        })
        .filter(|(rel, _)| rel != "lib.rs" && !test_only(rel))
        .collect()
}

/// Per folder: the files beside each other (not `mod.rs`), and which of
/// them each names (`super::x` from a file beside `x`, or the absolute
/// `crate::folder::x`).
fn sibling_graphs() -> BTreeMap<String, (BTreeSet<String>, Graph)> {
    let files = library_files();
    let mut out: BTreeMap<String, (BTreeSet<String>, Graph)> = BTreeMap::new();
    for (rel, _) in &files {
        if let Some((dir, name)) = rel.rsplit_once('/')
            && name != "mod.rs"
        {
            let entry = out.entry(dir.to_string()).or_default();
            entry.0.insert(name.trim_end_matches(".rs").to_string());
        }
    }
    for (rel, path) in &files {
        let Some((dir, name)) = rel.rsplit_once('/') else {
            continue;
        };
        if name == "mod.rs" {
            continue;
        }
        let (siblings, graph) = out.get_mut(dir).expect("the folder was listed");
        let me = name.trim_end_matches(".rs").to_string();
        let code = library_code(&std::fs::read_to_string(path).expect("a source file reads"));
        let absolute = format!("crate::{}::", dir.replace('/', "::"));
        let entry = graph.entry(me.clone()).or_default();
        for other in names_after(&code, &["super::", &absolute]) {
            if other != me && siblings.contains(&other) {
                entry.entry(other).or_default().insert(rel.clone());
            }
        }
    }
    out
}

fn graph() -> Graph {
    let mut graph = Graph::new();
    for (rel, path) in library_files() {
        let top = rel
            .split('/')
            .next()
            .unwrap_or(&rel)
            .trim_end_matches(".rs");
        let text = std::fs::read_to_string(&path).expect("a source file reads");
        let code = library_code(&text);
        let entry = graph.entry(top.to_string()).or_default();
        for name in named_modules(&code, !rel.contains('/')) {
            if name != top {
                entry.entry(name).or_default().insert(rel.clone());
            }
        }
    }
    graph
}

/// The modules `lib.rs` declares.
fn declared_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("lib.rs reads");
    lib.lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

/// A cycle among `modules`, if there is one (depth-first search).
fn cycle(graph: &Graph, modules: &BTreeSet<String>) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        modules: &BTreeSet<String>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|m| m.keys()) {
            if modules.contains(next)
                && let Some(c) = visit(graph, modules, next, path, done)
            {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in modules {
        if let Some(c) = visit(graph, modules, m, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn uses(graph: &Graph, module: &str, modules: &BTreeSet<String>) -> Vec<String> {
    graph
        .get(module)
        .into_iter()
        .flat_map(|m| m.iter())
        .filter(|(name, _)| modules.contains(*name))
        .map(|(name, files)| format!("{name} (in {})", join(files)))
        .collect()
}

fn join(files: &BTreeSet<String>) -> String {
    files.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The layer list in `lib.rs`: one entry per `//! - ` item, holding the
/// modules its text links (`` [`name`] ``), top first.
fn layers() -> Vec<BTreeSet<String>> {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("lib.rs reads");
    let mut layers: Vec<BTreeSet<String>> = Vec::new();
    let mut in_list = false;
    for line in lib.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            break;
        };
        if doc.contains("The modules form layers") {
            in_list = true;
            continue;
        }
        if !in_list {
            continue;
        }
        if let Some(item) = doc.strip_prefix(" - ") {
            layers.push(BTreeSet::new());
            links(item, layers.last_mut().expect("just pushed"));
        } else if let (Some(item), Some(last)) = (doc.strip_prefix("   "), layers.last_mut()) {
            links(item, last);
        } else if !layers.is_empty() {
            break;
        }
    }
    layers
}

fn links(text: &str, into: &mut BTreeSet<String>) {
    for part in text.split("[`").skip(1) {
        if let Some((name, _)) = part.split_once("`]") {
            into.insert(name.to_string());
        }
    }
}

#[test]
fn every_module_uses_only_the_layers_above_its_own() {
    let modules = declared_modules();
    let layers = layers();
    assert!(layers.len() >= 8, "lib.rs's layer list reads as {layers:?}");
    assert!(layers[0].contains("model"), "the first layer holds model");
    let graph = graph();
    let mut layer_of = BTreeMap::new();
    for (i, layer) in layers.iter().enumerate() {
        for m in layer {
            // A module named again in a later line (as `net` in the line of
            // `probe`) belongs to the first line that names it.
            layer_of.entry(m.clone()).or_insert(i);
        }
    }
    for m in &modules {
        assert!(
            layer_of.contains_key(m),
            "lib.rs's layer list does not name `{m}`"
        );
    }
    let mut wrong = Vec::new();
    for (m, used) in &graph {
        let Some(&mine) = layer_of.get(m) else {
            continue;
        };
        for (other, files) in used {
            if let Some(&theirs) = layer_of.get(other)
                && theirs >= mine
            {
                wrong.push(format!("{m} uses {other} (in {})", join(files)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a module uses one in its own line or a line below it in lib.rs's list:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn the_modules_form_no_cycle() {
    let modules = declared_modules();
    let graph = graph();
    assert!(modules.len() > 20, "lib.rs declares {modules:?}");
    if let Some(c) = cycle(&graph, &modules) {
        let steps: Vec<String> = c
            .windows(2)
            .map(|w| format!("{} -> {} (in {})", w[0], w[1], join(&graph[&w[0]][&w[1]])))
            .collect();
        panic!("the modules form a cycle:\n  {}", steps.join("\n  "));
    }
}

/// Inside a folder too: no two files use each other, directly or around a
/// circle (a file's `mod.rs` is its folder's face, not a sibling).
#[test]
fn the_files_of_a_folder_form_no_cycle() {
    let folders = sibling_graphs();
    assert!(
        folders.contains_key("probe") && folders["probe"].0.contains("http"),
        "the folders read as {:?}",
        folders.keys().collect::<Vec<_>>()
    );
    for (dir, (files, graph)) in &folders {
        if let Some(c) = cycle(graph, files) {
            let steps: Vec<String> = c
                .windows(2)
                .map(|w| format!("{} -> {} (in {})", w[0], w[1], join(&graph[&w[0]][&w[1]])))
                .collect();
            panic!(
                "the files of {dir}/ form a cycle:\n  {}",
                steps.join("\n  ")
            );
        }
    }
}

#[test]
fn the_leaves_and_the_top_stay_where_lib_rs_puts_them() {
    let modules = declared_modules();
    let graph = graph();
    // The pipeline's types, the fact vocabulary and the SQLite opener use
    // nothing else of this crate.
    for leaf in ["model", "facts", "sqlite"] {
        assert!(modules.contains(leaf), "lib.rs declares {leaf}");
        let found = uses(&graph, leaf, &modules);
        assert!(found.is_empty(), "{leaf} is a leaf, but uses {found:?}");
    }
    // The data toolkit uses only the fact vocabulary.
    let found = uses(&graph, "knowledge", &modules);
    assert!(
        found.iter().all(|u| u.starts_with("facts ")),
        "knowledge uses only facts, but uses {found:?}"
    );
    // History reads model types only, through the SQLite opener.
    let found = uses(&graph, "history", &modules);
    assert!(
        found
            .iter()
            .all(|u| u.starts_with("model ") || u.starts_with("sqlite ")),
        "history uses only model and sqlite, but uses {found:?}"
    );
    // The scan runs the stages; no stage calls back into it.
    for m in &modules {
        let found = uses(&graph, m, &modules);
        assert!(
            !found.iter().any(|u| u.starts_with("scan ")),
            "{m} uses the scan: {found:?}"
        );
    }
}

#[test]
fn the_reader_sees_imports_and_skips_tests_and_comments() {
    let code = library_code(
        "use crate::model::Asset;\n\
         use crate::{net::Net, scope::{Scope, Gate}};\n\
         // use crate::report::Report;\n\
         fn f() { let _ = crate::tls::x(); } // crate::history\n\
         #[cfg(test)]\n\
         mod tests {\n    use crate::scan::run;\n}\n\
         fn g() { crate::probe::y(); }\n",
    );
    let names = named_modules(&code, false);
    let want: BTreeSet<String> = ["model", "net", "scope", "tls", "probe"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(names, want);
    let top = named_modules("use super::model::Asset;\n", true);
    assert!(top.contains("model"));
    assert!(named_modules("use super::model::Asset;\n", false).is_empty());
}
