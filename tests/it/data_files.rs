//! The data files (`checks/`, `baselines/`) against their own promises:
//! every example behaves as declared, ids are unique, every control a check
//! names exists, every fact is in the vocabulary, and the binary embeds
//! exactly what is on disk.

use std::collections::BTreeMap;
use std::path::Path;

use stadscan::baseline::Baselines;
use stadscan::check::Catalogue;
use stadscan::check::eval::holds;
use stadscan::knowledge::embedded;

fn catalogue() -> Catalogue {
    let b = Baselines::embedded().expect("baselines load");
    Catalogue::embedded(&b).unwrap_or_else(|e| panic!("checks load: {e}"))
}

#[test]
fn every_check_example_behaves_as_declared() {
    let c = catalogue();
    assert!(c.checks.len() >= 12);
    let mut ran = 0;
    for check in &c.checks {
        for ex in &check.examples {
            let facts: BTreeMap<_, _> = ex.facts.clone();
            let fired = holds(&check.when, &ex.protocol, ex.tls, &facts);
            assert_eq!(fired, ex.fires, "{} example `{}`", check.id, ex.name);
            ran += 1;
        }
    }
    assert!(ran >= 2 * c.checks.len(), "only {ran} examples");
}

#[test]
fn no_two_checks_of_one_category_fire_on_the_same_example() {
    // Two checks of one category firing together would report one problem
    // twice (two alerts for one cause).
    let c = catalogue();
    for a in &c.checks {
        for ex in a.examples.iter().filter(|e| e.fires) {
            for b in c
                .checks
                .iter()
                .filter(|b| b.id != a.id && b.category == a.category)
            {
                let fired = holds(&b.when, &ex.protocol, ex.tls, &ex.facts);
                assert!(
                    !fired,
                    "{}'s example `{}` also fires {}",
                    a.id, ex.name, b.id
                );
            }
        }
    }
}

#[test]
fn every_check_maps_to_bio2_and_existing_controls() {
    let b = Baselines::embedded().unwrap();
    for check in &catalogue().checks {
        assert!(
            check.controls.iter().any(|c| c.starts_with("bio2:")),
            "{}",
            check.id
        );
        for c in &check.controls {
            assert!(b.control(c).is_some(), "{}: {c}", check.id);
        }
    }
}

#[test]
fn every_testable_bio2_control_is_evidenced_by_a_check() {
    // The other direction: a control a scan can test must have a check (or
    // a firmware advisory) naming it, else it could never fail; controls no
    // scan can see are marked `testable = false` and say why.
    let b = Baselines::embedded().unwrap();
    let knowledge = stadscan::knowledge_base::Knowledge::load(None).unwrap();
    let rules = knowledge.rules(None);
    for cat in ["bio2", "bio-1.04", "big"] {
        for control in &b.catalogues[cat].controls {
            let mut refs = vec![format!("{cat}:{}", control.id)];
            refs.extend(control.maps_to.iter().cloned());
            let evidenced = rules
                .checks
                .iter()
                .any(|c| c.controls.iter().any(|r| refs.contains(r)));
            if control.testable {
                assert!(
                    evidenced,
                    "{cat}:{} is testable but no check names it",
                    control.id
                );
            } else {
                assert!(
                    control.summary.is_some() || !control.maps_to.is_empty(),
                    "{cat}:{} is not testable: say why in its summary",
                    control.id
                );
            }
        }
        // Every control of a mapped catalogue maps to BIO2.
        if cat != "bio2" {
            for control in &b.catalogues[cat].controls {
                assert!(
                    control.maps_to.iter().all(|m| m.starts_with("bio2:"))
                        && !control.maps_to.is_empty(),
                    "{cat}:{} must map to BIO2 controls",
                    control.id
                );
            }
        }
    }
}

#[test]
fn every_category_named_by_a_check_is_in_the_closed_set() {
    let all: Vec<&str> = stadscan::model::Category::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    for check in &catalogue().checks {
        assert!(all.contains(&check.category.as_str()));
    }
}

#[test]
fn the_binary_embeds_exactly_the_files_on_disk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (rel, text) in embedded::CHECK_FILES.iter().chain(embedded::BASELINE_FILES) {
        let disk = std::fs::read_to_string(root.join(rel)).unwrap();
        assert_eq!(&disk, text, "{rel} differs from the embedded copy");
    }
    let on_disk = |dir: &str| {
        let mut n = 0;
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    n += 1;
                }
            }
        }
        n
    };
    assert_eq!(on_disk("checks"), embedded::CHECK_FILES.len());
    assert_eq!(on_disk("baselines"), embedded::BASELINE_FILES.len());
}

#[test]
fn a_checks_folder_on_disk_loads_like_the_embedded_one() {
    let b = Baselines::embedded().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let from_disk = Catalogue::from_dir(&dir, &b).unwrap();
    assert_eq!(from_disk.checks.len(), catalogue().checks.len());
}
