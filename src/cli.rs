//! Command-line definitions (clap). Behaviour lives in [`crate::commands`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use stadscan::model::Severity;

/// City-wide security posture scanner for smart-city devices.
///
/// stadscan finds the devices and services on the networks a scope file
/// names, identifies them, checks TLS certificates, cleartext logins and
/// unauthenticated access, and writes SARIF (for GitHub code scanning), a JSON
/// device inventory, and a summary. It never contacts an address outside the
/// scope.
#[derive(Debug, Parser)]
#[command(name = "stadscan", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

// `scan` carries many options; the enum is built once per process, so its
// size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the networks and hosts of a scope file.
    #[command(
        after_help = "Exit codes: 0 done; 1 a finding at or above --fail-on; 2 error \
        (bad scope file, unwritable output); 130 interrupted (partial results were written)."
    )]
    Scan(ScanArgs),
    /// Start the lab, scan it with examples/demo-city.toml, write the outputs to ./stadscan-demo/.
    Demo(DemoArgs),
    /// Run simulated smart-city devices on 127.x.y.z until Ctrl-C.
    Lab(LabArgs),
    /// List or validate the data: checks, fingerprints, firmware advisories.
    Checks(ChecksArgs),
    /// Export the device register (inventory) of a scan report as JSON and CSV.
    Inventory(InventoryArgs),
    /// Join the outputs of the shards of one scope (`scan --shard K/N`) into
    /// one: their SARIF files, or their JSON reports.
    #[command(
        after_help = "The inputs are all SARIF or all JSON reports (told apart by content). \
        Exit codes: 0 done; 2 error (unreadable or mixed inputs, shards of different scopes)."
    )]
    Merge(MergeArgs),
    /// What changed between two scans: new, fixed and persisting findings,
    /// from two SARIF files or two runs of a history file.
    #[command(after_help = "Exit codes: 0 done; 1 new findings with --fail-on-new; 2 error.")]
    Diff(DiffArgs),
    /// The runs a history file keeps (`scan --history FILE`).
    History(HistoryArgs),
    /// Keep a local index of the NVD's published CVEs (and the CISA KEV
    /// catalogue) for `scan --nvd-db`: scans run offline.
    Nvd(NvdArgs),
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: HistoryAction,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// List the runs: number, start, state, scope and findings. The number
    /// is what `stadscan diff --history FILE OLD NEW` takes.
    List {
        /// The history file.
        #[arg(long, value_name = "FILE")]
        history: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct NvdArgs {
    #[command(subcommand)]
    pub action: NvdAction,
}

#[derive(Debug, Subcommand)]
pub enum NvdAction {
    /// Import NVD CVE JSON 2.0 feed files (per year, `modified`, `recent`;
    /// `.json` or `.json.gz`) and a KEV catalogue into an index file,
    /// created when absent. Importing again updates, never duplicates.
    #[command(
        after_help = "Exit codes: 0 done; 2 error (unreadable or malformed feed: the \
        message names the file, line and column; that file's CVEs are not imported)."
    )]
    Import {
        /// The feed files, in any order (a CVE keeps its newest record).
        #[arg(value_name = "FEED", required_unless_present = "kev")]
        feeds: Vec<PathBuf>,
        /// The index file (SQLite).
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// A CISA Known Exploited Vulnerabilities catalogue (JSON) to keep in
        /// the index (replaces the one it held).
        #[arg(long, value_name = "FILE")]
        kev: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older scan: a SARIF file, or with --history a run number,
    /// `previous` or `latest`.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The newer scan: a SARIF file, or with --history a run number,
    /// `previous` or `latest`.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Read OLD and NEW as runs of this history file (`stadscan history list`
    /// shows their numbers).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Also write the diff as JSON here (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit with code 1 when NEW has findings OLD did not.
    #[arg(long)]
    pub fail_on_new: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Write the merged file here (`-` = stdout): SARIF when the inputs are
    /// SARIF, a JSON report when they are JSON reports.
    #[arg(short, long, value_name = "FILE", visible_alias = "sarif")]
    pub output: PathBuf,
    /// The shards' SARIF files, or the shards' JSON reports.
    #[arg(required = true, value_name = "SHARD")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The scope file (TOML): what may be scanned, and how gently.
    #[arg(long, value_name = "FILE")]
    pub scope: PathBuf,
    /// Write SARIF 2.1.0 here (always written, also with zero results).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Write the JSON report (inventory and findings) here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit with code 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Allow a scope of more than 1,048,576 addresses.
    #[arg(long)]
    pub allow_large: bool,
    /// Load checks from this folder instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub checks: Option<PathBuf>,
    /// Also identify devices with the recog database: the `xml/` folder
    /// of a checkout of github.com/rapid7/recog (BSD-2-Clause). Overrides
    /// the scope's `[knowledge] recog`.
    #[arg(long, value_name = "DIR")]
    pub recog: Option<PathBuf>,
    /// Repository root the SARIF locations are relative to (default: the
    /// nearest folder above the scope file that holds .git).
    #[arg(long, value_name = "DIR")]
    pub source_root: Option<PathBuf>,
    /// Only find open ports; identify nothing.
    #[arg(long)]
    pub discover_only: bool,
    /// Try every port of every address, also addresses that answer no
    /// liveness probe (as `[discovery] hosts = "all"`); slower on sparse
    /// networks, finds devices that drop every probe but one port.
    #[arg(long)]
    pub no_host_discovery: bool,
    /// Find TCP ports with SYNs from a raw socket, as masscan and zmap do
    /// (as `[discovery] syn = true`; IPv4; needs CAP_NET_RAW, else connects
    /// and a note says so); open ports are then connected to for
    /// identification.
    #[arg(long)]
    pub syn: bool,
    /// Scan only slice K of N (0 <= K < N) of the scope's shuffled target
    /// order; the N shards together cover it exactly once (one per
    /// Kubernetes Indexed Job pod). Join their SARIF or JSON with `stadscan merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// A CISA Known Exploited Vulnerabilities catalogue (the JSON feed, read
    /// from this file: scans run offline) to mark exploited CVEs.
    #[arg(long, value_name = "FILE")]
    pub kev: Option<PathBuf>,
    /// Write an audit trail here: one JSON line per connection, SYN or datagram
    /// sent (time, target, port, probe, bytes each way).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Match every identified device against this NVD index (`stadscan nvd
    /// import`); overrides the scope's `[knowledge] nvd_db`.
    #[arg(long, value_name = "FILE")]
    pub nvd_db: Option<PathBuf>,
    /// Continue the last unfinished run of this scope kept in --history
    /// (killed or interrupted): its finished part is taken over, not
    /// probed again.
    #[arg(long, requires = "history")]
    pub resume: bool,
    #[command(flatten)]
    pub reporting: ReportArgs,
}

/// Baseline, history and the human reports (shared by `scan` and `demo`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Judge compliance against this control catalogue: bio2 (BIO2, ISO
    /// 27002:2022 numbering), bio-1.04, big or etsi (ETSI EN 303 645).
    #[arg(long, value_name = "NAME", default_value = "bio2")]
    pub baseline: String,
    /// Keep the scan history in this SQLite file (created when absent):
    /// SARIF then carries baselineState, and the reports show trends and
    /// what changed since the previous run of the same scope. Without it
    /// nothing is kept between runs.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Write the CISO report here: one self-contained HTML file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Language of the HTML report: nl or en.
    #[arg(long, value_name = "LANG", default_value = "nl", value_parser = ["nl", "en"])]
    pub lang: String,
    /// Write a Markdown summary here (for a CI job summary): counts, failed
    /// controls, new findings since the last run.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Also write the findings the previous run had and this one lacks, as
    /// SARIF results with baselineState "absent". Off by default: GitHub
    /// code scanning reads every result as an open alert, so absent results
    /// would keep fixed alerts open.
    #[arg(long, requires = "history")]
    pub sarif_absent: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo writes results.sarif, report.json, summary.txt,
    /// summary.md and report.html.
    #[arg(long, value_name = "DIR", default_value = "stadscan-demo")]
    pub out: PathBuf,
    /// Keep the demo's history in this SQLite file (run the demo twice to
    /// see what changed).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Language of report.html: nl or en.
    #[arg(long, value_name = "LANG", default_value = "nl", value_parser = ["nl", "en"])]
    pub lang: String,
}

#[derive(Debug, Args)]
pub struct LabArgs {
    /// First three octets of the lab's /24 (inside 127.0.0.0/8).
    #[arg(long, default_value = "127.42.0", value_parser = parse_prefix)]
    pub prefix: [u8; 3],
    /// Also start the hostile devices (tarpit, drip, firehose, reset, lying
    /// MQTT, HTTP floods, broken TLS, a 1 MB certificate chain, absurd SNMP).
    #[arg(long, conflicts_with = "devices")]
    pub hostile: bool,
    /// A city at scale: this many devices (the demo's mix, round robin) on
    /// their own addresses in 127.<second octet of --prefix>.0.0/16. Each
    /// needs about 1.5 open files; raise `ulimit -n` for thousands.
    #[arg(long, value_name = "N")]
    pub devices: Option<usize>,
    /// Write a scope file for the running lab here (and the lab CA next to
    /// it), ready for `stadscan scan --scope`.
    #[arg(long, value_name = "FILE")]
    pub scope_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    #[command(subcommand)]
    pub action: Option<ChecksAction>,
    /// Load checks from this folder instead of the built-in ones (for `list`).
    #[arg(long, value_name = "DIR")]
    pub checks: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ChecksAction {
    /// List the checks, fingerprints and advisories (the default).
    List,
    /// Validate a data folder (like checks/): every file parses, ids are
    /// unique, controls and facts exist, every example holds. Errors name
    /// the file and line.
    Lint {
        /// The folder to validate (default: the built-in data).
        dir: Option<PathBuf>,
        /// Also check a recog database folder: every example of every
        /// fingerprint must match its pattern and give its params.
        #[arg(long, value_name = "DIR")]
        recog: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// A JSON report written by `stadscan scan --json`.
    #[arg(long, value_name = "FILE")]
    pub report: PathBuf,
    /// Write the register as JSON here (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the register as CSV here (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

fn parse_severity(s: &str) -> Result<Severity, stadscan::model::UnknownSeverity> {
    s.parse()
}

fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}` is not K/N (for example 0/4)"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a shard number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a shard count"))?;
    if n == 0 || k >= n {
        return Err(format!("shard {k}/{n}: need 0 <= K < N"));
    }
    Ok((k, n))
}

fn parse_prefix(s: &str) -> Result<[u8; 3], String> {
    let parts: Vec<u8> = s
        .split('.')
        .map(|p| {
            p.parse::<u8>()
                .map_err(|_| format!("`{s}` is not like 127.42.0"))
        })
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [127, b, c] => Ok([127, *b, *c]),
        [_, _, _] => Err("the lab only binds inside 127.0.0.0/8".into()),
        _ => Err(format!("`{s}` is not three octets like 127.42.0")),
    }
}
