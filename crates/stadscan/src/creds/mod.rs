//! Default credentials and unauthenticated access, tested safely.
//!
//! Off unless the scope says `[credentials] enabled = true`. For each
//! service of a device, the credentials that belong to its product (or, for
//! a device no product entry matches, a short generic list) are tried under
//! these rules, all enforced here:
//! - the service must first refuse a deliberately wrong password; one that
//!   lets it in is reported as unauthenticated access, never as a default
//!   credential;
//! - at most the budget's attempts per device and account in its window,
//!   counted on disk across runs ([`budget`]); a credential that worked
//!   before and could not be re-tested stays reported, with the time it
//!   last worked;
//! - the first success per account ends the tests for that account, an
//!   inconclusive answer ends them too (a struggling device is left alone),
//!   and attempts on one device are spaced by a delay;
//! - under the ot-safe profile, no OT device is tested.
//!
//! Outputs name the credential entry by id, never the password.

pub mod budget;
pub mod data;
pub mod login;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::model::{Credential, Secret};
use budget::{Budget, CONTROL, Key, Stored};
use data::{Credentials, DeviceKey, method_name};
use login::{Attempt, Method, Outcome};

use crate::model::{Asset, DeviceClass, Observation, ProbeStatus, Target, Transport, rfc3339};
use crate::net::{Net, Shutdown};
use crate::scope::CredentialPolicy;
use crate::tls::TlsContext;

/// Device classes the ot-safe profile keeps every login away from.
pub const OT_CLASSES: &[DeviceClass] = &[
    DeviceClass::Plc,
    DeviceClass::BuildingAutomation,
    DeviceClass::TrafficController,
    DeviceClass::StreetlightController,
];

/// Devices tested at once (each one's attempts run one after another).
const DEVICES_AT_ONCE: usize = 32;

/// Everything the credential phase needs.
#[derive(Clone)]
pub struct Tester {
    /// The credential data (`checks/credentials/`).
    pub data: Arc<Credentials>,
    /// The scope's `[credentials]` table: budget, delay, its own entries.
    pub policy: CredentialPolicy,
    /// The on-disk attempt budget, shared by every device tested.
    pub budget: Arc<Budget>,
    /// The network layer the logins go through (rate, host slots, audit trail).
    pub net: Arc<Net>,
    /// Trust and client settings for logins inside TLS.
    pub tls: TlsContext,
    /// Time one attempt may take.
    pub timeout: Duration,
    /// The scope runs the ot-safe profile: no login on OT devices or OT ports.
    pub ot_safe: bool,
    /// The device-information endpoints read after a login that works over HTTP
    /// (`checks/device-info/`).
    pub endpoints: Arc<crate::devinfo::Endpoints>,
    /// Stops the tests when the scan is interrupted.
    pub shutdown: Shutdown,
}

/// An account the attempt budget kept from being tested this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spent {
    /// The asset's stable identity.
    pub device: String,
    /// `port/transport`.
    pub service: String,
    /// The user name (empty for an SNMP community).
    pub account: String,
    /// When the budget allows the next attempt (Unix seconds), if known.
    pub next: Option<i64>,
}

/// What the credential phase did, for the report's notes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Services on which logins were tried.
    pub services: u64,
    /// Login attempts sent, control attempts included.
    pub attempts: u64,
    /// Services where a default credential worked on a re-test this run.
    pub accepted: u64,
    /// Services reported from an earlier run's success because the budget kept
    /// this run from re-testing.
    pub carried: u64,
    /// Services that let a deliberately wrong password in (unauthenticated
    /// access).
    pub accepts_any: u64,
    /// Accounts the budget kept from being tested (see `spent`).
    pub budget_spent: u64,
    /// Services left alone under the ot-safe profile.
    pub ot_skipped: u64,
    /// Times the budget file failed; those logins were not tried.
    pub budget_errors: u64,
    /// The accounts behind `budget_spent`.
    pub spent: Vec<Spent>,
}

impl Summary {
    fn add(&mut self, o: Summary) {
        self.services += o.services;
        self.attempts += o.attempts;
        self.accepted += o.accepted;
        self.carried += o.carried;
        self.accepts_any += o.accepts_any;
        self.budget_spent += o.budget_spent;
        self.ot_skipped += o.ot_skipped;
        self.budget_errors += o.budget_errors;
        self.spent.extend(o.spent);
    }
}

/// One device's part of the work, owned by its task.
struct Device {
    index: usize,
    id: String,
    key: DeviceKey,
    class: DeviceClass,
    target: Target,
    observations: Vec<Observation>,
}

impl Tester {
    /// Tests every asset's services; facts land on their observations.
    pub async fn run(&self, assets: &mut [Asset]) -> Summary {
        let mut total = Summary::default();
        let mut queue: Vec<Device> = assets
            .iter_mut()
            .enumerate()
            .map(|(index, a)| Device {
                index,
                id: a.id.clone(),
                key: DeviceKey {
                    vendor: a.vendor.clone(),
                    model: a.model.clone(),
                    fingerprint: a.fingerprint.clone(),
                },
                class: a.class,
                target: Target::admitted(a.addr, a.hostnames.first().cloned(), a.origin),
                observations: std::mem::take(&mut a.observations),
            })
            .collect();
        queue.reverse();
        let mut tasks: JoinSet<(Device, Summary)> = JoinSet::new();
        loop {
            while tasks.len() < DEVICES_AT_ONCE && !self.shutdown.is_triggered() {
                let Some(mut d) = queue.pop() else { break };
                let t = self.clone();
                tasks.spawn(async move {
                    let s = t.device(&mut d).await;
                    (d, s)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            if let Ok((d, s)) = joined {
                total.add(s);
                assets[d.index].observations = d.observations;
            }
        }
        // Devices never started (interrupted) keep their observations.
        for d in queue {
            assets[d.index].observations = d.observations;
        }
        total
    }

    async fn device(&self, d: &mut Device) -> Summary {
        let mut sum = Summary::default();
        let choices = self.data.choose(&d.key, &self.policy.extra);
        // A device with an OT protocol open is an OT device, whatever else
        // it runs (the web UI of a PLC locks the PLC's accounts too).
        let ot_device = OT_CLASSES.contains(&d.class)
            || d.observations.iter().any(|o| is_ot_port(o.endpoint.port));
        let mut first = true;
        for i in 0..d.observations.len() {
            let obs = &d.observations[i];
            if obs.status != ProbeStatus::Ok {
                continue;
            }
            let transport = obs.endpoint.transport;
            let protocol = obs.protocol.clone();
            for choice in &choices {
                if self.shutdown.is_triggered() {
                    return sum;
                }
                let wanted = if choice.method == Method::Snmp {
                    Transport::Udp
                } else {
                    Transport::Tcp
                };
                if choice.method.protocol() != protocol || transport != wanted {
                    continue;
                }
                let obs = &mut d.observations[i];
                if self.ot_safe
                    && (ot_device || crate::probe::OT_PORTS.contains(&obs.endpoint.port))
                {
                    obs.set(
                        "cred.skipped",
                        "ot-safe profile: no credential tests on OT devices",
                    );
                    sum.ot_skipped += 1;
                    continue;
                }
                if obs.fact("cred.default_id").is_some() || obs.fact("cred.accepts_any").is_some() {
                    // Another login of this service already settled it.
                    continue;
                }
                if choice.method == Method::Mqtt && obs.fact("mqtt.anonymous") == Some(&true.into())
                {
                    obs.set(
                        "cred.skipped",
                        "the broker already admits anonymous clients",
                    );
                    continue;
                }
                sum.services += 1;
                let svc = ServiceRef {
                    device: &d.id,
                    target: &d.target,
                    obs,
                    method: &choice.method,
                };
                sum.add(self.service(svc, &choice.entries, &mut first).await);
            }
        }
        sum
    }

    /// Tests one login of one service: per account, a control attempt,
    /// then the entries in order until one works.
    async fn service(
        &self,
        s: ServiceRef<'_>,
        entries: &[Credential],
        first: &mut bool,
    ) -> Summary {
        let mut sum = Summary::default();
        let name = method_name(s.method);
        let service = format!(
            "{}/{}",
            s.obs.endpoint.port,
            s.obs.endpoint.transport.as_str()
        );
        let mut accounts: Vec<&str> = Vec::new();
        for e in entries {
            if !accounts.contains(&e.username.as_str()) {
                accounts.push(&e.username);
            }
        }
        let mut attempts: i64 = 0;
        let mut found: Vec<(String, String, i64, bool)> = Vec::new();
        let mut inconclusive: Option<String> = None;
        'accounts: for account in accounts {
            let key = Key {
                device: s.device.to_string(),
                service: service.clone(),
                method: name.to_string(),
                account: account.to_string(),
            };
            let mine: Vec<&Credential> = entries.iter().filter(|e| e.username == account).collect();
            let carried = |b: &Budget| -> Option<(String, i64)> {
                mine.iter().find_map(|e| {
                    b.still_working(&key, &e.id)
                        .ok()
                        .flatten()
                        .map(|at| (e.id.clone(), at))
                })
            };
            // The control: a wrong password must be refused first.
            let control_known = self.budget.refused_control(&key, now()).unwrap_or(false);
            if !control_known {
                let wrong = Secret::new(wrong_password());
                match self
                    .attempt(&s, &key, CONTROL, account, &wrong, first)
                    .await
                {
                    Charged::Spent => {
                        sum.budget_spent += 1;
                        sum.spent.push(Spent {
                            device: key.device.clone(),
                            service: key.service.clone(),
                            account: key.account.clone(),
                            next: self.budget.next_allowed(&key, now()).ok().flatten(),
                        });
                        if let Some((id, at)) = carried(&self.budget) {
                            found.push((id, account.to_string(), at, false));
                        }
                        continue 'accounts;
                    }
                    Charged::Error => {
                        sum.budget_errors += 1;
                        break 'accounts;
                    }
                    Charged::Done(outcome, _) => {
                        attempts += 1;
                        match outcome {
                            Outcome::Accepted => {
                                s.obs.set("cred.accepts_any", true);
                                sum.accepts_any += 1;
                                // Nothing else on this service can mean a
                                // default credential.
                                found.clear();
                                break 'accounts;
                            }
                            Outcome::Refused => {}
                            Outcome::Inconclusive(why) => {
                                inconclusive = Some(why);
                                if let Some((id, at)) = carried(&self.budget) {
                                    found.push((id, account.to_string(), at, false));
                                }
                                continue 'accounts;
                            }
                        }
                    }
                }
            }
            for e in &mine {
                match self
                    .attempt(&s, &key, &e.id, account, &e.password, first)
                    .await
                {
                    Charged::Spent => {
                        sum.budget_spent += 1;
                        sum.spent.push(Spent {
                            device: key.device.clone(),
                            service: key.service.clone(),
                            account: key.account.clone(),
                            next: self.budget.next_allowed(&key, now()).ok().flatten(),
                        });
                        if let Some((id, at)) = carried(&self.budget) {
                            found.push((id, account.to_string(), at, false));
                        }
                        continue 'accounts;
                    }
                    Charged::Error => {
                        sum.budget_errors += 1;
                        break 'accounts;
                    }
                    Charged::Done(Outcome::Accepted, at) => {
                        attempts += 1;
                        // The time the budget recorded: a later run that
                        // carries the result over shows the same one.
                        found.push((e.id.clone(), account.to_string(), at, true));
                        continue 'accounts;
                    }
                    Charged::Done(Outcome::Refused, _) => attempts += 1,
                    Charged::Done(Outcome::Inconclusive(why), _) => {
                        attempts += 1;
                        inconclusive = Some(why);
                        if let Some((id, at)) = carried(&self.budget) {
                            found.push((id, account.to_string(), at, false));
                        }
                        continue 'accounts;
                    }
                }
            }
        }
        sum.attempts += attempts as u64;
        let obs = s.obs;
        // Several logins of one service add up.
        let before = match obs.fact("cred.attempts") {
            Some(crate::model::FactValue::Int(n)) => *n,
            _ => 0,
        };
        obs.set("cred.attempts", before + attempts);
        if let Some(why) = inconclusive {
            obs.set("cred.inconclusive", why);
        }
        if let Some((id, account, at, retested)) = found.first().cloned() {
            if retested {
                sum.accepted += 1;
            } else {
                sum.carried += 1;
            }
            obs.set("cred.default_id", id);
            obs.set(
                "cred.default_ids",
                found.iter().map(|f| f.0.clone()).collect::<Vec<_>>(),
            );
            // SNMP communities have no user name: the message says how the
            // credential was used instead of naming an empty account.
            if account.is_empty() {
                obs.set("cred.login_as", "as a community string (no user name)");
            } else {
                obs.set("cred.login_as", format!("for the account `{account}`"));
                obs.set("cred.account", account.clone());
            }
            obs.set("cred.method", name);
            obs.set("cred.verified_at", rfc3339(at));
            obs.set("cred.retested", retested);
            let cleartext = !obs.tls
                && (s.method.sends_password()
                    || (matches!(s.method, Method::HttpAuth { .. } | Method::Rtsp { .. })
                        && obs
                            .fact("http.auth_scheme")
                            .or_else(|| obs.fact("rtsp.auth_scheme"))
                            .is_some_and(|v| v.render().eq_ignore_ascii_case("basic"))));
            obs.set("cred.cleartext", cleartext);
            if retested && matches!(s.method, Method::HttpAuth { .. } | Method::HttpForm(_)) {
                let entry = entries.iter().find(|e| e.id == found[0].0);
                if let Some(entry) = entry {
                    let (port, in_tls) = (obs.endpoint.port, obs.tls);
                    let a = self.attempt_on(
                        s.target,
                        port,
                        in_tls,
                        s.method,
                        &entry.username,
                        &entry.password,
                    );
                    if login::http::authenticated_reads(&a, &self.endpoints, obs).await > 0 {
                        obs.set("cred.authenticated_read", true);
                    }
                }
            }
        }
        sum
    }

    /// One login to `target:port` with a fresh deadline.
    fn attempt_on<'a>(
        &'a self,
        target: &'a Target,
        port: u16,
        in_tls: bool,
        method: &'a Method,
        username: &'a str,
        password: &'a Secret,
    ) -> Attempt<'a> {
        Attempt {
            net: &self.net,
            tls: &self.tls,
            target,
            port,
            in_tls,
            deadline: Instant::now() + self.timeout,
            username,
            password,
            method,
        }
    }

    /// Charges one attempt to the budget, waits the delay between attempts
    /// on a device, sends it and records the outcome.
    async fn attempt(
        &self,
        s: &ServiceRef<'_>,
        key: &Key,
        entry: &str,
        account: &str,
        password: &Secret,
        first: &mut bool,
    ) -> Charged {
        let at = now();
        let row = match self.budget.take(key, entry, at) {
            Ok(Some(row)) => row,
            Ok(None) => return Charged::Spent,
            Err(e) => {
                tracing::warn!(error = %e, "credential budget unusable: no more attempts");
                return Charged::Error;
            }
        };
        if !*first {
            tokio::select! {
                () = tokio::time::sleep(self.policy.delay) => {}
                () = self.shutdown.triggered() => {}
            }
        }
        *first = false;
        let (port, in_tls) = (s.obs.endpoint.port, s.obs.tls);
        let a = self.attempt_on(s.target, port, in_tls, s.method, account, password);
        let outcome = login::try_login(&a).await;
        tracing::debug!(endpoint = %s.obs.endpoint, entry, ?outcome, "login attempt");
        let stored = match &outcome {
            Outcome::Accepted => Stored::Accepted,
            Outcome::Refused => Stored::Refused,
            Outcome::Inconclusive(_) => Stored::Inconclusive,
        };
        if let Err(e) = self.budget.settle(row, stored) {
            tracing::warn!(error = %e, "cannot record a login outcome");
        }
        Charged::Done(outcome, at)
    }
}

/// A service under test.
struct ServiceRef<'a> {
    device: &'a str,
    target: &'a Target,
    obs: &'a mut Observation,
    method: &'a Method,
}

enum Charged {
    /// How it ended, and when it was charged (Unix seconds).
    Done(Outcome, i64),
    /// The budget allows no more attempts on the account.
    Spent,
    /// The budget file failed: no attempt without counting it.
    Error,
}

fn is_ot_port(port: u16) -> bool {
    crate::probe::OT_PORTS.contains(&port)
        || crate::probe::MODBUS_PORTS.contains(&port)
        || crate::probe::BACNET_PORTS.contains(&port)
}

fn now() -> i64 {
    crate::model::unix_now()
}

/// A password no device ships with: random, and obviously ours.
fn wrong_password() -> String {
    let mut bytes = [0u8; 12];
    let rng = ring::rand::SystemRandom::new();
    if ring::rand::SecureRandom::fill(&rng, &mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes[..12].copy_from_slice(&t.to_le_bytes()[..12]);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("stadscan-wrong-{hex}")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::model::Endpoint;

    #[tokio::test]
    async fn a_retransmitted_login_is_one_attempt_of_the_budget() {
        let ip = "127.88.4.1";
        let (net, target) = crate::probe::test_net("127.88.4.0/24", ip);
        // Known alive (as after host discovery): silence earns retransmissions.
        net.alive(target.addr());
        let dir = std::env::temp_dir().join(format!("stadscan-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let budget_file = dir.join("budget.sqlite");
        let _ = std::fs::remove_file(&budget_file);
        let budget = Arc::new(Budget::open(&budget_file, 3, 24 * 3600).unwrap());
        let (_trigger, shutdown) = Shutdown::new();
        let tester = Tester {
            data: Arc::default(),
            policy: CredentialPolicy::default(),
            budget: budget.clone(),
            net: Arc::new(net),
            tls: TlsContext::new(&[]).unwrap(),
            timeout: Duration::from_secs(4),
            ot_safe: false,
            endpoints: Arc::default(),
            shutdown,
        };
        // The first two copies of the request are lost on the way.
        let (port, sent) =
            crate::probe::lossy_path(crate::probe::snmp::test_agent(ip).await, 2).await;
        let mut obs = Observation::new(Endpoint::udp(target.addr(), port), None);
        obs.protocol = "snmp".into();
        let s = ServiceRef {
            device: "address:127.88.4.1",
            target: &target,
            obs: &mut obs,
            method: &Method::Snmp,
        };
        let key = Key {
            device: s.device.into(),
            service: format!("{port}/udp"),
            method: "snmp".into(),
            account: String::new(),
        };
        let mut first = true;
        let public = Secret::new("public");
        let charged = tester
            .attempt(&s, &key, "generic-snmp-public", "", &public, &mut first)
            .await;
        assert!(
            matches!(charged, Charged::Done(Outcome::Accepted, _)),
            "the third copy was answered"
        );
        assert_eq!(sent.load(Ordering::SeqCst), 3, "three copies were sent");
        assert_eq!(
            budget.used(&key, now()).unwrap(),
            1,
            "three copies of one login are one attempt"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
