//! HMAC signing keys for the three JWS algorithms jwtd supports (RFC 7518
//! section 3.2): HS256, HS384 and HS512.
//!
//! A [`SigningKey`] is keyed once at start-up; signing and verifying clone
//! the keyed state, which skips the HMAC key schedule on every token.
//! Verification compares tags in constant time ([`HmacKey::verify`]).

use std::fmt;

use crate::primitives::{HmacHash, HmacKey};

/// A JWS algorithm from the HMAC family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-256, a 32-byte tag.
    HS256,
    /// HMAC with SHA-384, a 48-byte tag.
    HS384,
    /// HMAC with SHA-512, a 64-byte tag.
    HS512,
}

impl Algorithm {
    /// The `alg` header value.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }

    /// Parses an `alg` name; only the exact upper-case spelling is accepted.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "HS256" => Some(Algorithm::HS256),
            "HS384" => Some(Algorithm::HS384),
            "HS512" => Some(Algorithm::HS512),
            _ => None,
        }
    }

    /// Length of the tag in bytes; RFC 7518 section 3.2 asks for a key at
    /// least this long.
    pub const fn tag_len(self) -> usize {
        match self {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
        }
    }

    /// The header PyJWT writes (keys sorted, compact), base64url-encoded.
    /// SimpleJWT tokens always carry exactly this header.
    pub const fn encoded_header(self) -> &'static str {
        match self {
            // {"alg":"HS256","typ":"JWT"}
            Algorithm::HS256 => "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            // {"alg":"HS384","typ":"JWT"}
            Algorithm::HS384 => "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9",
            // {"alg":"HS512","typ":"JWT"}
            Algorithm::HS512 => "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An HMAC tag: up to 64 bytes, of which `len` are used.
#[derive(Clone, Copy)]
pub struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    /// The tag bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The server's secret, keyed for one algorithm. Its `Debug` never shows the
/// key.
#[derive(Clone)]
pub struct SigningKey {
    algorithm: Algorithm,
    mac: HmacKey,
}

/// Why a key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// An empty secret signs nothing worth verifying.
    Empty,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("the signing key is empty"),
        }
    }
}

impl std::error::Error for KeyError {}

impl SigningKey {
    /// Keys `secret` for `algorithm`. SimpleJWT uses the UTF-8 bytes of
    /// `SIGNING_KEY`, so a Django service with the same string interoperates.
    pub fn new(algorithm: Algorithm, secret: &[u8]) -> Result<SigningKey, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::Empty);
        }
        let hash = match algorithm {
            Algorithm::HS256 => HmacHash::Sha256,
            Algorithm::HS384 => HmacHash::Sha384,
            Algorithm::HS512 => HmacHash::Sha512,
        };
        Ok(SigningKey {
            algorithm,
            mac: HmacKey::new(hash, secret),
        })
    }

    /// The algorithm this key signs with, and the only one it verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The HMAC of `input`.
    pub fn sign(&self, input: &[u8]) -> Tag {
        let mut tag = Tag {
            bytes: [0; 64],
            len: 0,
        };
        tag.len = self.mac.tag(input, &mut tag.bytes);
        tag
    }

    /// Whether `tag` is the HMAC of `input`, compared in constant time.
    pub fn verify(&self, input: &[u8], tag: &[u8]) -> bool {
        self.mac.verify(input, tag)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("secret", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn mac_hex(alg: Algorithm, key: &[u8], data: &[u8]) -> String {
        hex(SigningKey::new(alg, key).unwrap().sign(data).as_bytes())
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
            let key = SigningKey::new(alg, b"secret").unwrap();
            let tag = key.sign(b"message");
            assert_eq!(tag.as_bytes().len(), alg.tag_len());
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
            SigningKey::new(Algorithm::HS256, b"").unwrap_err(),
            KeyError::Empty
        );
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = SigningKey::new(Algorithm::HS256, b"hunter2-very-secret").unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn encoded_headers_are_pyjwt_headers() {
        use crate::jwt::base64url;
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let json = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.name());
            assert_eq!(base64url::encode(json.as_bytes()), alg.encoded_header());
        }
    }

    #[test]
    fn algorithm_names_are_case_sensitive() {
        assert_eq!(Algorithm::from_name("HS384"), Some(Algorithm::HS384));
        assert_eq!(Algorithm::from_name("hs256"), None);
        assert_eq!(Algorithm::from_name("none"), None);
        assert_eq!(Algorithm::from_name("RS256"), None);
    }
}
