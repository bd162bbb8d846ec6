//! Which emails the admin API accepts: a documented subset of Django's
//! `EmailValidator`, for `AbstractUser.email` (at most 254 characters).
//!
//! ```text
//!   local@domain       split at the last @
//!   local   dot-atom:  atoms of A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ ` { | } ~ -
//!                      joined by single dots (Django's quoted-string form: refused)
//!   domain  localhost, or labels of letters (any from U+00A1 to U+FFFF), digits
//!           and -, not at either end, 1 to 63 each, with a last label (the TLD) of
//!           2 to 63 letters or `xn--` and 1 to 59 ASCII letters or digits; one
//!           trailing dot allowed (Django's [IP literal]: refused)
//! ```
//!
//! Everything this accepts, Django accepts too.

/// Django's `AbstractUser.email` is at most this many characters.
pub const EMAIL_MAX_CHARS: usize = 254;

/// Whether `email` is one Django's `EmailValidator` accepts, within the
/// subset above.
pub fn email_is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atom_char));
    local_ok && (domain == "localhost" || domain_is_valid(domain))
}

/// Django's `hostname_re + domain_re + tld_no_fqdn_re`, case-insensitive.
fn domain_is_valid(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let Some((labels, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    let letter = |c: char| c.is_ascii_alphabetic() || ('\u{a1}'..='\u{ffff}').contains(&c);
    let label_ok = |label: &str| {
        (1..=63).contains(&label.chars().count())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| letter(c) || c.is_ascii_digit() || c == '-')
    };
    let tld_ok = match tld.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("xn--") => {
            (1..=59).contains(&(tld.len() - 4))
                && tld[4..].chars().all(|c| c.is_ascii_alphanumeric())
        }
        _ => {
            (2..=63).contains(&tld.chars().count())
                && !tld.starts_with('-')
                && !tld.ends_with('-')
                && tld.chars().all(|c| letter(c) || c == '-')
        }
    };
    tld_ok && labels.split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_django_accepts_and_refuses() {
        // Each as Django 5.2's EmailValidator decides it.
        for good in [
            "a@example.com",
            "first.last+tag@mail.example.co.uk",
            "o'brien@example.org",
            "user@localhost",
            "x@münchen.de",
            "x@example.com.",
            "x@a-b.xn--p1ai",
            "!#$%&'*+/=?^_`{|}~-@example.com",
        ] {
            assert!(email_is_valid(good), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@example",
            "a..b@example.com",
            ".a@example.com",
            "a.@example.com",
            "a b@example.com",
            "a@-example.com",
            "a@example-.com",
            "a@example.c",
            "a@example.c0m",
            "a@example..com",
            "\"quoted\"@example.com",
            "a@[127.0.0.1]",
            "zoë@example.com",
            "a@example.com\n",
        ] {
            assert!(!email_is_valid(bad), "{bad:?}");
        }
    }
}
