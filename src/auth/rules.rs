//! The rules an account's fields obey, in one copy for every way in: the
//! admin API (which words each problem as DRF and Django do) and
//! `jwtd user` (which words it for a terminal).
//!
//! - A username is Django's `AbstractUser.username`: at most 150
//!   characters matching `^[\w.@+-]+\Z`, with Python's Unicode `\w`.
//! - A password must be one a login can match: SimpleJWT strips the login
//!   fields (Python's `str.strip()`), so a password with outer whitespace
//!   could never be used; a NUL cannot travel in a form field.

use crate::python_str::python_strip;

/// Django's `AbstractUser.username` is at most this many characters.
pub const USERNAME_MAX_CHARS: usize = 150;

/// What is wrong with a username; a name can have several problems at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameProblem {
    /// Empty.
    Blank,
    /// A character outside letters, digits and `@ . + - _`.
    Invalid,
    /// Over [`USERNAME_MAX_CHARS`] characters.
    TooLong,
    /// Holds a NUL.
    NulCharacter,
}

/// What is wrong with a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Empty.
    Blank,
    /// Starts or ends with whitespace, which logins strip.
    OuterWhitespace,
    /// Holds a NUL.
    NulCharacter,
}

/// The problems of `name`, in the order Django's validators report them
/// (the validator, then the length, then NUL); none for a good name.
pub fn username_problems(name: &str) -> Vec<UsernameProblem> {
    if name.is_empty() {
        return vec![UsernameProblem::Blank];
    }
    let mut problems = Vec::new();
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || "_.@+-".contains(c))
    {
        problems.push(UsernameProblem::Invalid);
    }
    if name.chars().count() > USERNAME_MAX_CHARS {
        problems.push(UsernameProblem::TooLong);
    }
    if name.contains('\0') {
        problems.push(UsernameProblem::NulCharacter);
    }
    problems
}

/// The problems of a new `password`; none for one a login can match.
pub fn password_problems(password: &str) -> Vec<PasswordProblem> {
    if password.is_empty() {
        return vec![PasswordProblem::Blank];
    }
    let mut problems = Vec::new();
    if python_strip(password) != password {
        problems.push(PasswordProblem::OuterWhitespace);
    }
    if password.contains('\0') {
        problems.push(PasswordProblem::NulCharacter);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_django() {
        assert!(username_problems("alice").is_empty());
        assert!(username_problems("a.b@c+d-e_f").is_empty());
        for good in ["Zoë", "用户"] {
            assert!(username_problems(good).is_empty(), "Unicode \\w: {good}");
        }
        for bad in ["a/b", "a\nb"] {
            assert_eq!(
                username_problems(bad),
                [UsernameProblem::Invalid],
                "{bad:?}"
            );
        }
        assert!(username_problems(&"x".repeat(150)).is_empty());
        assert_eq!(username_problems(""), [UsernameProblem::Blank]);
        assert_eq!(username_problems("a b"), [UsernameProblem::Invalid]);
        assert_eq!(username_problems(" alice"), [UsernameProblem::Invalid]);
        assert_eq!(
            username_problems(&"x".repeat(151)),
            [UsernameProblem::TooLong]
        );
        assert_eq!(
            username_problems(&format!("{}!\0", "x".repeat(150))),
            [
                UsernameProblem::Invalid,
                UsernameProblem::TooLong,
                UsernameProblem::NulCharacter
            ]
        );
    }

    #[test]
    fn passwords_a_login_could_never_match_are_refused() {
        assert!(password_problems("correct horse").is_empty());
        assert_eq!(password_problems(""), [PasswordProblem::Blank]);
        for outer in [" x", "x ", "\tx"] {
            assert_eq!(password_problems(outer), [PasswordProblem::OuterWhitespace]);
        }
        assert_eq!(password_problems("nul\0"), [PasswordProblem::NulCharacter]);
        assert_eq!(
            password_problems("x\u{1f}"),
            [PasswordProblem::OuterWhitespace]
        );
        assert_eq!(
            password_problems("x\0 "),
            [
                PasswordProblem::OuterWhitespace,
                PasswordProblem::NulCharacter
            ]
        );
    }
}
