//! HTTP logins: Basic or Digest as the challenge asks, and form logins
//! described in the data.

use super::{Attempt, FormLogin, Outcome};

pub async fn basic_or_digest(_a: &Attempt<'_>, _path: &str) -> Outcome {
    Outcome::Inconclusive("HTTP login not implemented yet".into())
}

pub async fn form(_a: &Attempt<'_>, _form: &FormLogin) -> Outcome {
    Outcome::Inconclusive("HTTP form login not implemented yet".into())
}

/// Asks the device-information endpoints that need a login, with the
/// working credential of `a`; returns how many answered.
pub async fn authenticated_reads(
    _a: &Attempt<'_>,
    _endpoints: &crate::devinfo::Endpoints,
    _obs: &mut crate::model::Observation,
) -> usize {
    0
}
