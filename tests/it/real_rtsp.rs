//! RTSP stream discovery against a real server: GStreamer's
//! gst-rtsp-server (Debian packages, installed by .ci/test) serving a test
//! stream at a vendor path and nothing at `/`, started here on 127.65.4.x.
//! The scan must find the stream with DESCRIBE and report it as
//! unauthenticated access naming the path.
//!
//! Without the packages the test fails, unless STADSCAN_SKIP_REAL_SERVERS=1
//! says to skip it on purpose.

use crate::common;

use std::process::{Command, Stdio};

use common::TestDir;
use common::servers::{Server, scan_endpoint, wait_listening};

/// Debian's interpreter, which the python3-gi package serves (a Python of
/// one's own, e.g. pyenv's, lacks the GObject bindings).
fn gst_python() -> Option<String> {
    let python = std::env::var("STADSCAN_GST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let probe = "import gi; gi.require_version('Gst', '1.0'); \
                 gi.require_version('GstRtspServer', '1.0'); \
                 from gi.repository import Gst, GstRtspServer";
    let ok = Command::new(&python)
        .args(["-c", probe])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    if std::env::var_os("STADSCAN_SKIP_REAL_SERVERS").is_none() {
        panic!(
            "{python} cannot load GStreamer's RTSP server: run .ci/test (it installs python3-gi, \
             gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base and -good), or set \
             STADSCAN_SKIP_REAL_SERVERS=1 to skip the real-server tests"
        );
    }
    eprintln!(
        "SKIPPING the GStreamer RTSP test: {python} cannot load gst-rtsp-server and \
         STADSCAN_SKIP_REAL_SERVERS is set"
    );
    None
}

fn gst_rtsp_server(python: &str, ip: &str, port: u16, path: &str) -> Server {
    let script = format!(
        "{}/tests/servers/rtsp_server.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = Command::new(python)
        .args([&script, ip, &port.to_string(), path])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {script}: {e}"));
    wait_listening(format!("{ip}:{port}").parse().unwrap(), &mut child);
    Server(child)
}

#[test]
fn gstreamer_stream_on_a_vendor_path_is_found_and_reported() {
    let Some(python) = gst_python() else { return };
    let ip = "127.65.4.10";
    // 8554: GStreamer's own default RTSP port, which the probe plan asks
    // with RTSP first.
    let path = "/Streaming/Channels/101";
    let _server = gst_rtsp_server(&python, ip, 8554, path);
    let dir = TestDir::new("real-rtsp");
    let doc = scan_endpoint(&dir, ip, &[8554], &[], "");
    let obs = &doc["assets"][0]["observations"][0];
    assert_eq!(obs["protocol"], "rtsp", "{obs}");
    let facts = &obs["facts"];
    assert_eq!(facts["rtsp.server"], "GStreamer RTSP server", "{obs}");
    // Nothing at the root: the stream was found at its path.
    assert_eq!(facts["rtsp.describe_status"], 404, "{obs}");
    assert_eq!(facts["rtsp.stream_path"], path, "{obs}");
    let tried = facts["rtsp.paths_tried"].as_i64().unwrap();
    assert!((1..=16).contains(&tried), "{tried}");

    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "rtsp-stream-without-auth")
        .unwrap_or_else(|| panic!("no unauthenticated stream finding: {}", doc["findings"]));
    assert_eq!(finding["category"], "unauthenticated-access");
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains(path), "{message}");
}

#[test]
fn gstreamer_without_a_known_path_gives_no_stream_finding() {
    let Some(python) = gst_python() else { return };
    let ip = "127.65.4.11";
    let _server = gst_rtsp_server(&python, ip, 8554, "/not-a-documented-path-7f3a");
    let dir = TestDir::new("real-rtsp-unknown");
    let doc = scan_endpoint(&dir, ip, &[8554], &[], "");
    let obs = &doc["assets"][0]["observations"][0];
    assert_eq!(obs["protocol"], "rtsp", "{obs}");
    assert!(obs["facts"]["rtsp.stream_path"].is_null(), "{obs}");
    assert_eq!(obs["facts"]["rtsp.paths_tried"], 16, "{obs}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["check_id"] != "rtsp-stream-without-auth"),
        "{}",
        doc["findings"]
    );
}
