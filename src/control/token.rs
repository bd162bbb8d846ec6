//! `jwtd token explain` on the database: the analysis of
//! [`crate::explain`] with the keys the server verifies with (a running
//! server's own, or found as it finds them) and what the database says
//! of the token (check 11: blacklisted, or its user's tokens revoked).

use super::{Operator, Reply};
use crate::config::Settings;
use crate::explain::{self, Explanation, KeyChoice};
use crate::store::UserField;
use crate::token;

/// `token explain`: the explanation, its exit status the reply's code.
pub(super) fn explain(operator: &Operator<'_>, token: &str, json: bool) -> Reply {
    let key = match operator.verifying_keys() {
        Ok(key) => key,
        Err(e) => KeyChoice::Missing(e.to_string()),
    };
    let settings = operator.settings();
    let mut explanation = explain::explain(token, key, &settings, operator.clock().now());
    if let Some(facts) = store_facts(&explanation, &settings, operator) {
        explanation = explanation.with_state(facts);
    }
    rendered(&explanation, json)
}

/// The explanation as the reply: text or JSON, and the verdict's status.
pub fn rendered(explanation: &Explanation, json: bool) -> Reply {
    let out = if json {
        format!("{:#}\n", explanation.to_json())
    } else {
        explanation.to_text()
    };
    Reply {
        code: explanation.verdict().exit_code(),
        out,
        err: String::new(),
    }
}

/// What the database says of an explained token: its jti blacklisted, its
/// user's tokens revoked since it was issued. `None` when the token did not
/// decode or the database could not say.
fn store_facts(
    explanation: &Explanation,
    settings: &Settings,
    operator: &Operator<'_>,
) -> Option<explain::StoreFacts> {
    let claims = explanation.claims()?;
    let accounts = operator.accounts();
    let blacklisted = match claims.get_str(settings.jti_claim.as_deref().unwrap_or("jti")) {
        Some(jti) => accounts.is_blacklisted(jti).ok()?,
        None => false,
    };
    // The user as USER_ID_FIELD names it.
    let user = match (
        UserField::named(&settings.user_id_field),
        claims.get_str(&settings.user_id_claim),
    ) {
        (Some(field @ (UserField::Username | UserField::Email)), Some(text)) => {
            accounts.user_by(field, text).ok()?
        }
        _ => match token::user_claim(claims, &settings.user_id_claim) {
            token::UserClaim::Id(id) => accounts.user(id).ok()?,
            _ => None,
        },
    };
    let revoked = user.is_some_and(|user| token::revoked_for(claims, &user));
    Some(explain::StoreFacts {
        blacklisted,
        revoked,
    })
}
