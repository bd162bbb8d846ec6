//! Public keys as JSON Web Keys (RFC 7517, RFC 7518 section 6, RFC 8037),
//! both ways, and their thumbprints (RFC 7638).
//!
//! ```text
//!   RSA:  {"kty":"RSA", "n": b64url(modulus), "e": b64url(exponent)}
//!   EC:   {"kty":"EC",  "crv":"P-256", "x": b64url(x), "y": b64url(y)}   x, y: the curve's size
//!   OKP:  {"kty":"OKP", "crv":"Ed25519", "x": b64url(32 bytes)}
//! ```
//!
//! Only public members are ever written. A JWK read from a JWKS is checked
//! as strictly as a key file: its numbers are canonical base64url, its
//! coordinates exactly the curve's size, and a JWK that carries private
//! members (`d`, `p`, `q`, ...) is refused, since whoever published it has
//! leaked a private key.

use serde_json::{Map, Value};

use super::{Curve, PublicKey};
use crate::primitives;

/// Why a JWK could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwkError(pub String);

impl std::fmt::Display for JwkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JwkError {}

impl PublicKey {
    /// The key's own JWK members, in the order RFC 7638 sorts them.
    pub fn jwk_members(&self) -> Vec<(&'static str, String)> {
        let b64 = primitives::base64url_encode;
        match self {
            PublicKey::Rsa { n, e } => vec![("e", b64(e)), ("kty", "RSA".into()), ("n", b64(n))],
            PublicKey::Ec { curve, point } => {
                let (x, y) = point[1..].split_at(curve.size());
                vec![
                    ("crv", curve.name().into()),
                    ("kty", "EC".into()),
                    ("x", b64(x)),
                    ("y", b64(y)),
                ]
            }
            PublicKey::Ed25519(x) => vec![
                ("crv", "Ed25519".into()),
                ("kty", "OKP".into()),
                ("x", b64(x)),
            ],
        }
    }

    /// The key's JWK with `kid`, `alg` and `use: "sig"`.
    pub fn to_jwk(&self, kid: Option<&str>, alg: &str) -> Map<String, Value> {
        let mut jwk = Map::new();
        let members = self.jwk_members();
        // serde_json keeps members sorted: alg, crv, e, kid, kty, n, use, x, y.
        if let Some((_, kty)) = members.iter().find(|(name, _)| *name == "kty") {
            jwk.insert("kty".into(), Value::String(kty.clone()));
        }
        if let Some(kid) = kid {
            jwk.insert("kid".into(), Value::String(kid.into()));
        }
        jwk.insert("use".into(), Value::String("sig".into()));
        jwk.insert("alg".into(), Value::String(alg.into()));
        for (name, value) in members {
            if name != "kty" {
                jwk.insert(name.into(), Value::String(value));
            }
        }
        jwk
    }

    /// The RFC 7638 thumbprint: base64url(SHA-256(the required members,
    /// sorted, compact)). 43 characters, usable as a `kid`.
    pub fn thumbprint(&self) -> String {
        let mut json = String::from("{");
        for (i, (name, value)) in self.jwk_members().iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            // Names and values are base64url or fixed words: nothing to escape.
            json.push_str(&format!("\"{name}\":\"{value}\""));
        }
        json.push('}');
        primitives::base64url_encode(&primitives::sha256(json.as_bytes()))
    }

    /// The public key a JWK describes.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<PublicKey, JwkError> {
        const PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
        if let Some(name) = PRIVATE.iter().find(|name| jwk.contains_key(**name)) {
            return Err(JwkError(format!(
                "the JWK has the private member {name:?}: it is not a public key"
            )));
        }
        let text = |name: &str| -> Result<&str, JwkError> {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| JwkError(format!("the JWK has no string {name:?}")))
        };
        let bytes = |name: &str| -> Result<Vec<u8>, JwkError> {
            let value = text(name)?;
            primitives::base64url_decode(value)
                .filter(|b| primitives::base64url_encode(b) == value)
                .ok_or_else(|| JwkError(format!("the JWK's {name:?} is not base64url")))
        };
        let invalid = |why: String| JwkError(why);
        match text("kty")? {
            "RSA" => {
                let (n, e) = (bytes("n")?, bytes("e")?);
                if n.first() == Some(&0) || e.first() == Some(&0) {
                    return Err(JwkError("the JWK's numbers have leading zero bytes".into()));
                }
                PublicKey::rsa(&n, &e).map_err(invalid)
            }
            "EC" => {
                let curve = match text("crv")? {
                    "P-256" => Curve::P256,
                    "P-384" => Curve::P384,
                    "P-521" => Curve::P521,
                    other => {
                        return Err(JwkError(format!("the EC curve {other:?} is not supported")))
                    }
                };
                let (x, y) = (bytes("x")?, bytes("y")?);
                if x.len() != curve.size() || y.len() != curve.size() {
                    return Err(JwkError(format!(
                        "the JWK's x and y are not {} bytes each",
                        curve.size()
                    )));
                }
                let mut point = Vec::with_capacity(1 + 2 * curve.size());
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                PublicKey::ec(curve, &point).map_err(invalid)
            }
            "OKP" => match text("crv")? {
                "Ed25519" => PublicKey::ed25519(&bytes("x")?).map_err(invalid),
                other => Err(JwkError(format!(
                    "the OKP curve {other:?} is not supported"
                ))),
            },
            other => Err(JwkError(format!("the key type {other:?} is not supported"))),
        }
    }
}
