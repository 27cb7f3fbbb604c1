//! Resolves the scope's named hosts with hickory-resolver.
//!
//! Resolution only names addresses; whether they may be contacted is still
//! the scope gate's decision (a name pointing outside the scope is reported
//! and skipped, never followed).

use std::collections::BTreeSet;
use std::net::IpAddr;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};

use super::targets::ResolvedHost;
use crate::error::Error;
use crate::model::Origin;
use crate::scope::{Scope, Verdict};

/// A named host whose address the gate refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefusedAddress {
    /// The `[[hosts]]` name that resolved to it.
    pub host: String,
    /// The address the gate refused; it was never contacted.
    pub addr: IpAddr,
    /// `excluded`, or that it lies outside the scope's networks and the
    /// host's addresses (the JSON report's `refused_addresses[].reason`).
    pub reason: &'static str,
}

/// The outcome of resolving every `[[hosts]]` entry.
#[derive(Debug, Default, Clone)]
pub struct Resolution {
    /// Every address the gate admitted, one entry per (host, address).
    pub hosts: Vec<ResolvedHost>,
    /// Addresses the gate refused.
    pub refused: Vec<RefusedAddress>,
    /// Names that did not resolve, with the resolver's reason.
    pub failed: Vec<(String, String)>,
}

fn resolver(scope: &Scope) -> Result<TokioResolver, Error> {
    let mut builder = if scope.nameservers.is_empty() {
        TokioResolver::builder_tokio().map_err(Error::Resolver)?
    } else {
        let servers = scope
            .nameservers
            .iter()
            .map(|sa| {
                let mut ns = NameServerConfig::udp_and_tcp(sa.ip());
                for c in &mut ns.connections {
                    c.port = sa.port();
                }
                ns
            })
            .collect();
        Resolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
    };
    let opts: &mut ResolverOpts = builder.options_mut();
    opts.timeout = scope.dns_timeout;
    opts.attempts = 2;
    opts.ip_strategy = hickory_resolver::config::LookupIpStrategy::Ipv4AndIpv6;
    builder.build().map_err(Error::Resolver)
}

/// Resolves every named host; addresses the gate refuses are listed, not kept.
pub async fn resolve_hosts(scope: &Scope) -> Result<Resolution, Error> {
    let mut out = Resolution::default();
    if scope.hosts.is_empty() {
        return Ok(out);
    }
    let resolver = resolver(scope)?;
    for (index, host) in scope.hosts.iter().enumerate() {
        // A literal address as name needs no DNS.
        let addrs: BTreeSet<IpAddr> = if let Ok(ip) = host.name.parse::<IpAddr>() {
            [ip].into()
        } else {
            match resolver.lookup_ip(format!("{}.", host.name)).await {
                Ok(found) => found.iter().collect(),
                Err(e) => {
                    tracing::warn!(host = %host.name, error = %e, "named host did not resolve");
                    out.failed.push((host.name.clone(), e.to_string()));
                    continue;
                }
            }
        };
        for addr in addrs {
            match scope.verdict(addr, Origin::Host(index)) {
                Verdict::Allowed => out.hosts.push(ResolvedHost {
                    index,
                    name: host.name.clone(),
                    addr,
                }),
                v => {
                    let reason = if v == Verdict::Excluded {
                        "excluded"
                    } else {
                        "outside the scope's networks and the host's addresses"
                    };
                    tracing::warn!(host = %host.name, %addr, reason, "not scanning a resolved address");
                    out.refused.push(RefusedAddress {
                        host: host.name.clone(),
                        addr,
                        reason,
                    });
                }
            }
        }
    }
    Ok(out)
}
