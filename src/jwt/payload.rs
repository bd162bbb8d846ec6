//! Reading a token's JSON object, payload or header, once: the one JSON
//! reader of `crate::jwt`.
//!
//! Checking a token needs a handful of its claims (the times, the type,
//! the jti, the user id), not its whole payload as `serde_json::Value`s.
//! [`read`] scans the object once and keeps the value of each named member
//! as a [`ClaimValue`]; every other member is checked and dropped. Asked for
//! the whole object (a refresh copies every claim on, the tools show them),
//! it builds [`Claims`] instead, each member a `Value` as serde_json's own
//! `Value` visitor builds it. Either way it accepts exactly the text
//! serde_json accepts, with duplicate member names refused at the top
//! level, and reads the values serde_json reads:
//!
//! - one object, whitespace around it, nothing after it;
//! - no two members of the same name at the top level, compared after
//!   escapes are decoded (below it, duplicates are allowed, as a `Value`
//!   allows them);
//! - RFC 8259's grammar, as strict as serde_json: no trailing commas, no
//!   leading zeros, no control characters in strings, only the eight
//!   escapes and `\u` with surrogates paired, UTF-8 only;
//! - at most 127 arrays and objects open at once (serde_json's limit of 128
//!   levels);
//! - numbers as serde_json reads them: an integer without fraction or
//!   exponent is a `u64`, or if negative an `i64` (`-0` is the float
//!   `-0.0`), and anything else, an integer too long for those included,
//!   the nearest `f64`, refused if it is infinite.
//!
//! The tests hold it to serde_json's parser (acceptance, every value kept,
//! the whole object) on known answers, edge cases, every one-byte mutation
//! of a few payloads and 100,000 generated documents.
//!
//! Strings are kept as `&str`: borrowed from the JSON when they have no
//! escapes, and otherwise unescaped into the room the caller gives after
//! the JSON, at least as long as the JSON (an unescaped string is never
//! longer than its JSON text, and each kept string is a different part of
//! that text). So nothing is allocated for a payload of at most
//! [`INLINE_NAMES`](scanner::INLINE_NAMES) members, unless the whole object is asked for.

use serde_json::{Map, Number, Value};

use super::claims::Claims;

/// A claim's value as the checks read it: scalars whole, strings borrowed,
/// arrays and objects by what a check asks of them.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimValue<'p> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as `serde_json::Value` holds it.
    Number(Number),
    /// A string.
    String(&'p str),
    /// An array, of which only this is kept.
    Array {
        /// Every item is a string (true for `[]`).
        all_strings: bool,
        /// One of its strings is one of the audiences the reader was given.
        any_accepted: bool,
    },
    /// An object.
    Object,
}

impl<'p> ClaimValue<'p> {
    /// The value of a claim already read whole, judged against `audiences`.
    pub fn of(value: &'p Value, audiences: &[String]) -> ClaimValue<'p> {
        match value {
            Value::Null => ClaimValue::Null,
            Value::Bool(b) => ClaimValue::Bool(*b),
            Value::Number(n) => ClaimValue::Number(n.clone()),
            Value::String(s) => ClaimValue::String(s),
            Value::Array(items) => ClaimValue::Array {
                all_strings: items.iter().all(Value::is_string),
                any_accepted: items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|s| is_accepted(audiences, s)),
            },
            Value::Object(_) => ClaimValue::Object,
        }
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&'p str> {
        match self {
            ClaimValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether it is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, ClaimValue::String(_))
    }

    /// The number as an `f64`, if it is one (`Value::as_f64`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ClaimValue::Number(n) => n.as_f64(),
            _ => None,
        }
    }
}

fn is_accepted(audiences: &[String], s: &str) -> bool {
    audiences.iter().any(|a| a == s)
}

/// The registered claims [`super::decode`]'s checks 6 to 9 read (RFC 7519
/// section 4.1), in the order [`Registered`] holds them.
const REGISTERED: [&str; 7] = ["iat", "nbf", "exp", "iss", "aud", "sub", "jti"];

/// Where [`Registered`] holds claim `name`, if it is one of [`REGISTERED`].
fn registered_index(name: &str) -> Option<usize> {
    // A `match` compares the name once by length, then as a word: most
    // member names are three letters long, as all of these are.
    match name {
        "iat" => Some(0),
        "nbf" => Some(1),
        "exp" => Some(2),
        "iss" => Some(3),
        "aud" => Some(4),
        "sub" => Some(5),
        "jti" => Some(6),
        _ => None,
    }
}

/// The values of the registered claims checks 6 to 9 read; `None` when
/// absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registered<'p>([Option<ClaimValue<'p>>; 7]);

impl<'p> Registered<'p> {
    /// The registered claims of a payload read whole, arrays judged
    /// against `audiences`: what [`read`] returns for the same JSON.
    pub fn of(claims: &'p Claims, audiences: &[String]) -> Registered<'p> {
        Registered(REGISTERED.map(|name| claims.get(name).map(|v| ClaimValue::of(v, audiences))))
    }

    /// `iat`.
    pub fn iat(&self) -> Option<&ClaimValue<'p>> {
        self.0[0].as_ref()
    }

    /// `nbf`.
    pub fn nbf(&self) -> Option<&ClaimValue<'p>> {
        self.0[1].as_ref()
    }

    /// `exp`.
    pub fn exp(&self) -> Option<&ClaimValue<'p>> {
        self.0[2].as_ref()
    }

    /// `iss`.
    pub fn iss(&self) -> Option<&ClaimValue<'p>> {
        self.0[3].as_ref()
    }

    /// `aud`.
    pub fn aud(&self) -> Option<&ClaimValue<'p>> {
        self.0[4].as_ref()
    }

    /// `sub`.
    pub fn sub(&self) -> Option<&ClaimValue<'p>> {
        self.0[5].as_ref()
    }

    /// `jti`.
    pub fn jti(&self) -> Option<&ClaimValue<'p>> {
        self.0[6].as_ref()
    }
}

/// What [`super::decode_picked`] kept of a payload: the registered claims,
/// and the value of each name asked for, in the order asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Picked<'p, const N: usize> {
    /// The registered claims.
    pub registered: Registered<'p>,
    /// `picked[i]` is the value of the `i`-th name asked for.
    pub picked: [Option<ClaimValue<'p>>; N],
}

impl<const N: usize> Picked<'_, N> {
    /// Nothing read yet.
    pub fn empty() -> Self {
        Picked {
            registered: Registered::default(),
            picked: std::array::from_fn(|_| None),
        }
    }
}

/// Where [`read`] keeps what it reads of a payload: the registered claims,
/// and the value of member `names[i]` in `picked[i]` (a `None` name keeps
/// nothing); or, with `whole`, every member as a `Value`, in order, and
/// nothing else.
pub struct Wanted<'a, 'p> {
    /// The names.
    pub names: &'a [Option<&'a str>],
    /// The registered claims.
    pub registered: &'a mut Registered<'p>,
    /// The values of the names; as long as `names`.
    pub picked: &'a mut [Option<ClaimValue<'p>>],
    /// The whole payload.
    pub whole: Option<&'a mut Claims>,
}

impl<'a, 'p> Wanted<'a, 'p> {
    /// The registered claims and the values of `names`, kept in `out`.
    pub fn picking<const N: usize>(
        names: &'a [Option<&'a str>; N],
        out: &'a mut Picked<'p, N>,
    ) -> Self {
        Wanted {
            names,
            registered: &mut out.registered,
            picked: &mut out.picked,
            whole: None,
        }
    }
}

mod scanner;

pub use scanner::read;
#[cfg(test)]
use scanner::{special, INLINE_NAMES};

#[cfg(test)]
mod tests;
