//! The credential stage (opt-in): each identified service is offered its
//! product's factory credentials under the attempt budget, and a device
//! that let the scanner in is identified again from what it showed.

use std::sync::Arc;

use super::ScanOptions;
use super::prepare::Setup;
use crate::assets::identify;
use crate::error::Error;
use crate::knowledge_base::Knowledge;
use crate::model::Asset;
use crate::net::Shutdown;
use crate::report::{Note, NoteLevel};
use crate::scope::Scope;

/// Tests the assets' services and adds the notes; true when the run was
/// interrupted meanwhile.
pub(super) async fn test(
    scope: &Scope,
    knowledge: &Knowledge,
    opts: &ScanOptions,
    setup: &Setup,
    shutdown: &Shutdown,
    assets: &mut [Asset],
    out: &mut Vec<Note>,
) -> Result<bool, Error> {
    let budget = open_budget(scope, opts)?;
    let tester = crate::creds::Tester {
        data: knowledge.credentials.clone(),
        policy: scope.credentials.clone(),
        budget: Arc::new(budget),
        net: setup.net.clone(),
        tls: setup.prober.tls.clone(),
        timeout: scope.rate.timeout * 2,
        ot_safe: setup.prober.ot_safe,
        endpoints: knowledge.endpoints.clone(),
        shutdown: shutdown.clone(),
    };
    let sum = tester.run(assets).await;
    for a in assets.iter_mut().filter(|a| {
        a.observations
            .iter()
            .any(|o| o.fact("cred.authenticated_read").is_some())
    }) {
        identify(a, &knowledge.identifier);
    }
    out.extend(notes(
        &sum,
        tester.budget.path(),
        &scope.credentials,
        assets,
    ));
    let interrupted = shutdown.is_triggered();
    if interrupted {
        out.push(Note::new(
            NoteLevel::Error,
            "scan interrupted during the credential tests: their results are partial",
            "scan afgebroken tijdens de wachtwoordtests: die resultaten zijn onvolledig",
        ));
    }
    if let Some(log) = &setup.audit {
        log.flush();
    }
    Ok(interrupted)
}

/// The attempt budget of this scan: the scope's `budget_file`, else the
/// history file, else the default state file.
fn open_budget(scope: &Scope, opts: &ScanOptions) -> Result<crate::creds::budget::Budget, Error> {
    let policy = &scope.credentials;
    let path = policy
        .budget_file
        .clone()
        .or_else(|| opts.budget_file.clone())
        .or_else(crate::creds::budget::default_path)
        .ok_or_else(|| Error::NoBudgetFile {
            scope: scope.path.clone(),
        })?;
    Ok(crate::creds::budget::Budget::open(
        &path,
        policy.attempts,
        i64::try_from(policy.window.as_secs()).unwrap_or(i64::MAX),
    )?)
}

/// What the credential phase tells the reader.
fn notes(
    sum: &crate::creds::Summary,
    budget: &std::path::Path,
    policy: &crate::scope::CredentialPolicy,
    assets: &[Asset],
) -> Vec<Note> {
    let n = |v: u64, one: &str, many: &str| format!("{v} {}", if v == 1 { one } else { many });
    let mut notes = vec![Note::new(
        NoteLevel::Info,
        format!(
            "credentials: {} on {} (budget in {}); {} accepted, {} carried over from an earlier \
             run, {} let a wrong password in",
            n(sum.attempts, "login attempt", "login attempts"),
            n(sum.services, "service", "services"),
            budget.display(),
            n(sum.accepted, "default credential", "default credentials"),
            sum.carried,
            n(sum.accepts_any, "service", "services"),
        ),
        format!(
            "wachtwoorden: {} op {} (teller in {}); {} geaccepteerd, {} overgenomen uit een \
             eerdere scan, {} liet een fout wachtwoord toe",
            n(sum.attempts, "inlogpoging", "inlogpogingen"),
            n(sum.services, "dienst", "diensten"),
            budget.display(),
            n(sum.accepted, "standaardwachtwoord", "standaardwachtwoorden"),
            sum.carried,
            n(sum.accepts_any, "dienst", "diensten"),
        ),
    )];
    if !sum.spent.is_empty() {
        // Name each account: on which device, and when it may be tried.
        let addr = |id: &str| {
            assets
                .iter()
                .find(|a| a.id == id)
                .map_or_else(|| id.to_string(), |a| a.addr.to_string())
        };
        // In a fixed order: the credential jobs run side by side, so the
        // order they met their budget in changes from run to run.
        let mut spent_sorted: Vec<_> = sum.spent.iter().collect();
        spent_sorted.sort_by(|a, b| {
            (&a.device, &a.service, &a.account).cmp(&(&b.device, &b.service, &b.account))
        });
        let list = |until: &str| {
            let mut seen = std::collections::BTreeSet::new();
            spent_sorted
                .iter()
                .filter(|s| seen.insert((&s.device, &s.service, &s.account)))
                .map(|s| {
                    format!(
                        "`{}` on {} ({}){}",
                        s.account,
                        addr(&s.device),
                        s.service,
                        s.next
                            .map(|t| format!(" {until} {}", crate::model::rfc3339(t)))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let hours = policy.window.as_secs() / 3600;
        let spent = sum
            .spent
            .iter()
            .map(|s| (&s.device, &s.service, &s.account))
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64;
        notes.push(Note::new(
            NoteLevel::Warning,
            format!(
                "credentials: the attempt budget ({} per device and account in {hours} h) kept {} \
                 from being tested (again) this run: {}. Scan again after that time, or raise \
                 [credentials] attempts or window_hours in the scope file",
                policy.attempts,
                n(spent, "account", "accounts"),
                list("next attempt from")
            ),
            format!(
                "wachtwoorden: het maximum aantal pogingen ({} per apparaat en account in \
                 {hours} uur) hield {} deze scan buiten de test: {}. Scan na dat tijdstip \
                 opnieuw, of verhoog [credentials] attempts of window_hours in het scopebestand",
                policy.attempts,
                n(spent, "account", "accounts"),
                list("volgende poging vanaf").replace(" on ", " op ")
            ),
        ));
    }
    if sum.ot_skipped > 0 {
        notes.push(Note::new(
            NoteLevel::Info,
            format!(
                "credentials: {} on OT devices not tested (ot-safe profile)",
                n(sum.ot_skipped, "login", "logins")
            ),
            format!(
                "wachtwoorden: {} op OT-apparaten niet getest (profiel ot-safe)",
                n(sum.ot_skipped, "inlog", "inlogs")
            ),
        ));
    }
    if sum.budget_errors > 0 {
        notes.push(Note::new(
            NoteLevel::Error,
            format!(
                "credentials: the budget file failed {}; those logins were not tried",
                n(sum.budget_errors, "time", "times")
            ),
            format!(
                "wachtwoorden: het tellerbestand faalde {} keer; die inlogs zijn niet geprobeerd",
                sum.budget_errors
            ),
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::{Spent, Summary};

    /// The accounts the budget kept from testing are named in one order
    /// whatever order the side-by-side credential jobs met the budget in:
    /// the same run twice writes the same note.
    #[test]
    fn budget_note_names_accounts_in_a_fixed_order() {
        let spent = |device: &str, account: &str| Spent {
            device: device.into(),
            service: "22/tcp".into(),
            account: account.into(),
            next: Some(1_800_000_000),
        };
        let note = |order: Vec<Spent>| {
            let sum = Summary {
                budget_spent: order.len() as u64,
                spent: order,
                ..Summary::default()
            };
            let notes = notes(
                &sum,
                std::path::Path::new("budget.sqlite"),
                &crate::scope::CredentialPolicy::default(),
                &[],
            );
            notes
                .into_iter()
                .map(|n| n.message)
                .find(|m| m.contains("attempt budget"))
                .expect("a budget note")
        };
        let (a, b) = (
            spent("address:127.0.0.9", "root"),
            spent("address:127.0.0.5", "admin"),
        );
        let one = note(vec![a.clone(), b.clone()]);
        assert_eq!(one, note(vec![b, a]));
        assert!(
            one.find("`admin`").unwrap() < one.find("`root`").unwrap(),
            "{one}"
        );
    }
}
