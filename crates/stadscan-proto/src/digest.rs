//! HTTP and RTSP authentication answers: which `WWW-Authenticate` challenge
//! to answer (Basic, RFC 7617, or Digest, RFC 7616 and its RFC 2617 / 2069
//! forms) and the `Authorization` value that answers it. Pure code: the
//! HTTP and RTSP testers and the lab's devices share it.
//!
//! MD5 is not in `ring`, and Digest still runs on it in most cameras, so a
//! small RFC 1321 implementation lives here (for Digest only: never for
//! anything that needs collision resistance).

use crate::http::{self, Challenge};

/// A Digest hash algorithm (RFC 7616 3.3; `-sess` variants hash the
/// client nonce into the secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// MD5, also what an absent `algorithm` means.
    Md5,
    /// MD5-sess: MD5 with the nonces hashed into the secret.
    Md5Sess,
    /// SHA-256.
    Sha256,
    /// SHA-256-sess: SHA-256 with the nonces hashed into the secret.
    Sha256Sess,
}

impl Algorithm {
    /// The token as it appears in challenges (`algorithm=` is matched
    /// without regard to case; an absent one means MD5).
    fn parse(token: Option<&str>) -> Option<Algorithm> {
        let Some(t) = token else {
            return Some(Algorithm::Md5);
        };
        match t.to_ascii_uppercase().as_str() {
            "MD5" => Some(Algorithm::Md5),
            "MD5-SESS" => Some(Algorithm::Md5Sess),
            "SHA-256" => Some(Algorithm::Sha256),
            "SHA-256-SESS" => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    /// The token as written in an `algorithm=` parameter, such as "SHA-256-sess".
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Lowercase hex of the hash of `data`.
    fn hex(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => to_hex(&md5(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => {
                to_hex(ring::digest::digest(&ring::digest::SHA256, data.as_bytes()).as_ref())
            }
        }
    }

    /// Preference among offered algorithms: the stronger hash first.
    fn rank(self) -> u8 {
        match self {
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
        }
    }
}

/// A Digest challenge the client can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    /// The protection space the credentials apply to.
    pub realm: String,
    /// Server nonce; every answer hashes it in.
    pub nonce: String,
    /// Opaque string the server wants returned unchanged.
    pub opaque: Option<String>,
    /// Hash algorithm of the answer.
    pub algorithm: Algorithm,
    /// The server offered `qop=auth` (RFC 2617 and 7616); without it the
    /// RFC 2069 form is answered (no nc, no cnonce).
    pub qop_auth: bool,
}

impl DigestChallenge {
    /// `None` when a required part is missing, or the algorithm or the
    /// offered qop is one this client cannot answer (`auth-int` only).
    pub fn from_challenge(c: &Challenge) -> Option<DigestChallenge> {
        if c.scheme != "digest" {
            return None;
        }
        let realm = c.param("realm")?.to_string();
        let nonce = c.param("nonce").filter(|n| !n.is_empty())?.to_string();
        let algorithm = Algorithm::parse(c.param("algorithm"))?;
        let qop_auth = match c.param("qop") {
            None => false,
            Some(q) => {
                if !q.split(',').any(|t| t.trim().eq_ignore_ascii_case("auth")) {
                    return None;
                }
                true
            }
        };
        Some(DigestChallenge {
            realm,
            nonce,
            opaque: c.param("opaque").map(str::to_string),
            algorithm,
            qop_auth,
        })
    }
}

/// How to answer a server's challenges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// Basic (RFC 7617): user and password in Base64, readable by anyone on the path.
    Basic,
    /// Digest, answering this challenge.
    Digest(DigestChallenge),
}

impl Scheme {
    /// "Basic" or "Digest", as the scheme is written in headers.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Basic => "Basic",
            Scheme::Digest(_) => "Digest",
        }
    }
}

/// The challenge to answer among every `WWW-Authenticate` header value
/// (each may hold several challenges): Digest when one is answerable (the
/// stronger algorithm first), else Basic, else `None` (Bearer, NTLM...).
pub fn choose<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Scheme> {
    let challenges: Vec<Challenge> = values
        .into_iter()
        .flat_map(http::parse_www_authenticate)
        .collect();
    let digest = challenges
        .iter()
        .filter_map(DigestChallenge::from_challenge)
        .fold(None::<DigestChallenge>, |best, d| match best {
            Some(b) if b.algorithm.rank() >= d.algorithm.rank() => Some(b),
            _ => Some(d),
        });
    if let Some(d) = digest {
        return Some(Scheme::Digest(d));
    }
    challenges
        .iter()
        .any(|c| c.scheme == "basic")
        .then_some(Scheme::Basic)
}

/// What one Digest answer covers.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// Request method, hashed into the answer.
    pub method: &'a str,
    /// Request URI as sent on the request line, hashed into the answer.
    pub uri: &'a str,
    /// User name, sent in clear in the answer.
    pub username: &'a str,
    /// Password in clear text; only its hash goes out.
    pub password: &'a str,
    /// The client nonce (used only with qop or a `-sess` algorithm).
    pub cnonce: &'a str,
    /// The request count under this nonce (1 for a first answer).
    pub nc: u32,
}

/// The `response` value: H(HA1:nonce:nc:cnonce:qop:HA2) with qop, or
/// H(HA1:nonce:HA2) without (RFC 2069).
pub fn response(ch: &DigestChallenge, input: &DigestInput<'_>) -> String {
    let alg = ch.algorithm;
    let mut ha1 = alg.hex(&format!(
        "{}:{}:{}",
        input.username, ch.realm, input.password
    ));
    if alg.is_sess() {
        ha1 = alg.hex(&format!("{ha1}:{}:{}", ch.nonce, input.cnonce));
    }
    let ha2 = alg.hex(&format!("{}:{}", input.method, input.uri));
    if ch.qop_auth {
        alg.hex(&format!(
            "{ha1}:{}:{:08x}:{}:auth:{ha2}",
            ch.nonce, input.nc, input.cnonce
        ))
    } else {
        alg.hex(&format!("{ha1}:{}:{ha2}", ch.nonce))
    }
}

/// The whole `Authorization: Digest ...` value.
pub fn authorization(ch: &DigestChallenge, input: &DigestInput<'_>) -> String {
    let mut out = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, algorithm={}, response={}",
        quote(input.username),
        quote(&ch.realm),
        quote(&ch.nonce),
        quote(input.uri),
        ch.algorithm.name(),
        quote(&response(ch, input)),
    );
    if ch.qop_auth {
        out.push_str(&format!(
            ", qop=auth, nc={:08x}, cnonce={}",
            input.nc,
            quote(input.cnonce)
        ));
    }
    if let Some(o) = &ch.opaque {
        out.push_str(&format!(", opaque={}", quote(o)));
    }
    out
}

/// `Authorization: Basic ...` (RFC 7617: base64 of `user:password`).
pub fn basic(username: &str, password: &str) -> String {
    http::encode_basic_auth(username, password)
}

/// A fresh client nonce: 16 random bytes, hex (`None` only if the system
/// random source fails).
pub fn new_cnonce() -> Option<String> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut b).ok()?;
    Some(to_hex(&b))
}

/// The parts of a Digest `Authorization` value a server checks (the lab
/// devices use it; the parameter syntax is the challenges' own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestCredentials {
    /// `username`, the account the client claims.
    pub username: String,
    /// `realm`, which the server checks against its own.
    pub realm: String,
    /// `nonce`, which the server checks it issued.
    pub nonce: String,
    /// `uri`, the request URI the answer claims to cover.
    pub uri: String,
    /// `response`, the hex digest to compare with the expected one.
    pub response: String,
    /// `qop`, such as "auth"; `None` in the RFC 2069 form.
    pub qop: Option<String>,
    /// `nc`, the request count under this nonce (hex on the wire).
    pub nc: Option<u32>,
    /// `cnonce`, the client nonce (sent with `qop` or a `-sess` algorithm).
    pub cnonce: Option<String>,
}

/// `None` when the value is not Digest or lacks a required part.
pub fn parse_authorization(value: &str) -> Option<DigestCredentials> {
    let c = http::parse_www_authenticate(value).into_iter().next()?;
    if c.scheme != "digest" {
        return None;
    }
    let get = |n: &str| c.param(n).map(str::to_string);
    Some(DigestCredentials {
        username: get("username")?,
        realm: get("realm")?,
        nonce: get("nonce")?,
        uri: get("uri")?,
        response: get("response")?,
        qop: get("qop"),
        nc: match c.param("nc") {
            Some(n) => Some(u32::from_str_radix(n, 16).ok()?),
            None => None,
        },
        cnonce: get("cnonce"),
    })
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        // A line break would end the header: it never goes out.
        if c != '\r' && c != '\n' {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Lowercase hex of `bytes`, two digits each.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// floor(|sin(i + 1)| * 2^32), RFC 1321 3.4.
#[rustfmt::skip]
const MD5_K: [u32; 64] = [
    0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee,
    0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
    0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be,
    0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
    0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa,
    0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
    0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed,
    0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
    0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c,
    0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
    0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05,
    0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
    0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039,
    0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
    0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1,
    0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
];

/// Left-rotation amounts per round, four per round repeated.
const MD5_S: [[u32; 4]; 4] = [
    [7, 12, 17, 22],
    [5, 9, 14, 20],
    [4, 11, 16, 23],
    [6, 10, 15, 21],
];

/// MD5 (RFC 1321) of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut tail = Vec::with_capacity(128);
    let whole = data.len() - data.len() % 64;
    tail.extend_from_slice(&data[whole..]);
    tail.push(0x80);
    while tail.len() % 64 != 56 {
        tail.push(0);
    }
    tail.extend_from_slice(&bit_len.to_le_bytes());
    for block in data[..whole].chunks_exact(64).chain(tail.chunks_exact(64)) {
        md5_block(&mut state, block);
    }
    let mut out = [0u8; 16];
    for (i, word) in state.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

fn md5_block(state: &mut [u32; 4], block: &[u8]) {
    let mut m = [0u32; 16];
    for (i, w) in block.chunks_exact(4).enumerate() {
        m[i] = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    for i in 0..64 {
        let (f, g) = match i / 16 {
            0 => ((b & c) | (!b & d), i),
            1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
            2 => (b ^ c ^ d, (3 * i + 5) % 16),
            _ => (c ^ (b | !d), (7 * i) % 16),
        };
        let f = f.wrapping_add(a).wrapping_add(MD5_K[i]).wrapping_add(m[g]);
        a = d;
        d = c;
        c = b;
        b = b.wrapping_add(f.rotate_left(MD5_S[i / 16][i % 4]));
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_rfc_1321_test_suite() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"a", "0cc175b9c0f1b6a831c399e269772661"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                b"abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(to_hex(&md5(input)), want, "{:?}", input);
        }
    }

    #[test]
    fn md5_pads_across_block_boundaries() {
        // 55, 56 and 64 bytes: the length goes in the same block, the next
        // one, and after a whole block.
        for n in [55usize, 56, 63, 64, 65, 119, 120] {
            let data = vec![b'x'; n];
            let one = md5(&data);
            let mut other = data.clone();
            other[n - 1] = b'y';
            assert_ne!(one, md5(&other), "{n}");
        }
    }

    fn rfc7616_challenge(algorithm: &str) -> DigestChallenge {
        let header = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
             algorithm={algorithm}, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
        );
        match choose([header.as_str()]) {
            Some(Scheme::Digest(d)) => d,
            other => panic!("{other:?}"),
        }
    }

    const RFC7616_INPUT: DigestInput<'static> = DigestInput {
        method: "GET",
        uri: "/dir/index.html",
        username: "Mufasa",
        password: "Circle of Life",
        cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        nc: 1,
    };

    #[test]
    fn rfc_7616_examples_give_their_responses() {
        let md5 = rfc7616_challenge("MD5");
        assert_eq!(md5.algorithm, Algorithm::Md5);
        assert!(md5.qop_auth);
        assert_eq!(
            response(&md5, &RFC7616_INPUT),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
        let sha = rfc7616_challenge("SHA-256");
        assert_eq!(
            response(&sha, &RFC7616_INPUT),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        let header = authorization(&sha, &RFC7616_INPUT);
        assert!(header.starts_with("Digest username=\"Mufasa\", realm=\"http-auth@example.org\""));
        assert!(header.contains("algorithm=SHA-256"));
        assert!(header.contains(
            "qop=auth, nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\""
        ));
        assert!(header.contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
    }

    #[test]
    fn rfc_2617_example_gives_its_response() {
        let header = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
                      nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
                      opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        let Some(Scheme::Digest(ch)) = choose([header]) else {
            panic!("digest");
        };
        let input = DigestInput {
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle Of Life",
            cnonce: "0a4f113b",
            nc: 1,
        };
        assert_eq!(response(&ch, &input), "6629fae49393a05397450978507c4ef1");
        // The answer parses back as the server sees it.
        let creds = parse_authorization(&authorization(&ch, &input)).unwrap();
        assert_eq!(creds.username, "Mufasa");
        assert_eq!(creds.uri, "/dir/index.html");
        assert_eq!(creds.nc, Some(1));
        assert_eq!(creds.qop.as_deref(), Some("auth"));
        assert_eq!(creds.response, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn no_qop_gives_the_rfc_2069_form() {
        let Some(Scheme::Digest(ch)) = choose(["Digest realm=\"r\", nonce=\"n\""]) else {
            panic!("digest");
        };
        assert!(!ch.qop_auth);
        let input = DigestInput {
            cnonce: "ignored",
            ..RFC7616_INPUT
        };
        let ha1 = to_hex(&md5(b"Mufasa:r:Circle of Life"));
        let ha2 = to_hex(&md5(b"GET:/dir/index.html"));
        let want = to_hex(&md5(format!("{ha1}:n:{ha2}").as_bytes()));
        assert_eq!(response(&ch, &input), want);
        let header = authorization(&ch, &input);
        assert!(
            !header.contains("cnonce") && !header.contains("qop") && !header.contains("opaque")
        );
    }

    #[test]
    fn sess_algorithms_hash_the_client_nonce_into_ha1() {
        let Some(Scheme::Digest(ch)) =
            choose(["Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=MD5-sess"])
        else {
            panic!("digest");
        };
        assert_eq!(ch.algorithm, Algorithm::Md5Sess);
        let input = DigestInput {
            username: "u",
            password: "p",
            cnonce: "c",
            ..RFC7616_INPUT
        };
        let ha1 = to_hex(&md5(format!("{}:n:c", to_hex(&md5(b"u:r:p"))).as_bytes()));
        let ha2 = to_hex(&md5(b"GET:/dir/index.html"));
        let want = to_hex(&md5(format!("{ha1}:n:00000001:c:auth:{ha2}").as_bytes()));
        assert_eq!(response(&ch, &input), want);
    }

    #[test]
    fn digest_is_preferred_and_sha_256_over_md5() {
        // Several challenges in one header, and in several headers.
        let one = "Basic realm=\"x\", Digest realm=\"x\", nonce=\"a\", algorithm=MD5, \
                   Digest realm=\"x\", nonce=\"b\", algorithm=SHA-256";
        let Some(Scheme::Digest(d)) = choose([one]) else {
            panic!("digest");
        };
        assert_eq!((d.algorithm, d.nonce.as_str()), (Algorithm::Sha256, "b"));
        let Some(Scheme::Digest(d)) =
            choose(["Basic realm=\"x\"", "Digest realm=\"x\", nonce=\"z\""])
        else {
            panic!("digest");
        };
        assert_eq!(d.algorithm, Algorithm::Md5);
        assert_eq!(choose(["Basic realm=\"cam\""]), Some(Scheme::Basic));
    }

    #[test]
    fn unanswerable_challenges_fall_back_or_give_none() {
        // auth-int only, an unknown algorithm, no nonce: not answerable.
        assert_eq!(
            choose(["Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\", Basic realm=\"x\""]),
            Some(Scheme::Basic)
        );
        assert_eq!(
            choose(["Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256"]),
            None
        );
        assert_eq!(choose(["Digest realm=\"x\""]), None);
        assert_eq!(choose(["Bearer realm=\"api\"", "Negotiate"]), None);
        assert_eq!(choose(Vec::<&str>::new()), None);
    }

    #[test]
    fn quoted_values_are_escaped_and_stay_on_one_line() {
        assert_eq!(quote("a\"b\\c\r\nd"), "\"a\\\"b\\\\cd\"");
        let Some(Scheme::Digest(ch)) = choose(["Digest realm=\"r\", nonce=\"n\", qop=auth"]) else {
            panic!("digest");
        };
        let input = DigestInput {
            username: "we\"ird",
            ..RFC7616_INPUT
        };
        let creds = parse_authorization(&authorization(&ch, &input)).unwrap();
        assert_eq!(creds.username, "we\"ird");
    }

    #[test]
    fn basic_is_base64_of_user_and_password() {
        // RFC 7617 2: Aladdin / open sesame.
        assert_eq!(
            basic("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn malformed_authorization_values_are_none() {
        assert_eq!(
            parse_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            None
        );
        assert_eq!(parse_authorization("Digest username=\"a\""), None);
        assert_eq!(
            parse_authorization(
                "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"x\", nc=zz"
            ),
            None
        );
        for input in crate::fuzz::random_inputs(0xd16e57, 300, 200) {
            let text = String::from_utf8_lossy(&input);
            let _ = choose([text.as_ref()]);
            let _ = parse_authorization(&text);
        }
    }

    #[test]
    fn client_nonces_differ() {
        let a = new_cnonce().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_cnonce().unwrap());
    }
}
