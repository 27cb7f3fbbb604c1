//! Default credentials and unauthenticated access, tested safely.
//!
//! Off unless the scope says `[credentials] enabled = true`. For each
//! service of a device, the credentials that belong to its product (or, for
//! a device nobody could identify, a short generic list) are tried under
//! these rules, all enforced here:
//! - the service must first refuse a deliberately wrong password; one that
//!   lets it in is reported as unauthenticated access, never as a default
//!   credential;
//! - at most the budget's attempts per device and account in its window,
//!   counted on disk across runs ([`budget`]);
//! - the first success per account ends the tests for that account, and
//!   attempts are spaced by a delay;
//! - under the ot-safe profile, no OT device or OT protocol is tested.
//!
//! Outputs name the credential entry by id, never the password.

pub mod budget;
pub mod data;
pub mod login;
mod secret;

pub use secret::Secret;
