//! Lazy target enumeration in a shuffled order.
//!
//! The scan space is (address x port) over every network and resolved host.
//! Nothing is materialised: an index maps to its address and port on demand,
//! and a full-period linear congruential generator over the next power of two
//! visits every index exactly once, in an order that spreads the load over
//! hosts and subnets.

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{Origin, Target, Transport};
use crate::scope::{Scope, net_size};

/// One unit of discovery work.
#[derive(Debug, Clone)]
pub struct Job {
    /// The address, admitted by the gate.
    pub target: Target,
    /// The port to try.
    pub port: u16,
    /// TCP (a connect or SYN) or UDP (a protocol probe).
    pub transport: Transport,
}

#[derive(Debug, Clone)]
enum Block {
    Network {
        origin: Origin,
        net: IpNet,
        size: u128,
    },
    Host {
        origin: Origin,
        addr: IpAddr,
        hostname: String,
    },
}

impl Block {
    fn size(&self) -> u128 {
        match self {
            Block::Network { size, .. } => *size,
            Block::Host { .. } => 1,
        }
    }
}

/// A resolved named host: the scope entry and one of its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedHost {
    /// Index of the `[[hosts]]` entry in the scope.
    pub index: usize,
    /// The host name as the scope writes it.
    pub name: String,
    /// One address it resolved to (or the literal address it is).
    pub addr: IpAddr,
}

/// Every (address, port) the scan may visit.
#[derive(Debug, Clone)]
pub struct TargetSpace {
    blocks: Vec<Block>,
    /// Addresses scanned under their host name, skipped inside networks.
    named: HashSet<IpAddr>,
    ports: Vec<(u16, Transport)>,
    addresses: u128,
    /// Sum of the block sizes: the index space (a named host inside a network
    /// holds two indexes; the network's one is skipped).
    slots: u128,
}

impl TargetSpace {
    /// The space of `scope` plus the resolved hosts the gate admits.
    pub fn new(scope: &Scope, hosts: &[ResolvedHost]) -> Self {
        let mut blocks = Vec::new();
        let mut named = HashSet::new();
        for h in hosts {
            if scope.permits(h.addr, Origin::Host(h.index)) && named.insert(h.addr) {
                blocks.push(Block::Host {
                    origin: Origin::Host(h.index),
                    addr: h.addr,
                    hostname: h.name.clone(),
                });
            }
        }
        for (i, n) in scope.networks.iter().enumerate() {
            blocks.push(Block::Network {
                origin: Origin::Network(i),
                net: n.net,
                size: net_size(&n.net),
            });
        }
        let ports = scope
            .ports
            .tcp
            .iter()
            .map(|p| (*p, Transport::Tcp))
            .chain(scope.ports.udp.iter().map(|p| (*p, Transport::Udp)))
            .collect();
        // Named hosts inside a network are already counted there.
        let addresses = blocks
            .iter()
            .map(|b| match b {
                Block::Host { addr, .. } if scope.networks.iter().any(|n| n.net.contains(addr)) => {
                    0
                }
                b => b.size(),
            })
            .sum();
        let slots = blocks.iter().map(Block::size).sum();
        TargetSpace {
            blocks,
            named,
            ports,
            addresses,
            slots,
        }
    }

    /// The same addresses on `ports` instead (the passes of host discovery:
    /// the liveness ports of every address, then the rest of the live ones).
    pub fn with_ports(&self, ports: Vec<(u16, Transport)>) -> TargetSpace {
        TargetSpace {
            ports,
            ..self.clone()
        }
    }

    /// Distinct addresses the networks and named hosts add up to (overlapping
    /// networks are counted once per network).
    pub fn addresses(&self) -> u128 {
        self.addresses
    }

    /// Number of (address, port) positions.
    pub fn len(&self) -> u128 {
        self.slots * self.ports.len() as u128
    }

    /// True when there is no position to visit (no address or no port).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The job at `index`, or `None` when the gate refuses its address, a
    /// named host covers it, or an earlier network already holds it.
    pub fn job(&self, scope: &Scope, index: u128) -> Option<Job> {
        let nports = self.ports.len() as u128;
        let (port, transport) = self.ports[(index % nports) as usize];
        let mut a = index / nports;
        for (bi, block) in self.blocks.iter().enumerate() {
            if a >= block.size() {
                a -= block.size();
                continue;
            }
            let (addr, origin, hostname) = match block {
                Block::Host {
                    origin,
                    addr,
                    hostname,
                } => (*addr, *origin, Some(hostname.clone())),
                Block::Network { origin, net, .. } => {
                    let addr = nth_address(net, a);
                    if self.named.contains(&addr) || self.claimed_earlier(bi, addr) {
                        return None;
                    }
                    (addr, *origin, None)
                }
            };
            let target = scope.admit(addr, origin, hostname)?;
            return Some(Job {
                target,
                port,
                transport,
            });
        }
        None
    }

    fn claimed_earlier(&self, block: usize, addr: IpAddr) -> bool {
        self.blocks[..block].iter().any(|b| match b {
            Block::Network { net, .. } => net.contains(&addr),
            Block::Host { .. } => false,
        })
    }

    /// All jobs, lazily, in the shuffled order given by `seed`.
    pub fn jobs<'a>(&'a self, scope: &'a Scope, seed: u64) -> impl Iterator<Item = Job> + 'a {
        Permutation::new(self.len(), seed).filter_map(move |i| self.job(scope, i))
    }

    /// `Space::jobs` with each job's step number in the permutation
    /// (increasing; steps without a job are skipped). The same scope and
    /// seed give the same numbers, which is what `--resume` relies on.
    pub fn numbered_jobs<'a>(
        &'a self,
        scope: &'a Scope,
        seed: u64,
    ) -> impl Iterator<Item = (u64, Job)> + 'a {
        Permutation::new(self.len(), seed)
            .enumerate()
            .filter_map(move |(n, i)| self.job(scope, i).map(|j| (n as u64, j)))
    }

    /// [`TargetSpace::numbered_jobs`] owning its space and scope, for a job
    /// feed shared by tasks.
    pub fn into_numbered_jobs(
        self: std::sync::Arc<Self>,
        scope: std::sync::Arc<Scope>,
        seed: u64,
    ) -> impl Iterator<Item = (u64, Job)> + Send + 'static {
        Permutation::new(self.len(), seed)
            .enumerate()
            .filter_map(move |(n, i)| self.job(&scope, i).map(|j| (n as u64, j)))
    }
}

fn nth_address(net: &IpNet, n: u128) -> IpAddr {
    match net {
        IpNet::V4(v4) => {
            let base = u32::from(v4.network());
            IpAddr::V4((base.wrapping_add(n as u32)).into())
        }
        IpNet::V6(v6) => {
            let base = u128::from(v6.network());
            IpAddr::V6((base.wrapping_add(n)).into())
        }
    }
}

/// Visits `0..len` once each, in a scrambled but deterministic order.
///
/// `x -> (a*x + c) mod m` with `m` a power of two, `a = 1 (mod 4)` and `c`
/// odd has full period (Hull-Dobell); values `>= len` are skipped, which at
/// most doubles the steps.
#[derive(Debug, Clone)]
pub struct Permutation {
    len: u128,
    mask: u128,
    a: u128,
    c: u128,
    x: u128,
    steps_left: u128,
}

impl Permutation {
    /// A walk over `0..len` whose order `seed` fixes (see [`seed_for`]).
    pub fn new(len: u128, seed: u64) -> Self {
        let m = len.max(4).next_power_of_two();
        let s = u128::from(splitmix(seed));
        let t = u128::from(splitmix(seed ^ 0x9e37_79b9_7f4a_7c15));
        Permutation {
            len,
            mask: m - 1,
            a: ((s << 2) | 1) & (m - 1) | 1,
            c: (t | 1) & (m - 1),
            x: t & (m - 1),
            steps_left: if len == 0 { 0 } else { m },
        }
    }
}

impl Iterator for Permutation {
    type Item = u128;
    fn next(&mut self) -> Option<u128> {
        while self.steps_left > 0 {
            self.steps_left -= 1;
            let cur = self.x;
            self.x = self.a.wrapping_mul(self.x).wrapping_add(self.c) & self.mask;
            if cur < self.len {
                return Some(cur);
            }
        }
        None
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable seed from the scope name (FNV-1a), so a scope is walked in the
/// same order every run.
pub fn seed_for(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn permutation_visits_every_index_once() {
        for len in [0u128, 1, 2, 3, 5, 17, 1000, 4097] {
            let mut seen: Vec<u128> = Permutation::new(len, 42).collect();
            assert_eq!(seen.len() as u128, len);
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len() as u128, len, "len {len}");
        }
    }

    #[test]
    fn permutation_is_shuffled_and_seeded() {
        let a: Vec<u128> = Permutation::new(1000, 1).take(20).collect();
        let b: Vec<u128> = Permutation::new(1000, 2).take(20).collect();
        assert_ne!(a, b);
        assert_ne!(a, (0..20).collect::<Vec<_>>());
        let a2: Vec<u128> = Permutation::new(1000, 1).take(20).collect();
        assert_eq!(a, a2);
    }

    fn scope(text: &str) -> Scope {
        Scope::parse(text, Path::new("s.toml")).unwrap()
    }

    #[test]
    fn jobs_cover_the_space_minus_exclusions() {
        let s = scope(
            "name = \"t\"\nexclude = [\"127.9.0.2\"]\n[[networks]]\ncidr = \"127.9.0.0/30\"\n[ports]\ntcp = [80, 443]\nudp = [161]\n",
        );
        let space = TargetSpace::new(&s, &[]);
        assert_eq!(space.len(), 12);
        let jobs: Vec<Job> = space.jobs(&s, 7).collect();
        assert_eq!(jobs.len(), 9);
        assert!(
            jobs.iter()
                .all(|j| j.target.addr().to_string() != "127.9.0.2")
        );
        assert_eq!(
            jobs.iter()
                .filter(|j| j.transport == Transport::Udp)
                .count(),
            3
        );
    }

    #[test]
    fn named_host_inside_a_network_is_scanned_once_under_its_name() {
        let s = scope(
            "name = \"t\"\n[[networks]]\ncidr = \"127.9.0.0/30\"\n[[hosts]]\nname = \"cam.test\"\n[ports]\ntcp = [80]\nudp = []\n",
        );
        let host = ResolvedHost {
            index: 0,
            name: "cam.test".into(),
            addr: "127.9.0.1".parse().unwrap(),
        };
        let space = TargetSpace::new(&s, &[host]);
        let jobs: Vec<Job> = space.jobs(&s, 1).collect();
        assert_eq!(jobs.len(), 4);
        let named: Vec<_> = jobs
            .iter()
            .filter(|j| j.target.hostname().is_some())
            .collect();
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].target.origin(), Origin::Host(0));
    }

    #[test]
    fn resolved_address_outside_the_scope_never_becomes_a_job() {
        let s = scope(
            "name = \"t\"\n[[networks]]\ncidr = \"127.9.0.0/30\"\n[[hosts]]\nname = \"evil.test\"\n[ports]\ntcp = [80]\nudp = []\n",
        );
        let host = ResolvedHost {
            index: 0,
            name: "evil.test".into(),
            addr: "127.200.0.1".parse().unwrap(),
        };
        let space = TargetSpace::new(&s, &[host]);
        assert!(
            space
                .jobs(&s, 1)
                .all(|j| j.target.addr().to_string() != "127.200.0.1")
        );
    }

    #[test]
    fn overlapping_networks_do_not_scan_an_address_twice() {
        let s = scope(
            "name = \"t\"\n[[networks]]\ncidr = \"127.9.0.0/30\"\n[[networks]]\ncidr = \"127.9.0.0/29\"\n[ports]\ntcp = [80]\nudp = []\n",
        );
        let space = TargetSpace::new(&s, &[]);
        let mut addrs: Vec<String> = space
            .jobs(&s, 3)
            .map(|j| j.target.addr().to_string())
            .collect();
        assert_eq!(addrs.len(), 8);
        addrs.sort();
        addrs.dedup();
        assert_eq!(addrs.len(), 8);
    }

    #[test]
    fn ipv6_networks_enumerate() {
        let s = scope(
            "name = \"t\"\n[[networks]]\ncidr = \"::1/128\"\n[ports]\ntcp = [22]\nudp = []\n",
        );
        let jobs: Vec<Job> = TargetSpace::new(&s, &[]).jobs(&s, 0).collect();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].target.addr().to_string(), "::1");
    }
}
