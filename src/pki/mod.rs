//! Public-key signatures: RSA (PKCS#1 v1.5 and PSS), ECDSA on P-256,
//! P-384 and P-521, and Ed25519; their keys in PEM and DER files, in
//! JWKs, and new ones made here. The one home of `ring` and `p521` (and
//! of the big-number crate RSA key generation uses).
//!
//! ```text
//!                 PrivateKey ─────── sign(scheme, message) ──▶ signature bytes
//!   PEM/DER ──▶     │ .public()
//!   generate ──▶    ▼
//!   JWK    ──▶  PublicKey ──────── verify(scheme, message, signature) ──▶ bool
//!                   └──── to_jwk(), thumbprint() ──▶ JWKS, kid
//! ```
//!
//! Why these libraries: every private-key operation must take the same time
//! whatever the key and the message, or a network attacker timing the
//! server learns the key. `ring` signs RSA by constant-time exponentiation
//! (with the CRT, the result checked against the public key before it is
//! released), and P-256, P-384 and Ed25519 in constant time; RustCrypto's
//! `p521` (P-521, which `ring` lacks) is constant time too. RustCrypto's
//! `rsa` crate is not used: it carries RUSTSEC-2023-0071 (the Marvin attack,
//! timing leaks in private-key operations) with no fixed release.
//!
//! This module knows signatures and keys, nothing of JWTs: `crate::jwt`
//! maps each JWS `alg` to a [`Scheme`].

mod der;
mod jwk;
mod pem;
mod private_key;
mod public_key;
mod rsa_keygen;

pub use jwk::JwkError;
pub use private_key::PrivateKey;
pub use public_key::PublicKey;

/// The hash a signature is made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A NIST prime curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// P-256 (secp256r1), 32-byte coordinates.
    P256,
    /// P-384 (secp384r1), 48-byte coordinates.
    P384,
    /// P-521 (secp521r1), 66-byte coordinates.
    P521,
}

impl Curve {
    /// Bytes of a coordinate or a scalar: also of each of ECDSA's r and s.
    pub const fn size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// Its JWK `crv` name (RFC 7518 section 6.2.1.1).
    pub const fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The DER contents of its object identifier.
    const fn oid(self) -> &'static [u8] {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
            Curve::P521 => OID_P521,
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Curve> {
        [Curve::P256, Curve::P384, Curve::P521]
            .into_iter()
            .find(|c| c.oid() == oid)
    }
}

/// A way of signing with a public-key pair: the JWS algorithms, without
/// their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 (RS256/384/512).
    RsaPkcs1(Hash),
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the
    /// hash (PS256/384/512).
    RsaPss(Hash),
    /// ECDSA with the curve's own hash (SHA-256, -384, -512), the
    /// signature as r || s, each the curve's size (ES256/384/512).
    Ecdsa(Curve),
    /// Ed25519 (EdDSA).
    Ed25519,
}

/// What a key is: the kind of key a [`Scheme`] needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA, with a modulus of this many bits.
    Rsa(usize),
    /// An elliptic-curve key on this curve.
    Ec(Curve),
    /// An Ed25519 key.
    Ed25519,
}

impl KeyKind {
    /// The key a new key pair for `scheme` is: RSA keys have 2048 bits.
    pub fn for_scheme(scheme: Scheme) -> KeyKind {
        match scheme {
            Scheme::RsaPkcs1(_) | Scheme::RsaPss(_) => KeyKind::Rsa(2048),
            Scheme::Ecdsa(curve) => KeyKind::Ec(curve),
            Scheme::Ed25519 => KeyKind::Ed25519,
        }
    }

    /// Whether a key of this kind signs with `scheme`.
    pub fn suits(self, scheme: Scheme) -> bool {
        match (self, scheme) {
            (KeyKind::Rsa(_), Scheme::RsaPkcs1(_) | Scheme::RsaPss(_)) => true,
            (KeyKind::Ec(curve), Scheme::Ecdsa(wanted)) => curve == wanted,
            (KeyKind::Ed25519, Scheme::Ed25519) => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa(bits) => write!(f, "RSA {bits}-bit"),
            KeyKind::Ec(curve) => write!(f, "EC {}", curve.name()),
            KeyKind::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// Smallest and largest RSA moduli accepted, in bits: RFC 7518 section
/// 3.3 asks for 2048 at least; 4096 bounds the work a hostile key costs.
pub const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=4096;

/// Longest signature of any scheme: RSA with a 4096-bit modulus.
pub const MAX_SIGNATURE_LEN: usize = 512;

/// Why signing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignFailed;

impl std::fmt::Display for SignFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the signature could not be made")
    }
}

impl std::error::Error for SignFailed {}

/// `rsaEncryption` (1.2.840.113549.1.1.1).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// `id-ecPublicKey` (1.2.840.10045.2.1).
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// `prime256v1` (1.2.840.10045.3.1.7).
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// `secp384r1` (1.3.132.0.34).
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// `secp521r1` (1.3.132.0.35).
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
/// `id-Ed25519` (1.3.101.112).
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The bits of a big-endian unsigned number.
fn bit_len(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&b| b != 0) {
        Some(first) => (big_endian.len() - first) * 8 - big_endian[first].leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests;
