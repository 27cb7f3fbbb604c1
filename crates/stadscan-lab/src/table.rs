//! The lab's own tables for `stadscan lab`: which simulated devices listen
//! where (the scanner's report modules know nothing of the lab).

use std::io::Write;

use crate::{DeviceInfo, Lab};

/// The lab's device table (`stadscan lab`).
pub fn write_lab(
    devices: &[DeviceInfo],
    dns: std::net::SocketAddr,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "stadscan lab: simulated smart-city devices (Ctrl-C stops them)"
    )?;
    writeln!(
        out,
        "{:<16} {:<24} {:<22} {:<8} notes",
        "device", "class", "listens on", "service"
    )?;
    for d in devices {
        let ep = format!(
            "{}/{}",
            std::net::SocketAddr::new(d.addr, d.port),
            d.transport.as_str()
        );
        writeln!(
            out,
            "{:<16} {:<24} {:<22} {:<8} {}",
            d.name, d.class, ep, d.service, d.notes
        )?;
    }
    writeln!(out, "DNS for *.demo-city.test: {dns}/udp")?;
    Ok(())
}

/// A city lab in a few lines: how many devices of each kind, on which ports.
pub fn write_city_lab(lab: &Lab, out: &mut dyn Write) -> std::io::Result<()> {
    use std::collections::{BTreeMap, BTreeSet};
    // (device kind, class) -> (its addresses, its ports)
    type Kinds<'a> = BTreeMap<(&'a str, &'a str), (BTreeSet<std::net::IpAddr>, BTreeSet<String>)>;
    let mut kinds: Kinds<'_> = BTreeMap::new();
    for d in lab.devices() {
        let e = kinds
            .entry((d.name.as_str(), d.class.as_str()))
            .or_default();
        e.0.insert(d.addr);
        e.1.insert(format!("{}/{}", d.port, d.transport.as_str()));
    }
    let addresses: BTreeSet<_> = lab.devices().iter().map(|d| d.addr).collect();
    writeln!(
        out,
        "stadscan lab: {} simulated devices ({} services) on {} (Ctrl-C stops them)",
        addresses.len(),
        lab.devices().len(),
        lab.network()
    )?;
    writeln!(
        out,
        "{:<16} {:<24} {:>7}  ports",
        "kind", "class", "devices"
    )?;
    for ((name, class), (addrs, ports)) in &kinds {
        let ports: Vec<&str> = ports.iter().map(String::as_str).collect();
        writeln!(
            out,
            "{name:<16} {class:<24} {:>7}  {}",
            addrs.len(),
            ports.join(" ")
        )?;
    }
    Ok(())
}
