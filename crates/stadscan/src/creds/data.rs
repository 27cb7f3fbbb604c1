//! The credential data in `checks/credentials/`: which products have which
//! factory credentials, how to log in to each of their services, and a
//! short generic list for devices no product entry matches.
//!
//! ```toml
//! [[product]]
//! id = "lab-ipcam"
//! title = "Lab IP camera (web UI and RTSP)"
//! vendors = ["Stadlab"]                  # the asset's vendor, any one (case-insensitive)
//! models = ['^IPC-']                     # optional: regexes over the model, any one
//! fingerprints = ["lab-camera-web"]      # or: fingerprint ids, any one
//! logins = [
//!   { method = "http-auth", path = "/" },
//!   { method = "rtsp", path = "/stream1" },
//! ]
//!
//! [[credential]]
//! id = "lab-ipcam-admin"                 # named in findings instead of the password
//! product = "lab-ipcam"
//! username = "admin"
//! password = "lab-cam-pass"
//! methods = ["http-auth", "rtsp"]        # optional: default every login but snmp
//! source = "the lab camera's manual"     # where the default is documented
//!
//! [[generic]]                            # only for devices no product matches
//! id = "generic-admin-admin"
//! username = "admin"
//! password = "admin"
//! methods = ["http-auth", "telnet", "ftp", "mqtt", "ssh"]
//!
//! [[example]]                            # asserted by the data test
//! device = { vendor = "Stadlab", model = "IPC-100" }
//! protocol = "http"
//! tries = ["lab-ipcam-admin"]            # entry ids tried on such a service, in order
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::login::Method;
use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{self as rule, DataFile, Ids, Place, Problem, item};
use crate::model::{Credential, METHOD_NAMES, Secret, check_methods};

/// Where the embedded credential files live.
const EMBEDDED_PREFIX: &str = "checks/credentials/";

/// The name of a method (its `method` tag in the data).
pub fn method_name(m: &Method) -> &'static str {
    match m {
        Method::HttpAuth { .. } => "http-auth",
        Method::HttpForm(_) => "http-form",
        Method::Rtsp { .. } => "rtsp",
        Method::Onvif { .. } => "onvif",
        Method::Telnet => "telnet",
        Method::Ssh => "ssh",
        Method::Ftp => "ftp",
        Method::Mqtt => "mqtt",
        Method::Snmp => "snmp",
    }
}

/// The method `name` with its default details (for the generic list and
/// the scope's own entries). `None` for `http-form`, which needs data.
pub fn default_method(name: &str) -> Option<Method> {
    Some(match name {
        "http-auth" => Method::HttpAuth { path: "/".into() },
        "rtsp" => Method::Rtsp { path: "/".into() },
        "onvif" => Method::Onvif {
            path: "/onvif/device_service".into(),
        },
        "telnet" => Method::Telnet,
        "ssh" => Method::Ssh,
        "ftp" => Method::Ftp,
        "mqtt" => Method::Mqtt,
        "snmp" => Method::Snmp,
        _ => return None,
    })
}

/// A product whose factory credentials are known.
#[derive(Debug, Clone)]
pub struct Product {
    /// The product's id (`[[product]] id`), which its credentials name.
    pub id: String,
    /// A human name for the product.
    pub title: String,
    /// Vendor names that match the asset's vendor (any one, case-insensitive).
    pub vendors: Vec<String>,
    /// Regular expressions over the asset's model (any one); empty matches any
    /// model.
    pub models: Vec<Regex>,
    /// Fingerprint ids that name the product (any one).
    pub fingerprints: Vec<String>,
    /// How to log in to each of the product's services.
    pub logins: Vec<Method>,
}

/// What is known of a device when credentials are chosen for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceKey {
    /// The vendor identification named.
    #[serde(default)]
    pub vendor: Option<String>,
    /// The model identification named.
    #[serde(default)]
    pub model: Option<String>,
    /// The id of the fingerprint that named the device.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// All credential data.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The products with known factory credentials, in file order.
    pub products: Vec<Product>,
    /// Product id -> its credentials, in file order.
    pub by_product: BTreeMap<String, Vec<Credential>>,
    /// The generic list, tried only on devices no product matches.
    pub generic: Vec<Credential>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "product")]
    products: Vec<Spanned<RawProduct>>,
    #[serde(default, rename = "credential")]
    credentials: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    generic: Vec<Spanned<RawEntry>>,
    #[serde(default, rename = "example")]
    examples: Vec<Spanned<RawExample>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    id: String,
    title: String,
    #[serde(default)]
    vendors: Vec<String>,
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
    logins: Vec<Method>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    username: String,
    password: String,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    device: DeviceKey,
    protocol: String,
    tries: Vec<String>,
}

impl Credentials {
    /// The credential data built into the binary.
    pub fn embedded() -> Result<Credentials, CheckLoadError> {
        let files = crate::knowledge::embedded::under(EMBEDDED_PREFIX);
        Credentials::parse(&files)
    }

    /// The `*.toml` files under `dir`, in path order.
    pub fn from_dir(dir: &Path) -> Result<Credentials, CheckLoadError> {
        let texts = crate::knowledge::read_data_dir(dir, "credentials")?;
        Credentials::parse(&crate::knowledge::as_refs(&texts))
    }

    /// Parses and validates credential files given as (path, text); every
    /// example must choose exactly the entries it lists.
    pub fn parse(files: &[(&str, &str)]) -> Result<Credentials, CheckLoadError> {
        let mut product_ids = Ids::new("product");
        let mut entry_ids = Ids::new("entry");
        let mut credentials: Vec<(DataFile<'_>, Spanned<RawEntry>)> = Vec::new();
        let mut generic = Vec::new();
        let mut examples = Vec::new();
        let products = rule::load_entries(
            files,
            "credential data",
            |file, f: File| {
                credentials.extend(f.credentials.into_iter().map(|c| (file, c)));
                generic.extend(f.generic.into_iter().map(|g| (file, g)));
                examples.extend(f.examples.into_iter().map(|e| (file, e)));
                f.products
            },
            |raw: &RawProduct| format!("product {}", raw.id),
            |place, raw| {
                rule::id("id", &raw.id)?;
                product_ids.claim(&raw.id, place)?;
                check_product(raw)
            },
        )?;
        let mut data = Credentials {
            products,
            ..Credentials::default()
        };
        for (file, raw) in generic {
            let place = Place::new(file, raw.span());
            let raw = raw.get_ref();
            let entry = check_entry(raw, &mut entry_ids, &place, true)
                .map_err(|p| place.error(&format!("generic {}", raw.id), p))?;
            data.generic.push(entry);
        }
        // Credentials after all products, so a file may name a product of
        // another file.
        for (file, raw) in credentials {
            let place = Place::new(file, raw.span());
            let raw = raw.get_ref();
            let entry = data
                .check_credential(raw, &mut entry_ids, &place)
                .map_err(|p| place.error(&format!("credential {}", raw.id), p))?;
            if let Some(product) = &raw.product {
                data.by_product
                    .entry(product.clone())
                    .or_default()
                    .push(entry);
            }
        }
        for (file, ex) in examples {
            let span = ex.span();
            let ex = ex.into_inner();
            let chosen: Vec<String> = data
                .choose(&ex.device, &[])
                .into_iter()
                .filter(|c| c.method.protocol() == ex.protocol)
                .flat_map(|c| c.entries.into_iter().map(|e| e.id))
                .collect();
            if chosen != ex.tries {
                let problem = Problem::new(
                    "",
                    format!(
                        "device {:?} on {} tries {:?}, the example says {:?}",
                        ex.device, ex.protocol, chosen, ex.tries
                    ),
                );
                return Err(file.error("example", span, problem));
            }
        }
        Ok(data)
    }

    /// A `[[credential]]` entry: of a product defined by now, tried with
    /// one of the product's logins.
    fn check_credential(
        &self,
        raw: &RawEntry,
        ids: &mut Ids,
        place: &Place<'_>,
    ) -> Result<Credential, Problem> {
        let entry = check_entry(raw, ids, place, false)?;
        let Some(product) = raw.product.as_deref() else {
            return Err(Problem::new(
                "product",
                "a `[[credential]]` names its product",
            ));
        };
        let Some(p) = self.products.iter().find(|p| p.id == product) else {
            return Err(Problem::new("product", format!("no product `{product}`")));
        };
        if !p.logins.iter().any(|l| entry.applies_to(method_name(l))) {
            return Err(Problem::new(
                "methods",
                format!("none of its methods is a login of product `{product}`"),
            ));
        }
        Ok(entry)
    }

    /// The product entry that matches a device.
    pub fn product_for(&self, device: &DeviceKey) -> Option<&Product> {
        self.products.iter().find(|p| {
            let by_fp = device
                .fingerprint
                .as_ref()
                .is_some_and(|f| p.fingerprints.iter().any(|x| x == f));
            let by_vendor = device.vendor.as_ref().is_some_and(|v| {
                p.vendors.iter().any(|x| x.eq_ignore_ascii_case(v))
                    && (p.models.is_empty()
                        || device
                            .model
                            .as_ref()
                            .is_some_and(|m| p.models.iter().any(|r| r.is_match(m))))
            });
            by_fp || by_vendor
        })
    }

    /// The logins to try on a device and the entries for each: its
    /// product's logins with the product's credentials (and the scope's own
    /// entries of the same method), or, for a device no product matches,
    /// the generic list; the scope's entries also get the default login of
    /// any method they name that the product lacks.
    pub fn choose(&self, device: &DeviceKey, extra: &[Credential]) -> Vec<Choice> {
        let mut out: Vec<Choice> = Vec::new();
        let (logins, own): (Vec<Method>, Vec<Credential>) = match self.product_for(device) {
            Some(p) => (
                p.logins.clone(),
                self.by_product.get(&p.id).cloned().unwrap_or_default(),
            ),
            None => {
                let mut names: Vec<&str> = Vec::new();
                for e in &self.generic {
                    for m in &e.methods {
                        if !names.contains(&m.as_str()) {
                            names.push(m);
                        }
                    }
                }
                (
                    names.iter().filter_map(|n| default_method(n)).collect(),
                    self.generic.clone(),
                )
            }
        };
        for method in logins {
            let name = method_name(&method);
            let entries: Vec<Credential> = own
                .iter()
                .chain(extra)
                .filter(|e| e.applies_to(name))
                .cloned()
                .collect();
            if !entries.is_empty() {
                out.push(Choice { method, entries });
            }
        }
        for name in METHOD_NAMES {
            if out.iter().any(|c| method_name(&c.method) == *name) {
                continue;
            }
            let entries: Vec<Credential> = extra
                .iter()
                .filter(|e| e.applies_to(name))
                .cloned()
                .collect();
            if let (false, Some(method)) = (entries.is_empty(), default_method(name)) {
                out.push(Choice { method, entries });
            }
        }
        out
    }

    /// Every entry (products' and generic), for the secrets test and counts.
    pub fn entries(&self) -> impl Iterator<Item = &Credential> {
        self.by_product.values().flatten().chain(&self.generic)
    }
}

/// A login method and the entries to try with it, in order.
#[derive(Debug, Clone)]
pub struct Choice {
    /// How to log in.
    pub method: Method,
    /// The entries tried with that login, in order.
    pub entries: Vec<Credential>,
}

/// A `[[product]]` entry (its id is checked by the caller).
fn check_product(raw: RawProduct) -> Result<Product, Problem> {
    if raw.vendors.is_empty() && raw.fingerprints.is_empty() {
        return Err(Problem::new(
            "vendors",
            "a product is matched by `vendors` or `fingerprints`; it names neither",
        ));
    }
    rule::non_empty("logins", &raw.logins, "no login method")?;
    let models = raw
        .models
        .iter()
        .enumerate()
        .map(|(k, m)| rule::regex(&item("models", k), m))
        .collect::<Result<Vec<_>, _>>()?;
    for (k, login) in raw.logins.iter().enumerate() {
        if let Method::HttpForm(form) = login {
            check_form(form).map_err(|e| Problem::new(item("logins", k), e.to_string()))?;
        }
    }
    Ok(Product {
        id: raw.id,
        title: raw.title,
        vendors: raw.vendors,
        models,
        fingerprints: raw.fingerprints,
        logins: raw.logins,
    })
}

/// A `[[credential]]` or `[[generic]]` entry; its id is taken in `ids`.
fn check_entry(
    raw: &RawEntry,
    ids: &mut Ids,
    place: &Place<'_>,
    generic: bool,
) -> Result<Credential, Problem> {
    rule::id("id", &raw.id)?;
    ids.claim(&raw.id, place)?;
    if generic && raw.product.is_some() {
        return Err(Problem::new(
            "product",
            "a generic entry belongs to no product",
        ));
    }
    if generic && raw.methods.is_empty() {
        return Err(Problem::new(
            "methods",
            "a generic entry names the methods it is tried with",
        ));
    }
    check_methods(&raw.methods).map_err(|e| Problem::new("methods", e.to_string()))?;
    if raw.password.is_empty() && raw.methods.iter().any(|m| m == "snmp") {
        return Err(Problem::new(
            "password",
            "an SNMP community cannot be empty",
        ));
    }
    let _documented = &raw.source;
    Ok(Credential {
        id: raw.id.clone(),
        username: raw.username.clone(),
        password: Secret::new(raw.password.clone()),
        methods: raw.methods.clone(),
    })
}

/// A form login that cannot be used.
#[derive(Debug, thiserror::Error)]
enum FormError {
    #[error("{0}")]
    Regex(#[from] regex::Error),
    #[error("no form field carries `{{password}}`")]
    NoPassword,
    #[error("a form login needs both a `success` and a `failure` matcher")]
    NoMatcher,
}

fn check_form(form: &super::login::FormLogin) -> Result<(), FormError> {
    let res = form
        .csrf
        .iter()
        .map(|c| c.pattern.as_str())
        .chain(form.success.body.as_deref())
        .chain(form.failure.body.as_deref())
        .chain(form.success.header.iter().map(|h| h.pattern.as_str()))
        .chain(form.failure.header.iter().map(|h| h.pattern.as_str()));
    for re in res {
        Regex::new(re)?;
    }
    if !form.fields.iter().any(|f| f.value.contains("{password}")) {
        return Err(FormError::NoPassword);
    }
    if form.success == super::login::Matcher::default()
        || form.failure == super::login::Matcher::default()
    {
        return Err(FormError::NoMatcher);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = r#"
[[product]]
id = "cam"
title = "A camera"
vendors = ["Acme"]
models = ['^IPC-']
logins = [{ method = "http-auth", path = "/admin" }, { method = "rtsp" }, { method = "snmp" }]

[[credential]]
id = "cam-admin"
product = "cam"
username = "admin"
password = "12345"

[[credential]]
id = "cam-private"
product = "cam"
password = "private"
methods = ["snmp"]

[[generic]]
id = "generic-admin-admin"
username = "admin"
password = "admin"
methods = ["http-auth", "ssh"]

[[example]]
device = { vendor = "acme", model = "IPC-2" }
protocol = "http"
tries = ["cam-admin"]

[[example]]
device = { vendor = "Acme", model = "NVR-9" }
protocol = "ssh"
tries = ["generic-admin-admin"]
"#;

    fn data() -> Credentials {
        Credentials::parse(&[("creds.toml", DATA)]).unwrap()
    }

    fn names(c: &[Choice]) -> Vec<(&'static str, Vec<&str>)> {
        c.iter()
            .map(|c| {
                (
                    method_name(&c.method),
                    c.entries.iter().map(|e| e.id.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_product_gets_its_own_credentials_and_never_the_generic_list() {
        let d = data();
        let key = DeviceKey {
            vendor: Some("ACME".into()),
            model: Some("IPC-100".into()),
            fingerprint: None,
        };
        assert_eq!(
            names(&d.choose(&key, &[])),
            vec![
                ("http-auth", vec!["cam-admin"]),
                ("rtsp", vec!["cam-admin"]),
                ("snmp", vec!["cam-private"]),
            ]
        );
        assert_eq!(
            d.choose(&key, &[])[0].method,
            Method::HttpAuth {
                path: "/admin".into()
            }
        );
    }

    #[test]
    fn an_unknown_device_gets_only_the_generic_list() {
        let d = data();
        assert_eq!(
            names(&d.choose(&DeviceKey::default(), &[])),
            vec![
                ("http-auth", vec!["generic-admin-admin"]),
                ("ssh", vec!["generic-admin-admin"])
            ]
        );
    }

    #[test]
    fn scope_entries_join_the_logins_of_their_methods() {
        let d = data();
        let extra = Credential {
            id: "city-installer".into(),
            username: "beheer".into(),
            password: Secret::new("x"),
            methods: vec!["rtsp".into(), "telnet".into()],
        };
        let key = DeviceKey {
            vendor: Some("Acme".into()),
            model: Some("IPC-1".into()),
            fingerprint: None,
        };
        assert_eq!(
            names(&d.choose(&key, std::slice::from_ref(&extra))),
            vec![
                ("http-auth", vec!["cam-admin"]),
                ("rtsp", vec!["cam-admin", "city-installer"]),
                ("snmp", vec!["cam-private"]),
                ("telnet", vec!["city-installer"]),
            ]
        );
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let bad = DATA.replace("product = \"cam\"\nusername", "product = \"dog\"\nusername");
        let e = Credentials::parse(&[("c.toml", &bad)]).unwrap_err();
        assert_eq!(e.file, "c.toml");
        assert!(
            e.field.contains("cam-admin") && e.field.contains("product"),
            "{e}"
        );
        assert!(e.line > 1, "{e}");
        let bad = DATA.replace("tries = [\"cam-admin\"]", "tries = []");
        let e = Credentials::parse(&[("c.toml", &bad)]).unwrap_err();
        assert_eq!(e.field, "example", "{e}");
        let bad = DATA.replace("methods = [\"snmp\"]", "methods = [\"smtp\"]");
        let e = Credentials::parse(&[("c.toml", &bad)]).unwrap_err();
        assert!(e.message.contains("unknown method `smtp`"), "{e}");
        let bad = DATA.replace("id = \"cam-private\"", "id = \"cam-admin\"");
        assert!(
            Credentials::parse(&[("c.toml", &bad)])
                .unwrap_err()
                .message
                .contains("twice")
        );
    }

    #[test]
    fn embedded_data_loads_and_its_examples_hold() {
        let d = Credentials::embedded().unwrap();
        assert!(!d.generic.is_empty());
        assert!(d.generic.len() <= 8, "the generic list stays short");
        assert!(d.products.len() >= 3);
    }
}
