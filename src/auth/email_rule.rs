//! Which emails the admin API accepts: a documented subset of Django's
//! `EmailValidator`, for `AbstractUser.email` (at most 254 characters).
//!
//! ```text
//!   local@domain       split at the last @
//!   local   dot-atom:  atoms of A-Z a-z 0-9 ! # $ % & ' * + / = ? ^ _ ` { | } ~ -
//!                      joined by single dots (Django's quoted-string form: refused)
//!   domain  localhost, or labels of ASCII letters, digits and -, not at either
//!           end, 1 to 63 each, with a last label (the TLD) of 2 to 63 letters
//!           or `xn--` and 1 to 59 letters or digits; one trailing dot allowed
//!           (Django's [IP literal] and non-ASCII labels: refused; write an
//!           internationalised domain in its `xn--` form)
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
    let atom_byte = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(b);
    let local_ok = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(|b| atom_byte(&b)));
    local_ok && (domain == "localhost" || domain_is_valid(domain))
}

/// Django's `hostname_re + domain_re + tld_no_fqdn_re`, case-insensitive,
/// for ASCII domains.
fn domain_is_valid(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let Some((labels, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    // Letters and digits (`letters` alone for a TLD) and inner hyphens.
    let label_ok = |label: &str, min: usize, digits: bool| {
        let b = label.as_bytes();
        (min..=63).contains(&b.len())
            && b.first() != Some(&b'-')
            && b.last() != Some(&b'-')
            && b.iter()
                .all(|&c| c.is_ascii_alphabetic() || c == b'-' || (digits && c.is_ascii_digit()))
    };
    let tld_ok = match tld.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("xn--") => {
            (5..=63).contains(&tld.len()) && tld.bytes().skip(4).all(|c| c.is_ascii_alphanumeric())
        }
        _ => label_ok(tld, 2, false),
    };
    tld_ok && labels.split('.').all(|label| label_ok(label, 1, true))
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
            "x@münchen.de",
            "a@example.com\n",
        ] {
            assert!(!email_is_valid(bad), "{bad:?}");
        }
    }
}
