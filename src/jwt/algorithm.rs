//! The JWS algorithms (RFC 7518 section 3, RFC 8037 section 3.1), by the
//! names PyJWT and SimpleJWT give them.
//!
//! ```text
//!   HS256 HS384 HS512   HMAC with SHA-2: one shared secret signs and verifies
//!   RS256 RS384 RS512   RSASSA-PKCS1-v1_5 with SHA-2 ─┐
//!   PS256 PS384 PS512   RSASSA-PSS with SHA-2 ────────┤ a private key signs,
//!   ES256 ES384 ES512   ECDSA on P-256, P-384, P-521 ─┤ its public key verifies
//!   EdDSA               Ed25519 ──────────────────────┘ (feature `asymmetric`)
//! ```
//!
//! A server accepts exactly one of them, the configured `ALGORITHM`; a
//! token's own `alg` is checked against it and never chooses anything.

use std::fmt;

/// A JWS algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-256, a 32-byte tag.
    HS256,
    /// HMAC with SHA-384, a 48-byte tag.
    HS384,
    /// HMAC with SHA-512, a 64-byte tag.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256 (MGF1 SHA-256, 32-byte salt).
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256, r || s of 32 bytes each.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512, r || s of 66 bytes each.
    ES512,
    /// Ed25519 (PyJWT's `EdDSA`).
    EdDSA,
}

impl Algorithm {
    /// Every algorithm, in the order above.
    pub const ALL: [Algorithm; 13] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ];

    /// The `alg` header value.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Parses an `alg` name; only the exact spelling is accepted.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether it is an HMAC algorithm: one secret both signs and verifies.
    pub const fn is_hmac(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }

    /// The HMAC tag's length in bytes (RFC 7518 section 3.2 asks for a key
    /// at least this long); `None` for the public-key algorithms.
    pub const fn hmac_tag_len(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    /// What signs with it, in a few words, for `jwtd token explain`.
    pub const fn description(self) -> &'static str {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => "HMAC",
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => "RSASSA-PKCS1-v1_5",
            Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => "RSASSA-PSS",
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => "ECDSA",
            Algorithm::EdDSA => "Ed25519",
        }
    }

    /// The signature it makes, for `jwtd token explain`.
    pub const fn signature_text(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HMAC-SHA256",
            Algorithm::HS384 => "HMAC-SHA384",
            Algorithm::HS512 => "HMAC-SHA512",
            #[cfg(feature = "asymmetric")]
            Algorithm::RS256 => "RSASSA-PKCS1-v1_5 with SHA-256",
            #[cfg(feature = "asymmetric")]
            Algorithm::RS384 => "RSASSA-PKCS1-v1_5 with SHA-384",
            #[cfg(feature = "asymmetric")]
            Algorithm::RS512 => "RSASSA-PKCS1-v1_5 with SHA-512",
            #[cfg(feature = "asymmetric")]
            Algorithm::PS256 => "RSASSA-PSS with SHA-256 (MGF1-SHA-256, 32-byte salt)",
            #[cfg(feature = "asymmetric")]
            Algorithm::PS384 => "RSASSA-PSS with SHA-384 (MGF1-SHA-384, 48-byte salt)",
            #[cfg(feature = "asymmetric")]
            Algorithm::PS512 => "RSASSA-PSS with SHA-512 (MGF1-SHA-512, 64-byte salt)",
            #[cfg(feature = "asymmetric")]
            Algorithm::ES256 => "ECDSA on P-256 with SHA-256, r || s of 32 bytes each",
            #[cfg(feature = "asymmetric")]
            Algorithm::ES384 => "ECDSA on P-384 with SHA-384, r || s of 48 bytes each",
            #[cfg(feature = "asymmetric")]
            Algorithm::ES512 => "ECDSA on P-521 with SHA-512, r || s of 66 bytes each",
            #[cfg(feature = "asymmetric")]
            Algorithm::EdDSA => "Ed25519 (PureEdDSA, 64 bytes: R || S)",
            // Never configured in an HMAC-only build.
            #[cfg(not(feature = "asymmetric"))]
            _ => "a public-key signature (not in this HMAC-only build)",
        }
    }

    /// The header PyJWT writes (keys sorted, compact), base64url-encoded.
    /// SimpleJWT tokens always carry exactly this header.
    pub const fn encoded_header(self) -> &'static str {
        match self {
            // {"alg":"HS256","typ":"JWT"}
            Algorithm::HS256 => "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            Algorithm::HS384 => "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9",
            Algorithm::HS512 => "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9",
            Algorithm::RS256 => "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9",
            Algorithm::RS384 => "eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9",
            Algorithm::RS512 => "eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9",
            Algorithm::PS256 => "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9",
            Algorithm::PS384 => "eyJhbGciOiJQUzM4NCIsInR5cCI6IkpXVCJ9",
            Algorithm::PS512 => "eyJhbGciOiJQUzUxMiIsInR5cCI6IkpXVCJ9",
            Algorithm::ES256 => "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9",
            Algorithm::ES384 => "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9",
            Algorithm::ES512 => "eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9",
            // {"alg":"EdDSA","typ":"JWT"}
            Algorithm::EdDSA => "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9",
        }
    }

    /// The signature scheme of a public-key algorithm; `None` for HMAC.
    #[cfg(feature = "asymmetric")]
    pub const fn scheme(self) -> Option<crate::pki::Scheme> {
        use crate::pki::{Curve, Hash, Scheme};
        Some(match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => return None,
            Algorithm::RS256 => Scheme::RsaPkcs1(Hash::Sha256),
            Algorithm::RS384 => Scheme::RsaPkcs1(Hash::Sha384),
            Algorithm::RS512 => Scheme::RsaPkcs1(Hash::Sha512),
            Algorithm::PS256 => Scheme::RsaPss(Hash::Sha256),
            Algorithm::PS384 => Scheme::RsaPss(Hash::Sha384),
            Algorithm::PS512 => Scheme::RsaPss(Hash::Sha512),
            Algorithm::ES256 => Scheme::Ecdsa(Curve::P256),
            Algorithm::ES384 => Scheme::Ecdsa(Curve::P384),
            Algorithm::ES512 => Scheme::Ecdsa(Curve::P521),
            Algorithm::EdDSA => Scheme::Ed25519,
        })
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_headers_are_pyjwt_headers() {
        for alg in Algorithm::ALL {
            let json = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.name());
            assert_eq!(
                crate::jwt::base64url_encode(json.as_bytes()),
                alg.encoded_header()
            );
        }
    }

    #[test]
    fn algorithm_names_are_case_sensitive() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
            assert_eq!(Algorithm::from_name(&alg.name().to_lowercase()), None);
        }
        assert_eq!(Algorithm::from_name("none"), None);
        assert_eq!(Algorithm::from_name("EDDSA"), None);
        assert_eq!(Algorithm::from_name("Ed25519"), None);
    }
}
