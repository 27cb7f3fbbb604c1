//! Device identification against real third-party implementations of the
//! IoT and OT protocols, started here on 127.65.0.x: libcoap's example
//! server (Debian libcoap3-bin), a pymodbus server and a bacpypes3 device
//! (PyPI, pinned in .ci/test). They read the protocols their own way, not
//! through our codecs as the lab does.
//!
//! `.ci/test` installs them and sets STADSCAN_OT_PYTHON to the venv's
//! python. Without them the tests fail, unless STADSCAN_SKIP_REAL_SERVERS=1
//! says to skip them on purpose.

use crate::common;

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::TestDir;
use common::servers::{
    Server, available, rules, scan_endpoint, scan_endpoint_rate, wait_listening,
};

/// Waits until a UDP server on `ip:port` holds its port (binding it
/// ourselves fails), or panics when the process exits first.
fn wait_udp_bound(ip: &str, port: u16, child: &mut Child) {
    for _ in 0..200 {
        if UdpSocket::bind(format!("{ip}:{port}")).is_err() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing bound udp {ip}:{port}");
}

/// The interpreter of the venv with pymodbus and bacpypes3, when present.
fn ot_python() -> Option<String> {
    let python = std::env::var("STADSCAN_OT_PYTHON")
        .unwrap_or_else(|_| format!("{}/target/ot-venv/bin/python", env!("CARGO_MANIFEST_DIR")));
    if std::path::Path::new(&python).exists() {
        return Some(python);
    }
    if std::env::var_os("STADSCAN_SKIP_REAL_SERVERS").is_none() {
        panic!(
            "no Python with pymodbus and bacpypes3 at {python}: run .ci/test (it builds \
             target/ot-venv), or set STADSCAN_SKIP_REAL_SERVERS=1 to skip the real-server tests"
        );
    }
    eprintln!("skipping: {python} is missing and STADSCAN_SKIP_REAL_SERVERS is set");
    None
}

fn script(name: &str) -> String {
    format!("{}/tests/servers/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn observation(doc: &serde_json::Value) -> serde_json::Value {
    doc["assets"][0]["observations"][0].clone()
}

#[test]
fn libcoap_server_lists_its_resources_to_anyone() {
    if !available("coap-server-notls") {
        return;
    }
    let ip = "127.65.0.1";
    let mut child = Command::new("coap-server-notls")
        .args(["-A", ip, "-p", "5683"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("coap-server starts");
    wait_udp_bound(ip, 5683, &mut child);
    let _server = Server(child);
    let dir = TestDir::new("libcoap");
    let doc = scan_endpoint(&dir, ip, &[], &[5683], "");
    let o = observation(&doc);
    assert_eq!(o["protocol"], "coap", "{o}");
    assert_eq!(o["facts"]["coap.code"], "2.05");
    // libcoap's example server lists /, /time, /async and /example_data.
    let resources = o["facts"]["coap.resources"].to_string();
    assert!(o["facts"]["coap.resources"].is_array(), "{resources}");
    for r in ["/time", "/async", "/example_data"] {
        assert!(resources.contains(r), "{r} missing from {resources}");
    }
    assert_eq!(o["facts"]["coap.resource_count"], 4);
    assert!(
        o["facts"]["coap.resource_types"]
            .to_string()
            .contains("ticks")
    );
    assert_eq!(rules(&doc), vec!["coap-unauthenticated"]);
    let asset = &doc["assets"][0];
    assert_eq!(asset["vendor"], "libcoap");
    assert_eq!(asset["model"], "coap-server");
}

#[test]
fn pymodbus_server_names_vendor_product_and_revision() {
    let Some(python) = ot_python() else {
        return;
    };
    let (ip, port) = ("127.65.0.2", 5020);
    let mut child = Command::new(&python)
        .arg(script("plc_server.py"))
        .args([ip, &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pymodbus server starts");
    wait_listening(format!("{ip}:{port}").parse().unwrap(), &mut child);
    let _server = Server(child);
    let dir = TestDir::new("pymodbus");
    let doc = scan_endpoint(&dir, ip, &[port], &[], "");
    let o = observation(&doc);
    assert_eq!(o["protocol"], "modbus", "{o}");
    let f = &o["facts"];
    assert_eq!(f["modbus.vendor"], "Schneider Electric");
    assert_eq!(f["modbus.product_code"], "BMX P34 2020");
    assert_eq!(f["modbus.revision"], "v2.70");
    assert_eq!(f["modbus.product_name"], "Modicon M340");
    let asset = &doc["assets"][0];
    assert_eq!(asset["vendor"], "Schneider Electric");
    assert_eq!(asset["model"], "Modicon BMX P34 2020");
    assert_eq!(asset["firmware"], "2.70");
    assert_eq!(asset["class"], "plc");
    assert_eq!(rules(&doc), vec!["modbus-exposed"]);

    // The ot-safe profile sends an OT port nothing: the same server is
    // then only seen as an open port.
    let safe = TestDir::new("pymodbus-otsafe");
    let doc = scan_endpoint_rate(&safe, ip, &[port], &[], "", "profile = \"ot-safe\"\n");
    let o = observation(&doc);
    assert_eq!(o["protocol"], "unknown", "{o}");
    assert!(o["facts"].get("modbus.vendor").is_none());
    assert!(o["evidence"].as_array().is_none_or(|e| e.is_empty()), "{o}");
}

#[test]
fn bacpypes3_device_names_vendor_model_and_firmware() {
    let Some(python) = ot_python() else {
        return;
    };
    let ip = "127.65.0.3";
    let mut child = Command::new(&python)
        .arg(script("bacnet_device.py"))
        .arg(ip)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bacpypes3 device starts");
    wait_udp_bound(ip, 47808, &mut child);
    let _server = Server(child);
    let dir = TestDir::new("bacpypes3");
    let doc = scan_endpoint(&dir, ip, &[], &[47808], "");
    let o = observation(&doc);
    assert_eq!(o["protocol"], "bacnet", "{o}");
    let f = &o["facts"];
    assert_eq!(f["bacnet.device_instance"], 599);
    assert_eq!(f["bacnet.vendor_id"], 105);
    assert_eq!(f["bacnet.vendor_name"], "Priva");
    assert_eq!(f["bacnet.model_name"], "Compri HX 8E");
    assert_eq!(f["bacnet.firmware_revision"], "HX-4.2.7");
    assert_eq!(f["bacnet.application_software_version"], "4.2.7");
    assert_eq!(f["bacnet.location"], "Stadhuis, technische ruimte");
    let asset = &doc["assets"][0];
    assert_eq!(
        (
            asset["vendor"].as_str(),
            asset["model"].as_str(),
            asset["firmware"].as_str()
        ),
        (Some("Priva"), Some("Compri HX 8E"), Some("4.2.7"))
    );
    assert_eq!(asset["class"], "building-automation");
    assert_eq!(rules(&doc), vec!["bacnet-exposed"]);

    // ot-safe: not one datagram to a BACnet port.
    let safe = TestDir::new("bacpypes3-otsafe");
    let doc = scan_endpoint_rate(&safe, ip, &[], &[47808], "", "profile = \"ot-safe\"\n");
    assert!(doc["assets"].as_array().unwrap().is_empty(), "{doc}");
}
