//! The README is the first hour of every user: what it promises must hold in
//! a fresh clone. Its option table and `stadscan scan --help` name the same
//! options (read from both, nothing listed here by hand), and every relative
//! link of the README and docs/ points at a file the repository holds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// Long options (`--scope`) and short ones (`-v`) in a piece of text.
fn options(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?:^|[\s`,(\[])(--[a-z][a-z0-9-]*|-[a-zA-Z])\b").unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

/// The options of the README's option tables (tables whose header starts
/// with `| option |`), in order, duplicates kept.
fn readme_table_options() -> Vec<String> {
    let mut out = Vec::new();
    let mut in_table = false;
    for line in readme().lines() {
        let l = line.trim();
        if l.starts_with("| option |") {
            in_table = true;
            continue;
        }
        if !l.starts_with('|') {
            in_table = false;
            continue;
        }
        if in_table && !l.starts_with("|---") {
            let first = l.trim_start_matches('|').split('|').next().unwrap_or("");
            out.extend(options(first));
        }
    }
    out
}

/// The options `stadscan scan --help` lists (the option column of each
/// line, not the options its descriptions mention).
fn help_options() -> BTreeSet<String> {
    let (out, _) = crate::common::run(&["scan", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    help.lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .flat_map(|l| {
            let head = l.trim_start().split("  ").next().unwrap_or("");
            options(head)
        })
        .filter(|o| !matches!(o.as_str(), "--help" | "-h" | "--version" | "-V"))
        .collect()
}

#[test]
fn every_option_the_readme_table_names_exists_in_scan_help() {
    let table = readme_table_options();
    assert!(table.len() >= 10, "no option table found: {table:?}");
    let help = help_options();
    let unknown: Vec<&String> = table.iter().filter(|o| !help.contains(*o)).collect();
    assert!(
        unknown.is_empty(),
        "README lists options `stadscan scan --help` does not know: {unknown:?}"
    );
    let mut seen = BTreeSet::new();
    let twice: Vec<&String> = table.iter().filter(|o| !seen.insert(*o)).collect();
    assert!(twice.is_empty(), "README lists options twice: {twice:?}");
}

#[test]
fn every_option_of_scan_help_is_in_the_readme_table() {
    let table: BTreeSet<String> = readme_table_options().into_iter().collect();
    let missing: Vec<String> = help_options()
        .into_iter()
        .filter(|o| !table.contains(o))
        .collect();
    assert!(
        missing.is_empty(),
        "`stadscan scan --help` has options the README table lacks: {missing:?}"
    );
}

/// The files git tracks (what a clone holds); `None` outside a git checkout.
fn tracked() -> Option<BTreeSet<PathBuf>> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["ls-files", "-z"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(
        out.stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect(),
    )
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// `a/./b/../c` -> `a/c`; `None` when it climbs above the start.
fn normalise(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[test]
fn every_relative_link_of_the_readme_and_docs_resolves_in_a_clone() {
    let root = root();
    let mut files = vec![root.join("README.md"), root.join("checks/README.md")];
    markdown_files(&root.join("docs"), &mut files);
    let tracked = tracked();
    // [text](target) and bare mentions of a path above the repository.
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let rel_file = file.strip_prefix(&root).unwrap().to_path_buf();
        if text.contains("../shared") {
            broken.push(format!(
                "{}: names ../shared, which no clone has",
                rel_file.display()
            ));
        }
        for c in link.captures_iter(&text) {
            let target = &c[1];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or("");
            let dir = rel_file.parent().unwrap_or(Path::new(""));
            let Some(resolved) = normalise(&dir.join(path)) else {
                broken.push(format!(
                    "{}: `{target}` points outside the repository",
                    rel_file.display()
                ));
                continue;
            };
            checked += 1;
            let exists = match &tracked {
                Some(t) => {
                    t.contains(&resolved)
                        || t.iter().any(|f| f.starts_with(&resolved) && *f != resolved)
                }
                None => root.join(&resolved).exists(),
            };
            if !exists {
                broken.push(format!(
                    "{}: `{target}` ({}) is not in the repository",
                    rel_file.display(),
                    resolved.display()
                ));
            }
        }
    }
    assert!(checked >= 5, "found only {checked} relative links");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_quick_start_says_how_to_get_the_stadscan_command() {
    let text = readme();
    let quick = text
        .split("## Quick start")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Quick start section");
    assert!(
        quick.contains("cargo install --path .") || quick.contains("target/release/stadscan"),
        "the quick start never says where the `stadscan` command comes from"
    );
}
