//! MQTT login.

use super::{Attempt, Outcome};

pub async fn login(_a: &Attempt<'_>) -> Outcome {
    Outcome::Inconclusive("mqtt login not implemented yet".into())
}
