//! A public key: what verifies a signature, and what a JWKS publishes.
//!
//! Read from a `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY`
//! (PKCS#1) PEM block, from a JWK, or taken from a [`super::PrivateKey`].
//! Every constructor checks the key fully (an RSA modulus of 2048 to 4096
//! bits and an odd exponent; an EC point on its curve; 32 bytes for
//! Ed25519), so a key that is held can always be used.

use ring::signature::{self as ring_sig, RsaPublicKeyComponents, UnparsedPublicKey};

use super::der::{self, Reader};
use super::{bit_len, pem, Curve, Hash, KeyKind, Scheme, RSA_BITS};
use super::{OID_EC, OID_ED25519, OID_RSA};

/// A public key of one of the kinds jwtd verifies with.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA: the modulus and the public exponent, big-endian, no leading
    /// zero bytes.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// An EC point, uncompressed: `04 || x || y`.
    Ec {
        /// Its curve.
        curve: Curve,
        /// The point.
        point: Vec<u8>,
    },
    /// An Ed25519 public key.
    Ed25519([u8; 32]),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({}, {})", self.kind(), self.thumbprint())
    }
}

impl PublicKey {
    /// An RSA key from its modulus and exponent, checked.
    pub fn rsa(n: &[u8], e: &[u8]) -> Result<PublicKey, String> {
        let strip = |b: &[u8]| b[b.iter().position(|&x| x != 0).unwrap_or(b.len())..].to_vec();
        let (n, e) = (strip(n), strip(e));
        let bits = bit_len(&n);
        if !RSA_BITS.contains(&bits) {
            return Err(format!(
                "the RSA modulus has {bits} bits; jwtd takes {} to {}",
                RSA_BITS.start(),
                RSA_BITS.end()
            ));
        }
        // ring's limits: an odd exponent from 3 to 2^33 - 1.
        let e_bits = bit_len(&e);
        if !(2..=33).contains(&e_bits) || e.last().is_some_and(|b| b & 1 == 0) {
            return Err("the RSA public exponent is not an odd number from 3 to 2^33".into());
        }
        Ok(PublicKey::Rsa { n, e })
    }

    /// An EC key from its uncompressed point, checked to lie on `curve`.
    pub fn ec(curve: Curve, point: &[u8]) -> Result<PublicKey, String> {
        if point.len() != 1 + 2 * curve.size() || point[0] != 0x04 {
            return Err(format!(
                "the {} point is not {} bytes, uncompressed",
                curve.name(),
                1 + 2 * curve.size()
            ));
        }
        let on_curve = match curve {
            Curve::P256 | Curve::P384 => ec_point_valid(curve, point),
            Curve::P521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(point).is_ok(),
        };
        if !on_curve {
            return Err(format!("the point is not on {}", curve.name()));
        }
        Ok(PublicKey::Ec {
            curve,
            point: point.to_vec(),
        })
    }

    /// An Ed25519 key from its 32 bytes.
    pub fn ed25519(x: &[u8]) -> Result<PublicKey, String> {
        let bytes: [u8; 32] = x
            .try_into()
            .map_err(|_| "an Ed25519 public key is 32 bytes".to_owned())?;
        Ok(PublicKey::Ed25519(bytes))
    }

    /// The first key of a PEM text: `PUBLIC KEY` or `RSA PUBLIC KEY`.
    pub fn from_pem(text: &[u8]) -> Result<PublicKey, String> {
        let block = pem::parse(text)?;
        match block.label.as_str() {
            "PUBLIC KEY" => PublicKey::from_spki(&block.der),
            "RSA PUBLIC KEY" => PublicKey::from_pkcs1(&block.der),
            other => Err(format!(
                "a {other} block is not a public key (PUBLIC KEY or RSA PUBLIC KEY)"
            )),
        }
    }

    /// A DER SubjectPublicKeyInfo (RFC 5280 section 4.1).
    pub fn from_spki(der_bytes: &[u8]) -> Result<PublicKey, String> {
        let malformed = || "the public key is not a well-formed SubjectPublicKeyInfo".to_owned();
        let mut outer = Reader::new(der_bytes);
        let mut info = outer.sequence().ok_or_else(malformed)?;
        outer.end().ok_or_else(malformed)?;
        let mut algorithm = info.sequence().ok_or_else(malformed)?;
        let key = info.bit_string().ok_or_else(malformed)?;
        info.end().ok_or_else(malformed)?;
        let oid = algorithm.read(der::OID).ok_or_else(malformed)?;
        match oid {
            OID_RSA => {
                algorithm.read_optional(der::NULL);
                algorithm.end().ok_or_else(malformed)?;
                PublicKey::from_pkcs1(key)
            }
            OID_EC => {
                let curve_oid = algorithm.read(der::OID).ok_or_else(malformed)?;
                algorithm.end().ok_or_else(malformed)?;
                let curve = Curve::from_oid(curve_oid)
                    .ok_or("the EC key is not on P-256, P-384 or P-521")?;
                PublicKey::ec(curve, key)
            }
            OID_ED25519 => {
                algorithm.end().ok_or_else(malformed)?;
                PublicKey::ed25519(key)
            }
            _ => Err("the public key is not RSA, EC or Ed25519".into()),
        }
    }

    /// A DER PKCS#1 RSAPublicKey: `SEQUENCE { n, e }`.
    pub fn from_pkcs1(der_bytes: &[u8]) -> Result<PublicKey, String> {
        let malformed = || "the RSA public key is not well-formed DER".to_owned();
        let mut outer = Reader::new(der_bytes);
        let mut key = outer.sequence().ok_or_else(malformed)?;
        outer.end().ok_or_else(malformed)?;
        let n = key.unsigned().ok_or_else(malformed)?;
        let e = key.unsigned().ok_or_else(malformed)?;
        key.end().ok_or_else(malformed)?;
        PublicKey::rsa(n, e)
    }

    /// The key as a DER SubjectPublicKeyInfo.
    pub fn to_spki(&self) -> Vec<u8> {
        let mut algorithm = Vec::new();
        let key = match self {
            PublicKey::Rsa { n, e } => {
                der::write(&mut algorithm, der::OID, OID_RSA);
                der::write(&mut algorithm, der::NULL, &[]);
                let mut numbers = Vec::new();
                der::write_unsigned(&mut numbers, n);
                der::write_unsigned(&mut numbers, e);
                der::element(der::SEQUENCE, &numbers)
            }
            PublicKey::Ec { curve, point } => {
                der::write(&mut algorithm, der::OID, OID_EC);
                der::write(&mut algorithm, der::OID, curve.oid());
                point.clone()
            }
            PublicKey::Ed25519(x) => {
                der::write(&mut algorithm, der::OID, OID_ED25519);
                x.to_vec()
            }
        };
        let mut info = der::element(der::SEQUENCE, &algorithm);
        der::write_bit_string(&mut info, &key);
        der::element(der::SEQUENCE, &info)
    }

    /// The key as a `PUBLIC KEY` PEM block.
    pub fn to_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.to_spki())
    }

    /// What kind of key it is.
    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKey::Rsa { n, .. } => KeyKind::Rsa(bit_len(n)),
            PublicKey::Ec { curve, .. } => KeyKind::Ec(*curve),
            PublicKey::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// The length of a signature this key makes with `scheme`.
    pub fn signature_len(&self, scheme: Scheme) -> usize {
        match (self, scheme) {
            (PublicKey::Rsa { n, .. }, _) => n.len(),
            (_, Scheme::Ecdsa(curve)) => 2 * curve.size(),
            _ => 64,
        }
    }

    /// Whether `signature` is this key's signature of `message` under
    /// `scheme`. A scheme the key does not suit is `false`, never a panic.
    pub fn verify(&self, scheme: Scheme, message: &[u8], signature: &[u8]) -> bool {
        if !self.kind().suits(scheme) {
            return false;
        }
        match (self, scheme) {
            (PublicKey::Rsa { n, e }, Scheme::RsaPkcs1(hash) | Scheme::RsaPss(hash)) => {
                let params = rsa_parameters(scheme, hash);
                RsaPublicKeyComponents { n, e }
                    .verify(params, message, signature)
                    .is_ok()
            }
            (PublicKey::Ec { point, .. }, Scheme::Ecdsa(Curve::P256)) => {
                UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (PublicKey::Ec { point, .. }, Scheme::Ecdsa(Curve::P384)) => {
                UnparsedPublicKey::new(&ring_sig::ECDSA_P384_SHA384_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (PublicKey::Ec { point, .. }, Scheme::Ecdsa(Curve::P521)) => {
                verify_p521(point, message, signature)
            }
            (PublicKey::Ed25519(x), Scheme::Ed25519) => {
                UnparsedPublicKey::new(&ring_sig::ED25519, x)
                    .verify(message, signature)
                    .is_ok()
            }
            _ => false,
        }
    }
}

/// ring's verification parameters for an RSA scheme.
fn rsa_parameters(scheme: Scheme, hash: Hash) -> &'static ring_sig::RsaParameters {
    match (scheme, hash) {
        (Scheme::RsaPss(_), Hash::Sha256) => &ring_sig::RSA_PSS_2048_8192_SHA256,
        (Scheme::RsaPss(_), Hash::Sha384) => &ring_sig::RSA_PSS_2048_8192_SHA384,
        (Scheme::RsaPss(_), Hash::Sha512) => &ring_sig::RSA_PSS_2048_8192_SHA512,
        (_, Hash::Sha256) => &ring_sig::RSA_PKCS1_2048_8192_SHA256,
        (_, Hash::Sha384) => &ring_sig::RSA_PKCS1_2048_8192_SHA384,
        (_, Hash::Sha512) => &ring_sig::RSA_PKCS1_2048_8192_SHA512,
    }
}

/// ECDSA P-521 with SHA-512, the signature r || s of 66 bytes each.
fn verify_p521(point: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use p521::ecdsa::signature::Verifier;
    let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(signature) = p521::ecdsa::Signature::from_slice(signature) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

/// Whether an uncompressed point lies on P-256 or P-384. ring checks it
/// only as it verifies, so a key from a file or a JWKS is checked at once
/// the way ring does it for a key agreement, which reports a point off the
/// curve as an error.
fn ec_point_valid(curve: Curve, point: &[u8]) -> bool {
    use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey as Peer};
    let rng = ring::rand::SystemRandom::new();
    let algorithm = match curve {
        Curve::P256 => &agreement::ECDH_P256,
        Curve::P384 => &agreement::ECDH_P384,
        Curve::P521 => return false,
    };
    let Ok(ours) = EphemeralPrivateKey::generate(algorithm, &rng) else {
        return false;
    };
    agreement::agree_ephemeral(ours, &Peer::new(algorithm, point), |_| ()).is_ok()
}
