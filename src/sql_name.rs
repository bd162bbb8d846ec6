//! The table and column names jwtd accepts for a database it shares with
//! Django (`USER_TABLE`, `USERNAME_FIELD`): plain lower-case identifiers,
//! as Django makes them. They are the only names that reach SQL text, so
//! nothing else may: checked where the setting is read and again where the
//! store builds its SQL.

/// Whether `name` is a plain lower-case SQL identifier, as Django names
/// tables and columns: the only names jwtd puts in SQL text.
pub fn is_sql_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_reach_sql() {
        for good in ["auth_user", "accounts_user", "email", "_x1"] {
            assert!(is_sql_name(good), "{good}");
        }
        for bad in [
            "",
            "1user",
            "Auth_User",
            "a;drop",
            "a b",
            "a\"b",
            &"x".repeat(64),
        ] {
            assert!(!is_sql_name(bad), "{bad}");
        }
    }
}
