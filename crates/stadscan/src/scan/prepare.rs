//! The first stage: everything the walk needs, set up before the first
//! probe, so that a missing file, a bad trust anchor or a name that cannot
//! be resolved fails now and not after an hour of probing.

use std::sync::Arc;

use super::ScanOptions;
use crate::discover::{TargetSpace, dns};
use crate::error::Error;
use crate::firmware::Kev;
use crate::knowledge_base::Knowledge;
use crate::net::files::FileLimit;
use crate::net::{AuditLog, Net, Shutdown};
use crate::probe::Prober;
use crate::report::WindowStats;
use crate::scope::{HostDiscovery, RateProfile, Scope};
use crate::tls::TlsContext;
use crate::tls::policy::Policy;

/// What the stages after this one share.
pub(super) struct Setup {
    /// The KEV catalogue, when one was given.
    pub(super) kev: Option<Kev>,
    /// The NVD index, when one was given (never for discovery only).
    pub(super) nvd: Option<crate::nvd::Index>,
    /// The scope's names, resolved and checked against the gate.
    pub(super) resolution: dns::Resolution,
    /// Every (address, port) position the scope names.
    pub(super) space: Arc<TargetSpace>,
    /// Whether any target is an IPv6 address.
    pub(super) has_v6: bool,
    /// The audit trail, when one was asked for.
    pub(super) audit: Option<Arc<AuditLog>>,
    /// The one path to the network.
    pub(super) net: Arc<Net>,
    /// The conversations with devices.
    pub(super) prober: Arc<Prober>,
    /// How many positions are worked on at once.
    pub(super) window: Window,
    /// Host discovery as this run does it (the scope's, unless
    /// `--no-host-discovery`).
    pub(super) hosts: HostDiscovery,
}

/// The window of workers: the scope's `max_in_flight`, unless the
/// open-file limit (raised to the hard limit first) allows fewer.
pub(super) struct Window {
    /// What the scope asks for.
    pub(super) wanted: u64,
    /// What the open-file limit allows of it.
    pub(super) in_flight: u64,
    /// The open-file limit, when it could be read.
    pub(super) files: Option<FileLimit>,
    /// Workers started (never more than there are positions).
    pub(super) workers: usize,
}

impl Window {
    fn new(scope: &Scope, opts: &ScanOptions, net: &Net, has_v6: bool, total: u128) -> Window {
        let files = crate::net::files::raise();
        let wanted = u64::from(scope.rate.max_in_flight.max(1));
        // A job may hold two connections; a SYN holds no file, so under
        // --syn --discover-only (IPv4) a job holds at most the liveness
        // pass's ICMP echo socket.
        let per_job = if opts.discover_only && net.syn_port().is_some() && !has_v6 {
            u64::from(scope.discovery.icmp)
        } else {
            crate::net::files::FILES_PER_JOB
        };
        let in_flight = files.map_or(wanted, |f| wanted.min(f.window_for(per_job)));
        let workers = usize::try_from(in_flight.min(u64::try_from(total).unwrap_or(u64::MAX)))
            .unwrap_or(usize::MAX)
            .max(1);
        Window {
            wanted,
            in_flight,
            files,
            workers,
        }
    }

    /// The window as the report shows it, given the most workers that were
    /// busy at once.
    pub(super) fn stats(&self, peak_busy: u64) -> WindowStats {
        WindowStats {
            in_flight: self.in_flight,
            wanted: self.wanted,
            open_file_limit: self.files.map(|f| f.soft),
            // Cut below what the rate asks for, and every slot was taken.
            limited_by_files: self.in_flight < self.wanted && peak_busy >= self.workers as u64,
        }
    }
}

impl Setup {
    /// Loads the files the run was given, resolves the scope's names and
    /// builds the network path and the prober.
    pub(super) async fn new(
        scope: &Arc<Scope>,
        knowledge: &Knowledge,
        opts: &ScanOptions,
        shutdown: &Shutdown,
        started: i64,
    ) -> Result<Setup, Error> {
        let tls = TlsContext::new(&scope.trust_anchors)?;
        let kev = match &opts.kev {
            Some(p) => Some(Kev::load(p)?),
            None => None,
        };
        // Open the NVD index before scanning: a missing file is an error
        // now, not after an hour of probing.
        let nvd = match opts.nvd_db.as_ref().or(scope.knowledge.nvd_db.as_ref()) {
            Some(p) if !opts.discover_only => Some(crate::nvd::Index::open(p)?),
            _ => None,
        };
        let resolution = dns::resolve_hosts(scope).await?;
        let space = Arc::new(TargetSpace::new(scope, &resolution.hosts));
        let has_v6 = scope.networks.iter().any(|n| n.net.addr().is_ipv6())
            || resolution.hosts.iter().any(|h| h.addr.is_ipv6());
        let audit = match &opts.audit {
            Some(path) => Some(Arc::new(AuditLog::create(path).map_err(|source| {
                Error::Output {
                    path: path.clone(),
                    source,
                }
            })?)),
            None => None,
        };
        let mut net = Net::new(scope.clone(), shutdown.clone());
        if let Some(log) = &audit {
            net = net.with_audit(log.clone());
        }
        if opts.syn || scope.discovery.syn {
            net = net.with_syn();
        }
        if scope.discovery.icmp
            && !opts.no_host_discovery
            && scope.discovery.hosts == HostDiscovery::Probe
        {
            net = net.with_raw_echo();
        }
        let policy = Policy::embedded(&scope.tls_policy)?;
        let prober = Arc::new(Prober {
            tls,
            timeout: scope.rate.timeout,
            greeting: scope.rate.greeting,
            now: started,
            policy: Arc::new(policy),
            endpoints: knowledge.endpoints.clone(),
            streams: knowledge.streams.clone(),
            ot_safe: scope.rate.profile == RateProfile::OtSafe,
        });
        let window = Window::new(scope, opts, &net, has_v6, space.len());
        let hosts = if opts.no_host_discovery {
            HostDiscovery::All
        } else {
            scope.discovery.hosts
        };
        Ok(Setup {
            kev,
            nvd,
            resolution,
            space,
            has_v6,
            audit,
            net: Arc::new(net),
            prober,
            window,
            hosts,
        })
    }
}
