//! Refresh, as SimpleJWT's `TokenRefreshSerializer` with rotation and the
//! blacklist decides it, plus jwtd's reuse detection: a rotated refresh
//! token presented again revokes its whole family (outside
//! `REUSE_GRACE_PERIOD`), and the warning names who presented it.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::Ordering;

use super::{Auth, AuthError, NoAccount, Refreshed, UNEXPECTED_OUTCOME};
use crate::log;
use crate::store::{Blacklisted, Change, ChangeOutcome, User};
use crate::token::{self, TokenClaims, TokenError, TokenType, UserClaim};

impl Auth {
    /// `TokenRefreshSerializer`, as SimpleJWT's master branch fixes it: a
    /// deleted, inactive or unidentifiable user is a 401, not a crash, and a
    /// changed password (`CHECK_REVOKE_TOKEN`) revokes the token. `client`
    /// is the address a reuse is logged with.
    ///
    /// SimpleJWT checks the blacklist before anything else, and so does
    /// this, with one economy: when the token is to be rotated and
    /// blacklisted, the rotation's own write finds a blacklisted token (it
    /// must: that is where its one winner is decided), so on the way to a
    /// rotation the blacklist is not read first, which saves a round trip
    /// per refresh on a shared store. Every other way out reads it first.
    pub fn refresh(&self, token: &str, client: IpAddr, now: u64) -> Result<Refreshed, AuthError> {
        let settings = self.settings.get();
        let whole = self.tokens.decode(token, now)?;
        let claims = self.tokens.claims_of(&whole);
        let jti = claims.jti().ok_or(TokenError::NoId)?.to_owned();
        let claimed = self.claimed_user(&claims)?;
        let claimed_id = match claimed {
            UserClaim::Id(id) => Some(id),
            _ => None,
        };
        let rotation_reads_the_blacklist =
            settings.rotate_refresh_tokens && settings.blacklist_after_rotation;
        let read_first = (!rotation_reads_the_blacklist).then_some(jti.as_str());
        let (blacklisted, user) = self.store.token_state(read_first, claimed_id)?;
        let presenter = Presenter {
            claimed: claimed_id,
            user: user.as_ref(),
            client,
        };
        if let Some(why) = blacklisted {
            return Err(self.refuse_blacklisted(&claims, &jti, why, &presenter, now));
        }
        let checked = self.refresh_checks(&claims, TokenType::Refresh, claimed, user.as_ref());
        if let Err(e) = checked {
            if rotation_reads_the_blacklist {
                if let Some(why) = self.store.blacklisting(&jti)? {
                    return Err(self.refuse_blacklisted(&claims, &jti, why, &presenter, now));
                }
            }
            if let (AuthError::PasswordChanged, Some(id)) = (&e, claimed_id) {
                let token = self.record(&claims, id, token);
                self.writer.submit(vec![Change::Blacklist { token, now }])?;
            }
            return Err(e);
        }
        let user_id = claimed_id.unwrap_or(0);
        // TOKEN_CLAIMS_FROM_USER: the claims as the user is now (read above
        // with the blacklist; a token naming no user keeps its own), in
        // the new access token and the rotated refresh token alike.
        let updated;
        let source = match (settings.token_claims_from_user, user.as_ref()) {
            (true, Some(user)) => {
                let mut claims = whole.clone();
                token::set_user_claims(&mut claims, user, &settings.token_claims);
                updated = claims;
                &updated
            }
            _ => &whole,
        };
        let access = self.tokens.access_for(source, now)?;
        let access = self.tokens.encode(&access)?;
        if !settings.rotate_refresh_tokens {
            return Ok(Refreshed {
                access,
                refresh: None,
            });
        }
        let mut rotated = source.clone();
        self.tokens.rotate(&mut rotated, now)?;
        let successor = self.tokens.encode(&rotated)?;
        let reuse_detection = self.reuse_detection();
        let write = Change::Rotate {
            old: self.record(&claims, user_id, token),
            new: self.record(&self.tokens.claims_of(&rotated), user_id, &successor),
            blacklist_old: settings.blacklist_after_rotation,
            revoke_family_on_reuse: reuse_detection,
            grace: settings.reuse_grace_period,
            now,
        };
        match self.writer.submit(vec![write])?.first() {
            Some(ChangeOutcome::Done) => Ok(Refreshed {
                access,
                refresh: Some(successor),
            }),
            Some(
                ChangeOutcome::AlreadyBlacklisted { .. } | ChangeOutcome::SpentWithinGrace { .. },
            ) if !reuse_detection => Err(TokenError::Blacklisted.into()),
            Some(ChangeOutcome::AlreadyBlacklisted { family, revoked }) => {
                // Spent before, or lost a race with another rotation of it.
                self.log_reuse(&jti, family, *revoked, &presenter);
                Err(AuthError::Reused)
            }
            Some(ChangeOutcome::SpentWithinGrace { family, after }) => {
                // Spent by a rotation moments ago: another tab of the same
                // user, most likely.
                self.log_repeat_within_grace(&jti, family, *after, &presenter);
                Err(AuthError::ReusedWithinGrace)
            }
            Some(ChangeOutcome::LoggedOutOrRevoked { .. }) => Err(TokenError::Blacklisted.into()),
            _ => Err(AuthError::Unavailable(UNEXPECTED_OUTCOME.into())),
        }
    }

    /// The answer to a blacklisted refresh token: only one spent by a
    /// rotation coming back is reuse; one logged out or already revoked is
    /// simply refused.
    fn refuse_blacklisted(
        &self,
        claims: &TokenClaims<'_>,
        jti: &str,
        why: Blacklisted,
        presenter: &Presenter<'_>,
        now: u64,
    ) -> AuthError {
        let spent = matches!(why, Blacklisted::Rotated | Blacklisted::Unknown);
        if spent && self.tokens.verify(claims, Some(TokenType::Refresh)).is_ok() {
            if let Some(reuse) = self.report_reuse(jti, presenter, now) {
                return reuse;
            }
        }
        TokenError::Blacklisted.into()
    }

    /// The checks of a refresh (or sliding: `kind`) token not found
    /// blacklisted, after the blacklist in SimpleJWT's order: its type and
    /// claims, then the user it names (none is allowed).
    pub(super) fn refresh_checks(
        &self,
        claims: &TokenClaims<'_>,
        kind: TokenType,
        claimed: UserClaim,
        user: Option<&User>,
    ) -> Result<(), AuthError> {
        self.tokens.verify(claims, Some(kind))?;
        match claimed {
            UserClaim::Absent => Ok(()),
            UserClaim::NotAnId => Err(AuthError::NoActiveAccount(NoAccount::NotAnId)),
            UserClaim::Id(_) => {
                let user = user.ok_or(AuthError::NoActiveAccount(NoAccount::Gone))?;
                if self.settings.get().check_user_is_active && !user.is_active {
                    return Err(AuthError::NoActiveAccount(NoAccount::Inactive));
                }
                if !self.tokens.password_unchanged(claims, user) {
                    return Err(AuthError::PasswordChanged);
                }
                // Tokens jwtd issued were blacklisted by the revocation;
                // this refuses those minted elsewhere with the same key.
                if claims.revoked_for(user) {
                    return Err(TokenError::Revoked.into());
                }
                Ok(())
            }
        }
    }

    fn reuse_detection(&self) -> bool {
        // One set of settings for the three, even across a reload.
        let settings = self.settings.get();
        settings.revoke_family_on_reuse
            && settings.rotate_refresh_tokens
            && settings.blacklist_after_rotation
    }

    /// A spent refresh token came back: with reuse detection on, revoke its
    /// family (RFC 9700 section 4.14.2). The error to answer with when it
    /// counts as reuse; the caller answers 401 either way.
    fn report_reuse(&self, jti: &str, presenter: &Presenter<'_>, now: u64) -> Option<AuthError> {
        if !self.reuse_detection() {
            return None;
        }
        let reuse = Change::Reuse {
            jti: jti.to_owned(),
            grace: self.settings.get().reuse_grace_period,
            now,
        };
        match self.writer.submit(vec![reuse]) {
            Ok(outcomes) => match outcomes.first() {
                Some(ChangeOutcome::AlreadyBlacklisted { family, revoked }) => {
                    self.log_reuse(jti, family, *revoked, presenter);
                    Some(AuthError::Reused)
                }
                Some(ChangeOutcome::SpentWithinGrace { family, after }) => {
                    self.log_repeat_within_grace(jti, family, *after, presenter);
                    Some(AuthError::ReusedWithinGrace)
                }
                _ => None,
            },
            Err(e) => {
                log::error(&format!(
                    "reuse of refresh token {jti} by {presenter}: revoking its family failed: {e}"
                ));
                None
            }
        }
    }

    /// A spent token back within `REUSE_GRACE_PERIOD`: refused and counted
    /// like any reuse, but its family, the winner's new pair included, stays
    /// valid.
    fn log_repeat_within_grace(&self, jti: &str, family: &str, after: u64, by: &Presenter<'_>) {
        self.reuse_events.fetch_add(1, Ordering::Relaxed);
        log::info(&format!(
            "refresh token reuse within REUSE_GRACE_PERIOD: jti {jti} of family {family} \
             presented again {after} s after its rotation by {by}; refused, the family kept"
        ));
    }

    fn log_reuse(&self, jti: &str, family: &str, revoked: u64, by: &Presenter<'_>) {
        self.reuse_events.fetch_add(1, Ordering::Relaxed);
        if self.reuse_detection() {
            log::warn(&format!(
                "refresh token reuse: jti {jti} of family {family} presented again by {by}; \
                 {revoked} live token(s) of the family revoked"
            ));
        }
    }
}

/// Who presented a refresh token, for the log: the user it names (with
/// their username when the store has them) and the client's address.
pub(super) struct Presenter<'a> {
    pub(super) claimed: Option<u64>,
    pub(super) user: Option<&'a User>,
    pub(super) client: IpAddr,
}

impl fmt::Display for Presenter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.claimed, self.user) {
            (Some(id), Some(user)) => write!(f, "user {:?} (id {id})", user.username)?,
            (Some(id), None) => write!(f, "user id {id} (no such user)")?,
            (None, _) => f.write_str("a token naming no user")?,
        }
        write!(f, " from {}", self.client)
    }
}
