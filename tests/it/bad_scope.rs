//! A broken scope file: exit code 2, and a message naming the file, the line
//! and the field, before any packet is sent.

use crate::common;

use common::{TestDir, run};

fn fails_with(name: &str, text: &str, line: usize, field: &str) {
    let dir = TestDir::new(name);
    let path = dir.write("scope.toml", text);
    let (out, _) = run(&[
        "scan",
        "--scope",
        path.to_str().unwrap(),
        "--sarif",
        dir.path("x.sarif").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{name}");
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("{}:{line}:", path.display());
    assert!(err.contains(&want), "{name}: expected `{want}` in: {err}");
    assert!(
        err.contains(field),
        "{name}: expected field `{field}` in: {err}"
    );
    assert!(
        !dir.path("x.sarif").exists(),
        "{name}: no output for a scan that never ran"
    );
}

#[test]
fn invalid_cidr() {
    fails_with(
        "bad-cidr",
        "name = \"x\"\n\n[[networks]]\ncidr = \"10.1.2/24\"\n",
        4,
        "networks[0].cidr",
    );
}

#[test]
fn unknown_key() {
    fails_with(
        "bad-key",
        "name = \"x\"\n[[networks]]\ncidr = \"127.0.0.0/30\"\n[rate]\nper_sec = 3\n",
        5,
        "rate.per_sec",
    );
}

#[test]
fn wrong_type() {
    fails_with(
        "bad-type",
        "name = \"x\"\n[[networks]]\ncidr = \"127.0.0.0/30\"\n[ports]\ntcp = [\"http\"]\n",
        5,
        "ports.tcp",
    );
}

#[test]
fn toml_syntax_error() {
    fails_with(
        "bad-syntax",
        "name = \"x\"\n[[networks]\ncidr = \"127.0.0.0/30\"\n",
        2,
        "networks",
    );
}

#[test]
fn bad_exclusion() {
    fails_with(
        "bad-exclude",
        "name = \"x\"\nexclude = [\"127.0.0.300\"]\n[[networks]]\ncidr = \"127.0.0.0/30\"\n",
        2,
        "exclude[0]",
    );
}

#[test]
fn missing_scope_file() {
    let (out, _) = run(&["scan", "--scope", "/nonexistent/stadscan/scope.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/stadscan/scope.toml"));
}

#[test]
fn scan_without_a_scope_is_refused() {
    let (out, _) = run(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--scope"));
}

#[test]
fn missing_trust_anchor() {
    fails_with(
        "bad-anchor",
        "name = \"x\"\n\ntrust_anchors = [\"city-ca.pem\"]\n[[networks]]\ncidr = \"127.0.0.0/30\"\n",
        3,
        "trust_anchors[0]",
    );
}

#[test]
fn the_example_scope_file_is_valid() {
    // Parse only: the example names real-looking networks that must never be scanned here.
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scope.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let s = stadscan::scope::Scope::parse(&text, &p).unwrap();
    assert_eq!(s.name, "centrum-street-devices");
    assert_eq!(s.networks.len(), 2);
    assert!(s.exclude.len() == 2 && !s.credentials_enabled);
}
