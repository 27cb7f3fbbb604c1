//! The judging stage: CPE names for each asset, the checks over every
//! observation, the firmware advisories and (with an index) the NVD's
//! CVEs; and the SARIF rules that go with what was judged.

use crate::check::{Catalogue, advisory};
use crate::error::Error;
use crate::firmware::Kev;
use crate::knowledge_base::Knowledge;
use crate::model::{Asset, Finding};
use crate::scope::Scope;

/// The findings of `assets`, and the rules the report lists. The NVD rules
/// are listed only when an index was matched: without one, compliance must
/// not count them as checks that had something to judge and passed.
pub(super) fn judge(
    scope: &Scope,
    knowledge: &Knowledge,
    assets: &mut [Asset],
    kev: Option<&Kev>,
    nvd: Option<&mut crate::nvd::Index>,
) -> Result<(Vec<Finding>, Catalogue), Error> {
    for a in assets.iter_mut() {
        a.cpes = knowledge.cpe_rules.asset_cpes(a);
    }
    let mut findings = Vec::new();
    for a in assets.iter() {
        for o in &a.observations {
            findings.extend(knowledge.checks.evaluate(o, &a.id));
        }
        findings.extend(advisory::findings(
            a,
            &knowledge.advisories,
            kev,
            &knowledge.fingerprints,
        ));
    }
    let matched = nvd.is_some();
    if let Some(index) = nvd {
        let policy = crate::check::nvd::Policy {
            min_cvss: scope.knowledge.min_cvss,
            kev,
        };
        findings.extend(nvd_findings(index, assets, knowledge, policy)?);
    }
    let mut rules = knowledge.rules(kev);
    if matched {
        let nvd_rules = crate::check::nvd::rules(&rules.dutch);
        rules.checks.extend(nvd_rules);
        rules.checks.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Ok((findings, rules))
}

/// One finding per device whose CPE names the NVD index matches.
pub fn nvd_findings(
    index: &mut crate::nvd::Index,
    assets: &[Asset],
    knowledge: &Knowledge,
    policy: crate::check::nvd::Policy<'_>,
) -> Result<Vec<crate::model::Finding>, Error> {
    let mut findings = Vec::new();
    for a in assets {
        let names: Vec<crate::cpe::Cpe> = a
            .cpes
            .iter()
            .filter_map(|c| crate::cpe::Cpe::parse(&c.cpe))
            .collect();
        if names.is_empty() {
            continue;
        }
        let matches = index.matches(&names)?;
        if matches.is_empty() {
            continue;
        }
        findings.extend(crate::check::nvd::finding(
            a,
            &a.cpes,
            &matches,
            &knowledge.advisories,
            &knowledge.fingerprints,
            policy,
        ));
    }
    Ok(findings)
}
