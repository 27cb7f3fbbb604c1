//! ServerKeyExchange parameters: which DH or ECDH group the server chose, and which
//! signature algorithm it signed them with (the hash is graded by the policy).

use super::{Kex, KeyExchange, ParseError, Reader, TLS12, malformed};

/// ECParameters with a named curve and the ECPoint: (group, public key length).
fn ecdh_params(r: &mut Reader) -> Result<(u16, usize), ParseError> {
    let curve_type = r.u8("curve type")?;
    if curve_type != 3 {
        return Err(malformed(
            "curve type",
            format!("{curve_type}, only named_curve (3) is supported"),
        ));
    }
    let group = r.u16("named curve")?;
    let public = r.vec8("ECDH public key")?;
    if public.is_empty() {
        return Err(malformed("ECDH public key", "empty"));
    }
    Ok((group, public.len()))
}

/// ServerDHParams: (p, g, length of Ys).
fn dh_params(r: &mut Reader) -> Result<(Vec<u8>, Vec<u8>, usize), ParseError> {
    let p = r.vec16("DH prime")?;
    let g = r.vec16("DH generator")?;
    let ys = r.vec16("DH public key")?;
    for (v, field) in [(p, "DH prime"), (g, "DH generator"), (ys, "DH public key")] {
        if v.is_empty() {
            return Err(malformed(field, "empty"));
        }
    }
    Ok((p.to_vec(), g.to_vec(), ys.len()))
}

/// The digitally-signed tail: SignatureAndHashAlgorithm from TLS 1.2 on, then the
/// signature itself.
fn signature(r: &mut Reader, version: u16) -> Result<Option<u16>, ParseError> {
    let alg = if version >= TLS12 {
        Some(r.u16("signature algorithm")?)
    } else {
        None
    };
    r.vec16("signature")?;
    Ok(alg)
}

/// Unsigned parameters whose kind the suite does not tell (anon and PSK suites come
/// in DH and ECDH flavours): whichever reading uses `body` exactly.
fn unsigned_params(body: &[u8]) -> Result<KeyExchange, ParseError> {
    let mut r = Reader::new(body);
    if let Ok((group, public_len)) = ecdh_params(&mut r)
        && r.is_empty()
    {
        return Ok(KeyExchange::Ecdhe {
            group,
            public_len,
            sig_alg: None,
        });
    }
    let mut r = Reader::new(body);
    let (prime, generator, public_len) = dh_params(&mut r)?;
    r.finish("server key exchange")?;
    Ok(KeyExchange::Dhe {
        prime,
        generator,
        public_len,
        sig_alg: None,
    })
}

/// `version` (the negotiated one) decides whether a signature algorithm field is
/// present (TLS 1.2) or not (<= 1.1). Anon suites carry no signature; PSK suites start
/// with an identity hint. RSA (export), static DH/ECDH and other suites give `Other`.
pub fn parse_server_key_exchange(
    body: &[u8],
    kex: Kex,
    version: u16,
) -> Result<KeyExchange, ParseError> {
    let mut r = Reader::new(body);
    match kex {
        Kex::Ecdhe => {
            let (group, public_len) = ecdh_params(&mut r)?;
            let sig_alg = signature(&mut r, version)?;
            r.finish("server key exchange")?;
            Ok(KeyExchange::Ecdhe {
                group,
                public_len,
                sig_alg,
            })
        }
        Kex::Dhe => {
            let (prime, generator, public_len) = dh_params(&mut r)?;
            let sig_alg = signature(&mut r, version)?;
            r.finish("server key exchange")?;
            Ok(KeyExchange::Dhe {
                prime,
                generator,
                public_len,
                sig_alg,
            })
        }
        Kex::Anon => unsigned_params(body),
        Kex::Psk => {
            r.vec16("psk identity hint")?;
            match &body[r.pos..] {
                [] => Ok(KeyExchange::Other),
                rest => unsigned_params(rest),
            }
        }
        Kex::Rsa | Kex::StaticDh | Kex::StaticEcdh | Kex::Other => Ok(KeyExchange::Other),
    }
}
