//! ONVIF login.

use super::{Attempt, Outcome};

pub async fn login(_a: &Attempt<'_>, _path: &str) -> Outcome {
    Outcome::Inconclusive("onvif login not implemented yet".into())
}
