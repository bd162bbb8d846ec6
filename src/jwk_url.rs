//! `JWK_URL`, as SimpleJWT has it: tokens are verified with the public key
//! a JSON Web Key Set at a URL names by `kid`.
//!
//! ```text
//!                       every JWK_URL_REFRESH (5 min), or at most every 10 s
//!                       when a token names a kid the ring lacks
//!   jwtd-jwks thread ──── GET JWK_URL (5 s, 256 KiB at most) ──▶ JWKS server
//!        │   keys that suit ALGORITHM, each named by a kid
//!        ▼
//!   Keyring::verifying(keys) [+ the signing key, if one is configured]
//!        │ set whole, between two requests
//!        ▼
//!   requests: kid ──▶ key ──▶ verify          unknown kid ──▶ 401 at once,
//!                                              and a nudge to the thread
//! ```
//!
//! Requests never wait on the JWKS server: the set is fetched on a thread of
//! its own, and a token naming a key not (yet) held is refused at once,
//! the thread being asked to look again. A slow, huge or hostile server
//! costs that thread at most [`FETCH_TIMEOUT`] and [`MAX_BODY`] per fetch,
//! and [`UNKNOWN_KID_EVERY`] bounds how often made-up kids make it fetch.
//! A failed fetch keeps the keys of the last good one.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::Settings;
use crate::http::client::{self, ClientLimits, Scheme, Url};
use crate::jwt::{is_valid_kid, Algorithm, Key, Keyring};

/// The longest one fetch may take, connection and all.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest key set read.
pub const MAX_BODY: usize = 256 * 1024;
/// The most keys taken from one set.
pub const MAX_KEYS: usize = 64;
/// The least time between two fetches asked for by unknown kids (and
/// between a failed fetch and the next).
pub const UNKNOWN_KID_EVERY: Duration = Duration::from_secs(10);

/// A key set at a URL, and when to fetch it.
pub struct JwkUrl {
    url: Url,
    /// Shown in the log: scheme, host and path, no query.
    shown: String,
    algorithm: Algorithm,
    refresh: Duration,
    /// The configured signing key, kept in front of the fetched ones.
    signer: Option<(Option<String>, Key)>,
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    /// When the last fetch ended, good or not.
    fetched: Option<Instant>,
    /// Whether the last fetch failed.
    failing: bool,
    /// A token named a kid not held.
    asked: bool,
    stopped: bool,
}

impl JwkUrl {
    /// The key set of `settings.jwk_url`, for its `ALGORITHM`, beside the
    /// signing key of `configured` (a key file), if any.
    pub fn new(settings: &Settings, configured: Option<&Keyring>) -> Result<JwkUrl, String> {
        let text = settings.jwk_url.as_deref().ok_or("JWK_URL is not set")?;
        if settings.algorithm.is_hmac() {
            return Err(format!(
                "JWK_URL needs a public-key ALGORITHM; {} verifies with the shared secret",
                settings.algorithm
            ));
        }
        let url = Url::parse(text).map_err(|e| format!("JWK_URL: {e}"))?;
        if url.scheme() == Scheme::Https && !cfg!(feature = "https") {
            return Err(
                "JWK_URL is https, and this jwtd was built without the `https` feature \
                 (cargo build --release --features https)"
                    .into(),
            );
        }
        let scheme = match url.scheme() {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        let path = url.path_and_query().split('?').next().unwrap_or_default();
        let shown = format!("{scheme}://{}:{}{path}", url.host(), url.port());
        let signer = configured.and_then(|ring| {
            let (key, _) = ring.signer()?;
            Some((ring.current_kid().map(str::to_owned), key.clone()))
        });
        Ok(JwkUrl {
            url,
            shown,
            algorithm: settings.algorithm,
            refresh: settings.jwk_url_refresh,
            signer,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        })
    }

    /// The URL as the log shows it (no query, which may hold a secret).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The ring with no fetched key yet: the signing key alone, or nothing.
    pub fn empty_ring(&self) -> Keyring {
        self.ring(Vec::new())
    }

    /// Fetches the set once: the ring to verify with, and the kids of the
    /// set that were left out, each with why.
    pub fn fetch(&self) -> Result<(Keyring, Vec<String>), String> {
        let limits = ClientLimits {
            timeout: FETCH_TIMEOUT,
            max_body: MAX_BODY,
        };
        let result = client::get(&self.url, &limits)
            .map_err(|e| e.to_string())
            .and_then(|fetched| match fetched.status {
                200 => keys_of(&fetched.body, self.algorithm),
                status => Err(format!("the server answered {status}")),
            });
        let mut state = self.lock();
        state.fetched = Some(Instant::now());
        state.failing = result.is_err();
        let (keys, skipped) = result?;
        Ok((self.ring(keys), skipped))
    }

    /// A token named a kid the ring lacks: the thread fetches again, unless
    /// it did less than [`UNKNOWN_KID_EVERY`] ago. Never blocks on a fetch.
    pub fn unknown_kid(&self) {
        let mut state = self.lock();
        if !state.asked {
            state.asked = true;
            self.wake.notify_one();
        }
    }

    /// Waits until the next fetch is due: [`JwkUrl::new`]'s refresh
    /// interval after the last, or [`UNKNOWN_KID_EVERY`] after it once a
    /// kid was not found or the fetch failed. `false` once stopped.
    pub fn wait_for_turn(&self) -> bool {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return false;
            }
            let Some(last) = state.fetched else {
                return true;
            };
            let soon = state.asked || state.failing;
            let due = last
                + if soon {
                    UNKNOWN_KID_EVERY.min(self.refresh)
                } else {
                    self.refresh
                };
            let now = Instant::now();
            if now >= due {
                state.asked = false;
                return true;
            }
            state = match self.wake.wait_timeout(state, due - now) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Ends [`JwkUrl::wait_for_turn`].
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.wake.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The fetched keys, with the signing key in front. ([`keys_of`] has
    /// checked the kids, their uniqueness and the algorithm, so the ring
    /// is always made; were it not, no key would verify.)
    fn ring(&self, keys: Vec<(String, Key)>) -> Keyring {
        let fetched = Keyring::verifying(keys).unwrap_or_else(|_| Keyring::empty());
        match &self.signer {
            Some((kid, key)) => fetched
                .clone()
                .with_signer(kid.clone(), key.clone())
                .unwrap_or(fetched),
            None => fetched,
        }
    }
}

/// The keys a key set yields, each with its kid, and why each other entry
/// was left out.
pub type Yield = (Vec<(String, Key)>, Vec<String>);

/// The keys of a JWKS document that suit `algorithm`, each with its kid,
/// and why each other entry was left out.
pub fn keys_of(body: &[u8], algorithm: Algorithm) -> Result<Yield, String> {
    let document: Value =
        serde_json::from_slice(body).map_err(|_| "the key set is not JSON".to_owned())?;
    let entries = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the key set has no \"keys\" array")?;
    let mut keys: Vec<(String, Key)> = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries.iter().take(MAX_KEYS) {
        let kid = entry.get("kid").and_then(Value::as_str).unwrap_or_default();
        match key_of(entry, algorithm) {
            Ok(_) if keys.iter().any(|(k, _)| k == kid) => {
                skipped.push(format!("{kid}: a second key with this kid"));
            }
            Ok(key) => keys.push((kid.to_owned(), key)),
            Err(why) => skipped.push(format!(
                "{}: {why}",
                if kid.is_empty() { "(no kid)" } else { kid }
            )),
        }
    }
    if entries.len() > MAX_KEYS {
        skipped.push(format!(
            "{} keys past the first {MAX_KEYS}",
            entries.len() - MAX_KEYS
        ));
    }
    Ok((keys, skipped))
}

/// One JWK as a key for `algorithm`, or why it is not one.
fn key_of(entry: &Value, algorithm: Algorithm) -> Result<Key, String> {
    let jwk = entry.as_object().ok_or("not an object")?;
    let kid = jwk.get("kid").and_then(Value::as_str).ok_or("no kid")?;
    if !is_valid_kid(kid) {
        return Err("the kid is not 1 to 64 letters, digits, '-' or '_'".into());
    }
    if let Some(use_) = jwk.get("use") {
        if use_ != "sig" {
            return Err(format!("its use is {use_}, not \"sig\""));
        }
    }
    if let Some(alg) = jwk.get("alg") {
        if alg != algorithm.name() {
            return Err(format!("its alg is {alg}, not {algorithm}"));
        }
    }
    public_key(jwk, algorithm)
}

#[cfg(feature = "asymmetric")]
fn public_key(jwk: &serde_json::Map<String, Value>, algorithm: Algorithm) -> Result<Key, String> {
    let public = crate::pki::PublicKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    Key::public(algorithm, public).map_err(|e| e.to_string())
}

#[cfg(not(feature = "asymmetric"))]
fn public_key(_: &serde_json::Map<String, Value>, algorithm: Algorithm) -> Result<Key, String> {
    Err(crate::jwt::KeyError::NotBuilt(algorithm).to_string())
}

#[cfg(test)]
mod tests;
