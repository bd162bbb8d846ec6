//! The JWT payload: a JSON object whose members keep their order.
//!
//! PyJWT writes claims in insertion order, and SimpleJWT copies a refresh
//! token's claims into the access tokens it mints in that order, custom
//! claims included. So a payload is a list of members, not a map; reading
//! one refuses duplicate member names, which RFC 7519 section 4 allows a
//! recipient to do and which closes parser-differential tricks such as a
//! second `"alg":"none"` or `"user_id"`.

use serde_json::Value;

use super::payload;
use crate::pyjson;

/// The members of a JSON object, in order, without duplicate names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    members: Vec<(String, Value)>,
}

impl Claims {
    /// An empty payload.
    pub fn new() -> Claims {
        Claims::default()
    }

    /// The value of claim `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The value of claim `name` if it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Whether claim `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets claim `name`: an existing member keeps its position (as a Python
    /// dict does), a new one goes at the end.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.members.iter_mut().find(|(k, _)| k == name) {
            Some(member) => member.1 = value,
            None => self.members.push((name.to_owned(), value)),
        }
    }

    /// Sets claim `name` only if it is absent.
    pub fn set_default(&mut self, name: &str, value: impl Into<Value>) {
        if !self.contains(name) {
            self.members.push((name.to_owned(), value.into()));
        }
    }

    /// Removes claim `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let index = self.members.iter().position(|(k, _)| k == name)?;
        Some(self.members.remove(index).1)
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Parses a JSON object, refusing anything else, duplicate member names
    /// and trailing data.
    pub fn from_json(bytes: &[u8]) -> Option<Claims> {
        Claims::read(bytes, &mut vec![0; bytes.len()])
    }

    /// [`Claims::from_json`], with `room` (as long as `bytes`) for the
    /// reader's unescaping.
    pub(super) fn read(bytes: &[u8], room: &mut [u8]) -> Option<Claims> {
        let mut claims = Claims::new();
        let mut wanted = payload::Wanted {
            names: &[],
            registered: &mut payload::Registered::default(),
            picked: &mut [],
            whole: Some(&mut claims),
        };
        payload::read(bytes, room, &[], &mut wanted)?;
        Some(claims)
    }

    /// Appends a member whose name the caller knows is not there yet.
    pub(super) fn push_unique(&mut self, name: String, value: Value) {
        self.members.push((name, value));
    }

    /// The payload as PyJWT writes it: compact, ASCII-only, in member order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(160);
        out.push('{');
        for (i, (name, value)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            pyjson::write_str(&mut out, name);
            out.push(':');
            pyjson::write_value(&mut out, value);
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_member_order() {
        let json =
            br#"{"token_type":"access","exp":1,"iat":0,"jti":"j","user_id":"1","z":1,"a":2}"#;
        let claims = Claims::from_json(json).unwrap();
        let names: Vec<&str> = claims.iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            ["token_type", "exp", "iat", "jti", "user_id", "z", "a"]
        );
        assert_eq!(claims.to_json().as_bytes(), json);
    }

    #[test]
    fn refuses_non_objects_duplicates_and_trailing_data() {
        for bad in [
            &b"[]"[..],
            b"\"x\"",
            b"1",
            b"null",
            b"",
            br#"{"a":1,"a":2}"#,
            br#"{"alg":"HS256","alg":"none"}"#,
            br#"{"a":1} x"#,
            br#"{"a":1}{}"#,
            br#"{"a":1e400}"#,
            br#"{"a":NaN}"#,
        ] {
            assert!(
                Claims::from_json(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(5000), "]".repeat(5000));
        assert!(Claims::from_json(deep.as_bytes()).is_none());
    }

    #[test]
    fn set_keeps_position_and_appends_new_names() {
        let mut claims = Claims::from_json(br#"{"a":1,"b":2}"#).unwrap();
        claims.set("a", 3);
        claims.set("c", "x");
        claims.set_default("b", 9);
        assert_eq!(claims.to_json(), r#"{"a":3,"b":2,"c":"x"}"#);
        assert_eq!(claims.remove("a"), Some(Value::from(3)));
        assert_eq!(claims.to_json(), r#"{"b":2,"c":"x"}"#);
    }
}
