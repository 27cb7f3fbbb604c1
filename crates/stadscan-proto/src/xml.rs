//! Just enough XML for device descriptions and SOAP answers: elements by local
//! name (namespace prefixes ignored), their direct text with entities decoded.
//! No DTD processing and no entity expansion beyond the five predefined ones
//! and character references, so a hostile document cannot grow in memory.

use super::{ParseError, excerpt, malformed};

/// Largest document accepted (a device description or a SOAP answer is a few KiB).
pub const MAX_DOC: usize = 256 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// One element: its local name, its parent, and the text directly inside it
/// (CDATA included, child elements' text not).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    name: String,
    parent: Option<usize>,
    text: String,
    /// Attributes by qualified name, values with entities decoded.
    attrs: Vec<(String, String)>,
}

/// A parsed document: elements in document (opening) order; index 0 is the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    nodes: Vec<Node>,
}

/// An element of a [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element(usize);

impl Document {
    /// The document element (every parsed document has one).
    pub fn root(&self) -> Element {
        Element(0)
    }

    /// Local name (prefix removed) of `e`.
    pub fn name(&self, e: Element) -> &str {
        &self.nodes[e.0].name
    }

    /// Text directly inside `e`, as written (not trimmed).
    pub fn raw_text(&self, e: Element) -> &str {
        &self.nodes[e.0].text
    }

    /// Text directly inside `e`, trimmed.
    pub fn text(&self, e: Element) -> &str {
        self.nodes[e.0].text.trim()
    }

    /// The value of attribute `name` (as written, prefix included) of `e`.
    pub fn attr(&self, e: Element, name: &str) -> Option<&str> {
        self.nodes[e.0]
            .attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every attribute of `e`, in document order.
    pub fn attrs(&self, e: Element) -> impl Iterator<Item = (&str, &str)> {
        self.nodes[e.0]
            .attrs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Every element named `local_name`, in document order.
    pub fn named<'a>(&'a self, local_name: &'a str) -> impl Iterator<Item = Element> + 'a {
        (0..self.nodes.len())
            .filter(move |&i| self.nodes[i].name == local_name)
            .map(Element)
    }

    /// Direct children of `parent` named `local_name`, in document order.
    pub fn children<'a>(
        &'a self,
        parent: Element,
        local_name: &'a str,
    ) -> impl Iterator<Item = Element> + 'a {
        (parent.0 + 1..self.nodes.len())
            .filter(move |&i| {
                self.nodes[i].parent == Some(parent.0) && self.nodes[i].name == local_name
            })
            .map(Element)
    }

    /// Elements named `local_name` anywhere below `ancestor`.
    pub fn descendants<'a>(
        &'a self,
        ancestor: Element,
        local_name: &'a str,
    ) -> impl Iterator<Item = Element> + 'a {
        (ancestor.0 + 1..self.nodes.len())
            .filter(move |&i| self.nodes[i].name == local_name && self.is_below(i, ancestor.0))
            .map(Element)
    }

    /// The first direct child of `parent` named `local_name`.
    pub fn child(&self, parent: Element, local_name: &str) -> Option<Element> {
        self.children(parent, local_name).next()
    }

    /// Text of the first direct child named `local_name`; `None` when absent or empty.
    pub fn child_text(&self, parent: Element, local_name: &str) -> Option<String> {
        let e = self.child(parent, local_name)?;
        let t = self.text(e);
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The element's first element child (e.g. the operation inside a SOAP Body).
    pub fn first_child(&self, parent: Element) -> Option<Element> {
        (parent.0 + 1..self.nodes.len())
            .find(|&i| self.nodes[i].parent == Some(parent.0))
            .map(Element)
    }

    fn is_below(&self, mut i: usize, ancestor: usize) -> bool {
        // Depth is bounded by MAX_DEPTH, so this walk is short.
        while let Some(p) = self.nodes[i].parent {
            if p == ancestor {
                return true;
            }
            i = p;
        }
        false
    }
}

/// Texts of every element named `local_name`, in document order.
pub fn texts(doc: &[u8], local_name: &str) -> Result<Vec<String>, ParseError> {
    let d = parse(doc)?;
    Ok(d.named(local_name).map(|e| d.text(e).to_string()).collect())
}

/// Text of the first element named `local_name`.
pub fn first_text(doc: &[u8], local_name: &str) -> Result<Option<String>, ParseError> {
    let d = parse(doc)?;
    Ok(d.named(local_name).next().map(|e| d.text(e).to_string()))
}

/// Escapes text for an element body or a double-quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Parses a whole document. A document cut short (an unclosed element or
/// markup at the end) is `Incomplete`; one that is not well-formed enough to
/// walk is `Malformed`.
pub fn parse(doc: &[u8]) -> Result<Document, ParseError> {
    parse_limited(doc, MAX_DOC)
}

/// [`parse`] with another size limit: for data files the user supplies
/// (a recog database file is up to a few hundred KiB), not device answers.
pub fn parse_limited(doc: &[u8], limit: usize) -> Result<Document, ParseError> {
    if doc.len() > limit {
        return Err(ParseError::TooLarge {
            field: "xml document",
            limit,
        });
    }
    let doc = doc.strip_prefix(b"\xef\xbb\xbf").unwrap_or(doc);
    let mut nodes: Vec<Node> = Vec::new();
    // Open elements: node index and qualified name (the end tag must repeat it).
    let mut open: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut root_closed = false;
    let mut i = 0;
    while i < doc.len() {
        if doc[i] != b'<' {
            let end = doc[i..]
                .iter()
                .position(|&b| b == b'<')
                .map_or(doc.len(), |p| i + p);
            let raw = &doc[i..end];
            match open.last() {
                Some(&(n, _)) => nodes[n].text.push_str(&decode_entities(raw)),
                None if raw.iter().all(u8::is_ascii_whitespace) => {}
                None => {
                    return Err(malformed(
                        "xml document",
                        format!("text outside the root element: {}", excerpt(raw)),
                    ));
                }
            }
            i = end;
            continue;
        }
        let rest = &doc[i..];
        if rest.starts_with(b"<?") {
            i += skip_past(rest, b"?>")?;
        } else if rest.starts_with(b"<!--") {
            i += skip_past(rest, b"-->")?;
        } else if rest.starts_with(b"<![CDATA[") {
            let len = skip_past(rest, b"]]>")?;
            let Some(&(n, _)) = open.last() else {
                return Err(malformed("xml document", "CDATA outside the root element"));
            };
            let inner = &rest[b"<![CDATA[".len()..len - b"]]>".len()];
            nodes[n].text.push_str(&String::from_utf8_lossy(inner));
            i += len;
        } else if rest.starts_with(b"<!") {
            i += skip_declaration(rest)?;
        } else if rest.starts_with(b"</") {
            let close = rest
                .iter()
                .position(|&b| b == b'>')
                .ok_or(ParseError::Incomplete)?;
            let name = rest[2..close].trim_ascii_end();
            match open.pop() {
                Some((_, qname)) if qname == name => {}
                Some((_, qname)) => {
                    return Err(malformed(
                        "xml end tag",
                        format!(
                            "{} closes {}",
                            excerpt(name),
                            excerpt(String::from_utf8_lossy(&qname).as_bytes())
                        ),
                    ));
                }
                None => return Err(malformed("xml end tag", "no element is open")),
            }
            if open.is_empty() {
                root_closed = true;
            }
            i += close + 1;
        } else {
            let (qname, len, empty) = start_tag(rest)?;
            let attrs = attributes(&rest[1 + qname.len()..len]);
            if open.is_empty() && (root_closed || !nodes.is_empty()) {
                return Err(malformed("xml document", "a second root element"));
            }
            if open.len() == MAX_DEPTH {
                return Err(malformed(
                    "xml document",
                    format!("nesting deeper than {MAX_DEPTH}"),
                ));
            }
            let local = match qname.iter().rposition(|&b| b == b':') {
                Some(c) => &qname[c + 1..],
                None => qname,
            };
            if local.is_empty() {
                return Err(malformed(
                    "xml start tag",
                    format!("name {}", excerpt(qname)),
                ));
            }
            nodes.push(Node {
                name: String::from_utf8_lossy(local).into_owned(),
                parent: open.last().map(|&(n, _)| n),
                text: String::new(),
                attrs,
            });
            if empty {
                if open.is_empty() {
                    root_closed = true;
                }
            } else {
                open.push((nodes.len() - 1, qname.to_vec()));
            }
            i += len;
        }
    }
    if !open.is_empty() {
        return Err(ParseError::Incomplete);
    }
    if nodes.is_empty() {
        return Err(malformed("xml document", "no root element"));
    }
    Ok(Document { nodes })
}

/// Length of `rest` up to and including the first `end`.
fn skip_past(rest: &[u8], end: &[u8]) -> Result<usize, ParseError> {
    rest.windows(end.len())
        .skip(2)
        .position(|w| w == end)
        .map(|p| p + 2 + end.len())
        .ok_or(ParseError::Incomplete)
}

/// `<!DOCTYPE ...>` with an optional internal subset in brackets: skipped whole,
/// never interpreted (no entity definitions are honoured).
fn skip_declaration(rest: &[u8]) -> Result<usize, ParseError> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    for (k, &b) in rest.iter().enumerate().skip(2) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return Ok(k + 1),
            _ => {}
        }
    }
    Err(ParseError::Incomplete)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || b >= 0x80
}

/// A start tag at the head of `rest`: its qualified name, its length, and
/// whether it is self-closing. Attributes are skipped (quotes respected).
fn start_tag(rest: &[u8]) -> Result<(&[u8], usize, bool), ParseError> {
    // A lone '<' at the end is markup cut short, whatever tag it starts.
    if rest.len() == 1 {
        return Err(ParseError::Incomplete);
    }
    let name_len = rest[1..].iter().take_while(|&&b| is_name_byte(b)).count();
    let name = &rest[1..1 + name_len];
    if name.is_empty() || name[0].is_ascii_digit() || matches!(name[0], b'-' | b'.') {
        let shown = &rest[..rest.len().min(12)];
        return Err(malformed("xml start tag", format!("at {}", excerpt(shown))));
    }
    let mut quote: Option<u8> = None;
    for (k, &b) in rest.iter().enumerate().skip(1 + name_len) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'<') => {
                return Err(malformed(
                    "xml start tag",
                    format!("'<' inside {}", excerpt(name)),
                ));
            }
            (None, b'>') => return Ok((name, k + 1, rest[k - 1] == b'/')),
            _ => {}
        }
    }
    Err(ParseError::Incomplete)
}

/// The `name="value"` pairs of a start tag's inside (after the name, up to
/// and including `>`); [`start_tag`] has checked the quoting. Anything
/// that is not a well-formed pair is skipped.
fn attributes(inside: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < inside.len() {
        if !is_name_byte(inside[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < inside.len() && is_name_byte(inside[i]) {
            i += 1;
        }
        let name = &inside[start..i];
        while i < inside.len() && inside[i].is_ascii_whitespace() {
            i += 1;
        }
        if inside.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < inside.len() && inside[i].is_ascii_whitespace() {
            i += 1;
        }
        let Some(&q) = inside.get(i).filter(|&&q| q == b'"' || q == b'\'') else {
            continue;
        };
        let Some(len) = inside[i + 1..].iter().position(|&b| b == q) else {
            break;
        };
        let value = &inside[i + 1..i + 1 + len];
        out.push((
            String::from_utf8_lossy(name).into_owned(),
            decode_entities(value),
        ));
        i += len + 2;
    }
    out
}

/// The five predefined entities and character references; anything else
/// (an HTML-only entity, a broken reference) stays as it was written.
fn decode_entities(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Searched as bytes: a `str::get` window is `None` when it ends inside a
        // multi-byte character, which left entities before such text undecoded.
        let name = rest.as_bytes()[1..]
            .iter()
            .take(11)
            .position(|&b| b == b';')
            .map(|semi| &rest[1..semi + 1]);
        let decoded = name.and_then(|e| match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let num = e.strip_prefix('#')?;
                let code = match num.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(code).filter(|&c| c != '\0')
            }
        });
        match (name, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;

    /// async-upnp-client 0.49.0 (Python, UpnpServer) serving its description on
    /// 127.0.0.1 in a private network namespace: a root device with one embedded
    /// device, namespaces on every `device`, empty elements written `<x />`.
    const ASYNC_UPNP_DESCRIPTION: &[u8] = crate::ssdp::captures::DESCRIPTION;

    #[test]
    fn attributes_are_kept_with_entities_decoded() {
        let d = parse(
            br#"<fingerprints matches='ssh.banner'><fingerprint pattern="^a&amp;b\d+$" flags = "REG_ICASE"/><x a=broken b="ok"/></fingerprints>"#,
        )
        .unwrap();
        assert_eq!(d.attr(d.root(), "matches"), Some("ssh.banner"));
        let fp = d.named("fingerprint").next().unwrap();
        assert_eq!(d.attr(fp, "pattern"), Some(r"^a&b\d+$"));
        assert_eq!(d.attr(fp, "flags"), Some("REG_ICASE"));
        let x = d.named("x").next().unwrap();
        // An unquoted value is not well-formed: skipped, the rest kept.
        assert_eq!(d.attrs(x).collect::<Vec<_>>(), vec![("b", "ok")]);
        assert!(parse_limited(b"<a/>", 3).is_err());
    }

    #[test]
    fn finds_elements_by_local_name_whatever_the_prefix() {
        let doc = br#"<?xml version="1.0"?><s:Envelope xmlns:s="x"><s:Body>
            <tds:Model>IPC</tds:Model><Model> B </Model></s:Body></s:Envelope>"#;
        assert_eq!(texts(doc, "Model").unwrap(), ["IPC", "B"]);
        assert_eq!(first_text(doc, "Envelope").unwrap().as_deref(), Some(""));
        assert_eq!(first_text(doc, "Missing").unwrap(), None);
    }

    #[test]
    fn decodes_entities_and_character_references_once() {
        let doc = b"<a>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42; &amp;lt; &nbsp; &#0; &bogus</a>";
        assert_eq!(
            first_text(doc, "a").unwrap().unwrap(),
            "x & y <z> \"q\" 's' AB &lt; &nbsp; &#0; &bogus"
        );
    }

    #[test]
    fn skips_comments_instructions_doctype_and_returns_cdata() {
        let doc = br#"<?xml version="1.0"?>
<!DOCTYPE root [ <!ENTITY lol "lol"> <!ELEMENT root ANY> ]>
<!-- a <b>comment</b> -->
<root attr="a > b" other='<'><?pi x?><v><![CDATA[a <raw> & text]]></v><!-- x --><w/></root>"#;
        let d = parse(doc).unwrap();
        assert_eq!(d.name(d.root()), "root");
        assert_eq!(
            first_text(doc, "v").unwrap().as_deref(),
            Some("a <raw> & text")
        );
        assert_eq!(first_text(doc, "w").unwrap().as_deref(), Some(""));
    }

    #[test]
    fn child_scoping_keeps_the_root_device_apart_from_embedded_devices() {
        let d = parse(ASYNC_UPNP_DESCRIPTION).unwrap();
        let device = d.child(d.root(), "device").unwrap();
        assert_eq!(
            d.child_text(device, "friendlyName").as_deref(),
            Some("Kade <12> camera & NVR")
        );
        assert_eq!(
            d.child_text(device, "serialNumber").as_deref(),
            Some("DV8-0042")
        );
        assert_eq!(d.child_text(device, "modelURL"), None, "empty element");
        let names: Vec<&str> = d
            .descendants(device, "friendlyName")
            .map(|e| d.text(e))
            .collect();
        assert_eq!(names, ["Kade <12> camera & NVR", "Recorder storage"]);
        assert_eq!(d.named("device").count(), 2);
        assert_eq!(d.first_child(device).map(|e| d.name(e)), Some("deviceType"));
    }

    #[test]
    fn truncated_documents_are_incomplete() {
        for end in [10, 100, 500, ASYNC_UPNP_DESCRIPTION.len() - 1] {
            assert_eq!(
                parse(&ASYNC_UPNP_DESCRIPTION[..end]),
                Err(ParseError::Incomplete),
                "cut at {end}"
            );
        }
        for cut in [
            &b"<a><!-- x"[..],
            b"<a><![CDATA[x",
            b"<a",
            b"<a x=\">\"",
            b"<!DOCTYPE a [ >",
        ] {
            assert_eq!(parse(cut), Err(ParseError::Incomplete), "{cut:?}");
        }
    }

    #[test]
    fn rejects_what_is_not_xml() {
        for bad in [
            &b""[..],
            b"   ",
            b"{\"json\": true}",
            b"<a></b>",
            b"</a>",
            b"<a/><b/>",
            b"<a></a>trailing",
            b"<1a/>",
            b"<a <b>",
            b"< a/>",
            b"<:/>",
        ] {
            assert!(
                matches!(parse(bad), Err(ParseError::Malformed { .. })),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn refuses_oversized_and_deeply_nested_documents() {
        let big = vec![b' '; MAX_DOC + 1];
        assert_eq!(
            parse(&big),
            Err(ParseError::TooLarge {
                field: "xml document",
                limit: MAX_DOC
            })
        );
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(ParseError::Malformed { .. })
        ));
    }

    #[test]
    fn escape_round_trips_through_the_parser() {
        let text = "a<b>&\"c\"'d'";
        let doc = format!("<x>{}</x>", escape(text));
        assert_eq!(
            first_text(doc.as_bytes(), "x").unwrap().as_deref(),
            Some(text)
        );
    }

    #[test]
    fn parser_never_panics_on_random_or_mutated_input() {
        let small: &[u8] = b"<?xml version=\"1.0\"?><!DOCTYPE r><r a='1'><b:c>&amp;&#x41;</b:c><![CDATA[x]]><!--c--><d/></r>";
        for input in fuzz::mutations(&[small, &ASYNC_UPNP_DESCRIPTION[..300]]) {
            if let Ok(d) = parse(&input) {
                let root = d.root();
                let _ = d.descendants(root, "c").count();
                let _ = d.child_text(root, "d");
            }
        }
    }
}
