//! Telnet: answers option negotiation (refusing every option) and reads up
//! to the login prompt. A login prompt over Telnet is cleartext admin access.

use std::collections::BTreeSet;

use tokio::io::{AsyncRead, AsyncWrite};

use super::{Cx, Step};
use crate::model::{Evidence, Observation, clean_text};
use crate::net::io::{read_some, write_all};
use crate::proto::telnet::{self, Command};

const LIMIT: usize = 8192;

pub(crate) async fn converse<S>(
    io: &mut S,
    initial: Vec<u8>,
    cx: &Cx<'_>,
    obs: &mut Observation,
) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut raw = initial.clone();
    let mut pending = initial;
    let mut data = Vec::new();
    let mut options = BTreeSet::new();
    let mut negotiated = false;
    let prompt = loop {
        let split = telnet::split(&pending);
        data.extend_from_slice(&split.data);
        let mut replies = Vec::new();
        for cmd in &split.commands {
            negotiated = true;
            match cmd {
                Command::Will(o) | Command::Do(o) | Command::Wont(o) | Command::Dont(o) => {
                    options.insert(telnet::option_name(*o));
                }
                Command::Subnegotiation(o, _) => {
                    options.insert(telnet::option_name(*o));
                }
                Command::Other(_) => {}
            }
            if let Some(r) = telnet::refusal(cmd) {
                replies.extend_from_slice(&r);
            }
        }
        pending.drain(..split.consumed.min(pending.len()));
        if !replies.is_empty() && write_all(io, &replies, cx.deadline).await.is_err() {
            break None;
        }
        if let Some(p) = telnet::find_prompt(&data) {
            break Some(p);
        }
        if raw.len() >= LIMIT {
            break None;
        }
        match read_some(io, cx.deadline, LIMIT - raw.len()).await {
            Some(more) => {
                raw.extend_from_slice(&more);
                pending.extend_from_slice(&more);
            }
            None => break None,
        }
    };
    obs.evidence.push(Evidence::from_bytes("telnet", &raw));
    if prompt.is_none() && (!negotiated || !mostly_text(&data)) {
        return Step::Other(raw);
    }
    obs.protocol = "telnet".into();
    if !options.is_empty() {
        obs.set("telnet.options", options.into_iter().collect::<Vec<_>>());
    }
    let text = clean_text(&data, 400);
    if let Some((_, line)) = prompt {
        let banner = text.strip_suffix(line.as_str()).unwrap_or(&text).trim();
        if !banner.is_empty() {
            obs.set("telnet.banner", truncate(banner, 200));
        }
        obs.set("telnet.login_prompt", line);
    } else if !text.is_empty() {
        obs.set("telnet.banner", truncate(&text, 200));
    }
    Step::Identified
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// True when at least 80 % of `b` is printable ASCII or whitespace: a
/// greeting or prompt rather than binary.
pub(crate) fn mostly_text(b: &[u8]) -> bool {
    let text = b
        .iter()
        .filter(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
        .count();
    text * 10 >= b.len() * 8
}
