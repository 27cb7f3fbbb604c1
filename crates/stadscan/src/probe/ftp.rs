//! FTP: reads the greeting, tries the public `anonymous` login (what every
//! FTP client offers; no secret is involved), asks SYST, and quits.

use tokio::io::{AsyncRead, AsyncWrite};

use super::{BANNER_LIMIT, Cx, Step};
use crate::model::{Evidence, Observation, ProbeStatus, clean_text};
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::ParseError;
use crate::proto::ftp::{self, Reply};

/// The conventional anonymous password: an address-shaped string.
const ANONYMOUS_PASSWORD: &str = "anonymous@stadscan.invalid";

pub(crate) async fn converse<S>(
    io: &mut S,
    initial: Vec<u8>,
    cx: &Cx<'_>,
    obs: &mut Observation,
) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = initial;
    let greeting = match read_reply(io, &mut buf, cx).await {
        Some(r) => r,
        None => {
            obs.evidence.push(Evidence::from_bytes("ftp", &buf));
            return Step::Other(buf);
        }
    };
    obs.evidence.push(Evidence::from_bytes("ftp", &buf));
    obs.protocol = "ftp".into();
    obs.set("ftp.banner", clean_text(greeting.text().as_bytes(), 200));
    if greeting.code / 100 != 2 {
        obs.status = ProbeStatus::ProtocolError;
        return Step::Identified;
    }
    let anonymous = match command(io, "USER", Some("anonymous"), cx).await {
        Some(r) if r.code == 230 => Some(true),
        Some(r) if r.code == 331 => match command(io, "PASS", Some(ANONYMOUS_PASSWORD), cx).await {
            Some(p) => Some(p.code == 230),
            None => None,
        },
        Some(_) => Some(false),
        None => None,
    };
    if let Some(a) = anonymous {
        obs.set("ftp.anonymous", a);
    }
    if let Some(r) = command(io, "SYST", None, cx).await
        && r.code == 215
    {
        obs.set("ftp.system", clean_text(r.text().as_bytes(), 100));
    }
    let _quit = command(io, "QUIT", None, cx).await;
    Step::Identified
}

async fn command<S>(io: &mut S, verb: &str, arg: Option<&str>, cx: &Cx<'_>) -> Option<Reply>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    write_all(io, &ftp::encode_command(verb, arg), cx.deadline)
        .await
        .ok()?;
    let mut buf = Vec::new();
    read_reply(io, &mut buf, cx).await
}

async fn read_reply<S>(io: &mut S, buf: &mut Vec<u8>, cx: &Cx<'_>) -> Option<Reply>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let end = read_until(io, buf, cx.deadline, BANNER_LIMIT, |b| {
        !matches!(ftp::parse_reply(b), Err(ParseError::Incomplete))
    })
    .await;
    if end == ReadEnd::Failed && buf.is_empty() {
        return None;
    }
    ftp::parse_reply(buf).ok()
}
