//! A JWS key: an HMAC secret, a private key (which signs and verifies),
//! or a public key alone (which only verifies).
//!
//! ```text
//!   Key ── Hmac(secret)        HS*: signs and verifies, never published
//!       ├─ Private(key pair)   RS*, PS*, ES*, EdDSA: signs; its public half verifies
//!       └─ Public(key)         verifies only: VERIFYING_KEY_FILE, a JWKS
//! ```
//!
//! An HMAC key is keyed once at start-up; signing and verifying clone the
//! keyed state, which skips the HMAC key schedule on every token, and tags
//! are compared in constant time. A key is made for one algorithm and
//! checked to suit it (an RSA key for RS256, a P-256 key for ES256, ...),
//! so the key a token is checked with decides how it is checked, never the
//! token. Its `Debug` never shows secret material.

use std::fmt;
#[cfg(feature = "asymmetric")]
use std::sync::Arc;

use super::Algorithm;
#[cfg(feature = "asymmetric")]
use crate::pki::{PrivateKey, PublicKey};
use crate::primitives::{HmacHash, HmacKey};

/// Longest signature of any algorithm: RSA with a 4096-bit modulus.
pub const MAX_SIGNATURE_LEN: usize = 512;

/// A signature or an HMAC tag: up to [`MAX_SIGNATURE_LEN`] bytes, of which
/// `len` are used.
#[derive(Clone, Copy)]
pub struct Signature {
    bytes: [u8; MAX_SIGNATURE_LEN],
    len: usize,
}

impl Signature {
    /// The signature's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A key for one algorithm.
#[derive(Clone)]
pub struct Key {
    algorithm: Algorithm,
    material: Material,
}

// The HMAC state is kept inline: it is the hot path's key, and boxing it
// would add a pointer chase to every HMAC verification.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
enum Material {
    Hmac(HmacKey),
    #[cfg(feature = "asymmetric")]
    Private(Arc<PrivateKey>),
    #[cfg(feature = "asymmetric")]
    Public(Arc<PublicKey>),
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// An empty secret signs nothing worth verifying.
    Empty,
    /// A secret for a public-key algorithm, or a key pair for HMAC, or a key
    /// of the wrong kind (a P-384 key for ES256, say).
    WrongKind(String),
    /// This jwtd was built without the `asymmetric` feature.
    NotBuilt(Algorithm),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("the signing key is empty"),
            KeyError::WrongKind(why) => f.write_str(why),
            KeyError::NotBuilt(alg) => write!(
                f,
                "{alg} needs a jwtd built with the `asymmetric` feature (the default); this one signs with HMAC only"
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// Why nothing was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignError {
    /// The key is a public key: this server only verifies.
    VerifyOnly,
    /// The signature could not be made (the random source failed).
    Failed,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::VerifyOnly => {
                f.write_str("this server has a verifying key only and signs no tokens")
            }
            SignError::Failed => f.write_str("the signature could not be made"),
        }
    }
}

impl std::error::Error for SignError {}

impl Key {
    /// Keys `secret` for the HMAC `algorithm`. SimpleJWT uses the UTF-8
    /// bytes of `SIGNING_KEY`, so a Django service with the same string
    /// interoperates.
    pub fn new(algorithm: Algorithm, secret: &[u8]) -> Result<Key, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::Empty);
        }
        let hash = match algorithm {
            Algorithm::HS256 => HmacHash::Sha256,
            Algorithm::HS384 => HmacHash::Sha384,
            Algorithm::HS512 => HmacHash::Sha512,
            other => {
                return Err(KeyError::WrongKind(format!(
                    "{other} signs with a private key, not a shared secret: give a PEM key file"
                )))
            }
        };
        Ok(Key {
            algorithm,
            material: Material::Hmac(HmacKey::new(hash, secret)),
        })
    }

    /// A private key for the public-key `algorithm`: it signs, and its
    /// public half verifies.
    #[cfg(feature = "asymmetric")]
    pub fn private(algorithm: Algorithm, key: PrivateKey) -> Result<Key, KeyError> {
        suits(algorithm, key.public())?;
        Ok(Key {
            algorithm,
            material: Material::Private(Arc::new(key)),
        })
    }

    /// A public key for `algorithm`: it only verifies.
    #[cfg(feature = "asymmetric")]
    pub fn public(algorithm: Algorithm, key: PublicKey) -> Result<Key, KeyError> {
        suits(algorithm, &key)?;
        Ok(Key {
            algorithm,
            material: Material::Public(Arc::new(key)),
        })
    }

    /// The algorithm this key signs with, and the only one it verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether it signs: an HMAC secret or a private key.
    pub fn can_sign(&self) -> bool {
        match &self.material {
            Material::Hmac(_) => true,
            #[cfg(feature = "asymmetric")]
            Material::Private(_) => true,
            #[cfg(feature = "asymmetric")]
            Material::Public(_) => false,
        }
    }

    /// The public key, for a public-key algorithm.
    #[cfg(feature = "asymmetric")]
    pub fn public_key(&self) -> Option<&PublicKey> {
        match &self.material {
            Material::Hmac(_) => None,
            Material::Private(key) => Some(key.public()),
            Material::Public(key) => Some(key),
        }
    }

    /// The private key, for the database to keep.
    #[cfg(feature = "asymmetric")]
    pub fn private_key(&self) -> Option<&PrivateKey> {
        match &self.material {
            Material::Private(key) => Some(key),
            _ => None,
        }
    }

    /// The length of its signatures: the HMAC tag's, the RSA modulus's,
    /// ECDSA's r || s, or Ed25519's 64 bytes.
    pub fn signature_len(&self) -> usize {
        match &self.material {
            Material::Hmac(_) => self.algorithm.hmac_tag_len().unwrap_or(0),
            #[cfg(feature = "asymmetric")]
            Material::Private(_) | Material::Public(_) => {
                match (self.public_key(), self.algorithm.scheme()) {
                    (Some(key), Some(scheme)) => key.signature_len(scheme),
                    _ => 0,
                }
            }
        }
    }

    /// Whether `other` is the same key: the same algorithm, signing the
    /// same way. Compared by what each signs (HMAC) or by the public key,
    /// so that no secret is handled here.
    pub fn same_as(&self, other: &Key) -> bool {
        const PROBE: &[u8] = b"jwtd: is this the same key?";
        if self.algorithm != other.algorithm || self.can_sign() != other.can_sign() {
            return false;
        }
        match (&self.material, &other.material) {
            (Material::Hmac(a), Material::Hmac(b)) => {
                let (mut x, mut y) = ([0u8; 64], [0u8; 64]);
                a.tag(PROBE, &mut x) == b.tag(PROBE, &mut y) && x == y
            }
            #[cfg(feature = "asymmetric")]
            _ => self.public_key().is_some() && self.public_key() == other.public_key(),
        }
    }

    /// What the key is, in a few words: `HMAC secret`, `RSA 2048-bit
    /// private key`, `EC P-256 public key`, ...
    pub fn describe(&self) -> String {
        match &self.material {
            Material::Hmac(_) => "HMAC secret".into(),
            #[cfg(feature = "asymmetric")]
            Material::Private(key) => format!("{} private key", key.public().kind()),
            #[cfg(feature = "asymmetric")]
            Material::Public(key) => format!("{} public key", key.kind()),
        }
    }

    /// The signature (or HMAC tag) of `input`.
    pub fn sign(&self, input: &[u8]) -> Result<Signature, SignError> {
        let mut signature = Signature {
            bytes: [0; MAX_SIGNATURE_LEN],
            len: 0,
        };
        match &self.material {
            Material::Hmac(mac) => {
                let mut tag = [0u8; 64];
                let len = mac.tag(input, &mut tag);
                signature.bytes[..len].copy_from_slice(&tag[..len]);
                signature.len = len;
            }
            #[cfg(feature = "asymmetric")]
            Material::Private(key) => {
                let scheme = self.algorithm.scheme().ok_or(SignError::Failed)?;
                signature.len = key
                    .sign(scheme, input, &mut signature.bytes)
                    .map_err(|_| SignError::Failed)?;
            }
            #[cfg(feature = "asymmetric")]
            Material::Public(_) => return Err(SignError::VerifyOnly),
        }
        Ok(signature)
    }

    /// Whether `signature` is this key's signature of `input`; an HMAC tag
    /// is compared in constant time.
    pub fn verify(&self, input: &[u8], signature: &[u8]) -> bool {
        match &self.material {
            Material::Hmac(mac) => mac.verify(input, signature),
            #[cfg(feature = "asymmetric")]
            Material::Private(_) | Material::Public(_) => {
                match (self.public_key(), self.algorithm.scheme()) {
                    (Some(key), Some(scheme)) => key.verify(scheme, input, signature),
                    _ => false,
                }
            }
        }
    }
}

/// Whether `key` is the kind of key `algorithm` needs.
#[cfg(feature = "asymmetric")]
fn suits(algorithm: Algorithm, key: &PublicKey) -> Result<(), KeyError> {
    match algorithm.scheme() {
        Some(scheme) if key.kind().suits(scheme) => Ok(()),
        Some(_) => Err(KeyError::WrongKind(format!(
            "{algorithm} cannot use an {} key",
            key.kind()
        ))),
        None => Err(KeyError::WrongKind(format!(
            "{algorithm} signs with a shared secret, not a key pair"
        ))),
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = f.debug_struct("Key");
        shown.field("algorithm", &self.algorithm);
        match &self.material {
            Material::Hmac(_) => shown.field("secret", &"[redacted]"),
            #[cfg(feature = "asymmetric")]
            Material::Private(key) => shown.field("private", key),
            #[cfg(feature = "asymmetric")]
            Material::Public(key) => shown.field("public", key),
        };
        shown.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn mac_hex(alg: Algorithm, key: &[u8], data: &[u8]) -> String {
        hex(Key::new(alg, key).unwrap().sign(data).unwrap().as_bytes())
    }

    // RFC 4231 section 4.2: key = 0x0b * 20, data = "Hi There".
    #[test]
    fn rfc4231_test_case_1() {
        let key = [0x0b; 20];
        assert_eq!(
            mac_hex(Algorithm::HS256, &key, b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            mac_hex(Algorithm::HS384, &key, b"Hi There"),
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
             faea9ea9076ede7f4af152e8b2fa9cb6"
        );
        assert_eq!(
            mac_hex(Algorithm::HS512, &key, b"Hi There"),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
             daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        );
    }

    // RFC 4231 section 4.3: a key shorter than the output.
    #[test]
    fn rfc4231_test_case_2() {
        let data = b"what do ya want for nothing?";
        assert_eq!(
            mac_hex(Algorithm::HS256, b"Jefe", data),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            mac_hex(Algorithm::HS384, b"Jefe", data),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
             8e2240ca5e69e2c78b3239ecfab21649"
        );
        assert_eq!(
            mac_hex(Algorithm::HS512, b"Jefe", data),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    // RFC 4231 section 4.4: key = 0xaa * 20, data = 0xdd * 50.
    #[test]
    fn rfc4231_test_case_3() {
        let (key, data) = ([0xaa; 20], [0xdd; 50]);
        assert_eq!(
            mac_hex(Algorithm::HS256, &key, &data),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        );
        assert_eq!(
            mac_hex(Algorithm::HS384, &key, &data),
            "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b\
             2a5ab39dc13814b94e3ab6e101a34f27"
        );
        assert_eq!(
            mac_hex(Algorithm::HS512, &key, &data),
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39\
             bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"
        );
    }

    // RFC 4231 section 4.7: a key longer than the block is hashed first.
    #[test]
    fn rfc4231_test_case_6_long_key() {
        let key = [0xaa; 131];
        assert_eq!(
            mac_hex(
                Algorithm::HS256,
                &key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn verify_accepts_only_the_exact_tag() {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let key = Key::new(alg, b"secret").unwrap();
            let tag = key.sign(b"message").unwrap();
            assert_eq!(Some(tag.as_bytes().len()), alg.hmac_tag_len());
            assert!(key.verify(b"message", tag.as_bytes()));
            assert!(!key.verify(b"messagE", tag.as_bytes()));
            let mut flipped = tag.as_bytes().to_vec();
            flipped[0] ^= 1;
            assert!(!key.verify(b"message", &flipped));
            assert!(!key.verify(b"message", &tag.as_bytes()[..16]), "truncated");
            assert!(!key.verify(b"message", b""), "empty");
        }
    }

    #[test]
    fn empty_key_is_refused() {
        assert_eq!(
            Key::new(Algorithm::HS256, b"").unwrap_err(),
            KeyError::Empty
        );
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = Key::new(Algorithm::HS256, b"hunter2-very-secret").unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }
}
