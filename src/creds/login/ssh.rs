//! SSH login.

use super::{Attempt, Outcome};

pub async fn login(_a: &Attempt<'_>) -> Outcome {
    Outcome::Inconclusive("ssh login not implemented yet".into())
}
