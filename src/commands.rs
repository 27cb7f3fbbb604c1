//! What each subcommand does, and how its outcome maps to an exit code:
//! 0 done, 1 a finding at or above `--fail-on`, 2 an error of the scanner
//! (bad scope file, unwritable output...), 130 interrupted (partial results
//! were written).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{
    ChecksAction, ChecksArgs, Cli, Command, DiffArgs, HistoryAction, HistoryArgs, InventoryArgs,
    MergeArgs, NvdAction, NvdArgs, ScanArgs,
};
#[cfg(feature = "lab")]
use crate::cli::{DemoArgs, LabArgs};
use crate::error::{Error, Result};
use stadscan::error::Error as ScanError;
use stadscan::history::store::{HistoryError, Store};
use stadscan::knowledge_base::Knowledge;
use stadscan::model::Severity;
use stadscan::net::{Shutdown, ShutdownTrigger};
use stadscan::report::progress::{ProgressSink, Silent, TerminalProgress};
use stadscan::report::{self, Report, write_atomic};
use stadscan::scan::{self, ScanOptions};
use stadscan::scope::Scope;
#[cfg(feature = "lab")]
use stadscan_lab::{Lab, LabConfig};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
pub const EXIT_INTERRUPTED: u8 = 130;

/// The scope the demo scans, and the lab CA it trusts (also embedded, so
/// `stadscan demo` works outside a checkout).
#[cfg(feature = "lab")]
pub const DEMO_SCOPE: &str = include_str!("../examples/demo-city.toml");
#[cfg(feature = "lab")]
pub const DEMO_SCOPE_PATH: &str = "examples/demo-city.toml";

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    // With the lab, its fictional products are known like the built-in ones
    // (the demo and `stadscan lab` scans identify them).
    #[cfg(feature = "lab")]
    stadscan::knowledge::embedded::add_check_files(stadscan_lab::DATA_FILES);
    let code: Result<u8> = runtime.block_on(async {
        match cli.command {
            Command::Scan(a) => scan_command(a).await,
            #[cfg(feature = "lab")]
            Command::Demo(a) => demo_command(a).await,
            #[cfg(feature = "lab")]
            Command::Lab(a) => lab_command(a).await,
            #[cfg(not(feature = "lab"))]
            Command::Demo(_) | Command::Lab(_) => Err(Error::NoLab),
            Command::Checks(a) => checks_command(a),
            Command::Inventory(a) => inventory_command(a),
            Command::Merge(a) => merge_command(a),
            Command::Diff(a) => diff_command(a),
            Command::History(a) => history_command(a),
            Command::Nvd(a) => nvd_command(a),
        }
    });
    // Do not wait for lingering device conversations on exit.
    runtime.shutdown_background();
    match code {
        Ok(c) => ExitCode::from(c),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("stadscan={level},warn")));
    let _already = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(colour(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .try_init();
}

/// Colour in log lines only on a terminal, and never when `NO_COLOR` is
/// set to anything but the empty string (no-color.org): escape codes in a
/// log file or a CI job's output are noise.
fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Triggers `trigger` on Ctrl-C or SIGTERM.
fn watch_signals(trigger: ShutdownTrigger) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot watch SIGTERM");
                    let _ = tokio::signal::ctrl_c().await;
                    trigger.trigger();
                    return;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::warn!("interrupted: stopping probes and writing partial results");
        trigger.trigger();
    });
}

/// Fails early when an output cannot be written, before a long scan.
fn probe_writable(path: &Path) -> stadscan::error::Result<()> {
    if path == Path::new("-") {
        return Ok(());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let err = |source| ScanError::Output {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(err)?;
    let probe = dir.join(format!(".stadscan-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(err)?;
    std::fs::remove_file(&probe).map_err(err)
}

fn emit(path: &Path, bytes: &[u8]) -> stadscan::error::Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        return out.write_all(bytes).map_err(|source| ScanError::Output {
            path: path.to_path_buf(),
            source,
        });
    }
    write_atomic(path, bytes)
}

/// Writes the outputs of a finished (or interrupted) run and the summary.
fn write_outputs(
    report: &Report,
    sarif: Option<&Path>,
    json: Option<&Path>,
    summary_file: Option<&Path>,
    extra: &[(&'static str, PathBuf)],
) -> Result<()> {
    let mut written = extra.to_vec();
    if let Some(p) = sarif {
        emit(p, &report::sarif::to_json(report))?;
        written.push(("sarif", p.to_path_buf()));
    }
    if let Some(p) = json {
        emit(p, &report::json::to_json(report))?;
        written.push(("json", p.to_path_buf()));
    }
    let mut text = Vec::new();
    let _in_memory = report::summary::write(report, &written, &mut text);
    if let Some(p) = summary_file {
        write_atomic(p, &text)?;
    }
    let to_stdout = sarif != Some(Path::new("-")) && json != Some(Path::new("-"));
    if to_stdout {
        let _ = std::io::stdout().lock().write_all(&text);
    } else {
        let _ = std::io::stderr().lock().write_all(&text);
    }
    Ok(())
}

async fn run_scope(
    scope: Scope,
    checks_dir: Option<&Path>,
    recog: Option<&Path>,
    opts: &ScanOptions,
) -> Result<Report> {
    let knowledge = if opts.discover_only {
        Knowledge::load_for_discovery(checks_dir)?
    } else {
        let mut k = Knowledge::load(checks_dir)?;
        if let Some(dir) = recog.or(scope.recog.as_deref()) {
            k = k.with_recog(dir)?;
        }
        k
    };
    let (trigger, shutdown) = Shutdown::new();
    watch_signals(trigger);
    let terminal = TerminalProgress::new();
    let progress: &dyn ProgressSink = match &terminal {
        Some(t) => t,
        None => &Silent,
    };
    Ok(scan::run(Arc::new(scope), &knowledge, opts, shutdown, progress).await?)
}

fn exit_code(report: &Report, fail_on: Option<Severity>) -> u8 {
    if !report.complete {
        EXIT_INTERRUPTED
    } else if fail_on.is_some_and(|t| report.worst().is_some_and(|w| w >= t)) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The human reports and the history of one run, after the scan.
struct Extras<'a> {
    history: Option<(Store, i64)>,
    /// Writes checkpoints for `--resume` while the scan runs.
    writer: Option<std::thread::JoinHandle<std::result::Result<(), HistoryError>>>,
    report: Option<&'a Path>,
    lang: &'a str,
    markdown: Option<&'a Path>,
    sarif_absent: bool,
}

impl<'a> Extras<'a> {
    /// Opens the history (if any) and the run in it, before scanning, so a
    /// broken history file stops the scan before it sends anything.
    /// With a history, also sets up checkpoints (for a later `--resume`)
    /// in `opts`, and with `resume` takes over the progress of the last
    /// unfinished run of the scope.
    #[allow(clippy::too_many_arguments)]
    fn begin(
        history: Option<&Path>,
        scope: &Scope,
        scope_uri: &str,
        report: Option<&'a Path>,
        lang: &'a str,
        markdown: Option<&'a Path>,
        sarif_absent: bool,
        resume: bool,
        opts: &mut ScanOptions,
    ) -> Result<Extras<'a>> {
        let mut writer = None;
        let history = match history {
            None if resume => return Err(Error::ResumeWithoutHistory),
            None => None,
            Some(p) => {
                let mut store = Store::open(p)?;
                let key = report::sarif::automation_id(&scope.name);
                let digest = scope_digest(&scope.path)?;
                let resumed = if resume {
                    let r = store.resumable(&key, &digest)?;
                    if r.is_none() {
                        tracing::warn!(
                            "--resume: no unfinished run of this scope in the history; scanning it all"
                        );
                    }
                    r
                } else {
                    None
                };
                let id = store.begin_run(
                    &key,
                    &scope.name,
                    scope_uri,
                    &digest,
                    stadscan::model::unix_now(),
                    resumed.as_ref().map(|r| r.from_run),
                )?;
                opts.resume = resumed;
                let (tx, rx) = std::sync::mpsc::channel::<stadscan::model::Checkpoint>();
                opts.checkpoint = Some(tx);
                let path = p.to_path_buf();
                writer = Some(std::thread::spawn(move || {
                    let mut store = Store::open(&path)?;
                    for c in rx {
                        store.save_checkpoint(id, &c)?;
                    }
                    Ok(())
                }));
                Some((store, id))
            }
        };
        Ok(Extras {
            history,
            writer,
            report,
            lang,
            markdown,
            sarif_absent,
        })
    }

    /// Records the run, attaches the history view, writes the HTML and
    /// Markdown reports.
    /// `opts` is dropped first: its checkpoint sender closes the writer.
    fn finish(
        mut self,
        report: &mut Report,
        opts: ScanOptions,
    ) -> Result<Vec<(&'static str, PathBuf)>> {
        drop(opts);
        if let Some(w) = self.writer.take() {
            match w.join() {
                Ok(r) => r?,
                Err(panic) => {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".into());
                    return Err(Error::CheckpointWriter(why));
                }
            }
        }
        if let Some((store, id)) = self.history.as_mut() {
            store.record(*id, &report.outcome())?;
            report.history = Some(store.view(*id)?);
            report.sarif_absent = self.sarif_absent;
        }
        let mut written = Vec::new();
        if let Some(p) = self.report {
            emit(p, report::html_page(report, self.lang).as_bytes())?;
            written.push(("report", p.to_path_buf()));
        }
        if let Some(p) = self.markdown {
            emit(p, report::markdown::render(report).as_bytes())?;
            written.push(("markdown", p.to_path_buf()));
        }
        Ok(written)
    }
}

async fn scan_command(args: ScanArgs) -> Result<u8> {
    let scope = Scope::load(&args.scope)?;
    let r = &args.reporting;
    for p in [&args.sarif, &args.json, &args.audit, &r.report, &r.markdown]
        .into_iter()
        .flatten()
    {
        probe_writable(p)?;
    }
    let mut opts = ScanOptions {
        allow_large: args.allow_large,
        source_root: args.source_root.clone(),
        discover_only: args.discover_only,
        no_host_discovery: args.no_host_discovery,
        syn: args.syn,
        audit: args.audit.clone(),
        kev: args.kev.clone(),
        nvd_db: args.nvd_db.clone(),
        shard: args.shard,
        baseline: Some(r.baseline.clone()),
        budget_file: r.history.clone(),
        ..ScanOptions::default()
    };
    check_baseline(&r.baseline)?;
    let scope_uri = report::scope_uri(&scope.path, opts.source_root.as_deref());
    let extras = Extras::begin(
        r.history.as_deref(),
        &scope,
        &scope_uri,
        r.report.as_deref(),
        &r.lang,
        r.markdown.as_deref(),
        r.sarif_absent,
        args.resume,
        &mut opts,
    )?;
    let mut report = run_scope(scope, args.checks.as_deref(), args.recog.as_deref(), &opts).await?;
    let extra = extras.finish(&mut report, opts)?;
    write_outputs(
        &report,
        args.sarif.as_deref(),
        args.json.as_deref(),
        None,
        &extra,
    )?;
    Ok(exit_code(&report, args.fail_on))
}

/// SHA-256 of the scope file (hex): a resume continues only the very same
/// scope.
fn scope_digest(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let d = ring::digest::digest(&ring::digest::SHA256, &bytes);
    Ok(d.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}

/// Refuses an unknown `--baseline` before anything is scanned.
fn check_baseline(name: &str) -> Result<()> {
    let baselines = stadscan::baseline::Baselines::embedded()?;
    match baselines.catalogues.get(name) {
        Some(c) if !c.controls.is_empty() => Ok(()),
        _ => Err(Error::Baseline(stadscan::compliance::UnknownBaseline::new(
            name, &baselines,
        ))),
    }
}

#[cfg(feature = "lab")]
async fn demo_command(args: DemoArgs) -> Result<u8> {
    let lab = Lab::start(LabConfig::demo()).await?;
    let scope_path = if Path::new(DEMO_SCOPE_PATH).is_file() {
        PathBuf::from(DEMO_SCOPE_PATH)
    } else {
        // Outside a checkout: write the embedded scope and CA next to the outputs.
        let p = args.out.join("demo-city.toml");
        write_atomic(&p, DEMO_SCOPE.as_bytes())?;
        write_atomic(
            &args.out.join("demo-city-ca.pem"),
            stadscan_lab::LAB_CA_PEM.as_bytes(),
        )?;
        p
    };
    let scope = Scope::load(&scope_path)?;
    let (html, md) = (args.out.join("report.html"), args.out.join("summary.md"));
    let scope_uri = report::scope_uri(&scope.path, None);
    let mut opts = ScanOptions {
        budget_file: Some(
            args.history
                .clone()
                .unwrap_or_else(|| args.out.join("credential-budget.sqlite")),
        ),
        ..ScanOptions::default()
    };
    let extras = Extras::begin(
        args.history.as_deref(),
        &scope,
        &scope_uri,
        Some(&html),
        &args.lang,
        Some(&md),
        false,
        false,
        &mut opts,
    )?;
    let report = run_scope(scope, None, None, &opts).await;
    lab.shutdown().await;
    let mut report = report?;
    let extra = extras.finish(&mut report, opts)?;
    write_outputs(
        &report,
        Some(&args.out.join("results.sarif")),
        Some(&args.out.join("report.json")),
        Some(&args.out.join("summary.txt")),
        &extra,
    )?;
    Ok(if report.complete {
        EXIT_OK
    } else {
        EXIT_INTERRUPTED
    })
}

#[cfg(feature = "lab")]
async fn lab_command(args: LabArgs) -> Result<u8> {
    // A city lab holds a socket per service: up to the hard limit.
    let _limit = stadscan::net::files::raise();
    let lab = match args.devices {
        Some(n) => Lab::start_city(args.prefix[1], n).await?,
        None => {
            Lab::start(LabConfig {
                prefix: args.prefix,
                fixed_ports: true,
                hostile: args.hostile,
            })
            .await?
        }
    };
    if let Some(p) = &args.scope_out {
        let ca = p.with_file_name("lab-ca.pem");
        write_atomic(&ca, stadscan_lab::LAB_CA_PEM.as_bytes())?;
        write_atomic(
            p,
            lab.scope_toml("stadscan-lab", "lab-ca.pem", 1500)
                .as_bytes(),
        )?;
    }
    let mut out = Vec::new();
    let _in_memory = if args.devices.is_some() {
        stadscan_lab::write_city_lab(&lab, &mut out)
    } else {
        stadscan_lab::write_lab(lab.devices(), lab.dns_addr(), &mut out)
    };
    let _ = std::io::stdout().lock().write_all(&out);
    let _ = std::io::stdout().lock().flush();
    let _ = tokio::signal::ctrl_c().await;
    lab.shutdown().await;
    Ok(EXIT_OK)
}

fn checks_command(args: ChecksArgs) -> Result<u8> {
    let mut out = Vec::new();
    match args.action.unwrap_or(ChecksAction::List) {
        ChecksAction::List => {
            let knowledge = Knowledge::load(args.checks.as_deref())?;
            let _in_memory = report::summary::write_checks(&knowledge, &mut out);
        }
        ChecksAction::Lint { dir, recog } => {
            // Loading validates everything; an error names file and line.
            // The embedded fingerprints skip their slower checks at load
            // (a scan's start-up): lint runs them.
            let knowledge = Knowledge::load(dir.as_deref())?;
            knowledge.fingerprints.verify()?;
            let _in_memory = writeln!(
                out,
                "ok: {} checks, {} fingerprints, {} firmware advisories, {} device-information endpoints, \
                 {} credential products ({} entries, {} generic), {} vendors in the lexicon, {} enterprise numbers",
                knowledge.checks.checks.len(),
                knowledge.fingerprints.len(),
                knowledge.advisories.len(),
                knowledge.endpoints.len(),
                knowledge.credentials.products.len(),
                knowledge
                    .credentials
                    .by_product
                    .values()
                    .map(Vec::len)
                    .sum::<usize>(),
                knowledge.credentials.generic.len(),
                knowledge.identifier.lexicon.vendors(),
                knowledge.identifier.enterprises.len(),
            );
            if let Some(dir) = recog {
                let mut db = stadscan::identify::Recog::load(&dir)?;
                let failures = db.lint();
                let s = &db.stats;
                let examples: usize = db.fingerprints().map(|f| f.examples.len()).sum();
                let _in_memory = writeln!(
                    out,
                    "recog {}: {} files ({} read no fact stadscan has), {} fingerprints, {} examples checked, \
                     {} examples in external files skipped, {} patterns Rust's regex cannot express",
                    dir.display(),
                    s.files,
                    s.files_skipped,
                    s.fingerprints,
                    examples,
                    s.examples_skipped,
                    s.unsupported
                );
                for u in &db.unsupported {
                    let _in_memory = writeln!(out, "  unsupported: {u}");
                }
                if !failures.is_empty() {
                    let _ = std::io::stdout().lock().write_all(&out);
                    return Err(Error::RecogExamples(failures));
                }
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(EXIT_OK)
}

fn nvd_command(args: NvdArgs) -> Result<u8> {
    use std::io::IsTerminal;
    let NvdAction::Import { feeds, db, kev } = args.action;
    // Read the catalogue first: a bad KEV file stops before any feed work.
    let kev = kev.map(|p| stadscan::firmware::Kev::load(&p)).transpose()?;
    let mut index = stadscan::nvd::Index::create(&db)?;
    let terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let mut out = std::io::stdout().lock();
    for feed in &feeds {
        let clock = std::time::Instant::now();
        let mut progress = |file: &str, n: u64| {
            if terminal {
                let mut err = std::io::stderr().lock();
                let _ignored = write!(err, "\r\x1b[2K{file}: {n} CVEs read");
                let _ignored = err.flush();
            }
        };
        let result = stadscan::nvd::feed::import(&mut index, feed, &mut progress);
        if terminal {
            let _ignored = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
        let s = result?;
        let _ = writeln!(
            out,
            "{}: {} CVEs read: {} added, {} updated, {} kept (the index had them as new or newer), \
             {} rejected ({:.1} s){}",
            s.file,
            s.read,
            s.added,
            s.updated,
            s.unchanged,
            s.rejected,
            clock.elapsed().as_secs_f64(),
            s.timestamp
                .as_deref()
                .map(|t| format!("; feed of {t}"))
                .unwrap_or_default()
        );
    }
    if let Some(k) = &kev {
        let n = index.import_kev(k)?;
        let _ = writeln!(
            out,
            "KEV catalogue {} ({}): {n} known-exploited CVEs",
            k.catalog_version, k.date_released
        );
    }
    let stats = index.stats()?;
    let _ = writeln!(
        out,
        "{}: {} CVEs naming {} products, {} KEV entries, from {} feed files",
        db.display(),
        stats.cves,
        stats.products,
        stats.kev,
        stats.feeds.len()
    );
    Ok(EXIT_OK)
}

fn diff_command(args: DiffArgs) -> Result<u8> {
    let changes = match &args.history {
        Some(path) => {
            let store = open_history(path)?;
            let (old, new) = (store.resolve(&args.old)?, store.resolve(&args.new)?);
            let complete = new.state == stadscan::history::store::RunState::Complete;
            stadscan::history::store::compare(
                &store.findings(old.id)?,
                &store.findings(new.id)?,
                complete,
            )
        }
        None => {
            let read = |p: &str| -> Result<serde_json::Value> {
                let text = std::fs::read_to_string(p).map_err(|source| Error::Read {
                    path: p.into(),
                    source,
                })?;
                serde_json::from_str(&text).map_err(|source| Error::Json {
                    path: p.into(),
                    source,
                })
            };
            let findings = |p: &str, doc: &serde_json::Value| {
                report::diff::sarif_findings(doc).map_err(|source| Error::Sarif {
                    path: p.into(),
                    source,
                })
            };
            let (old, new) = (read(&args.old)?, read(&args.new)?);
            stadscan::history::store::compare(
                &findings(&args.old, &old)?,
                &findings(&args.new, &new)?,
                report::diff::sarif_complete(&new),
            )
        }
    };
    let mut out = Vec::new();
    let _in_memory = report::diff::write_text(&args.old, &args.new, &changes, &mut out);
    if let Some(p) = &args.json {
        let mut doc = serde_json::to_vec_pretty(&changes).unwrap_or_default();
        doc.push(b'\n');
        emit(p, &doc)?;
    }
    if args.json.as_deref() == Some(Path::new("-")) {
        let _ = std::io::stderr().lock().write_all(&out);
    } else {
        let _ = std::io::stdout().lock().write_all(&out);
    }
    Ok(if args.fail_on_new && !changes.new.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// A history file that must exist already (reading never creates one).
fn open_history(path: &Path) -> Result<Store> {
    if !path.is_file() {
        return Err(Error::NoHistory(path.to_path_buf()));
    }
    Ok(Store::open(path)?)
}

fn history_command(args: HistoryArgs) -> Result<u8> {
    match args.action {
        HistoryAction::List { history } => {
            let store = open_history(&history)?;
            let mut out = Vec::new();
            let runs = store.runs()?;
            let mut rows = Vec::new();
            for r in &runs {
                rows.push((r.clone(), store.findings(r.id)?.len()));
            }
            let _in_memory = report::summary::write_runs(&rows, &mut out);
            let _ = std::io::stdout().lock().write_all(&out);
            Ok(EXIT_OK)
        }
    }
}

fn merge_command(args: MergeArgs) -> Result<u8> {
    let mut docs = Vec::new();
    for p in &args.inputs {
        let text = std::fs::read_to_string(p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        docs.push((p.display().to_string(), text));
    }
    let merged = report::merge::merge(docs)?;
    // A JSON report named .sarif would be refused by code scanning later,
    // far from the mistake.
    let named_sarif = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sarif"));
    if named_sarif && merged.kind != report::merge::InputKind::Sarif {
        return Err(Error::NotSarif {
            output: args.output,
            kind: merged.kind,
        });
    }
    emit(&args.output, &merged.bytes)?;
    Ok(EXIT_OK)
}

fn inventory_command(args: InventoryArgs) -> Result<u8> {
    let text = std::fs::read_to_string(&args.report).map_err(|source| Error::Read {
        path: args.report.clone(),
        source,
    })?;
    let register = report::inventory::Register::from_report_json(&text).map_err(|source| {
        Error::Inventory {
            path: args.report.clone(),
            source,
        }
    })?;
    if args.json.is_none() && args.csv.is_none() {
        return Err(Error::NoOutput);
    }
    if let Some(p) = &args.json {
        emit(p, &register.to_json())?;
    }
    if let Some(p) = &args.csv {
        emit(p, register.to_csv().as_bytes())?;
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod colour_tests {
    use super::colour;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(colour(true, None));
        assert!(!colour(false, None));
        assert!(!colour(true, Some("1".as_ref())));
        assert!(colour(true, Some("".as_ref())));
    }
}
