//! RTSP stream paths as data (`checks/rtsp-streams/*.toml`).
//!
//! A camera or recorder rarely serves its stream at `/`: each vendor
//! documents its own path (`/Streaming/Channels/101`,
//! `/cam/realmonitor?channel=1&subtype=0`, `/axis-media/media.amp`...), and
//! small servers use short generic ones (`/live`, `/stream1`). When the
//! root describes no stream, the RTSP probe asks these paths with DESCRIBE
//! (never SETUP or PLAY, so no video flows), at most [`MAX_TRIED`] per
//! endpoint: first the groups whose `server` matches the RTSP Server
//! header, then the generic groups, then the other vendors' groups, each in
//! file order.
//!
//! ```toml
//! [[group]]
//! id = "dahua"                                     # unique
//! vendor = "Dahua Technology"                      # absent: a generic group
//! server = '^Dahua Rtsp Server\b'                  # optional: its paths go first
//! paths = ["/cam/realmonitor?channel=1&subtype=0"]
//! source = "Dahua HTTP API for IPC (RTSP URL format)"   # where the path is documented
//!
//! [[example]]                                      # checked at load time
//! server = "Dahua Rtsp Server"                     # absent: no Server header
//! first = ["/cam/realmonitor?channel=1&subtype=0"] # the first paths tried, in order
//! ```

use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{self as rule, Ids, Problem, item};

/// Where the embedded stream-path files live.
const EMBEDDED_PREFIX: &str = "checks/rtsp-streams/";
/// DESCRIBE requests one RTSP endpoint gets at most, besides the one of `/`.
pub const MAX_TRIED: usize = 16;
/// Longest path accepted.
const MAX_PATH: usize = 200;

/// One group of paths: a vendor's, or generic ones.
#[derive(Debug, Clone)]
pub struct Group {
    /// The group's id, unique over the stream-path files.
    pub id: String,
    /// The vendor whose devices use the paths; `None` for a generic group.
    pub vendor: Option<String>,
    /// Matches the RTSP Server header of the vendor's devices.
    pub server: Option<Regex>,
    /// The paths to DESCRIBE, in the order they are tried.
    pub paths: Vec<String>,
    /// Where the paths are documented.
    pub source: String,
}

/// The loaded groups, in file order.
#[derive(Debug, Clone, Default)]
pub struct StreamPaths {
    groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "group")]
    groups: Vec<Spanned<RawGroup>>,
    #[serde(default, rename = "example")]
    examples: Vec<Spanned<RawExample>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    vendor: Option<String>,
    server: Option<String>,
    paths: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    server: Option<String>,
    first: Vec<String>,
}

impl StreamPaths {
    /// The groups built into the binary.
    pub fn embedded() -> Result<StreamPaths, CheckLoadError> {
        let files = crate::knowledge::embedded::under(EMBEDDED_PREFIX);
        StreamPaths::parse(&files)
    }

    /// The `*.toml` files under `dir`, in path order.
    pub fn from_dir(dir: &Path) -> Result<StreamPaths, CheckLoadError> {
        let texts = crate::knowledge::read_data_dir(dir, "rtsp-streams")?;
        StreamPaths::parse(&crate::knowledge::as_refs(&texts))
    }

    /// Parses and validates stream-path files given as (path, text); every
    /// example must see exactly its `first` paths tried first.
    pub fn parse(files: &[(&str, &str)]) -> Result<StreamPaths, CheckLoadError> {
        let mut ids = Ids::new("group");
        let mut examples = Vec::new();
        let groups = rule::load_entries(
            files,
            "group",
            |file, f: File| {
                examples.extend(f.examples.into_iter().map(|ex| (file, ex)));
                f.groups
            },
            |raw: &RawGroup| raw.id.clone(),
            |place, raw| {
                ids.claim(&raw.id, place)?;
                validate(raw)
            },
        )?;
        let all = StreamPaths { groups };
        for (file, ex) in examples {
            let span = ex.span();
            all.check_example(ex.get_ref())
                .map_err(|p| file.error("example", span, p))?;
        }
        Ok(all)
    }

    /// An example's `first` paths are the first ones tried for its server.
    fn check_example(&self, ex: &RawExample) -> Result<(), Problem> {
        rule::non_empty("first", &ex.first, "name at least one path")?;
        let got = self.for_server(ex.server.as_deref());
        if !got.starts_with(&ex.first.iter().map(String::as_str).collect::<Vec<_>>()) {
            return Err(Problem::new(
                "first",
                format!(
                    "for server {:?} the paths tried first are {:?}",
                    ex.server.as_deref().unwrap_or("(none)"),
                    &got[..ex.first.len().min(got.len())]
                ),
            ));
        }
        Ok(())
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter()
    }

    /// The paths to ask of a server announcing itself as `server`, in
    /// order, without repeats, at most [`MAX_TRIED`].
    pub fn for_server(&self, server: Option<&str>) -> Vec<&str> {
        let matches = |g: &Group| {
            g.server
                .as_ref()
                .zip(server)
                .is_some_and(|(re, s)| re.is_match(s))
        };
        let vendor_first = self.groups.iter().filter(|g| matches(g));
        let generic = self.groups.iter().filter(|g| g.vendor.is_none());
        let others = self
            .groups
            .iter()
            .filter(|g| g.vendor.is_some() && !matches(g));
        let mut out: Vec<&str> = Vec::new();
        for p in vendor_first
            .chain(generic)
            .chain(others)
            .flat_map(|g| &g.paths)
        {
            if out.len() == MAX_TRIED {
                break;
            }
            if !out.contains(&p.as_str()) {
                out.push(p);
            }
        }
        out
    }
}

fn validate(raw: RawGroup) -> Result<Group, Problem> {
    rule::id("id", &raw.id)?;
    rule::non_empty("paths", &raw.paths, "a group names at least one path")?;
    for (i, p) in raw.paths.iter().enumerate() {
        if !p.starts_with('/')
            || p == "/"
            || p.len() > MAX_PATH
            || !p.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(Problem::new(
                item("paths", i),
                format!(
                    "`{p}`: a path starts with `/`, is not `/` itself (always asked), and is at \
                     most {MAX_PATH} printable ASCII characters without spaces"
                ),
            ));
        }
        if raw.paths[..i].contains(p) {
            return Err(Problem::new(
                item("paths", i),
                format!("`{p}` is listed twice"),
            ));
        }
    }
    if raw.source.trim().is_empty() {
        return Err(Problem::new(
            "source",
            "say where the paths are documented (a vendor manual, a standard)",
        ));
    }
    if raw.vendor.is_none() && raw.server.is_some() {
        return Err(Problem::new(
            "server",
            "a generic group matches no server: give the vendor, or drop `server`",
        ));
    }
    let server = raw
        .server
        .as_deref()
        .map(|r| rule::regex("server", r))
        .transpose()?;
    Ok(Group {
        id: raw.id,
        vendor: raw.vendor,
        server,
        paths: raw.paths,
        source: raw.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[group]]
id = "generic"
paths = ["/live", "/stream1"]
source = "test"

[[group]]
id = "dahua"
vendor = "Dahua Technology"
server = '^Dahua Rtsp Server\b'
paths = ["/cam/realmonitor?channel=1&subtype=0", "/live"]
source = "test"

[[example]]
server = "Dahua Rtsp Server"
first = ["/cam/realmonitor?channel=1&subtype=0", "/live", "/stream1"]

[[example]]
first = ["/live", "/stream1", "/cam/realmonitor?channel=1&subtype=0"]
"#;

    #[test]
    fn the_vendor_s_paths_go_first_then_generic_then_the_others() {
        let s = StreamPaths::parse(&[("t.toml", FILE)]).unwrap();
        assert_eq!(
            s.for_server(Some("Dahua Rtsp Server")),
            ["/cam/realmonitor?channel=1&subtype=0", "/live", "/stream1"]
        );
        assert_eq!(
            s.for_server(Some("GStreamer RTSP server")),
            ["/live", "/stream1", "/cam/realmonitor?channel=1&subtype=0"]
        );
    }

    #[test]
    fn the_embedded_list_loads_and_is_bounded() {
        let s = StreamPaths::embedded().unwrap();
        assert!(s.len() > 5);
        for server in [None, Some("Dahua Rtsp Server"), Some("x")] {
            let tried = s.for_server(server);
            assert_eq!(tried.len(), MAX_TRIED, "{server:?}");
        }
    }

    #[test]
    fn bad_entries_are_refused_with_file_line_and_field() {
        for (bad, field) in [
            (
                FILE.replace("\"/stream1\"", "\"stream1\""),
                "generic: paths[1]",
            ),
            (FILE.replace("\"/stream1\"", "\"/\""), "generic: paths[1]"),
            (
                FILE.replace("\"/stream1\"", "\"/a b\""),
                "generic: paths[1]",
            ),
            (FILE.replace("'^Dahua", "'(^Dahua"), "dahua: server"),
            (
                FILE.replace("id = \"dahua\"", "id = \"generic\""),
                "generic: id",
            ),
            // The id rule every data file shares: a letter first.
            (
                FILE.replace("id = \"dahua\"", "id = \"2dahua\""),
                "2dahua: id",
            ),
            (
                FILE.replace(
                    "first = [\"/live\", \"/stream1\", ",
                    "first = [\"/stream1\", ",
                ),
                "example: first",
            ),
        ] {
            let e = StreamPaths::parse(&[("t.toml", &bad)]).unwrap_err();
            assert_eq!(e.file, "t.toml");
            assert_eq!(e.field, field, "{e}");
            assert!(e.line > 1, "{e}");
        }
    }
}
