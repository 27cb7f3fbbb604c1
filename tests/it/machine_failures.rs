//! Failures of the scanning machine itself: a full disk and a corrupt
//! history file give a clear error and exit 2, and nothing already stored
//! is lost (the last good report stays where it was, the history keeps the
//! run, a corrupt history is not touched).

use crate::common;

use std::process::Command;

use common::{TestDir, bin, run};

/// A scope that finishes at once: one closed port on one address.
fn quick_scope(dir: &TestDir) -> std::path::PathBuf {
    dir.write(
        "scope.toml",
        "name = \"machine\"\n[[networks]]\ncidr = \"127.66.20.1/32\"\n[ports]\ntcp = [1]\nudp = []\n[rate]\ntimeout_ms = 300\n",
    )
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_last_good_report_survives() {
    // A 12 KiB tmpfs in a private mount namespace (unprivileged: a user
    // namespace maps us to root inside it). The SARIF of even an empty scan
    // holds every rule, far more than 12 KiB.
    let ok = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "this test needs `unshare -rm` (util-linux, user namespaces) to mount a small tmpfs"
    );
    let dir = TestDir::new("full-disk");
    let scope = quick_scope(&dir);
    let full = dir.path("full");
    std::fs::create_dir_all(&full).unwrap();
    let history = dir.path("history.sqlite");
    let stderr = dir.path("stderr.txt");
    let listing = dir.path("after.txt");
    let script = format!(
        "set -e
mount -t tmpfs -o size=12k tmpfs '{full}'
printf 'last good report\\n' > '{full}/results.sarif'
set +e
'{bin}' scan --scope '{scope}' --history '{history}' --sarif '{full}/results.sarif' -q 2> '{stderr}'
echo \"exit=$?\" > '{listing}'
cat '{full}/results.sarif' >> '{listing}'
ls -A '{full}' >> '{listing}'
",
        full = full.display(),
        bin = bin(),
        scope = scope.display(),
        history = history.display(),
        stderr = stderr.display(),
        listing = listing.display(),
    );
    let status = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    let after = std::fs::read_to_string(&listing).unwrap();
    let err = std::fs::read_to_string(&stderr).unwrap();
    assert!(after.starts_with("exit=2\n"), "{after}\n{err}");
    assert!(
        err.contains("results.sarif") && err.contains("No space left on device"),
        "{err}"
    );
    // The previous report is intact and no temporary file is left behind.
    assert_eq!(
        after, "exit=2\nlast good report\nresults.sarif\n",
        "{after}"
    );
    // The run itself was recorded before the outputs failed.
    let store = stadscan::history::store::Store::open(&history).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, stadscan::history::store::RunState::Complete);
}

#[test]
fn a_corrupt_history_stops_the_scan_before_it_sends_anything_and_is_not_touched() {
    let dir = TestDir::new("corrupt-history");
    let scope = quick_scope(&dir);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    let history = dir.path("history.sqlite");
    std::fs::write(&history, &garbage).unwrap();
    let audit = dir.path("audit.jsonl");
    let (out, _) = run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("history.sqlite"), "{err}");
    assert_eq!(std::fs::read(&history).unwrap(), garbage, "left as it was");
    let trail = std::fs::read_to_string(&audit).unwrap_or_default();
    assert!(trail.trim().is_empty(), "nothing sent: {trail}");
}
