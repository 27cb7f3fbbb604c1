//! Discovery: which endpoints are there. Resolves named hosts, enumerates
//! the target space lazily, and decides per TCP port whether it is open
//! (one retry when a port stays silent on an address that answered
//! something before; an unused address gets no second try).

pub mod dns;
pub mod targets;

use crate::model::Target;
use crate::net::{Conn, ConnectError, Net};

pub use targets::{Job, Permutation, ResolvedHost, TargetSpace, seed_for};

/// State of a TCP port after discovery.
#[derive(Debug)]
pub enum PortState {
    Open(Conn),
    Closed,
    Filtered,
    /// The scan was cancelled or the gate refused (never expected here).
    Skipped,
}

/// TCP connect to `target:port`; a silent port gets one more try when the
/// address showed life (answered any probe of this scan).
pub async fn tcp_port(net: &Net, target: &Target, port: u16) -> PortState {
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
