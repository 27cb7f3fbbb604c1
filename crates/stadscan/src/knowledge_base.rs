//! Everything the scanner knows, loaded once: the checks, control
//! catalogues, fingerprints, advisories, device-information pages,
//! credentials, RTSP paths and CPE spellings, from the built-in data or a
//! `checks/` folder, plus recog when the user has a copy.
//!
//! It sits above the loaders (each in its own module, each through
//! [`crate::knowledge`]'s toolkit) and below the scan, which only reads it.

use std::sync::Arc;

use crate::baseline::Baselines;
use crate::check::{Catalogue, advisory};
use crate::cpe::CpeRules;
use crate::error::Error;
use crate::fingerprint::Fingerprints;
use crate::firmware::{Advisories, Kev};
use crate::identify::Identifier;

/// What the scanner knows: checks, control catalogues, fingerprints (the
/// data files, embedded or from a folder).
#[derive(Debug, Clone)]
pub struct Knowledge {
    /// The checks that turn facts into findings (`checks/`).
    pub checks: Arc<Catalogue>,
    /// The control catalogues compliance is judged against (`baselines/`).
    pub baselines: Arc<Baselines>,
    /// Product fingerprints (`checks/fingerprints/`).
    pub fingerprints: Arc<Fingerprints>,
    /// The generic layers, the fingerprints and (when loaded) recog.
    pub identifier: Arc<Identifier>,
    /// Firmware advisories (`checks/firmware/`).
    pub advisories: Arc<Advisories>,
    /// Device-information pages to read (`checks/device-info/`).
    pub endpoints: Arc<crate::devinfo::Endpoints>,
    /// Default credentials to test (`checks/credentials/`).
    pub credentials: Arc<crate::creds::data::Credentials>,
    /// RTSP stream paths to ask for (`checks/rtsp-streams/`).
    pub streams: Arc<crate::streams::StreamPaths>,
    /// How vendors and products are spelled in CPE names.
    pub cpe_rules: Arc<CpeRules>,
}

impl Knowledge {
    /// The built-in data, or the data in `dir` (a `checks/` folder).
    pub fn load(dir: Option<&std::path::Path>) -> Result<Knowledge, Error> {
        let baselines = Baselines::embedded()?;
        let credentials = match dir {
            Some(d) => match d.join("credentials") {
                f if f.is_dir() => crate::creds::data::Credentials::from_dir(&f)?,
                _ => crate::creds::data::Credentials::default(),
            },
            None => crate::creds::data::Credentials::embedded()?,
        };
        // A data folder laid out like checks/: fingerprints, advisories and
        // endpoints in their own subfolders (none when a subfolder is absent).
        let checks = Self::checks(dir, &baselines)?;
        let fingerprints = match dir {
            Some(d) => match d.join("fingerprints") {
                f if f.is_dir() => Fingerprints::from_dir(&f)?,
                _ => Fingerprints::parse(&[])?,
            },
            None => Fingerprints::embedded()?,
        };
        let advisories = Self::advisories(dir)?;
        let cpe_rules = match dir {
            Some(d) => match d.join(crate::cpe::CPE_DIR) {
                f if f.is_dir() => CpeRules::from_dir(&f)?,
                _ => CpeRules::default(),
            },
            None => CpeRules::embedded()?,
        };
        let endpoints = match dir {
            Some(d) => match d.join("device-info") {
                f if f.is_dir() => crate::devinfo::Endpoints::from_dir(&f)?,
                _ => crate::devinfo::Endpoints::default(),
            },
            None => crate::devinfo::Endpoints::embedded()?,
        };
        let streams = match dir {
            Some(d) => match d.join("rtsp-streams") {
                f if f.is_dir() => crate::streams::StreamPaths::from_dir(&f)?,
                _ => crate::streams::StreamPaths::default(),
            },
            None => crate::streams::StreamPaths::embedded()?,
        };
        let fingerprints = Arc::new(fingerprints);
        Ok(Knowledge {
            checks: Arc::new(checks),
            baselines: Arc::new(baselines),
            identifier: Arc::new(Identifier::new(fingerprints.clone())?),
            fingerprints,
            advisories: Arc::new(advisories),
            endpoints: Arc::new(endpoints),
            credentials: Arc::new(credentials),
            streams: Arc::new(streams),
            cpe_rules: Arc::new(cpe_rules),
        })
    }

    /// What `--discover-only` needs: the checks, baselines and advisories
    /// (the SARIF rule table stays the same), without the fingerprints,
    /// device-information endpoints and credentials, whose regular
    /// expressions cost a noticeable part of a quick discovery run.
    pub fn load_for_discovery(dir: Option<&std::path::Path>) -> Result<Knowledge, Error> {
        let baselines = Baselines::embedded()?;
        let checks = Self::checks(dir, &baselines)?;
        let advisories = Self::advisories(dir)?;
        Ok(Knowledge {
            checks: Arc::new(checks),
            baselines: Arc::new(baselines),
            fingerprints: Arc::new(Fingerprints::parse(&[])?),
            identifier: Arc::new(Identifier::default()),
            advisories: Arc::new(advisories),
            endpoints: Arc::new(crate::devinfo::Endpoints::default()),
            credentials: Arc::new(crate::creds::data::Credentials::default()),
            streams: Arc::new(crate::streams::StreamPaths::default()),
            cpe_rules: Arc::new(CpeRules::default()),
        })
    }

    /// Adds the recog database in `dir` to identification.
    pub fn with_recog(mut self, dir: &std::path::Path) -> Result<Knowledge, Error> {
        let recog = crate::identify::Recog::load(dir)?;
        let mut identifier = (*self.identifier).clone();
        identifier.recog = Some(recog);
        self.identifier = Arc::new(identifier);
        Ok(self)
    }

    fn checks(dir: Option<&std::path::Path>, baselines: &Baselines) -> Result<Catalogue, Error> {
        Ok(match dir {
            Some(d) => Catalogue::from_dir(d, baselines)?,
            None => Catalogue::embedded(baselines)?,
        })
    }

    fn advisories(dir: Option<&std::path::Path>) -> Result<Advisories, Error> {
        Ok(match dir {
            Some(d) => match d.join("firmware") {
                f if f.is_dir() => Advisories::from_dir(&f)?,
                _ => Advisories::parse(&[])?,
            },
            None => Advisories::embedded()?,
        })
    }

    /// Every SARIF rule: the checks and one rule per firmware advisory.
    pub fn rules(&self, kev: Option<&Kev>) -> Catalogue {
        let dutch = self.checks.dutch.clone();
        let mut checks = self.checks.checks.clone();
        checks.extend(self.advisories.iter().map(|a| {
            let mut rule = advisory::rule(a, kev);
            rule.nl = advisory::dutch(a, &dutch);
            rule
        }));
        checks.sort_by(|a, b| a.id.cmp(&b.id));
        Catalogue { checks, dutch }
    }
}
