//! What a stored key holds, and making new ones.
//!
//! ```text
//!   secret column:  3f9a...e1 (64 hex digits)        an HMAC secret: HS256, HS384, HS512
//!                   "jwtd-key v1 ES256\n" + PKCS#8    a private key, for exactly that alg
//! ```
//!
//! An HMAC secret signs with any HMAC algorithm, as a `SIGNING_KEY` string
//! does in SimpleJWT; a private key is kept with the one algorithm it was
//! made for, so a server whose `ALGORITHM` changes uses only the keys made
//! for the new one (and makes one if there are none). Keys made before
//! keys had algorithms are HMAC secrets, which is what they are.

use crate::jwt::{Algorithm, Key};
use crate::primitives;

/// The prefix of a stored private key; the algorithm's name and a newline
/// follow, then the key's PKCS#8 DER.
const PRIVATE_PREFIX: &[u8] = b"jwtd-key v1 ";

/// The algorithm a stored secret is for: `None` for an HMAC secret, which
/// serves every HMAC algorithm.
pub fn stored_algorithm(secret: &[u8]) -> Option<Algorithm> {
    let rest = secret.strip_prefix(PRIVATE_PREFIX)?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    Algorithm::from_name(std::str::from_utf8(&rest[..end]).ok()?)
}

/// Whether a stored secret serves `algorithm`.
pub fn serves(secret: &[u8], algorithm: Algorithm) -> bool {
    match stored_algorithm(secret) {
        None => algorithm.is_hmac() && !secret.starts_with(PRIVATE_PREFIX),
        Some(made_for) => made_for == algorithm,
    }
}

/// The key a stored secret holds, for `algorithm`.
pub fn key_of(secret: &[u8], algorithm: Algorithm) -> Result<Key, String> {
    if !serves(secret, algorithm) {
        return Err(format!("the key was not made for {algorithm}"));
    }
    if algorithm.is_hmac() {
        return Key::new(algorithm, secret).map_err(|e| e.to_string());
    }
    private_key(secret, algorithm)
}

#[cfg(feature = "asymmetric")]
fn private_key(secret: &[u8], algorithm: Algorithm) -> Result<Key, String> {
    let start = PRIVATE_PREFIX.len() + algorithm.name().len() + 1;
    let der = secret.get(start..).ok_or("the stored key is cut short")?;
    let key = crate::pki::PrivateKey::from_pkcs8(der)?;
    Key::private(algorithm, key).map_err(|e| e.to_string())
}

#[cfg(not(feature = "asymmetric"))]
fn private_key(_: &[u8], algorithm: Algorithm) -> Result<Key, String> {
    Err(crate::jwt::KeyError::NotBuilt(algorithm).to_string())
}

/// A new secret for `algorithm`, as the database keeps it: 256 random bits
/// as 64 hex digits for HMAC, a new key pair for the others (RSA keys have
/// 2048 bits).
pub fn generate(algorithm: Algorithm) -> Result<Vec<u8>, String> {
    if algorithm.is_hmac() {
        let mut bytes = [0u8; 32];
        primitives::random_bytes(&mut bytes).map_err(|e| e.to_string())?;
        return Ok(bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes());
    }
    generate_private(algorithm)
}

#[cfg(feature = "asymmetric")]
fn generate_private(algorithm: Algorithm) -> Result<Vec<u8>, String> {
    use crate::pki::{KeyKind, PrivateKey};
    let scheme = algorithm.scheme().ok_or("not a public-key algorithm")?;
    let key = PrivateKey::generate(KeyKind::for_scheme(scheme))?;
    let mut secret = PRIVATE_PREFIX.to_vec();
    secret.extend_from_slice(algorithm.name().as_bytes());
    secret.push(b'\n');
    secret.extend_from_slice(key.pkcs8());
    Ok(secret)
}

#[cfg(not(feature = "asymmetric"))]
fn generate_private(algorithm: Algorithm) -> Result<Vec<u8>, String> {
    Err(crate::jwt::KeyError::NotBuilt(algorithm).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_secrets_serve_every_hmac_algorithm_and_nothing_else() {
        let secret = generate(Algorithm::HS256).unwrap();
        assert_eq!(secret.len(), 64);
        assert_eq!(stored_algorithm(&secret), None);
        for alg in Algorithm::ALL {
            assert_eq!(serves(&secret, alg), alg.is_hmac(), "{alg}");
        }
        assert!(key_of(&secret, Algorithm::HS512).is_ok());
        assert!(key_of(&secret, Algorithm::ES256).is_err());
    }

    #[cfg(feature = "asymmetric")]
    #[test]
    fn a_private_key_serves_the_algorithm_it_was_made_for() {
        for alg in [
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::ES512,
            Algorithm::EdDSA,
        ] {
            let secret = generate(alg).unwrap();
            assert_eq!(stored_algorithm(&secret), Some(alg));
            for other in Algorithm::ALL {
                assert_eq!(serves(&secret, other), other == alg, "{alg} {other}");
            }
            let key = key_of(&secret, alg).unwrap();
            assert!(key.can_sign());
            let signature = key.sign(b"input").unwrap();
            assert!(key.verify(b"input", signature.as_bytes()));
            assert!(key_of(&secret, Algorithm::HS256).is_err());
        }
        // A prefix with an unknown algorithm is no key at all.
        assert!(!serves(b"jwtd-key v1 XX999\n...", Algorithm::HS256));
    }
}
