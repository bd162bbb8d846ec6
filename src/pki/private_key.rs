//! A private key: what signs. Read from PEM (PKCS#8 `PRIVATE KEY`, and
//! the traditional `RSA PRIVATE KEY` and `EC PRIVATE KEY`), kept as PKCS#8
//! DER, or made new.
//!
//! ```text
//!   PrivateKeyInfo ::= SEQUENCE {              (RFC 5208, PKCS#8)
//!     version     INTEGER (0, or 1 with a public key: RFC 5958),
//!     algorithm   SEQUENCE { OID, parameters },   rsaEncryption + NULL,
//!                                                  id-ecPublicKey + curve OID,
//!                                                  id-Ed25519 (no parameters)
//!     privateKey  OCTET STRING { RSAPrivateKey | ECPrivateKey | CurvePrivateKey },
//!     ... }
//! ```
//!
//! The traditional forms are the inner structure alone; they are wrapped
//! into PKCS#8 as they are read, so every key is kept, stored and parsed
//! one way. Its `Debug` shows what kind of key it is and never the key.

use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use super::der::{self, Reader};
use super::{pem, rsa_keygen, Curve, Hash, KeyKind, PublicKey, Scheme, SignFailed, RSA_BITS};
use super::{OID_EC, OID_ED25519, OID_RSA};

/// A private key and its public half.
pub struct PrivateKey {
    signer: Signer,
    public: PublicKey,
    /// The PKCS#8 DER it was made from, to be stored.
    pkcs8: Vec<u8>,
}

/// The library object that signs.
enum Signer {
    Rsa(RsaKeyPair),
    /// P-256 or P-384, in ring.
    Ecdsa(EcdsaKeyPair),
    /// P-521, in RustCrypto's `p521`.
    P521(Box<p521::ecdsa::SigningKey>),
    Ed25519(Ed25519KeyPair),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", &self.public.kind())
            .field("key", &"[redacted]")
            .finish()
    }
}

impl PrivateKey {
    /// The first private key of a PEM text.
    pub fn from_pem(text: &[u8]) -> Result<PrivateKey, String> {
        let block = pem::parse(text)?;
        match block.label.as_str() {
            "PRIVATE KEY" => PrivateKey::from_pkcs8(&block.der),
            "RSA PRIVATE KEY" => PrivateKey::from_pkcs8(&wrap_rsa(&block.der)),
            "EC PRIVATE KEY" => PrivateKey::from_pkcs8(&wrap_sec1(&block.der)?),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(
                "this is a public key; a signing key must be a private key (VERIFYING_KEY_FILE takes public keys)"
                    .into(),
            ),
            other => Err(format!(
                "a {other} block is not a private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
            )),
        }
    }

    /// A PKCS#8 DER private key (RFC 5208 or RFC 5958).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<PrivateKey, String> {
        let malformed = || "the private key is not well-formed PKCS#8".to_owned();
        let mut outer = Reader::new(pkcs8);
        let mut info = outer.sequence().ok_or_else(malformed)?;
        outer.end().ok_or_else(malformed)?;
        if info.small().ok_or_else(malformed)? > 1 {
            return Err(malformed());
        }
        let mut algorithm = info.sequence().ok_or_else(malformed)?;
        let inner = info.read(der::OCTET_STRING).ok_or_else(malformed)?;
        let rejected = |e: ring::error::KeyRejected| format!("the private key was refused: {e}");
        let signer = match algorithm.read(der::OID).ok_or_else(malformed)? {
            OID_RSA => {
                let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
                if !RSA_BITS.contains(&(pair.public().modulus_len() * 8)) {
                    return Err(format!(
                        "the RSA key has {} bits; jwtd signs with {} to {}",
                        pair.public().modulus_len() * 8,
                        RSA_BITS.start(),
                        RSA_BITS.end()
                    ));
                }
                Signer::Rsa(pair)
            }
            OID_EC => {
                let curve = algorithm
                    .read(der::OID)
                    .and_then(Curve::from_oid)
                    .ok_or("the EC key is not on P-256, P-384 or P-521")?;
                match curve {
                    Curve::P256 | Curve::P384 => {
                        let alg = ecdsa_signing(curve);
                        let rng = SystemRandom::new();
                        Signer::Ecdsa(EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng).map_err(rejected)?)
                    }
                    Curve::P521 => Signer::P521(Box::new(p521_from_sec1(inner)?)),
                }
            }
            OID_ED25519 => Signer::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(rejected)?,
            ),
            _ => return Err("the private key is not RSA, EC or Ed25519".into()),
        };
        let public = public_of(&signer)?;
        Ok(PrivateKey {
            signer,
            public,
            pkcs8: pkcs8.to_vec(),
        })
    }

    /// A new key of `kind`, from the operating system's random source.
    pub fn generate(kind: KeyKind) -> Result<PrivateKey, String> {
        let rng = SystemRandom::new();
        let failed = |_| format!("could not make a new {kind} key");
        let pkcs8 = match kind {
            KeyKind::Rsa(bits) => wrap_rsa(&rsa_keygen::generate(bits).map_err(|e| e.to_string())?),
            KeyKind::Ec(Curve::P521) => p521_pkcs8()?,
            KeyKind::Ec(curve) => EcdsaKeyPair::generate_pkcs8(ecdsa_signing(curve), &rng)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            KeyKind::Ed25519 => Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        PrivateKey::from_pkcs8(&pkcs8)
    }

    /// Another handle on the same key, for tests (keys are otherwise
    /// shared behind an `Arc`, never copied).
    #[cfg(test)]
    pub fn clone_for_tests(&self) -> PrivateKey {
        match PrivateKey::from_pkcs8(&self.pkcs8) {
            Ok(key) => key,
            Err(why) => panic!("a key that loaded once loads again: {why}"),
        }
    }

    /// Its public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The key as PKCS#8 DER: what the database keeps.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key as a `PRIVATE KEY` PEM block.
    pub fn to_pem(&self) -> String {
        pem::encode("PRIVATE KEY", &self.pkcs8)
    }

    /// Signs `message` with `scheme` into `out`, which must hold
    /// [`PublicKey::signature_len`] bytes; returns that length.
    pub fn sign(
        &self,
        scheme: Scheme,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SignFailed> {
        let len = self.public.signature_len(scheme);
        let out = out.get_mut(..len).ok_or(SignFailed)?;
        let rng = SystemRandom::new();
        match (&self.signer, scheme) {
            (Signer::Rsa(pair), Scheme::RsaPkcs1(hash) | Scheme::RsaPss(hash)) => {
                let padding = rsa_padding(scheme, hash);
                pair.sign(padding, &rng, message, out)
                    .map_err(|_| SignFailed)?;
            }
            (Signer::Ecdsa(pair), Scheme::Ecdsa(curve))
                if self.public.kind() == KeyKind::Ec(curve) =>
            {
                let signature = pair.sign(&rng, message).map_err(|_| SignFailed)?;
                out.copy_from_slice(signature.as_ref().get(..len).ok_or(SignFailed)?);
            }
            (Signer::P521(key), Scheme::Ecdsa(Curve::P521)) => {
                use p521::ecdsa::signature::Signer as _;
                let signature: p521::ecdsa::Signature =
                    key.try_sign(message).map_err(|_| SignFailed)?;
                out.copy_from_slice(&signature.to_bytes());
            }
            (Signer::Ed25519(pair), Scheme::Ed25519) => {
                out.copy_from_slice(pair.sign(message).as_ref());
            }
            _ => return Err(SignFailed),
        }
        Ok(len)
    }
}

/// ring's signing algorithm for ECDSA on `curve` (P-256 or P-384), with
/// the fixed-length r || s signatures JWS uses.
fn ecdsa_signing(curve: Curve) -> &'static ring_sig::EcdsaSigningAlgorithm {
    match curve {
        Curve::P384 => &ring_sig::ECDSA_P384_SHA384_FIXED_SIGNING,
        _ => &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING,
    }
}

/// ring's padding for an RSA scheme.
fn rsa_padding(scheme: Scheme, hash: Hash) -> &'static dyn ring_sig::RsaEncoding {
    match (scheme, hash) {
        (Scheme::RsaPss(_), Hash::Sha256) => &ring_sig::RSA_PSS_SHA256,
        (Scheme::RsaPss(_), Hash::Sha384) => &ring_sig::RSA_PSS_SHA384,
        (Scheme::RsaPss(_), Hash::Sha512) => &ring_sig::RSA_PSS_SHA512,
        (_, Hash::Sha256) => &ring_sig::RSA_PKCS1_SHA256,
        (_, Hash::Sha384) => &ring_sig::RSA_PKCS1_SHA384,
        (_, Hash::Sha512) => &ring_sig::RSA_PKCS1_SHA512,
    }
}

/// The public half of a signer.
fn public_of(signer: &Signer) -> Result<PublicKey, String> {
    match signer {
        Signer::Rsa(pair) => PublicKey::from_pkcs1(pair.public_key().as_ref()),
        Signer::Ecdsa(pair) => {
            let point = pair.public_key().as_ref();
            let curve = if point.len() == 1 + 2 * Curve::P256.size() {
                Curve::P256
            } else {
                Curve::P384
            };
            PublicKey::ec(curve, point)
        }
        Signer::P521(key) => {
            let point = key.verifying_key().to_sec1_bytes();
            PublicKey::ec(Curve::P521, &point)
        }
        Signer::Ed25519(pair) => PublicKey::ed25519(pair.public_key().as_ref()),
    }
}

/// A PKCS#1 RSAPrivateKey wrapped into PKCS#8.
fn wrap_rsa(pkcs1: &[u8]) -> Vec<u8> {
    let mut algorithm = Vec::new();
    der::write(&mut algorithm, der::OID, OID_RSA);
    der::write(&mut algorithm, der::NULL, &[]);
    wrap(&algorithm, pkcs1)
}

/// A SEC1 ECPrivateKey (RFC 5915) wrapped into PKCS#8, its curve named in
/// the algorithm as its own `[0]` parameters name it.
fn wrap_sec1(sec1: &[u8]) -> Result<Vec<u8>, String> {
    let malformed = || "the EC private key is not well-formed SEC1 DER".to_owned();
    let mut outer = Reader::new(sec1);
    let mut key = outer.sequence().ok_or_else(malformed)?;
    outer.end().ok_or_else(malformed)?;
    (key.small() == Some(1))
        .then_some(())
        .ok_or_else(malformed)?;
    key.read(der::OCTET_STRING).ok_or_else(malformed)?;
    let mut parameters = Reader::new(
        key.read(der::CONTEXT_0)
            .ok_or("the EC private key does not name its curve")?,
    );
    let curve_oid = parameters.read(der::OID).ok_or_else(malformed)?;
    let curve = Curve::from_oid(curve_oid).ok_or("the EC key is not on P-256, P-384 or P-521")?;
    let mut algorithm = Vec::new();
    der::write(&mut algorithm, der::OID, OID_EC);
    der::write(&mut algorithm, der::OID, curve.oid());
    Ok(wrap(&algorithm, sec1))
}

/// PKCS#8 version 0 around `inner`, with the algorithm identifier's contents.
fn wrap(algorithm: &[u8], inner: &[u8]) -> Vec<u8> {
    let mut info = Vec::with_capacity(inner.len() + 32);
    der::write_unsigned(&mut info, &[0]);
    der::write(&mut info, der::SEQUENCE, algorithm);
    der::write(&mut info, der::OCTET_STRING, inner);
    der::element(der::SEQUENCE, &info)
}

/// The P-521 key of a SEC1 ECPrivateKey.
fn p521_from_sec1(sec1: &[u8]) -> Result<p521::ecdsa::SigningKey, String> {
    let malformed = || "the P-521 private key is not well-formed SEC1 DER".to_owned();
    let mut outer = Reader::new(sec1);
    let mut key = outer.sequence().ok_or_else(malformed)?;
    (key.small() == Some(1))
        .then_some(())
        .ok_or_else(malformed)?;
    let scalar = key.read(der::OCTET_STRING).ok_or_else(malformed)?;
    let size = Curve::P521.size();
    if scalar.len() > size {
        return Err(malformed());
    }
    // Some writers drop leading zero bytes of the scalar.
    let mut padded = [0u8; 66];
    padded[size - scalar.len()..].copy_from_slice(scalar);
    p521::ecdsa::SigningKey::from_slice(&padded)
        .map_err(|_| "the P-521 private key is not a valid scalar".to_owned())
}

/// A new P-521 key as PKCS#8: a random scalar below the group order.
fn p521_pkcs8() -> Result<Vec<u8>, String> {
    let mut scalar = [0u8; 66];
    let key = loop {
        crate::primitives::random_bytes(&mut scalar).map_err(|e| e.to_string())?;
        // 521 bits: the top byte holds one bit.
        scalar[0] &= 0x01;
        if let Ok(key) = p521::ecdsa::SigningKey::from_slice(&scalar) {
            break key;
        }
    };
    let point = key.verifying_key().to_sec1_bytes();
    let mut sec1 = Vec::new();
    der::write_unsigned(&mut sec1, &[1]);
    der::write(&mut sec1, der::OCTET_STRING, &scalar);
    der::write(
        &mut sec1,
        der::CONTEXT_0,
        &der::element(der::OID, Curve::P521.oid()),
    );
    let mut bits = Vec::new();
    der::write_bit_string(&mut bits, &point);
    der::write(&mut sec1, der::CONTEXT_1, &bits);
    scalar.fill(0);
    wrap_sec1(&der::element(der::SEQUENCE, &sec1))
}
