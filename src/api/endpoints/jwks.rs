//! `GET /.well-known/jwks.json`: the public key of every key in use, as a
//! JSON Web Key Set (RFC 7517 section 5), for the other services of a
//! fleet to verify jwtd's tokens without any secret.
//!
//! ```text
//!   {"keys": [{"alg":"ES256","crv":"P-256","kid":"3f9a2c7e01b4d865","kty":"EC",
//!              "use":"sig","x":"...","y":"..."}, ...]}   members sorted, current key first
//! ```
//!
//! Only public members are written. With an HMAC algorithm the set is
//! empty: a shared secret is never published. Keys fetched from `JWK_URL`
//! are someone else's to publish and are left out. Clients may keep the set
//! five minutes; a client meeting an unknown `kid` fetches it again (as
//! PyJWKClient does), and a rotated key is in the set before any token it
//! signs, since both come from the one keyring.

use serde_json::Value;

use crate::api::call::Call;
use crate::api::respond;
use crate::http::Response;

/// How long a client may keep the set, in seconds.
pub const MAX_AGE: u64 = 300;

/// The key set.
pub fn handle(call: &Call<'_>) -> Response {
    let ring = call.app.auth.keyring();
    let keys = published(&ring);
    let body = serde_json::json!({ "keys": keys }).to_string();
    respond::json(200, body)
        .with_header("Cache-Control", format!("public, max-age={MAX_AGE}"))
        .with_header("Access-Control-Allow-Origin", "*")
}

/// The JWKs of the ring's own keys.
#[cfg(feature = "asymmetric")]
fn published(ring: &crate::jwt::Keyring) -> Vec<Value> {
    ring.own_keys()
        .filter_map(|(kid, key)| {
            let public = key.public_key()?;
            Some(Value::Object(public.to_jwk(kid, key.algorithm().name())))
        })
        .collect()
}

/// Without public-key algorithms there is nothing to publish.
#[cfg(not(feature = "asymmetric"))]
fn published(_: &crate::jwt::Keyring) -> Vec<Value> {
    Vec::new()
}
