//! Applies checks to observations: one finding per (check, endpoint).

use std::collections::BTreeMap;

use super::{Catalogue, Check, Condition, FactTest};
use crate::model::{FactValue, Facts, Finding, Observation};

/// True when `cond` holds for an observation with this protocol, TLS flag
/// and facts.
pub fn holds(cond: &Condition, protocol: &str, tls: bool, facts: &Facts) -> bool {
    if !cond.protocol.is_empty()
        && !cond
            .protocol
            .iter()
            .any(|p| p.eq_ignore_ascii_case(protocol))
    {
        return false;
    }
    if cond.tls.is_some_and(|t| t != tls) {
        return false;
    }
    cond.all.iter().all(|t| test(t, facts))
        && (cond.any.is_empty() || cond.any.iter().any(|t| test(t, facts)))
        && !cond.none.iter().any(|t| test(t, facts))
}

fn test(t: &FactTest, facts: &Facts) -> bool {
    let value = facts.get(&t.fact);
    if t.exists == Some(false) {
        return value.is_none();
    }
    let Some(v) = value else {
        return false;
    };
    if let Some(want) = &t.equals {
        let same = match (want, v) {
            (FactValue::Text(a), FactValue::Text(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        if !same {
            return false;
        }
    }
    let text = v.render();
    if let Some(opts) = &t.one_of
        && !opts.iter().any(|o| o.eq_ignore_ascii_case(&text))
    {
        return false;
    }
    if let Some(sub) = &t.contains
        && !text
            .to_ascii_lowercase()
            .contains(&sub.to_ascii_lowercase())
    {
        return false;
    }
    let below = t
        .less_than
        .is_none_or(|lt| v.as_int().is_some_and(|n| n < lt));
    let above = t
        .greater_than
        .is_none_or(|gt| v.as_int().is_some_and(|n| n > gt));
    below && above
}

/// The facts a check looks at and the ones it names as properties, as
/// evidence.
fn evidence(check: &Check, facts: &Facts) -> BTreeMap<String, String> {
    let cond = &check.when;
    cond.all
        .iter()
        .chain(&cond.any)
        .map(|t| &t.fact)
        .chain(&check.properties)
        .filter_map(|name| facts.get(name).map(|v| (name.clone(), v.render())))
        .collect()
}

/// Fills a message template.
pub fn render(template: &str, obs: &Observation) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        let value = match name {
            "endpoint" => obs.endpoint.to_string(),
            "service" => obs.service(),
            "host" => obs
                .hostname
                .clone()
                .unwrap_or_else(|| obs.endpoint.addr.to_string()),
            fact => obs
                .fact(fact)
                .map(FactValue::render)
                .unwrap_or_else(|| "(none)".to_string()),
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The finding `check` makes on `obs`, if it fires.
pub fn apply(check: &Check, obs: &Observation, asset: &str) -> Option<Finding> {
    if !holds(&check.when, &obs.protocol, obs.tls, &obs.facts) {
        return None;
    }
    Some(Finding {
        check_id: check.id.clone(),
        category: check.category,
        severity: check.severity,
        confidence: check.confidence,
        endpoint: obs.endpoint,
        service: obs.service(),
        asset: asset.to_string(),
        hostname: obs.hostname.clone(),
        message: render(&check.message, obs),
        evidence: evidence(check, &obs.facts),
        controls: check.controls.clone(),
    })
}

impl Catalogue {
    /// Every finding on one observation.
    pub fn evaluate(&self, obs: &Observation, asset: &str) -> Vec<Finding> {
        self.checks
            .iter()
            .filter_map(|c| apply(c, obs, asset))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Endpoint;

    fn facts(pairs: &[(&str, FactValue)]) -> Facts {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn ft(fact: &str) -> FactTest {
        FactTest {
            fact: fact.into(),
            ..FactTest::default()
        }
    }

    #[test]
    fn protocol_and_tls_gate_the_condition() {
        let c = Condition {
            protocol: vec!["http".into()],
            tls: Some(false),
            ..Condition::default()
        };
        assert!(holds(&c, "http", false, &Facts::new()));
        assert!(!holds(&c, "http", true, &Facts::new()));
        assert!(!holds(&c, "rtsp", false, &Facts::new()));
    }

    #[test]
    fn operators_compare_as_documented() {
        let f = facts(&[
            ("http.auth_scheme", "Basic".into()),
            ("cert.days_left", FactValue::Int(-3)),
            ("cert.expired", true.into()),
        ]);
        let one_of = FactTest {
            one_of: Some(vec!["basic".into()]),
            ..ft("http.auth_scheme")
        };
        let lt = FactTest {
            less_than: Some(0),
            ..ft("cert.days_left")
        };
        let gt = FactTest {
            greater_than: Some(0),
            ..ft("cert.days_left")
        };
        let eq = FactTest {
            equals: Some(true.into()),
            ..ft("cert.expired")
        };
        let missing = FactTest {
            exists: Some(false),
            ..ft("http.title")
        };
        assert!(test(&one_of, &f));
        assert!(test(&lt, &f));
        assert!(!test(&gt, &f));
        assert!(test(&eq, &f));
        assert!(test(&missing, &f));
        assert!(!test(&ft("http.title"), &f));
    }

    #[test]
    fn none_vetoes_and_any_needs_one() {
        let f = facts(&[("cert.self_signed", true.into())]);
        let c = Condition {
            any: vec![ft("cert.self_signed"), ft("cert.expired")],
            none: vec![FactTest {
                equals: Some(true.into()),
                ..ft("cert.trusted")
            }],
            ..Condition::default()
        };
        assert!(holds(&c, "tls", true, &f));
        let mut trusted = f.clone();
        trusted.insert("cert.trusted".into(), true.into());
        assert!(!holds(&c, "tls", true, &trusted));
    }

    #[test]
    fn render_fills_placeholders_and_survives_bad_templates() {
        let mut obs = Observation::new(Endpoint::tcp("127.0.0.5".parse().unwrap(), 23), None);
        obs.protocol = "telnet".into();
        obs.set("telnet.login_prompt", "login:");
        assert_eq!(
            render(
                "{service} on {endpoint} ({host}): {telnet.login_prompt} {http.title}",
                &obs
            ),
            "telnet on 127.0.0.5:23/tcp (127.0.0.5): login: (none)"
        );
        assert_eq!(render("open { brace", &obs), "open { brace");
    }
}
