//! The P-256 key that binds an `aws login` session's tokens, and the DPoP proofs (RFC 9449)
//! signed with it for every call to the token endpoint.
//!
//! The key lives in the login cache as the AWS CLI writes it (`dpopKey`): the PEM of a SEC1
//! `EC PRIVATE KEY` with the curve named and the public key included. For P-256 that DER has
//! one layout, so it is read and written against that layout with a small TLV reader, not a
//! general ASN.1 library. ring, already linked for TLS, generates the key and signs (ES256:
//! SHA-256, the fixed 64-byte `r || s` form that JWS wants).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use crate::secret::Secret;

/// id-ecPublicKey's curve: prime256v1 (1.2.840.10045.3.1.7).
const P256_OID: [u8; 8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const PEM_BEGIN: &str = "-----BEGIN EC PRIVATE KEY-----";
const PEM_END: &str = "-----END EC PRIVATE KEY-----";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("its dpopKey is not a PEM-encoded key")]
    NotPem,
    #[error("its dpopKey is not a P-256 private key with its public key")]
    NotP256,
    #[error("its dpopKey does not match its own public key")]
    Inconsistent,
    #[error("no randomness from the OS")]
    Random,
}

/// A session's signing key. Its `Debug` shows nothing of it.
pub struct DpopKey {
    pair: EcdsaKeyPair,
    private: Secret,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(..)")
    }
}

impl DpopKey {
    /// A new key for a new session (`ssox login`).
    pub fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::Random)?;
        let (d, public) = parse_key(doc.as_ref()).ok_or(KeyError::NotP256)?;
        Self::from_parts(&d, &public)
    }

    /// The key in a cache file's `dpopKey`. Any PEM label is taken (botocore reads only the
    /// base64 between the lines); the DER may be SEC1 or PKCS#8.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(body.as_bytes())
            .map_err(|_| KeyError::NotPem)?;
        let (d, public) = parse_key(&der).ok_or(KeyError::NotP256)?;
        Self::from_parts(&d, &public)
    }

    fn from_parts(d: &[u8], public: &[u8]) -> Result<Self, KeyError> {
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            d,
            public,
            &SystemRandom::new(),
        )
        .map_err(|_| KeyError::Inconsistent)?;
        Ok(Self {
            pair,
            private: Secret::new(URL_SAFE_NO_PAD.encode(d)),
        })
    }

    /// The PEM the AWS CLI writes: SEC1 with the curve and the public key, 64-column lines.
    pub fn to_pem(&self) -> Secret {
        let d = URL_SAFE_NO_PAD
            .decode(self.private.expose())
            .unwrap_or_default();
        let public = self.pair.public_key().as_ref();
        let mut der = vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
        der.extend_from_slice(&d);
        der.extend_from_slice(&[0xa0, 0x0a, 0x06, 0x08]);
        der.extend_from_slice(&P256_OID);
        der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        der.extend_from_slice(public);
        let b64 = STANDARD.encode(&der);
        let mut pem = String::from(PEM_BEGIN);
        pem.push('\n');
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str(PEM_END);
        pem.push('\n');
        Secret::new(pem)
    }

    /// The public key as a JWK, members in the order botocore writes them.
    pub fn jwk(&self) -> serde_json::Value {
        let public = self.pair.public_key().as_ref();
        serde_json::json!({
            "kty": "EC",
            "x": URL_SAFE_NO_PAD.encode(&public[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&public[33..65]),
            "crv": "P-256",
        })
    }

    /// The `DPoP` header for a POST to `url` at `iat` (Unix seconds): an ES256 JWT with this
    /// key's public half in its header and a fresh `jti`. The URL loses any query or
    /// fragment (RFC 9449 §4.2).
    pub fn proof(&self, url: &str, iat: i64) -> Result<String, KeyError> {
        let htu = url.split(['?', '#']).next().unwrap_or(url);
        let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()});
        let payload = serde_json::json!({"htm": "POST", "htu": htu, "iat": iat, "jti": uuid4()?});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| KeyError::Random)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }
}

/// A random (version 4) UUID, as botocore's `jti`.
pub fn uuid4() -> Result<String, KeyError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| KeyError::Random)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = crate::fsutil::hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// One DER element: its tag, its contents, and what follows it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 2 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The private scalar and the uncompressed public point of a P-256 key in SEC1
/// (`ECPrivateKey`) or PKCS#8 (`PrivateKeyInfo` around one) DER.
fn parse_key(der: &[u8]) -> Option<([u8; 32], [u8; 65])> {
    let (0x30, seq, _) = tlv(der)? else {
        return None;
    };
    let (0x02, version, rest) = tlv(seq)? else {
        return None;
    };
    match version {
        // PKCS#8: AlgorithmIdentifier (ecPublicKey, prime256v1), then the SEC1 key.
        [0] => {
            let (0x30, alg, rest) = tlv(rest)? else {
                return None;
            };
            let (_, _, curve) = tlv(alg)?;
            let (0x06, oid, _) = tlv(curve)? else {
                return None;
            };
            if oid != P256_OID {
                return None;
            }
            let (0x04, inner, _) = tlv(rest)? else {
                return None;
            };
            parse_key(inner)
        }
        [1] => {
            let (0x04, d, mut rest) = tlv(rest)? else {
                return None;
            };
            let d: [u8; 32] = d.try_into().ok()?;
            let mut public = None;
            while !rest.is_empty() {
                let (tag, value, next) = tlv(rest)?;
                match tag {
                    0xa0 => {
                        let (0x06, oid, _) = tlv(value)? else {
                            return None;
                        };
                        if oid != P256_OID {
                            return None;
                        }
                    }
                    0xa1 => {
                        let (0x03, bits, _) = tlv(value)? else {
                            return None;
                        };
                        let (&0, point) = bits.split_first()? else {
                            return None;
                        };
                        public = Some(<[u8; 65]>::try_from(point).ok()?);
                    }
                    _ => return None,
                }
                rest = next;
            }
            Some((d, public?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    #[test]
    fn a_generated_key_survives_its_pem_and_signs_proofs_its_public_half_verifies() {
        let key = DpopKey::generate().unwrap();
        let pem = key.to_pem();
        assert!(pem.expose().starts_with(PEM_BEGIN));
        assert!(pem.expose().lines().all(|l| l.len() <= 64));
        let again = DpopKey::from_pem(pem.expose()).unwrap();
        assert_eq!(again.jwk(), key.jwk());
        assert_eq!(format!("{again:?}"), "DpopKey(..)");

        let proof = again
            .proof(
                "https://us-east-1.signin.aws.amazon.com/v1/token?x=1",
                1_700_000_000,
            )
            .unwrap();
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3);
        let json = |p: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
        };
        let (header, payload) = (json(parts[0]), json(parts[1]));
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"], key.jwk());
        assert_eq!(payload["htm"], "POST");
        assert_eq!(
            payload["htu"],
            "https://us-east-1.signin.aws.amazon.com/v1/token"
        );
        assert_eq!(payload["iat"], 1_700_000_000);
        assert_eq!(payload["jti"].as_str().unwrap().len(), 36);
        let jwk = &header["jwk"];
        let mut point = vec![4u8];
        point.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap());
        point.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap());
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        // Every proof has its own jti.
        let other = again.proof("https://x/v1/token", 1).unwrap();
        assert_ne!(
            json(other.split('.').nth(1).unwrap())["jti"],
            payload["jti"]
        );
    }

    #[test]
    fn keys_that_are_not_p256_with_their_public_half_are_refused() {
        assert_eq!(
            DpopKey::from_pem("not a key").unwrap_err(),
            KeyError::NotPem
        );
        let pem = |der: &[u8]| format!("{PEM_BEGIN}\n{}\n{PEM_END}\n", STANDARD.encode(der));
        // A SEC1 key without its public key: ring cannot derive it, so it is refused.
        let mut no_public = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
        no_public.extend([7u8; 32]);
        no_public.extend([0xa0, 0x0a, 0x06, 0x08]);
        no_public.extend(P256_OID);
        assert_eq!(
            DpopKey::from_pem(&pem(&no_public)).unwrap_err(),
            KeyError::NotP256
        );
        // Truncated DER.
        let key = DpopKey::generate().unwrap().to_pem();
        let der = STANDARD
            .decode(
                key.expose()
                    .lines()
                    .filter(|l| !l.starts_with("---"))
                    .collect::<String>(),
            )
            .unwrap();
        assert_eq!(
            DpopKey::from_pem(&pem(&der[..60])).unwrap_err(),
            KeyError::NotP256
        );
        // A key whose public half belongs to another key.
        let other = DpopKey::generate().unwrap().to_pem();
        let other_der = STANDARD
            .decode(
                other
                    .expose()
                    .lines()
                    .filter(|l| !l.starts_with("---"))
                    .collect::<String>(),
            )
            .unwrap();
        let mut mixed = der.clone();
        mixed[56..].copy_from_slice(&other_der[56..]);
        assert_eq!(
            DpopKey::from_pem(&pem(&mixed)).unwrap_err(),
            KeyError::Inconsistent
        );
    }
}
