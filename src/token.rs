//! SimpleJWT's token classes on top of [`crate::jwt`]: which claims an access
//! or refresh token carries, in which order, and the checks SimpleJWT's
//! `Token.verify` adds to PyJWT's.
//!
//! ```text
//! refresh (login)    {"token_type":"refresh","exp":now+1d,"iat":now,"jti":J1,"user_id":"1"}
//! access (from it)   {"token_type":"access","exp":now+60m,"iat":now,"jti":J2,"user_id":"1"}
//! refresh (rotated)  the same payload with a new jti, exp and iat, in place
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
use std::sync::{RwLock, RwLockReadGuard};

use crate::config::{Audience, Settings};
use crate::jwt::{
    self, ClaimValue, Claims, DecodeError, Keyring, Picked, Registered, SegmentBuffer, SigningKey,
    Validation, Verifier,
};
use crate::md5;
use crate::primitives::{self, RandomError};
use crate::store::User;

/// The two token types jwtd issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// Authenticates requests; never stored.
    Access,
    /// Obtains access tokens; tracked in the store.
    Refresh,
}

impl TokenType {
    /// The `token_type` claim value.
    pub fn name(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }

    /// SimpleJWT's class name, as reported in the protected view's `messages`.
    pub fn class_name(self) -> &'static str {
        match self {
            TokenType::Access => "AccessToken",
            TokenType::Refresh => "RefreshToken",
        }
    }
}

/// SimpleJWT's `TokenError`, with its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// PyJWT refused it: "Token is invalid" (or "Token is expired").
    Decode(DecodeError),
    /// No `exp`: "Token has no 'exp' claim".
    NoExp,
    /// No jti: "Token has no id".
    NoId,
    /// No type claim: "Token has no type".
    NoType,
    /// Another type: "Token has wrong type".
    WrongType,
    /// A refresh token already spent or revoked: "Token is blacklisted".
    Blacklisted,
    /// Issued before its user's tokens were revoked: "Token is revoked"
    /// (jwtd's own; SimpleJWT has no revocation by user).
    Revoked,
}

impl TokenError {
    /// The client-facing message, SimpleJWT's English msgid.
    pub fn message(self) -> &'static str {
        match self {
            TokenError::Decode(e) if e.is_expired() => "Token is expired",
            TokenError::Decode(_) => "Token is invalid",
            TokenError::NoExp => "Token has no 'exp' claim",
            TokenError::NoId => "Token has no id",
            TokenError::NoType => "Token has no type",
            TokenError::WrongType => "Token has wrong type",
            TokenError::Blacklisted => "Token is blacklisted",
            TokenError::Revoked => "Token is revoked",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Decode(e) => write!(f, "token is invalid: {e}"),
            other => f.write_str(&other.message().to_ascii_lowercase()),
        }
    }
}

impl std::error::Error for TokenError {}

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
pub struct TokenClaims<'p>(Picked<'p, 4>);

impl<'p> TokenClaims<'p> {
    /// The claims of a payload read whole; `names` as [`Tokens::names`].
    fn of(claims: &'p Claims, names: [Option<&str>; 4]) -> TokenClaims<'p> {
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

    /// `REVOKE_TOKEN_CLAIM`'s value if it is a string (read with
    /// `CHECK_REVOKE_TOKEN` only).
    fn revoke(&self) -> Option<&str> {
        self.0.picked[3].as_ref().and_then(ClaimValue::as_str)
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
    /// `ACCESS_TOKEN_LIFETIME` and `REFRESH_TOKEN_LIFETIME`, which a
    /// settings reload changes ([`Tokens::set_lifetimes`]).
    access_lifetime: AtomicU64,
    refresh_lifetime: AtomicU64,
    token_type_claim: Option<String>,
    jti_claim: Option<String>,
    user_id_claim: String,
    revoke_claim: Option<String>,
    audience: Option<Audience>,
    issuer: Option<String>,
    jtis: JtiSource,
}

impl Tokens {
    /// Tokens as `settings` describe them, signed with `key` and no `kid`
    /// (SimpleJWT's format).
    pub fn new(settings: &Settings, key: SigningKey, jtis: JtiSource) -> Tokens {
        Tokens::with_keys(settings, Keyring::single(key), jtis)
    }

    /// Tokens signed with the current key of `keys`.
    pub fn with_keys(settings: &Settings, keys: Keyring, jtis: JtiSource) -> Tokens {
        Tokens {
            validation: validation(settings),
            keys: RwLock::new(keys),
            access_lifetime: AtomicU64::new(settings.access_token_lifetime),
            refresh_lifetime: AtomicU64::new(settings.refresh_token_lifetime),
            token_type_claim: settings.token_type_claim.clone(),
            jti_claim: settings.jti_claim.clone(),
            user_id_claim: settings.user_id_claim.clone(),
            revoke_claim: settings
                .check_revoke_token
                .then(|| settings.revoke_token_claim.clone()),
            audience: settings.audience.clone(),
            issuer: settings.issuer.clone(),
            jtis,
        }
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
        claims.set(&self.user_id_claim, user.id.to_string());
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
    pub fn encode(&self, claims: &Claims) -> String {
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
            .map_err(TokenError::Decode)
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
            .map_err(TokenError::Decode)
    }

    /// What the checks read of claims decoded whole.
    pub fn claims_of<'c>(&self, claims: &'c Claims) -> TokenClaims<'c> {
        TokenClaims::of(claims, self.names())
    }

    /// The configured claim names, in [`TokenClaims`]' order: type, jti,
    /// user id, revoke.
    fn names(&self) -> [Option<&str>; 4] {
        [
            self.token_type_claim.as_deref(),
            Some(self.jti_name()),
            Some(&self.user_id_claim),
            self.revoke_claim.as_deref(),
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
    pub fn set_lifetimes(&self, access: u64, refresh: u64) {
        self.access_lifetime.store(access, Ordering::Relaxed);
        self.refresh_lifetime.store(refresh, Ordering::Relaxed);
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
    TokenClaims::of(claims, [None; 4]).revoked_for(user)
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
    let read = TokenClaims::of(claims, [token_type_claim, jti_claim, None, None]);
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
mod tests {
    use super::*;
    use crate::jwt::Algorithm;

    const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
    const NOW: u64 = 1_735_689_600;
    const P1: &str =
        "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";

    /// The reference vectors' settings: SimpleJWT's own defaults (5 min
    /// access lifetime), not jwtd's.
    fn reference_settings() -> Settings {
        Settings {
            access_token_lifetime: 300,
            ..Settings::default()
        }
    }

    fn tokens(settings: &Settings) -> Tokens {
        let key = SigningKey::new(settings.algorithm, KEY).unwrap();
        Tokens::new(settings, key, JtiSource::counter())
    }

    /// `check` of the payload `json` both ways a token is read: signed and
    /// read at time 1 ([`Tokens::read`]), and decoded whole
    /// ([`Tokens::claims_of`]); the two must agree.
    fn both<R: PartialEq + fmt::Debug>(
        t: &Tokens,
        json: &str,
        check: impl Fn(&TokenClaims<'_>) -> R,
    ) -> R {
        let whole = Claims::from_json(json.as_bytes()).unwrap();
        let from_whole = check(&t.claims_of(&whole));
        let key = SigningKey::new(Algorithm::HS256, KEY).unwrap();
        let token = jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), json.as_bytes());
        let mut buffer = SegmentBuffer::new();
        let read = t.read(&token, 1, &mut buffer).unwrap();
        assert_eq!(check(&read), from_whole, "{json}");
        from_whole
    }

    fn user_1() -> User {
        User {
            id: 1,
            username: "alice".into(),
            password: P1.into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: 0,
            last_login: None,
            tokens_valid_after: 0,
        }
    }

    #[test]
    fn vector_v1_refresh_then_access() {
        let t = tokens(&reference_settings());
        let refresh = t.refresh_for(&user_1(), NOW).unwrap();
        assert_eq!(t.encode(&refresh), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTczNTc3NjAwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInVzZXJfaWQiOiIxIn0.xWdg4K5yRUgKRR4wMngHA6v6WJb5kBdiP5k6K8CeGjQ");
        let access = t.access_for(&refresh, NOW).unwrap();
        assert_eq!(t.encode(&access), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk");
    }

    #[test]
    fn vector_v2_hs512() {
        let settings = Settings {
            algorithm: Algorithm::HS512,
            ..reference_settings()
        };
        let t = tokens(&settings);
        let refresh = t.refresh_for(&user_1(), NOW).unwrap();
        let access = t.access_for(&refresh, NOW).unwrap();
        assert_eq!(t.encode(&access), "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.M7P7zvYyYNU6ydf04PWYlWjJglWkaHI5yCQAsS9n8O2J8A4nGAiqk56-cMZyZQtVeNjYRp7-w_YBk_X4JjxhNQ");
    }

    #[test]
    fn vector_v3_audience_and_issuer() {
        let settings = Settings {
            audience: Some(Audience::One("my-aud".into())),
            issuer: Some("https://issuer.example".into()),
            ..reference_settings()
        };
        let t = tokens(&settings);
        let refresh = t.refresh_for(&user_1(), NOW).unwrap();
        let access = t.access_for(&refresh, NOW).unwrap();
        let token = t.encode(&access);
        assert_eq!(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJhdWQiOiJteS1hdWQiLCJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.gONHh_IvnNyzpWDFLCXq13P6n0WLOf3Pxg2ENlu4JL8");
        assert!(t.decode(&token, NOW).is_ok());
        // A token without them is refused under this configuration.
        let plain = tokens(&reference_settings());
        let other = plain.encode(&plain.refresh_for(&user_1(), NOW).unwrap());
        assert_eq!(
            t.decode(&other, NOW).unwrap_err().message(),
            "Token is invalid"
        );
    }

    #[test]
    fn vector_v6_check_revoke_token() {
        let settings = Settings {
            check_revoke_token: true,
            ..reference_settings()
        };
        let t = tokens(&settings);
        let refresh = t.refresh_for(&user_1(), NOW).unwrap();
        let access = t.access_for(&refresh, NOW).unwrap();
        assert_eq!(t.encode(&access), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJoYXNoX3Bhc3N3b3JkIjoiMDE0RDM1MTU1MUZDOENDRDEwODQxMTUxOTAyNjE3N0UifQ.Ap04TdBXx5N4pCWtKDofoN-m-KEUvT-ac8Ct-lN9ZiE");
        let mut changed = user_1();
        changed.password.push('x');
        let token = t.encode(&access);
        let mut buffer = SegmentBuffer::new();
        let read = t.read(&token, NOW, &mut buffer).unwrap();
        for claims in [read, t.claims_of(&access)] {
            assert!(t.password_unchanged(&claims, &user_1()));
            assert!(!t.password_unchanged(&claims, &changed));
        }
        // Without the claim, or with one that is not a string, it changed.
        let t_json = |json: &str| both(&t, json, |c| t.password_unchanged(c, &user_1()));
        assert!(!t_json(r#"{"exp":9}"#));
        assert!(!t_json(r#"{"hash_password":null}"#));
        assert!(!t_json(
            r#"{"hash_password":"014d351551fc8ccd108411519026177e"}"#
        ));
        assert!(t_json(
            r#"{"hash_password":"014D351551FC8CCD108411519026177E"}"#
        ));
        assert!(t_json(
            r#"{"hash_password":"\u0030\u0031\u0034D351551FC8CCD108411519026177E"}"#
        ));
        // With CHECK_REVOKE_TOKEN off nothing is compared.
        let off = tokens(&reference_settings());
        assert!(both(&off, r#"{"hash_password":1}"#, |c| off
            .password_unchanged(c, &changed)));
    }

    #[test]
    fn access_copies_custom_claims_in_order_and_rotation_keeps_positions() {
        let t = tokens(&reference_settings());
        let mut refresh = Claims::from_json(
            br#"{"token_type":"refresh","exp":1,"jti":"old","user_id":"1","name":"Zo\u00eb","scope":["a"]}"#,
        )
        .unwrap();
        let access = t.access_for(&refresh, NOW).unwrap();
        let names: Vec<&str> = access.iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "token_type",
                "exp",
                "iat",
                "jti",
                "user_id",
                "name",
                "scope"
            ]
        );
        assert_eq!(access.get_str("token_type"), Some("access"));
        t.rotate(&mut refresh, NOW).unwrap();
        let names: Vec<&str> = refresh.iter().map(|(k, _)| k).collect();
        // The old token had no iat; rotation appends it, as a dict would.
        assert_eq!(
            names,
            [
                "token_type",
                "exp",
                "jti",
                "user_id",
                "name",
                "scope",
                "iat"
            ]
        );
        assert_eq!(
            refresh.get("exp"),
            Some(&serde_json::Value::from(NOW + 86400))
        );
        assert_ne!(refresh.get_str("jti"), Some("old"));
    }

    #[test]
    fn verify_runs_simplejwt_checks_in_order() {
        let t = tokens(&reference_settings());
        let verify = |json: &str, expected| both(&t, json, |c| t.verify(c, expected));
        let ok = r#"{"token_type":"refresh","exp":9,"jti":"x"}"#;
        assert_eq!(verify(ok, Some(TokenType::Refresh)), Ok(()));
        assert_eq!(
            verify(ok, Some(TokenType::Access)),
            Err(TokenError::WrongType)
        );
        assert_eq!(verify(ok, None), Ok(()), "untyped");
        let no_exp = r#"{"token_type":"refresh","jti":"x"}"#;
        assert_eq!(
            verify(no_exp, Some(TokenType::Refresh)),
            Err(TokenError::NoExp)
        );
        let no_jti = r#"{"exp":9}"#;
        assert_eq!(verify(no_jti, None), Err(TokenError::NoId));
        assert_eq!(
            verify(r#"{"exp":9,"jti":""}"#, None),
            Ok(()),
            "present is enough"
        );
        let no_type = r#"{"exp":9,"jti":"x"}"#;
        assert_eq!(
            verify(no_type, Some(TokenType::Access)),
            Err(TokenError::NoType)
        );
        assert_eq!(verify(no_type, None), Ok(()));
        for odd in [
            r#"{"exp":9,"jti":"x","token_type":1}"#,
            r#"{"exp":9,"jti":"x","token_type":null}"#,
            r#"{"exp":9,"jti":"x","token_type":["access"]}"#,
            r#"{"exp":9,"jti":"x","token_type":"Access"}"#,
        ] {
            assert_eq!(
                verify(odd, Some(TokenType::Access)),
                Err(TokenError::WrongType),
                "{odd}"
            );
        }
        // An escaped type is the same string.
        assert_eq!(
            verify(
                r#"{"exp":9,"jti":"x","token_type":"\u0061ccess"}"#,
                Some(TokenType::Access)
            ),
            Ok(())
        );
        // With the claims disabled, their checks are off.
        let loose = tokens(&Settings {
            token_type_claim: None,
            jti_claim: None,
            ..reference_settings()
        });
        assert_eq!(
            both(&loose, r#"{"exp":9}"#, |c| loose
                .verify(c, Some(TokenType::Access))),
            Ok(())
        );
        // Claims of other names, one of them a registered claim's.
        let renamed = tokens(&Settings {
            token_type_claim: Some("typ".into()),
            jti_claim: Some("sub".into()),
            user_id_claim: "sub".into(),
            ..reference_settings()
        });
        let json = r#"{"typ":"access","exp":9,"sub":"42","token_type":"refresh"}"#;
        assert_eq!(
            both(&renamed, json, |c| (
                renamed.verify(c, Some(TokenType::Access)),
                c.jti().map(str::to_owned),
                c.user_claim()
            )),
            (Ok(()), Some("42".to_owned()), UserClaim::Id(42))
        );
        assert_eq!(
            both(&renamed, r#"{"typ":"access","exp":9}"#, |c| renamed
                .verify(c, None)),
            Err(TokenError::NoId)
        );
    }

    #[test]
    fn times_read_as_whole_seconds() {
        let t = tokens(&reference_settings());
        let user = |valid_after| User {
            tokens_valid_after: valid_after,
            ..user_1()
        };
        let at = |json: &str| both(&t, json, |c| (c.exp(), c.revoked_for(&user(1))));
        assert_eq!(at(r#"{"exp":1000,"iat":1}"#), (1000, false));
        assert_eq!(at(r#"{"exp":1000.9,"iat":0.9}"#), (1000, true));
        assert_eq!(at(r#"{"exp":2.5,"iat":-5}"#), (2, true));
        assert_eq!(at(r#"{"exp":253402300799}"#), (253_402_300_799, true));
        assert_eq!(at("{}"), (0, true), "absent counts as 0");
        let whole = Claims::from_json(br#"{"exp":-3}"#).unwrap();
        assert_eq!(t.claims_of(&whole).exp(), 0);
        assert!(!both(&t, "{}", |c| c.revoked_for(&user(0))));
        // Tools reading claims whole get the same answer.
        let whole = Claims::from_json(br#"{"iat":99.9}"#).unwrap();
        assert!(revoked_for(&whole, &user(100)));
        assert!(!revoked_for(&whole, &user(99)));
    }
    #[test]
    fn random_jtis_are_32_lowercase_hex_and_distinct() {
        let a = JtiSource::Random.next().unwrap();
        let b = JtiSource::Random.next().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_ne!(a, b);
        let counter = JtiSource::counter();
        assert_eq!(counter.next().unwrap(), "00000000000000000000000000000001");
        assert_eq!(counter.next().unwrap(), "00000000000000000000000000000002");
    }

    #[test]
    fn messages_are_simplejwt_msgids() {
        assert_eq!(
            TokenError::Decode(DecodeError::Expired).message(),
            "Token is expired"
        );
        assert_eq!(
            TokenError::Decode(DecodeError::BadSignature).message(),
            "Token is invalid"
        );
        assert_eq!(TokenError::NoExp.message(), "Token has no 'exp' claim");
        assert_eq!(TokenError::NoId.message(), "Token has no id");
        assert_eq!(TokenError::NoType.message(), "Token has no type");
        assert_eq!(TokenError::WrongType.message(), "Token has wrong type");
        assert_eq!(TokenError::Blacklisted.message(), "Token is blacklisted");
    }
}
