//! Credentials as the scanner holds them: a secret that never prints, one
//! credential (from the data or the scope file) and the names of the login
//! methods a credential may be tried with.

/// Method names a `methods` list may hold (the `method` tag of a login in the credential data).
pub const METHOD_NAMES: &[&str] = &[
    "http-auth",
    "http-form",
    "rtsp",
    "onvif",
    "telnet",
    "ssh",
    "ftp",
    "mqtt",
    "snmp",
];

/// One credential: a product's default, a generic one, or the scope's own.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Named in outputs instead of the password.
    pub id: String,
    /// The user name (empty for an SNMP community).
    pub username: String,
    /// The password or community; never written to an output.
    pub password: Secret,
    /// Method names it is tried with (empty: every login of its product
    /// but SNMP).
    pub methods: Vec<String>,
}

impl Credential {
    /// True when this entry is tried with method `name`.
    pub fn applies_to(&self, name: &str) -> bool {
        if self.methods.is_empty() {
            name != "snmp"
        } else {
            self.methods.iter().any(|m| m == name)
        }
    }
}

/// A `methods` list names a method there is none of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown method `{0}` (known: {known})", known = METHOD_NAMES.join(", "))]
pub struct UnknownMethod(pub String);

/// Checks a `methods` list (data files and the scope's own entries).
pub fn check_methods(methods: &[String]) -> Result<(), UnknownMethod> {
    match methods.iter().find(|m| !METHOD_NAMES.contains(&m.as_str())) {
        Some(m) => Err(UnknownMethod(m.clone())),
        None => Ok(()),
    }
}

/// A secret from the credential data or the scope file. It prints as
/// `<redacted>` in every `Debug` and `Display`, and is not `Serialize`, so
/// it cannot slip into a report, a log line or the history store by
/// accident; [`Secret::expose`] is the one way to its bytes (for the wire).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, to be written to the device and nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("hunter2-0xC0FFEE");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "<redacted> <redacted> Some(<redacted>)"
        );
        assert_eq!(s.expose(), "hunter2-0xC0FFEE");
    }
}
