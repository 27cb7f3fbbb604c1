//! What the scan tells its reader about itself: name resolution, the
//! walk (rate, silence, SYN, host discovery, the window, an interruption)
//! and the recog database. Each note is written in English and Dutch.

use std::time::Duration;

use super::ScanOptions;
use super::prepare::Setup;
use super::walk::Walked;
use crate::discover::dns::Resolution;
use crate::model::Resume;
use crate::net::Net;
use crate::report::{Note, NoteLevel, ScanStats, WindowStats};
use crate::scope::{HostDiscovery, Scope};

/// The names that resolved outside the scope, and those that did not
/// resolve.
pub(super) fn resolution(resolution: &Resolution) -> Vec<Note> {
    let mut notes = Vec::new();
    for r in &resolution.refused {
        notes.push(Note::new(
            NoteLevel::Warning,
            format!(
                "{} resolved to {}, which is {}: not scanned",
                r.host, r.addr, r.reason
            ),
            format!(
                "{} wees naar {}, buiten de scope ({}): niet gescand",
                r.host, r.addr, r.reason
            ),
        ));
    }
    for (host, why) in &resolution.failed {
        notes.push(Note::new(
            NoteLevel::Warning,
            format!("{host} did not resolve: {why}"),
            format!("{host} is niet op te zoeken in DNS ({why})"),
        ));
    }
    notes
}

/// What a resumed run took over from the interrupted one.
pub(super) fn resumed(r: &Resume) -> Note {
    Note::new(
        NoteLevel::Info,
        format!(
            "resumed run {}: {} steps and {} services taken over, the rest scanned now",
            r.from_run,
            r.done_below,
            r.observations.len()
        ),
        format!(
            "scan {} hervat: {} stappen en {} diensten overgenomen, de rest nu gescand",
            r.from_run,
            r.done_below,
            r.observations.len()
        ),
    )
}

/// Everything the walk tells the reader, in a fixed order: the shard, the
/// rate, silence, SYN, host discovery, the window and an interruption.
pub(super) fn after_walk(
    scope: &Scope,
    opts: &ScanOptions,
    setup: &Setup,
    walked: &Walked,
    stats: &ScanStats,
    elapsed: Duration,
) -> Vec<Note> {
    let net: &Net = &setup.net;
    let counts = &stats.net;
    let mut notes = Vec::new();
    if let Some((k, n)) = opts.shard {
        notes.push(Note::new(
            NoteLevel::Info,
            format!("shard {k}/{n}: this run covers one slice of the scope; join the shards with `stadscan merge`"),
            format!("deel {k}/{n}: deze scan dekt één deel van de scope; voeg de delen samen met `stadscan merge`"),
        ));
    }
    notes.extend(rate(&net.rate_summary()));
    notes.extend(silence(counts, &net.rate_summary()));
    notes.extend(syn(net, counts, setup.has_v6, opts.discover_only));
    notes.push(discovery(
        scope,
        setup.hosts,
        stats.discovery.addresses_alive,
        stats.addresses,
        counts,
        net.raw_echo(),
    ));
    notes.extend(window(&stats.window, scope, counts, elapsed));
    if walked.interrupted {
        let (done, total) = (walked.done, walked.total);
        notes.push(Note::new(
            NoteLevel::Error,
            format!(
                "scan interrupted after {done} of {total} positions (address and port pairs): \
                 results are partial"
            ),
            format!(
                "scan afgebroken na {done} van {total} posities (paren van adres en poort): \
                 de resultaten zijn onvolledig"
            ),
        ));
    }
    notes
}

/// What host discovery did, for the reader.
fn discovery(
    scope: &Scope,
    hosts: HostDiscovery,
    alive: u64,
    addresses: u128,
    counts: &crate::net::NetCounts,
    raw_echo: bool,
) -> Note {
    if hosts == HostDiscovery::All {
        return Note::new(
            NoteLevel::Info,
            format!(
                "host discovery off: every port of every address was tried; \
                 {alive} of {addresses} addresses answered"
            ),
            format!(
                "hostdetectie uit: elke poort van elk adres is geprobeerd; \
                 {alive} van {addresses} adressen antwoordden"
            ),
        );
    }
    // The liveness probes sent, in English and in Dutch.
    let mut probes: Vec<(String, String)> = Vec::new();
    if !scope.discovery.tcp_ports.is_empty() {
        let ports: Vec<String> = scope
            .discovery
            .tcp_ports
            .iter()
            .map(u16::to_string)
            .collect();
        let tcp = format!("TCP {}", ports.join(", "));
        probes.push((tcp.clone(), tcp));
    }
    if counts.datagrams > 0 {
        probes.push(("the UDP probes".into(), "de UDP-proeven".into()));
    }
    let (icmp, icmp_nl) = if counts.echoes > 0 {
        probes.push(if raw_echo {
            (
                "ICMP echo (raw socket)".into(),
                "ICMP-echo (via een raw socket)".into(),
            )
        } else {
            ("ICMP echo".into(), "ICMP-echo".into())
        });
        ("", "")
    } else if scope.discovery.icmp {
        (
            "; ICMP echo not used: this system allows no unprivileged ICMP socket \
             (net.ipv4.ping_group_range) and this process may not open a raw one (CAP_NET_RAW)",
            "; geen ICMP-echo: dit systeem staat geen ICMP-socket zonder rechten toe \
             (net.ipv4.ping_group_range) en dit proces mag geen raw socket openen (CAP_NET_RAW)",
        )
    } else {
        ("", "")
    };
    let (probes, probes_nl): (Vec<String>, Vec<String>) = probes.into_iter().unzip();
    let rest = scope
        .ports
        .tcp
        .iter()
        .filter(|p| !scope.discovery.tcp_ports.contains(p))
        .count();
    let message = format!(
        "host discovery: {alive} of {addresses} addresses answered a liveness probe \
         ({}){icmp}; only those were tried on the other {rest} TCP ports. A device that \
         answers none of these probes is missed: set `[discovery] hosts = \"all\"` or \
         pass --no-host-discovery to try every port of every address",
        probes.join(", ")
    );
    let nl = format!(
        "hostdetectie: {alive} van {addresses} adressen antwoordden op een levensteken \
         ({}){icmp_nl}; alleen die zijn op de andere {rest} TCP-poorten geprobeerd. Een apparaat dat \
         op geen van deze proeven antwoordt wordt gemist: zet `[discovery] hosts = \"all\"` \
         of geef --no-host-discovery om elke poort van elk adres te proberen",
        probes_nl.join(", ")
    );
    Note::new(NoteLevel::Info, message, nl)
}

/// Says that silence was not taken for congestion, when there was any.
fn silence(counts: &crate::net::NetCounts, rate: &crate::net::RateSummary) -> Option<Note> {
    if counts.silent_timeouts == 0 {
        return None;
    }
    let held = if rate.lowered == 0 {
        format!("; the rate stayed at {}/s", rate.effective)
    } else {
        String::new()
    };
    let (what, what_nl) = if counts.syns > 0 {
        ("SYNs and connects", "SYN's en verbindingen")
    } else {
        ("connects", "verbindingen")
    };
    Some(Note::new(
        NoteLevel::Info,
        format!(
            "{} {what} timed out on addresses that never answered anything: unused \
             addresses, not congestion, so they did not lower the rate{held}",
            counts.silent_timeouts
        ),
        format!(
            "{} {what_nl} bleven zonder antwoord op adressen die nooit iets terugzeiden: \
             ongebruikte adressen, geen overbelasting, dus ze verlaagden het tempo niet",
            counts.silent_timeouts
        ),
    ))
}

/// What `--syn` did: SYNs from which source port, or why connects found
/// the ports instead.
fn syn(
    net: &Net,
    counts: &crate::net::NetCounts,
    has_v6: bool,
    discover_only: bool,
) -> Option<Note> {
    use crate::net::SynMode;
    match net.syn_mode() {
        SynMode::Off => None,
        SynMode::On(sock) => {
            let port = sock.port();
            let (then, then_nl) = if discover_only {
                (
                    "open ports were not connected to (--discover-only)",
                    "met open poorten is niet verbonden (--discover-only)",
                )
            } else {
                (
                    "open ports were then connected to for identification",
                    "met open poorten is daarna verbonden voor identificatie",
                )
            };
            let v6 = if has_v6 {
                " IPv6 addresses, which a raw IPv4 socket does not reach, were tried with connects."
            } else {
                ""
            };
            let v6_nl = if v6.is_empty() {
                ""
            } else {
                " IPv6-adressen, die een raw IPv4-socket niet bereikt, zijn met verbindingen geprobeerd."
            };
            Some(Note::new(
                NoteLevel::Info,
                format!(
                    "TCP ports were found with SYNs from a raw socket, source port {port}: \
                     {} SYNs, {} answered SYN-ACK (open), {} RST (closed); the system answers \
                     each SYN-ACK with a reset, so no connection is left half-open; {then}.{v6}",
                    counts.syns, counts.syn_open, counts.syn_closed
                ),
                format!(
                    "TCP-poorten zijn gevonden met SYN-pakketten uit een raw socket, bronpoort \
                     {port}: {} SYN's, {} beantwoord met SYN-ACK (open), {} met RST (dicht); \
                     het systeem beantwoordt elke SYN-ACK met een reset, zodat geen verbinding \
                     half open blijft; {then_nl}.{v6_nl}",
                    counts.syns, counts.syn_open, counts.syn_closed
                ),
            ))
        }
        SynMode::Unavailable(e) => {
            let (why, why_nl) = if e.kind() == std::io::ErrorKind::PermissionDenied {
                (
                    "this process may not open a raw socket (it needs CAP_NET_RAW or root)"
                        .to_string(),
                    "dit proces mag geen raw socket openen (daarvoor is CAP_NET_RAW of root nodig)"
                        .to_string(),
                )
            } else {
                (
                    format!("the raw socket could not be opened ({e})"),
                    format!("de raw socket kon niet worden geopend ({e})"),
                )
            };
            Some(Note::new(
                NoteLevel::Warning,
                format!(
                    "SYN discovery (--syn) was asked for, but {why}: TCP ports were found with \
                     connects instead"
                ),
                format!(
                    "SYN-detectie (--syn) was gevraagd, maar {why_nl}: TCP-poorten zijn in plaats \
                     daarvan met verbindingen gevonden"
                ),
            ))
        }
    }
}

/// Says when the open-file limit, not the rate, bounded the scan: the
/// window was cut below what the scope asked for, every slot of it was
/// taken, and the scan sent its first contacts more slowly than the rate
/// allowed.
fn window(
    w: &WindowStats,
    scope: &Scope,
    counts: &crate::net::NetCounts,
    elapsed: std::time::Duration,
) -> Option<Note> {
    if !w.limited_by_files {
        return None;
    }
    let sent = counts.connects + counts.datagrams + counts.echoes;
    let achieved = sent as f64 / elapsed.as_secs_f64().max(0.001);
    if achieved >= f64::from(scope.rate.per_second) * 0.9 {
        return None;
    }
    Some(Note {
        level: NoteLevel::Warning,
        message: format!(
            "the open-file limit ({}) held the window to {} jobs in flight instead of {}: \
             the scan sent {achieved:.0} connections and datagrams a second, below its rate \
             of {}/s, so the file limit, not the rate, bounded it; raise the hard limit \
             (`ulimit -Hn`, systemd LimitNOFILE=)",
            w.open_file_limit.unwrap_or(0),
            w.in_flight,
            w.wanted,
            scope.rate.per_second
        ),
        message_nl: Some(format!(
            "de limiet op open bestanden ({}) hield het venster op {} taken tegelijk in plaats \
             van {}: de scan verstuurde {achieved:.0} verbindingen en datagrammen per seconde, \
             onder zijn tempo van {}/s; verhoog de harde limiet (`ulimit -Hn`, systemd \
             LimitNOFILE=)",
            w.open_file_limit.unwrap_or(0),
            w.in_flight,
            w.wanted,
            scope.rate.per_second
        )),
    })
}

/// The note on what the adaptive rate did, when it lowered the rate.
fn rate(rate: &crate::net::RateSummary) -> Option<Note> {
    let first = rate.first_lowering?;
    let mut message = format!(
        "rate lowered from {}/s to {}/s after {}% of connects timed out",
        first.from, first.to, first.lost_pct
    );
    let mut nl = format!(
        "tempo verlaagd van {}/s naar {}/s nadat {}% van de verbindingen niet op tijd antwoordde",
        first.from, first.to, first.lost_pct
    );
    if rate.lowered > 1 {
        message.push_str(&format!(
            "; lowered {} times in all (down to {}/s, worst window {}% timed out)",
            rate.lowered, rate.lowest, rate.worst_lost_pct
        ));
        nl.push_str(&format!(
            "; in totaal {} keer verlaagd (tot {}/s, in het slechtste venster {}% zonder antwoord)",
            rate.lowered, rate.lowest, rate.worst_lost_pct
        ));
    }
    message.push_str(&format!(
        "; the scan ended at {}/s (floor {}/s): ports that stayed silent may be \
         answered at a lower rate",
        rate.effective, rate.floor
    ));
    nl.push_str(&format!(
        "; de scan eindigde op {}/s (ondergrens {}/s): poorten die stil bleven kunnen \
         bij een lager tempo wel antwoorden",
        rate.effective, rate.floor
    ));
    Some(Note::new(NoteLevel::Warning, message, nl))
}

/// What loading the recog database found, for the run's notes.
pub(super) fn recog(recog: &crate::identify::Recog) -> Note {
    let s = &recog.stats;
    let mut en = format!(
        "recog database loaded: {} fingerprints from {} files",
        s.fingerprints,
        s.files - s.files_skipped
    );
    let mut nl = format!(
        "recog-database geladen: {} fingerprints uit {} bestanden",
        s.fingerprints,
        s.files - s.files_skipped
    );
    if s.files_skipped > 0 {
        en.push_str(&format!(
            "; {} files describe protocols stadscan does not read",
            s.files_skipped
        ));
        nl.push_str(&format!(
            "; {} bestanden gaan over protocollen die stadscan niet leest",
            s.files_skipped
        ));
    }
    if s.unsupported > 0 {
        en.push_str(&format!(
            "; {} patterns use regex features Rust's regex lacks (look-around, back-references) and were skipped",
            s.unsupported
        ));
        nl.push_str(&format!(
            "; {} patronen gebruiken regex-mogelijkheden die Rust mist (look-around, terugverwijzingen) en zijn overgeslagen",
            s.unsupported
        ));
    }
    Note::new(NoteLevel::Info, en, nl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::{HostDiscovery, Scope};

    /// The host discovery note names its probes in the reader's language,
    /// and says in both why echo was not used when it was not.
    #[test]
    fn discovery_note_names_its_probes_in_each_language() {
        let scope = Scope::parse(
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n",
            std::path::Path::new("s.toml"),
        )
        .unwrap();
        let counts = crate::net::NetCounts {
            datagrams: 3,
            echoes: 2,
            ..Default::default()
        };
        let note = discovery(&scope, HostDiscovery::Probe, 1, 256, &counts, true);
        let nl = note.message_nl.clone().unwrap();
        assert!(
            note.message
                .contains("the UDP probes, ICMP echo (raw socket)"),
            "{}",
            note.message
        );
        assert!(
            nl.contains("de UDP-proeven, ICMP-echo (via een raw socket)"),
            "{nl}"
        );
        for english in ["the UDP probes", "ICMP echo", "(raw socket)"] {
            assert!(!nl.contains(english), "{english} in {nl}");
        }
        let silent = crate::net::NetCounts::default();
        let note = discovery(&scope, HostDiscovery::Probe, 1, 256, &silent, false);
        assert!(
            note.message.contains("ICMP echo not used"),
            "{}",
            note.message
        );
        let nl = note.message_nl.unwrap();
        assert!(nl.contains("geen ICMP-echo"), "{nl}");
        assert!(!nl.contains("not used"), "{nl}");
    }
}
