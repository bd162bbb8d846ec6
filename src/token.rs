//! SimpleJWT's token classes on top of [`crate::jwt`]: which claims an access
//! or refresh token carries, in which order, and the checks SimpleJWT's
//! `Token.verify` adds to PyJWT's.
//!
//! ```text
//! refresh (login)    {"token_type":"refresh","exp":now+1d,"iat":now,"jti":J1,"user_id":"1"}
//! access (from it)   {"token_type":"access","exp":now+60m,"iat":now,"jti":J2,"user_id":"1"}
//! refresh (rotated)  the same payload with a new jti, exp and iat, in place
//! sliding (login)    {"token_type":"sliding","exp":now+5m,"iat":now,"jti":J3,"refresh_exp":now+1d,"user_id":"1"}
//! sliding (refreshed) the same payload and jti, exp and iat reset, in place
//! ```
//!
//! An access token copies every claim of its refresh token except
//! `token_type`, `exp`, `iat` and `jti`, so custom claims added by a Django
//! service travel on. `aud` and `iss` are written when the token is
//! encoded, replacing a value already present in place.
//!
//! A request reads a token through [`Tokens::read`]: only the claims the
//! checks need, as [`TokenClaims`] borrowing from a stack buffer. A refresh,
//! which copies every claim on, decodes the whole payload
//! ([`Tokens::decode`]) and checks it through the same [`TokenClaims`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock, RwLockReadGuard};

use crate::config::{Audience, Settings};
use crate::jwt::{
    self, ClaimValue, Claims, DecodeError, Key, Keyring, Picked, Registered, SegmentBuffer,
    SignError, Validation, Verifier,
};
use crate::md5;
use crate::primitives::{self, RandomError};
use crate::store::{User, UserField};

mod error;
mod sliding;

pub use error::TokenError;

/// The token types jwtd issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// Authenticates requests; never stored.
    Access,
    /// Obtains access tokens; tracked in the store.
    Refresh,
    /// Authenticates requests and is refreshed itself until its
    /// `refresh_exp` (`AUTH_TOKEN_CLASSES` with `sliding`); tracked in the
    /// store as a refresh token is, so that it can be blacklisted.
    Sliding,
}

impl TokenType {
    /// The `token_type` claim value.
    pub fn name(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
            TokenType::Sliding => "sliding",
        }
    }

    /// The class an `AUTH_TOKEN_CLASSES` name stands for.
    pub fn of_class(name: &str) -> Option<TokenType> {
        match name {
            crate::config::ACCESS_CLASS => Some(TokenType::Access),
            crate::config::SLIDING_CLASS => Some(TokenType::Sliding),
            _ => None,
        }
    }

    /// SimpleJWT's class name, as reported in the protected view's `messages`.
    pub fn class_name(self) -> &'static str {
        match self {
            TokenType::Access => "AccessToken",
            TokenType::Refresh => "RefreshToken",
            TokenType::Sliding => "SlidingToken",
        }
    }
}

/// Where jtis come from: the OS in production, a counter in tests so that
/// the reference vectors (`uuid4` patched to `UUID(int=1)`, 2, ...) can be
/// reproduced byte for byte.
#[derive(Debug)]
pub enum JtiSource {
    /// 128 random bits as 32 lowercase hex digits, like `uuid4().hex`
    /// (without the version nibble, which carries no randomness).
    Random,
    /// `UUID(int=n).hex` for n = 1, 2, 3, ...
    Counter(AtomicU64),
}

impl JtiSource {
    /// A counter starting at 1.
    pub fn counter() -> JtiSource {
        JtiSource::Counter(AtomicU64::new(1))
    }

    /// The next jti.
    pub fn next(&self) -> Result<String, RandomError> {
        let value = match self {
            JtiSource::Random => {
                let mut bytes = [0u8; 16];
                primitives::random_bytes(&mut bytes)?;
                u128::from_be_bytes(bytes)
            }
            JtiSource::Counter(n) => u128::from(n.fetch_add(1, Ordering::Relaxed)),
        };
        Ok(format!("{value:032x}"))
    }
}

/// What a token says about its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserClaim {
    /// No claim, or a falsy one (`""`, `0`, `null`, `false`): SimpleJWT's
    /// refresh skips the user check for these.
    Absent,
    /// A user id.
    Id(u64),
    /// A value that is no id (`"abc"`, `1.5`, an object).
    NotAnId,
}

/// What SimpleJWT's checks read of a token: its times and the claims of
/// the configured names ([`Tokens::names`]: type, jti, user id, revoke),
/// borrowed from the payload (or from [`Claims`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenClaims<'p>(Picked<'p, 6>);

impl<'p> TokenClaims<'p> {
    /// The claims of a payload read whole; `names` as [`Tokens::names`].
    fn of(claims: &'p Claims, names: [Option<&str>; 6]) -> TokenClaims<'p> {
        let picked = names.map(|name| {
            name.and_then(|n| claims.get(n))
                .map(|v| ClaimValue::of(v, &[]))
        });
        TokenClaims(Picked {
            registered: Registered::of(claims, &[]),
            picked,
        })
    }

    /// `TOKEN_TYPE_CLAIM`'s value; `None` also when the claim is disabled.
    fn token_type(&self) -> Option<&ClaimValue<'p>> {
        self.0.picked[0].as_ref()
    }

    /// `JTI_CLAIM`'s value (`jti`'s when disabled).
    fn jti_value(&self) -> Option<&ClaimValue<'p>> {
        self.0.picked[1].as_ref()
    }

    /// The jti, if it is a string.
    pub fn jti(&self) -> Option<&str> {
        self.jti_value().and_then(ClaimValue::as_str)
    }

    /// What the user id claim says.
    pub fn user_claim(&self) -> UserClaim {
        user_claim_of(self.0.picked[2].as_ref())
    }

    /// The user id claim's value when it is a non-empty string: a username
    /// or an email under `USER_ID_FIELD`.
    pub fn user_claim_text(&self) -> Option<&'p str> {
        match &self.0.picked[2] {
            Some(ClaimValue::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// Whether the user id claim is there at all, whatever its value:
    /// what `JWTStatelessUserAuthentication` asks (`USER_ID_CLAIM in token`).
    pub fn has_user_claim(&self) -> bool {
        self.0.picked[2].is_some()
    }

    /// `TokenUser.username`: the `username` claim, `""` when it is absent
    /// (`token.get("username", "")`) or, unlike SimpleJWT, which would
    /// pass any JSON value on, not a string.
    pub fn username(&self) -> &'p str {
        match &self.0.picked[4] {
            Some(ClaimValue::String(s)) => s,
            _ => "",
        }
    }

    /// `REVOKE_TOKEN_CLAIM`'s value if it is a string (read with
    /// `CHECK_REVOKE_TOKEN` only).
    fn revoke(&self) -> Option<&str> {
        self.0.picked[3].as_ref().and_then(ClaimValue::as_str)
    }

    /// Whether its type claim says `kind` (false without one).
    pub fn is(&self, kind: TokenType) -> bool {
        self.token_type().and_then(ClaimValue::as_str) == Some(kind.name())
    }

    /// `SLIDING_TOKEN_REFRESH_EXP_CLAIM`'s value.
    fn refresh_exp(&self) -> Option<&ClaimValue<'p>> {
        self.0.picked[5].as_ref()
    }

    /// The `exp`, as whole seconds (0 if absent).
    pub fn exp(&self) -> u64 {
        whole_seconds(self.0.registered.exp())
    }

    /// Whether the token was issued before `user`'s tokens were revoked:
    /// its `iat` (whole seconds; a token without one counts as issued at 0)
    /// is before the user's `tokens_valid_after`.
    pub fn revoked_for(&self, user: &User) -> bool {
        whole_seconds(self.0.registered.iat()) < user.tokens_valid_after
    }
}

/// A time claim as whole seconds, 0 when absent or not positive.
fn whole_seconds(value: Option<&ClaimValue<'_>>) -> u64 {
    value
        .and_then(ClaimValue::as_f64)
        .map_or(0, |t| if t <= 0.0 { 0 } else { t.trunc() as u64 })
}

/// SimpleJWT's token backend and token classes, configured once.
#[derive(Debug)]
pub struct Tokens {
    /// Replaced whole when the signing keys change (`jwtd key rotate`);
    /// every token is signed and checked under one read of it.
    keys: RwLock<Keyring>,
    validation: Validation,
    /// `ACCESS_TOKEN_LIFETIME`, `REFRESH_TOKEN_LIFETIME`,
    /// `SLIDING_TOKEN_LIFETIME` and `SLIDING_TOKEN_REFRESH_LIFETIME`, which
    /// a settings reload changes ([`Tokens::set_lifetimes`]).
    access_lifetime: AtomicU64,
    refresh_lifetime: AtomicU64,
    sliding_lifetime: AtomicU64,
    sliding_refresh_lifetime: AtomicU64,
    refresh_exp_claim: String,
    token_type_claim: Option<String>,
    jti_claim: Option<String>,
    user_id_claim: String,
    /// `USER_ID_FIELD`: whose value `user_id_claim` carries.
    user_id_field: UserField,
    revoke_claim: Option<String>,
    audience: Option<Audience>,
    issuer: Option<String>,
    jtis: JtiSource,
    /// Told of every token naming a key the ring does not hold: with
    /// `JWK_URL`, the cue to fetch the key set again.
    on_unknown_key: OnceLock<Listener>,
}

/// What [`Tokens::on_unknown_key`] calls.
struct Listener(Box<dyn Fn() + Send + Sync>);

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Listener")
    }
}

impl Tokens {
    /// Tokens as `settings` describe them, signed with `key` and no `kid`
    /// (SimpleJWT's format).
    pub fn new(settings: &Settings, key: Key, jtis: JtiSource) -> Tokens {
        Tokens::with_keys(settings, Keyring::single(key), jtis)
    }

    /// Tokens signed with the current key of `keys`.
    pub fn with_keys(settings: &Settings, keys: Keyring, jtis: JtiSource) -> Tokens {
        Tokens {
            validation: validation(settings),
            keys: RwLock::new(keys),
            access_lifetime: AtomicU64::new(settings.access_token_lifetime),
            refresh_lifetime: AtomicU64::new(settings.refresh_token_lifetime),
            sliding_lifetime: AtomicU64::new(settings.sliding_token_lifetime),
            sliding_refresh_lifetime: AtomicU64::new(settings.sliding_token_refresh_lifetime),
            refresh_exp_claim: settings.sliding_token_refresh_exp_claim.clone(),
            token_type_claim: settings.token_type_claim.clone(),
            jti_claim: settings.jti_claim.clone(),
            user_id_claim: settings.user_id_claim.clone(),
            user_id_field: UserField::named(&settings.user_id_field).unwrap_or(UserField::Id),
            revoke_claim: settings
                .check_revoke_token
                .then(|| settings.revoke_token_claim.clone()),
            audience: settings.audience.clone(),
            issuer: settings.issuer.clone(),
            jtis,
            on_unknown_key: OnceLock::new(),
        }
    }

    /// Calls `notify` for every token naming a key not in the ring, from
    /// the request's thread: it must not block. Set once.
    pub fn on_unknown_key(&self, notify: Box<dyn Fn() + Send + Sync>) {
        let _ = self.on_unknown_key.set(Listener(notify));
    }

    /// A decode error, passed on after telling [`Tokens::on_unknown_key`]'s
    /// listener of an unknown key.
    fn refused(&self, error: DecodeError) -> TokenError {
        if error == DecodeError::UnknownKey {
            if let Some(Listener(notify)) = self.on_unknown_key.get() {
                notify();
            }
        }
        TokenError::Decode(error)
    }

    /// The claim holding the jti. With `JTI_CLAIM` disabled jwtd still
    /// writes `jti`, because refresh tokens need an id to be revoked.
    fn jti_name(&self) -> &str {
        self.jti_claim.as_deref().unwrap_or("jti")
    }

    /// `token_type, exp, iat, jti`: the head of every new token.
    fn new_token(&self, kind: TokenType, lifetime: u64, now: u64) -> Result<Claims, RandomError> {
        let mut claims = Claims::new();
        if let Some(name) = &self.token_type_claim {
            claims.set(name, kind.name());
        }
        claims.set("exp", now.saturating_add(lifetime));
        claims.set("iat", now);
        claims.set(self.jti_name(), self.jtis.next()?);
        Ok(claims)
    }

    /// `RefreshToken.for_user(user)`.
    pub fn refresh_for(&self, user: &User, now: u64) -> Result<Claims, RandomError> {
        let lifetime = self.refresh_lifetime.load(Ordering::Relaxed);
        let mut claims = self.new_token(TokenType::Refresh, lifetime, now)?;
        claims.set(&self.user_id_claim, self.user_id_field.value_of(user));
        if let Some(name) = &self.revoke_claim {
            claims.set(name, revoke_hash(user));
        }
        Ok(claims)
    }

    /// `refresh.access_token`: a new access token carrying the refresh
    /// token's other claims.
    pub fn access_for(&self, refresh: &Claims, now: u64) -> Result<Claims, RandomError> {
        let lifetime = self.access_lifetime.load(Ordering::Relaxed);
        let mut access = self.new_token(TokenType::Access, lifetime, now)?;
        for (name, value) in refresh.iter() {
            let not_copied = Some(name) == self.token_type_claim.as_deref()
                || matches!(name, "exp" | "iat" | "jti")
                || name == self.jti_name();
            if !not_copied {
                access.set(name, value.clone());
            }
        }
        Ok(access)
    }

    /// Rotation: the same payload with a new jti, `exp = now + lifetime` and
    /// `iat = now`, each kept in its position.
    pub fn rotate(&self, refresh: &mut Claims, now: u64) -> Result<(), RandomError> {
        refresh.set(self.jti_name(), self.jtis.next()?);
        let lifetime = self.refresh_lifetime.load(Ordering::Relaxed);
        refresh.set("exp", now.saturating_add(lifetime));
        refresh.set("iat", now);
        Ok(())
    }

    /// The token string, with `aud` and `iss` set as configured.
    pub fn encode(&self, claims: &Claims) -> Result<String, SignError> {
        if self.audience.is_none() && self.issuer.is_none() {
            return jwt::encode_with_keys(&self.keys(), claims);
        }
        let mut claims = claims.clone();
        if let Some(audience) = &self.audience {
            claims.set("aud", audience.to_value());
        }
        if let Some(issuer) = &self.issuer {
            claims.set("iss", issuer.as_str());
        }
        jwt::encode_with_keys(&self.keys(), &claims)
    }

    /// PyJWT's part of decoding: signature, times, audience and issuer;
    /// the whole payload, for a refresh to copy on.
    pub fn decode(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        jwt::decode_with_keys(token, &self.keys(), &self.validation, now)
            .map_err(|e| self.refused(e))
    }

    /// [`Tokens::decode`] keeping only what the checks read, the payload
    /// decoded into `buffer`: a request's reading of its token.
    pub fn read<'p>(
        &self,
        token: &str,
        now: u64,
        buffer: &'p mut SegmentBuffer,
    ) -> Result<TokenClaims<'p>, TokenError> {
        let keys = self.keys();
        let verifier = Verifier::Keys(&keys);
        jwt::decode_picked(token, verifier, &self.validation, now, self.names(), buffer)
            .map(TokenClaims)
            .map_err(|e| self.refused(e))
    }

    /// What the checks read of claims decoded whole.
    pub fn claims_of<'c>(&self, claims: &'c Claims) -> TokenClaims<'c> {
        TokenClaims::of(claims, self.names())
    }

    /// The configured claim names, in [`TokenClaims`]' order: type, jti,
    /// user id, revoke, `username` (`TokenUser`'s) and `refresh_exp`.
    fn names(&self) -> [Option<&str>; 6] {
        [
            self.token_type_claim.as_deref(),
            Some(self.jti_name()),
            Some(&self.user_id_claim),
            self.revoke_claim.as_deref(),
            Some("username"),
            Some(&self.refresh_exp_claim),
        ]
    }

    /// The keys in use.
    pub fn keys(&self) -> RwLockReadGuard<'_, Keyring> {
        // A panic cannot leave a half-written keyring: it is replaced whole.
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Issues tokens with these lifetimes (seconds) from now on.
    pub fn set_lifetimes(&self, settings: &Settings) {
        let lifetimes = [
            (&self.access_lifetime, settings.access_token_lifetime),
            (&self.refresh_lifetime, settings.refresh_token_lifetime),
            (&self.sliding_lifetime, settings.sliding_token_lifetime),
            (
                &self.sliding_refresh_lifetime,
                settings.sliding_token_refresh_lifetime,
            ),
        ];
        for (lifetime, seconds) in lifetimes {
            lifetime.store(seconds, Ordering::Relaxed);
        }
    }

    /// Signs and checks with `keys` from now on.
    pub fn set_keys(&self, keys: Keyring) {
        *self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = keys;
    }

    /// `Token.verify()` after decoding: `exp` present (its value was checked
    /// by [`Tokens::decode`]), the jti present, and the type, when
    /// `expected` names one (`UntypedToken` passes `None`).
    pub fn verify(
        &self,
        claims: &TokenClaims<'_>,
        expected: Option<TokenType>,
    ) -> Result<(), TokenError> {
        verify_present(
            claims,
            self.jti_claim.is_some(),
            self.token_type_claim.is_some(),
            expected,
        )
    }

    /// Whether the token's revoke claim still matches the user's stored hash
    /// (always true with `CHECK_REVOKE_TOKEN` off).
    pub fn password_unchanged(&self, claims: &TokenClaims<'_>, user: &User) -> bool {
        match &self.revoke_claim {
            None => true,
            Some(_) => {
                let hash = md5::hex_upper_bytes(user.password.as_bytes());
                claims.revoke().map(str::as_bytes) == Some(&hash[..])
            }
        }
    }
}

/// `TOKEN_CLAIMS`: sets each field of `fields` (names of
/// [`crate::config::TOKEN_CLAIM_FIELDS`]) to `user`'s value, as a
/// serializer's `token[name] = user.name` would: in place when the claim is
/// there, else at the end, in the order given.
pub fn set_user_claims(claims: &mut Claims, user: &User, fields: &[String]) {
    for field in fields {
        match field.as_str() {
            "username" => claims.set(field, user.username.as_str()),
            "is_staff" => claims.set(field, user.is_staff),
            "is_superuser" => claims.set(field, user.is_superuser),
            "is_active" => claims.set(field, user.is_active),
            "id" => claims.set(field, user.id),
            "email" => claims.set(field, user.email.as_str()),
            "first_name" => claims.set(field, user.first_name.as_str()),
            "last_name" => claims.set(field, user.last_name.as_str()),
            // The settings refuse any other name at start-up.
            _ => {}
        }
    }
}

/// What the claim `name` (`USER_ID_CLAIM`) of `claims` says of the token's
/// user, read as SimpleJWT reads it.
pub fn user_claim(claims: &Claims, name: &str) -> UserClaim {
    user_claim_of(claims.get(name).map(|v| ClaimValue::of(v, &[])).as_ref())
}

/// [`user_claim`] of a claim's value.
fn user_claim_of(value: Option<&ClaimValue<'_>>) -> UserClaim {
    match value {
        None
        | Some(ClaimValue::Null)
        | Some(ClaimValue::Bool(false))
        | Some(ClaimValue::String("")) => UserClaim::Absent,
        Some(ClaimValue::String(s)) => s
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .parse()
            .map_or(UserClaim::NotAnId, UserClaim::Id),
        Some(ClaimValue::Number(n)) => match n.as_u64() {
            Some(0) => UserClaim::Absent,
            Some(id) => UserClaim::Id(id),
            None if n.as_f64() == Some(0.0) => UserClaim::Absent,
            None => UserClaim::NotAnId,
        },
        Some(_) => UserClaim::NotAnId,
    }
}

/// Whether `claims`' `iat` (whole seconds; none counts as 0) is before
/// `user`'s `tokens_valid_after`, for tools that read the claims whole.
pub fn revoked_for(claims: &Claims, user: &User) -> bool {
    TokenClaims::of(claims, [None; 6]).revoked_for(user)
}

/// The claim checks `settings` ask of PyJWT: leeway, audience, issuer.
pub fn validation(settings: &Settings) -> Validation {
    Validation {
        leeway: settings.leeway,
        audience: settings.audience.as_ref().map(Audience::values),
        issuer: settings.issuer.clone(),
    }
}

/// [`Tokens::verify`], with the claim names (`JTI_CLAIM`, `TOKEN_TYPE_CLAIM`;
/// `None` when disabled) given directly, for tools that have no key.
pub fn verify_claims(
    claims: &Claims,
    jti_claim: Option<&str>,
    token_type_claim: Option<&str>,
    expected: Option<TokenType>,
) -> Result<(), TokenError> {
    let read = TokenClaims::of(
        claims,
        [token_type_claim, jti_claim, None, None, None, None],
    );
    verify_present(
        &read,
        jti_claim.is_some(),
        token_type_claim.is_some(),
        expected,
    )
}

/// `Token.verify()`: `exp` present, the jti present when `JTI_CLAIM` is on
/// (`jti_required`), and the type when `TOKEN_TYPE_CLAIM` is on
/// (`type_checked`) and `expected` names one.
fn verify_present(
    claims: &TokenClaims<'_>,
    jti_required: bool,
    type_checked: bool,
    expected: Option<TokenType>,
) -> Result<(), TokenError> {
    if claims.0.registered.exp().is_none() {
        return Err(TokenError::NoExp);
    }
    if jti_required && claims.jti_value().is_none() {
        return Err(TokenError::NoId);
    }
    if let (true, Some(expected)) = (type_checked, expected) {
        match claims.token_type() {
            None => return Err(TokenError::NoType),
            Some(t) if t.as_str() != Some(expected.name()) => return Err(TokenError::WrongType),
            Some(_) => {}
        }
    }
    Ok(())
}

/// SimpleJWT's `get_md5_hash_password`: MD5 of the stored hash string, in
/// upper-case hex.
fn revoke_hash(user: &User) -> String {
    md5::hex_upper(user.password.as_bytes())
}

#[cfg(test)]
mod tests;
