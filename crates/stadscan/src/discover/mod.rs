//! Discovery: which endpoints are there. Resolves named hosts, enumerates
//! the target space lazily, and decides per TCP port whether it is open,
//! with a connect or (`--syn`) a SYN from a raw socket (one retry when a
//! port stays silent on an address that answered something before; an
//! unused address gets no second try).

pub mod dns;
pub mod targets;

use crate::model::Target;
use crate::net::{Conn, ConnectError, Net, SynOutcome};

pub use targets::{Job, Permutation, ResolvedHost, TargetSpace, seed_for};

/// State of a TCP port after discovery.
#[derive(Debug)]
pub enum PortState {
    /// Connected; the connection is handed on for identification.
    Open(Conn),
    /// It answered a SYN with SYN-ACK (`--syn`); no connection was made.
    Listening,
    /// Refused: nothing listens.
    Closed,
    /// No answer in time (after the retry, for an address that showed
    /// life), or the system could not send the attempt.
    Filtered,
    /// The scan was cancelled or the gate refused (never expected here).
    Skipped,
}

/// TCP connect to `target:port`, or a SYN when the scan sends them; a
/// silent port gets one more try when the address showed life (answered any
/// probe of this scan).
pub async fn tcp_port(net: &Net, target: &Target, port: u16) -> PortState {
    if net.syn_for(target.addr()) {
        return syn_port(net, target, port).await;
    }
    for attempt in 0..2 {
        match net.connect(target, port, "tcp-connect").await {
            Ok(conn) => return PortState::Open(conn),
            Err(ConnectError::Refused) => return PortState::Closed,
            Err(ConnectError::Timeout) if attempt == 0 && net.showed_life(target.addr()) => {
                continue;
            }
            Err(ConnectError::Timeout) => return PortState::Filtered,
            Err(ConnectError::Io(e)) => {
                tracing::debug!(addr = %target.addr(), port, error = %e, "connect failed");
                return PortState::Filtered;
            }
            Err(ConnectError::Cancelled | ConnectError::OutOfScope(_)) => {
                return PortState::Skipped;
            }
        }
    }
    PortState::Filtered
}

/// [`tcp_port`] with SYNs: a SYN-ACK is an open port (to be connected to
/// for identification), a RST a closed one.
async fn syn_port(net: &Net, target: &Target, port: u16) -> PortState {
    for attempt in 0..2 {
        match net.syn(target, port).await {
            SynOutcome::Open => return PortState::Listening,
            SynOutcome::Closed => return PortState::Closed,
            SynOutcome::Silent if attempt == 0 && net.showed_life(target.addr()) => continue,
            SynOutcome::Silent => return PortState::Filtered,
            SynOutcome::Failed(e) => {
                tracing::debug!(addr = %target.addr(), port, error = %e, "SYN not sent");
                return PortState::Filtered;
            }
            SynOutcome::Unavailable | SynOutcome::Cancelled | SynOutcome::OutOfScope(_) => {
                return PortState::Skipped;
            }
        }
    }
    PortState::Filtered
}
