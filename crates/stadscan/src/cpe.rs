//! CPE 2.3 names for identified devices, in the NVD CPE dictionary's
//! spelling.
//!
//! A device identity (vendor, model, firmware, class from the fingerprints)
//! becomes one or more CPE names: a device's firmware as an operating system
//! (`o:hikvision:ds-2cd2xx2f-i_series_firmware:5.4.0`) running on its
//! hardware (`h:hikvision:ds-2cd2xx2f-i_series:-`), or software as an
//! application (`a:econolite:eos:3.2.18`). How a vendor and a product are
//! spelled in the dictionary is data, not code: `checks/cpe/*.toml` maps the
//! names fingerprints use to the dictionary's, and a product rule maps a
//! model (a regular expression) to its product names. Without a rule the
//! names are derived the way the dictionary forms most of its names
//! (lower case, words joined by `_`, `_firmware` for a device's firmware).
//! A `*.cpe23` fact (recog-style) is taken as it stands.
//!
//! ```toml
//! [[vendor]]
//! cpe = "hikvision"                            # the dictionary's vendor
//! names = ["Hikvision", "HIKVISION", "Hangzhou Hikvision Digital Technology"]
//!
//! [[product]]
//! vendor = "hikvision"                         # a dictionary vendor
//! model = '^DS-2CD2\d\d2F-I'                   # regex over the model, case-insensitive
//! firmware = "ds-2cd2xx2f-i_series_firmware"   # o: product (version: the firmware)
//! hardware = "ds-2cd2xx2f-i_series"            # h: product (version: -)
//! # application = "eos"                        # a: product (version: the firmware)
//! examples = [                                 # checked when loaded
//!   { vendor = "Hikvision", model = "DS-2CD2132F-IS", version = "5.4.0 build 160530", cpes = [
//!     "cpe:2.3:o:hikvision:ds-2cd2xx2f-i_series_firmware:5.4.0:build_160530:*:*:*:*:*:*",
//!     "cpe:2.3:h:hikvision:ds-2cd2xx2f-i_series:-:*:*:*:*:*:*:*" ] },
//! ]
//! ```

use std::fmt;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::firmware::{Version, normalize_vendor};
use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{self as rule, DataFile, Problem};
use crate::model::{Asset, Confidence};

/// The folder under `checks/` that holds the CPE name rules.
pub const CPE_DIR: &str = "cpe";

/// The part of a CPE name: application, operating system, hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// `a`: software.
    Application,
    /// `o`: an operating system or firmware image.
    OperatingSystem,
    /// `h`: the device itself.
    Hardware,
}

impl Part {
    /// The one-letter code in a CPE name (`a`, `o`, `h`).
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Application => "a",
            Part::OperatingSystem => "o",
            Part::Hardware => "h",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Part> {
        match s {
            "a" => Some(Part::Application),
            "o" => Some(Part::OperatingSystem),
            "h" => Some(Part::Hardware),
            _ => None,
        }
    }
}

/// A CPE 2.3 name (formatted-string binding), its components unescaped and
/// in lower case. `*` is ANY and `-` is NA, as in the specification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpe {
    /// Whether the name is of software, an operating system or hardware.
    pub part: Part,
    /// The vendor, in the NVD dictionary's spelling (`hikvision`).
    pub vendor: String,
    /// The product, in the NVD dictionary's spelling.
    pub product: String,
    /// The version; `*` (ANY) or `-` (NA) when not specific.
    pub version: String,
    /// The update (`p1`, `sp2`...); `*` when not specific.
    pub update: String,
    /// edition, language, sw_edition, target_sw, target_hw, other.
    pub rest: [String; 6],
}

/// ANY.
pub const ANY: &str = "*";
/// NA (not applicable).
pub const NA: &str = "-";

impl Cpe {
    /// Parses `cpe:2.3:part:vendor:product:version:update:...` (13
    /// components; missing trailing ones are ANY), or the older URI binding
    /// `cpe:/part:vendor:product:version:update` (recog's `*.cpe23`
    /// parameters use it), where an empty component is ANY.
    pub fn parse(s: &str) -> Option<Cpe> {
        let s = s.trim();
        if let Some(uri) = s.strip_prefix("cpe:/") {
            return Cpe::parse_uri(uri);
        }
        let rest = s.strip_prefix("cpe:2.3:")?;
        let mut fields = Vec::with_capacity(11);
        let mut cur = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.push(chars.next()?),
                ':' => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c.to_ascii_lowercase()),
            }
        }
        fields.push(cur);
        if fields.len() < 3 || fields.len() > 11 {
            return None;
        }
        fields.resize(11, ANY.to_string());
        let part = Part::parse(&fields[0])?;
        let mut it = fields.into_iter().skip(1);
        let mut next = || it.next().unwrap_or_else(|| ANY.to_string());
        let (vendor, product, version, update) = (next(), next(), next(), next());
        if vendor.is_empty() || product.is_empty() || vendor == ANY || product == ANY {
            return None;
        }
        let rest = [next(), next(), next(), next(), next(), next()];
        Some(Cpe {
            part,
            vendor,
            product,
            version,
            update,
            rest,
        })
    }

    fn parse_uri(uri: &str) -> Option<Cpe> {
        let fields: Vec<String> = uri
            .split(':')
            .map(|f| {
                let mut out = String::new();
                let mut chars = f.chars();
                while let Some(c) = chars.next() {
                    if c == '%' {
                        let hex: String = chars.by_ref().take(2).collect();
                        out.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
                    } else {
                        out.push(c.to_ascii_lowercase());
                    }
                }
                Some(out)
            })
            .collect::<Option<_>>()?;
        if fields.len() < 3 || fields.len() > 7 {
            return None;
        }
        let get = |i: usize| fields.get(i).cloned().unwrap_or_default();
        let part = Part::parse(&fields[0])?;
        if get(1).is_empty() || get(2).is_empty() {
            return None;
        }
        let mut cpe = Cpe::new(part, &get(1), &get(2), &get(3), &get(4));
        cpe.rest[0] = if get(5).is_empty() {
            ANY.into()
        } else {
            get(5)
        };
        cpe.rest[1] = if get(6).is_empty() {
            ANY.into()
        } else {
            get(6)
        };
        Some(cpe)
    }

    /// A name with the given part, vendor, product, version and update; the
    /// other components ANY.
    pub fn new(part: Part, vendor: &str, product: &str, version: &str, update: &str) -> Cpe {
        Cpe {
            part,
            vendor: vendor.to_string(),
            product: product.to_string(),
            version: version.to_string(),
            update: update.to_string(),
            rest: Default::default(),
        }
        .normalized()
    }

    fn normalized(mut self) -> Cpe {
        for f in [
            &mut self.vendor,
            &mut self.product,
            &mut self.version,
            &mut self.update,
        ] {
            *f = f.to_ascii_lowercase();
            if f.is_empty() {
                *f = ANY.to_string();
            }
        }
        for f in &mut self.rest {
            if f.is_empty() {
                *f = ANY.to_string();
            }
        }
        self
    }
}

/// Escapes what the formatted-string binding escapes (everything but
/// letters, digits, `_`, `-` and `.`), except a lone `*` or `-`.
fn bind(value: &str, out: &mut String) {
    if value == ANY || value == NA {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            out.push('\\');
        }
        out.push(c);
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = format!("cpe:2.3:{}", self.part.as_str());
        for v in [&self.vendor, &self.product, &self.version, &self.update]
            .into_iter()
            .chain(self.rest.iter())
        {
            s.push(':');
            bind(v, &mut s);
        }
        f.write_str(&s)
    }
}

pub use crate::model::AssetCpe;

// ---------------------------------------------------------------------------
// Name rules (checks/cpe/)
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    vendor: Vec<Spanned<RawVendor>>,
    #[serde(default)]
    product: Vec<Spanned<RawProduct>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    cpe: String,
    names: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    vendor: String,
    model: String,
    #[serde(default)]
    firmware: Option<String>,
    #[serde(default)]
    hardware: Option<String>,
    #[serde(default)]
    application: Option<String>,
    #[serde(default)]
    examples: Vec<Spanned<Example>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    vendor: String,
    model: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    class: Option<String>,
    cpes: Vec<String>,
}

#[derive(Debug, Clone)]
struct ProductRule {
    vendor: String,
    model: Regex,
    firmware: Option<String>,
    hardware: Option<String>,
    application: Option<String>,
    /// `file:line`, for the source of a name.
    origin: String,
}

/// The rules that spell vendors and products the dictionary's way.
#[derive(Debug, Clone, Default)]
pub struct CpeRules {
    /// (name as fingerprints write it, normalized) -> dictionary vendor.
    vendors: Vec<(String, String)>,
    products: Vec<ProductRule>,
}

/// A dictionary component: ASCII, lower case, words joined by `_`; other
/// punctuation dropped (`Eclipse Foundation` -> `eclipse_foundation`).
pub fn dictionary_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+') {
            out.push(c.to_ascii_lowercase());
        } else if (c.is_whitespace() || c == '_') && !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches(['_', '.', '-']).to_string()
}

/// A `[[product]]` table's rule (its examples are checked once every
/// rule is loaded); `origin` is its `file:line`.
fn product_rule(p: &RawProduct, origin: String) -> Result<ProductRule, Problem> {
    let model = rule::regex_ignoring_case("model", &p.model)?;
    if p.firmware.is_none() && p.hardware.is_none() && p.application.is_none() {
        return Err(Problem::new(
            "",
            "give `firmware`, `hardware` or `application`",
        ));
    }
    for name in [&p.vendor]
        .into_iter()
        .chain(p.firmware.iter())
        .chain(p.hardware.iter())
        .chain(p.application.iter())
    {
        if dictionary_name(name) != *name || name.is_empty() {
            return Err(Problem::new(
                "",
                format!("`{name}` is not spelled as the CPE dictionary spells names"),
            ));
        }
    }
    rule::non_empty("examples", &p.examples, "give at least one")?;
    Ok(ProductRule {
        vendor: p.vendor.clone(),
        model,
        firmware: p.firmware.clone(),
        hardware: p.hardware.clone(),
        application: p.application.clone(),
        origin,
    })
}

/// Device classes whose identity names software, not a device: their
/// product is an application.
const SOFTWARE_CLASSES: &[&str] = &["server", "mqtt-broker"];

impl CpeRules {
    /// The built-in rules (`checks/cpe/` in the binary).
    pub fn embedded() -> Result<CpeRules, CheckLoadError> {
        let files: Vec<(&str, &str)> = crate::knowledge::embedded::check_files()
            .filter(|(p, _)| p.starts_with(&format!("checks/{CPE_DIR}/")))
            .copied()
            .collect();
        CpeRules::parse(&files)
    }

    /// Rules from every `*.toml` under `dir`.
    pub fn from_dir(dir: &Path) -> Result<CpeRules, CheckLoadError> {
        let texts = crate::knowledge::read_data_dir(dir, "cpe rules")?;
        CpeRules::parse(&crate::knowledge::as_refs(&texts))
    }

    /// Parses and validates rule files given as (path, text); every example
    /// must produce exactly its CPE names.
    pub fn parse(files: &[(&str, &str)]) -> Result<CpeRules, CheckLoadError> {
        let mut rules = CpeRules::default();
        let mut examples = Vec::new();
        for (path, text) in files {
            let file = DataFile::new(path, text);
            let raw: RuleFile = file.parse("cpe rule")?;
            for v in raw.vendor {
                rules
                    .add_vendor(v.get_ref())
                    .map_err(|p| file.error("vendor", v.span(), p))?;
            }
            for p in raw.product {
                let span = p.span();
                let mut p = p.into_inner();
                let rule = product_rule(&p, format!("{path}:{}", file.line(span.start)))
                    .map_err(|e| file.error("product", span, e))?;
                examples.extend(p.examples.drain(..).map(|ex| (file, ex)));
                rules.products.push(rule);
            }
        }
        for (file, ex) in examples {
            let span = ex.span();
            let ex = ex.into_inner();
            let class = ex.class.as_deref().unwrap_or("unknown");
            let got: Vec<String> = rules
                .identity_cpes(&ex.vendor, Some(&ex.model), ex.version.as_deref(), class)
                .into_iter()
                .map(|(c, _)| c.to_string())
                .collect();
            if got != ex.cpes {
                let problem = Problem::new(
                    "examples",
                    format!(
                        "{} {} gives [{}], the example expects [{}]",
                        ex.vendor,
                        ex.model,
                        got.join(", "),
                        ex.cpes.join(", ")
                    ),
                );
                return Err(file.error("product", span, problem));
            }
        }
        Ok(rules)
    }

    /// A `[[vendor]]` table: its names map to its dictionary vendor, and
    /// to no other.
    fn add_vendor(&mut self, v: &RawVendor) -> Result<(), Problem> {
        if dictionary_name(&v.cpe) != v.cpe || v.cpe.is_empty() {
            return Err(Problem::new(
                "cpe",
                format!(
                    "`{}` is not spelled as the CPE dictionary spells names (lower case, `_` between words)",
                    v.cpe
                ),
            ));
        }
        rule::non_empty("names", &v.names, "name at least one")?;
        for n in &v.names {
            let key = normalize_vendor(n);
            if let Some((_, other)) = self.vendors.iter().find(|(k, _)| *k == key)
                && *other != v.cpe
            {
                return Err(Problem::new(
                    "names",
                    format!("`{n}` already maps to `{other}`"),
                ));
            }
            self.vendors.push((key, v.cpe.clone()));
        }
        Ok(())
    }

    /// Number of vendor names and product rules.
    pub fn len(&self) -> usize {
        self.vendors.len() + self.products.len()
    }

    /// True when there are no vendor names and no product rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The dictionary's vendor for a vendor name as fingerprints write it.
    pub fn vendor(&self, name: &str) -> String {
        let key = normalize_vendor(name);
        self.vendors
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| dictionary_name(name), |(_, cpe)| cpe.clone())
    }

    /// The CPE names of an identity, with the rule that named each product
    /// (`None`: derived from the names themselves).
    pub fn identity_cpes(
        &self,
        vendor: &str,
        model: Option<&str>,
        version: Option<&str>,
        class: &str,
    ) -> Vec<(Cpe, Option<String>)> {
        let vendor = self.vendor(vendor);
        let Some(model) = model.filter(|m| !m.trim().is_empty()) else {
            return Vec::new();
        };
        let (version, update) =
            version.map_or_else(|| (ANY.to_string(), ANY.to_string()), version_components);
        let mut out = Vec::new();
        let rule = self
            .products
            .iter()
            .find(|r| r.vendor == vendor && r.model.is_match(model));
        match rule {
            Some(r) => {
                let origin = Some(r.origin.clone());
                if let Some(p) = &r.application {
                    out.push((
                        Cpe::new(Part::Application, &vendor, p, &version, &update),
                        origin.clone(),
                    ));
                }
                if let Some(p) = &r.firmware {
                    out.push((
                        Cpe::new(Part::OperatingSystem, &vendor, p, &version, &update),
                        origin.clone(),
                    ));
                }
                if let Some(p) = &r.hardware {
                    out.push((Cpe::new(Part::Hardware, &vendor, p, NA, ANY), origin));
                }
            }
            None => {
                let product = dictionary_name(model);
                if product.is_empty() {
                    return Vec::new();
                }
                if SOFTWARE_CLASSES.contains(&class) || class == "unknown" {
                    out.push((
                        Cpe::new(Part::Application, &vendor, &product, &version, &update),
                        None,
                    ));
                } else {
                    out.push((
                        Cpe::new(
                            Part::OperatingSystem,
                            &vendor,
                            &format!("{product}_firmware"),
                            &version,
                            &update,
                        ),
                        None,
                    ));
                    out.push((Cpe::new(Part::Hardware, &vendor, &product, NA, ANY), None));
                }
            }
        }
        out
    }

    /// The CPE names of an identified asset: from its identity, and every
    /// `*.cpe23` fact its services carry. The confidence is the identity's
    /// (its fingerprint's); a name from a fact is as sure as a medium
    /// fingerprint unless the identity says more.
    pub fn asset_cpes(&self, asset: &Asset) -> Vec<AssetCpe> {
        let identity = asset.fingerprint_confidence.unwrap_or(Confidence::Medium);
        let mut out: Vec<AssetCpe> = Vec::new();
        if let Some(vendor) = &asset.vendor {
            for (cpe, origin) in self.identity_cpes(
                vendor,
                asset.model.as_deref(),
                asset.firmware.as_deref(),
                asset.class.as_str(),
            ) {
                out.push(AssetCpe {
                    cpe: cpe.to_string(),
                    confidence: identity,
                    source: match origin {
                        Some(o) => format!("identity ({o})"),
                        None => "identity".to_string(),
                    },
                });
            }
        }
        for o in &asset.observations {
            for (name, value) in &o.facts {
                if !(name.ends_with(".cpe23") || name == "cpe23") {
                    continue;
                }
                let text = value.render();
                let Some(cpe) = Cpe::parse(&text) else {
                    continue;
                };
                let cpe = cpe.to_string();
                if out.iter().any(|c| c.cpe == cpe) {
                    continue;
                }
                out.push(AssetCpe {
                    cpe,
                    confidence: identity.min(Confidence::Medium).max(Confidence::Low),
                    source: format!("fact {name} ({})", o.endpoint),
                });
            }
        }
        out
    }
}

/// A version as CPE version and update: `5.4.0 build 160530` ->
/// (`5.4.0`, `build_160530`), `6.43rc1` -> (`6.43rc1`, `*`), `9.7p1` ->
/// (`9.7p1`, `*`). A distribution revision is left out (the dictionary names
/// upstream versions).
pub fn version_components(version: &str) -> (String, String) {
    let Some(v) = Version::parse(version) else {
        return (dictionary_name(version), ANY.to_string());
    };
    let raw = v.as_str().to_ascii_lowercase();
    let first = raw.split_whitespace().next().unwrap_or("");
    let first = first.strip_prefix(['v', 'r']).unwrap_or(first);
    // The main token up to a revision or a build joined by `_`.
    let mut main = first;
    if let Some(p) = main.find(['+', '~']) {
        main = &main[..p];
    }
    if v.revision().is_some()
        && let Some(p) = main.find('-')
    {
        main = &main[..p];
    }
    if v.build().is_some()
        && let Some(p) = main.find("build").or_else(|| main.rfind('_'))
    {
        main = main[..p].trim_end_matches(['_', '-', '.']);
    }
    let update = v
        .build()
        .map_or_else(|| ANY.to_string(), |b| format!("build_{b}"));
    (main.to_string(), update)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_strings_round_trip_with_escapes() {
        let s = "cpe:2.3:o:cisco:ios:15.2\\(4\\)e10:*:*:*:*:*:*:*";
        let c = Cpe::parse(s).unwrap();
        assert_eq!(c.part, Part::OperatingSystem);
        assert_eq!(c.version, "15.2(4)e10");
        assert_eq!(c.to_string(), s);
        let short = Cpe::parse("cpe:2.3:a:econolite:eos").unwrap();
        assert_eq!(short.version, ANY);
        assert_eq!(short.to_string(), "cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*");
        // The URI binding (recog's `*.cpe23` parameters).
        assert_eq!(
            Cpe::parse("cpe:/a:openbsd:openssh:8.4p1")
                .unwrap()
                .to_string(),
            "cpe:2.3:a:openbsd:openssh:8.4p1:*:*:*:*:*:*:*"
        );
        assert_eq!(
            Cpe::parse("cpe:/o:cisco:ios:15.2%284%29e10")
                .unwrap()
                .version,
            "15.2(4)e10"
        );
        assert!(Cpe::parse("cpe:/a:econolite").is_none());
        assert!(Cpe::parse("cpe:2.3:x:econolite:eos").is_none());
        assert!(Cpe::parse("cpe:2.3:a:*:eos").is_none());
    }

    #[test]
    fn versions_split_into_version_and_update() {
        let vc = |s: &str| version_components(s);
        assert_eq!(
            vc("V5.4.0 build 160530"),
            ("5.4.0".into(), "build_160530".into())
        );
        assert_eq!(
            vc("5.5.800_210628"),
            ("5.5.800".into(), "build_210628".into())
        );
        assert_eq!(vc("9.7p1"), ("9.7p1".into(), "*".into()));
        assert_eq!(vc("2.4.52-1+deb11u2"), ("2.4.52".into(), "*".into()));
        assert_eq!(vc("3.2.18"), ("3.2.18".into(), "*".into()));
    }

    #[test]
    fn names_without_a_rule_follow_the_dictionary_conventions() {
        let rules = CpeRules::parse(&[]).unwrap();
        let names = |v, m, ver, class| -> Vec<String> {
            rules
                .identity_cpes(v, Some(m), Some(ver), class)
                .into_iter()
                .map(|(c, _)| c.to_string())
                .collect()
        };
        assert_eq!(
            names("Acme Corp.", "SLC 200", "1.2.3", "streetlight-controller"),
            [
                "cpe:2.3:o:acme_corp:slc_200_firmware:1.2.3:*:*:*:*:*:*:*",
                "cpe:2.3:h:acme_corp:slc_200:-:*:*:*:*:*:*:*"
            ]
        );
        assert_eq!(
            names("Eclipse", "Mosquitto", "2.0.15", "mqtt-broker"),
            ["cpe:2.3:a:eclipse:mosquitto:2.0.15:*:*:*:*:*:*:*"]
        );
        assert!(
            rules
                .identity_cpes("Acme", None, Some("1"), "camera")
                .is_empty()
        );
    }

    #[test]
    fn the_built_in_rules_load_and_spell_the_issue_devices() {
        let rules = CpeRules::embedded().unwrap();
        let names: Vec<String> = rules
            .identity_cpes("HIKVISION", Some("DS-2CD2132F-IS"), Some("5.4.0"), "camera")
            .into_iter()
            .map(|(c, _)| c.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "cpe:2.3:o:hikvision:ds-2cd2xx2f-i_series_firmware:5.4.0:*:*:*:*:*:*:*",
                "cpe:2.3:h:hikvision:ds-2cd2xx2f-i_series:-:*:*:*:*:*:*:*"
            ]
        );
        let eos = rules.identity_cpes(
            "Econolite",
            Some("EOS"),
            Some("3.2.18"),
            "traffic-controller",
        );
        assert_eq!(
            eos[0].0.to_string(),
            "cpe:2.3:a:econolite:eos:3.2.18:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn cpe23_facts_are_taken_as_they_stand() {
        use crate::model::{Endpoint, IdentityKind, Observation, Origin};
        let addr: std::net::IpAddr = "127.0.0.9".parse().unwrap();
        let mut obs = Observation::new(Endpoint::tcp(addr, 22), None);
        obs.set("recog.service.cpe23", "cpe:/a:openbsd:openssh:8.4p1");
        obs.set("recog.os.cpe23", "not a cpe");
        let asset = Asset {
            id: "address:127.0.0.9".into(),
            identity: IdentityKind::Address,
            addr,
            hostnames: Vec::new(),
            origin: Origin::Network(0),
            label: None,
            vendor: None,
            model: None,
            firmware: None,
            class: crate::model::DeviceClass::Unknown,
            fingerprint: None,
            fingerprint_confidence: None,
            personal_data: None,
            cpes: Vec::new(),
            observations: vec![obs],
        };
        let cpes = CpeRules::default().asset_cpes(&asset);
        assert_eq!(cpes.len(), 1);
        assert_eq!(cpes[0].cpe, "cpe:2.3:a:openbsd:openssh:8.4p1:*:*:*:*:*:*:*");
        assert_eq!(cpes[0].confidence, Confidence::Medium);
        assert!(cpes[0].source.contains("recog.service.cpe23"));
    }

    #[test]
    fn a_bad_example_is_a_load_error_naming_file_and_line() {
        let text = "[[product]]\nvendor = \"acme\"\nmodel = '^X'\napplication = \"x\"\n\
                    examples = [{ vendor = \"Acme\", model = \"X1\", version = \"1.0\", cpes = [\"cpe:2.3:a:acme:y:1.0:*:*:*:*:*:*:*\"] }]\n";
        let e = CpeRules::parse(&[("checks/cpe/t.toml", text)]).unwrap_err();
        assert_eq!(e.file, "checks/cpe/t.toml");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("cpe:2.3:a:acme:x:1.0"), "{}", e.message);
    }
}
