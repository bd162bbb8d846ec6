//! Several signing keys at once, told apart by the `kid` header parameter
//! (RFC 7515 section 4.1.4), so that the key can change without logging
//! anybody out: new tokens are signed with the current key and name it,
//! tokens signed with an older key still verify until that key is retired.
//!
//! ```text
//!   {"alg":"HS256","kid":"3f9a2c7e01b4d865","typ":"JWT"}   <- header of a token
//!                          │
//!                          ▼
//!   keyring:  3f9a2c7e01b4d865  current  ── signs new tokens, verifies
//!             a17c09e4b2f35d10  active   ── verifies only
//!             (retired keys are not in the ring: their tokens are refused)
//! ```
//!
//! A key given from outside (SimpleJWT's `SIGNING_KEY`) has no id: tokens
//! then carry SimpleJWT's own header, byte for byte, and a `kid` in a token's
//! header is ignored, as PyJWT ignores it. The `kid` only ever chooses among
//! keys the server already holds; it is never a path, a URL or a lookup
//! anywhere else, which is what makes `kid` injection attacks moot here.

use super::base64url;
use super::{check_header, Algorithm, DecodeError, Key, SegmentBuffer};

/// Longest `kid` accepted in a keyring.
pub const MAX_KID_LEN: usize = 64;

/// One key of a [`Keyring`].
#[derive(Debug, Clone)]
struct NamedKey {
    kid: Option<String>,
    key: Key,
    /// The base64url header of tokens it signs.
    encoded_header: String,
    /// Held by this server (a key file, the database), not fetched from a
    /// JWKS.
    own: bool,
}

impl NamedKey {
    fn new(kid: Option<String>, key: Key) -> NamedKey {
        let encoded_header = match &kid {
            None => key.algorithm().encoded_header().to_owned(),
            // PyJWT writes header members sorted, compactly: alg, kid, typ.
            Some(kid) => base64url::encode(
                format!(
                    r#"{{"alg":"{}","kid":"{kid}","typ":"JWT"}}"#,
                    key.algorithm().name()
                )
                .as_bytes(),
            ),
        };
        NamedKey {
            kid,
            key,
            encoded_header,
            own: true,
        }
    }
}

/// Why a keyring could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringError {
    /// A `kid` empty, longer than [`MAX_KID_LEN`], or with characters other
    /// than ASCII letters, digits, `-` and `_` (so it needs no escaping).
    BadKid(String),
    /// Two keys with one `kid`.
    DuplicateKid(String),
    /// Keys for different algorithms.
    MixedAlgorithms,
}

impl std::fmt::Display for KeyringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyringError::BadKid(kid) => write!(
                f,
                "key id {kid:?} is not 1 to {MAX_KID_LEN} letters, digits, '-' or '_'"
            ),
            KeyringError::DuplicateKid(kid) => write!(f, "two keys have the id {kid:?}"),
            KeyringError::MixedAlgorithms => f.write_str("keys for different algorithms"),
        }
    }
}

impl std::error::Error for KeyringError {}

/// Whether `kid` may name a key: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn is_valid_kid(kid: &str) -> bool {
    (1..=MAX_KID_LEN).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The keys a server signs and verifies with.
#[derive(Debug, Clone)]
pub struct Keyring {
    /// Every key that verifies; the one that signs, if any, first.
    keys: Vec<NamedKey>,
    /// Whether `keys[0]` signs new tokens.
    signs: bool,
    /// Whether a token without a `kid` is checked with `keys[0]`. Keys
    /// fetched from a JWKS must be named, as PyJWKClient requires.
    unnamed_first: bool,
}

impl Keyring {
    /// One key without an id: SimpleJWT's format, for an HMAC key given
    /// from outside the database. (A public-key pair given from outside
    /// is named by its thumbprint: [`Keyring::named`].)
    pub fn single(key: Key) -> Keyring {
        Keyring {
            signs: key.can_sign(),
            keys: vec![NamedKey::new(None, key)],
            unnamed_first: true,
        }
    }

    /// One key with an id: a key pair, or a verifying key alone, given from
    /// outside the database. A token without a `kid` is checked with it,
    /// as SimpleJWT checks every token with its `VERIFYING_KEY`.
    pub fn named(kid: String, key: Key) -> Result<Keyring, KeyringError> {
        let mut ring = Keyring::with_ids((kid, key), Vec::new())?;
        ring.signs = ring.keys[0].key.can_sign();
        Ok(ring)
    }

    /// Keys with ids: `current` signs, it and `others` verify.
    pub fn with_ids(
        current: (String, Key),
        others: Vec<(String, Key)>,
    ) -> Result<Keyring, KeyringError> {
        let signs = current.1.can_sign();
        let mut keys = Vec::with_capacity(others.len() + 1);
        keys.push(current);
        keys.extend(others);
        let mut ring = Keyring::verifying(keys)?;
        ring.signs = signs;
        ring.unnamed_first = true;
        for key in &mut ring.keys {
            key.own = true;
        }
        Ok(ring)
    }

    /// Keys with ids that only verify, each token naming its key: the keys
    /// of a JWKS (`JWK_URL`). May be empty, and then verifies nothing.
    pub fn verifying(keys: Vec<(String, Key)>) -> Result<Keyring, KeyringError> {
        let mut seen: Vec<&str> = Vec::with_capacity(keys.len());
        for (kid, key) in &keys {
            if !is_valid_kid(kid) {
                return Err(KeyringError::BadKid(kid.clone()));
            }
            if seen.contains(&kid.as_str()) {
                return Err(KeyringError::DuplicateKid(kid.clone()));
            }
            if key.algorithm() != keys[0].1.algorithm() {
                return Err(KeyringError::MixedAlgorithms);
            }
            seen.push(kid);
        }
        Ok(Keyring {
            keys: keys
                .into_iter()
                .map(|(kid, key)| NamedKey {
                    own: false,
                    ..NamedKey::new(Some(kid), key)
                })
                .collect(),
            signs: false,
            unnamed_first: false,
        })
    }

    /// No key at all: every token is refused (a `JWK_URL` not fetched yet).
    pub fn empty() -> Keyring {
        Keyring {
            keys: Vec::new(),
            signs: false,
            unnamed_first: false,
        }
    }

    /// This ring with `signer` in front: it signs new tokens, and verifies
    /// them, beside the ring's keys (a signing key beside a JWKS).
    pub fn with_signer(
        mut self,
        kid: Option<String>,
        signer: Key,
    ) -> Result<Keyring, KeyringError> {
        if let Some(kid) = &kid {
            if !is_valid_kid(kid) {
                return Err(KeyringError::BadKid(kid.clone()));
            }
            self.keys.retain(|k| k.kid.as_ref() != Some(kid));
        }
        if self
            .keys
            .iter()
            .any(|k| k.key.algorithm() != signer.algorithm())
        {
            return Err(KeyringError::MixedAlgorithms);
        }
        self.signs = signer.can_sign();
        self.keys.insert(0, NamedKey::new(kid, signer));
        self.unnamed_first = true;
        Ok(self)
    }

    /// The algorithm of every key in the ring; `None` for an empty ring.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.keys.first().map(|k| k.key.algorithm())
    }

    /// Whether the ring signs new tokens: false for a server that only
    /// verifies.
    pub fn can_sign(&self) -> bool {
        self.signs
    }

    /// The key new tokens are signed with, and their base64url header.
    pub fn signer(&self) -> Option<(&Key, &str)> {
        let first = self.keys.first().filter(|_| self.signs)?;
        Some((&first.key, &first.encoded_header))
    }

    /// The first key: the signing key, or the key a token without a `kid`
    /// is checked with.
    pub fn current(&self) -> Option<&Key> {
        self.keys.first().map(|k| &k.key)
    }

    /// Its id, `None` for a key without one.
    pub fn current_kid(&self) -> Option<&str> {
        self.keys.first().and_then(|k| k.kid.as_deref())
    }

    /// The base64url header of new tokens (of the first key).
    pub fn encoded_header(&self) -> Option<&str> {
        self.keys.first().map(|k| k.encoded_header.as_str())
    }

    /// The ids of the keys that verify, the current one first.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref())
    }

    /// Every key with its id, the current one first: what a JWKS publishes.
    pub fn keys(&self) -> impl Iterator<Item = (Option<&str>, &Key)> {
        self.keys.iter().map(|k| (k.kid.as_deref(), &k.key))
    }

    /// The keys this server holds itself (not those fetched from a JWKS),
    /// with their ids, the current one first: what its own JWKS publishes.
    pub fn own_keys(&self) -> impl Iterator<Item = (Option<&str>, &Key)> {
        self.keys
            .iter()
            .filter(|k| k.own)
            .map(|k| (k.kid.as_deref(), &k.key))
    }

    /// Check 3 of [`super::decode`] with this ring: the header is valid for
    /// the ring's algorithm, and the key that must have signed the token.
    ///
    /// - the first key's own header bytes: that key, unparsed;
    /// - a `kid` naming a key of the ring: that key;
    /// - no `kid`: the first key, unless the ring's keys must be named;
    /// - a `kid` naming no key of the ring (unknown, retired, or a key of
    ///   another algorithm, which is never in the ring): refused.
    ///   A ring without ids ignores `kid`, as PyJWT does.
    pub fn select(&self, encoded_header: &str) -> Result<&Key, DecodeError> {
        let Some(first) = self.keys.first() else {
            return Err(DecodeError::UnknownKey);
        };
        if encoded_header == first.encoded_header {
            return Ok(&first.key);
        }
        let mut buffer = SegmentBuffer::new();
        let kid = check_header(encoded_header, first.key.algorithm(), &mut buffer)?;
        match kid {
            Some(kid) if first.kid.is_some() => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .map(|k| &k.key)
                .ok_or(DecodeError::UnknownKey),
            _ if self.unnamed_first => Ok(&first.key),
            _ => Err(DecodeError::UnknownKey),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> Key {
        Key::new(Algorithm::HS256, secret.as_bytes()).unwrap()
    }

    fn header(json: &str) -> String {
        base64url::encode(json.as_bytes())
    }

    #[test]
    fn a_key_with_an_id_writes_it_in_pyjwt_order() {
        let ring = Keyring::with_ids(("k1".into(), key("one")), Vec::new()).unwrap();
        assert_eq!(
            base64url::decode(ring.encoded_header().unwrap()).unwrap(),
            br#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#
        );
        let single = Keyring::single(key("one"));
        assert_eq!(
            single.encoded_header(),
            Some(Algorithm::HS256.encoded_header())
        );
        assert_eq!(single.current_kid(), None);
    }

    #[test]
    fn the_kid_chooses_among_the_keys_of_the_ring() {
        let ring = Keyring::with_ids(
            ("new".into(), key("new secret")),
            vec![("old".into(), key("old secret"))],
        )
        .unwrap();
        let signs_like = |selected: &Key, secret: &str| {
            selected.sign(b"x").unwrap().as_bytes() == key(secret).sign(b"x").unwrap().as_bytes()
        };
        let old = header(r#"{"alg":"HS256","kid":"old","typ":"JWT"}"#);
        assert!(signs_like(ring.select(&old).unwrap(), "old secret"));
        assert!(signs_like(
            ring.select(ring.encoded_header().unwrap()).unwrap(),
            "new secret"
        ));
        // Without a kid: the current key.
        let plain = Algorithm::HS256.encoded_header();
        assert!(signs_like(ring.select(plain).unwrap(), "new secret"));
        // An unknown (or retired) kid is refused, whatever it looks like.
        for kid in ["gone", "../../etc/passwd", "http://evil/jwks.json", ""] {
            let h = header(&format!(r#"{{"alg":"HS256","kid":{kid:?}}}"#));
            assert_eq!(
                ring.select(&h).err(),
                Some(DecodeError::UnknownKey),
                "{kid}"
            );
        }
        // The header's other rules still hold.
        let none = header(r#"{"alg":"none","kid":"old"}"#);
        assert_eq!(ring.select(&none).err(), Some(DecodeError::WrongAlgorithm));
        let number = header(r#"{"alg":"HS256","kid":7}"#);
        assert_eq!(
            ring.select(&number).err(),
            Some(DecodeError::UnsupportedHeader)
        );
    }

    #[test]
    fn a_ring_without_ids_ignores_kid_as_pyjwt_does() {
        let ring = Keyring::single(key("s"));
        let h = header(r#"{"alg":"HS256","kid":"anything","typ":"JWT"}"#);
        assert!(ring.select(&h).is_ok());
    }

    #[test]
    fn ids_are_checked() {
        let bad = |kid: &str| Keyring::with_ids((kid.into(), key("s")), Vec::new()).err();
        assert_eq!(bad(""), Some(KeyringError::BadKid(String::new())));
        assert_eq!(bad("a\"b"), Some(KeyringError::BadKid("a\"b".into())));
        assert_eq!(
            bad(&"k".repeat(65)),
            Some(KeyringError::BadKid("k".repeat(65)))
        );
        assert!(bad(&"k".repeat(64)).is_none());
        let twice = Keyring::with_ids(("a".into(), key("1")), vec![("a".into(), key("2"))]);
        assert_eq!(twice.err(), Some(KeyringError::DuplicateKid("a".into())));
        let mixed = Keyring::with_ids(
            ("a".into(), key("1")),
            vec![("b".into(), Key::new(Algorithm::HS512, b"2").unwrap())],
        );
        assert_eq!(mixed.err(), Some(KeyringError::MixedAlgorithms));
    }
}
