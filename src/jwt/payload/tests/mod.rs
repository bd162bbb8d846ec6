//! `payload`'s tests: known answers (SimpleJWT's payloads), what is
//! refused and what is not, and mutated and generated documents, a file
//! each; every one is also checked against `Claims::from_json`, which
//! [`read`] must agree with on what it accepts and on every value it keeps.

use super::*;

mod generated;
mod known_answers;
mod refusals;

const V1_ACCESS: &str = r#"{"token_type":"access","exp":1735689900,"iat":1735689600,"jti":"00000000000000000000000000000002","user_id":"1"}"#;
const V5_CUSTOM: &str = r#"{"token_type":"access","exp":1735689900,"iat":1735689600,"jti":"00000000000000000000000000000001","user_id":"1","name":"Zo\u00eb \ud83d\ude00","n":1.5,"ok":true,"nil":null}"#;

fn string(s: &str) -> ClaimValue<'_> {
    ClaimValue::String(s)
}

fn number(n: impl Into<Number>) -> ClaimValue<'static> {
    ClaimValue::Number(n.into())
}

/// The oracle: the payload as serde_json's own `Value` reads it, members
/// in order, duplicate names at the top level refused.
fn by_serde_json(json: &[u8]) -> Option<Claims> {
    struct Members;
    impl<'de> serde::de::Visitor<'de> for Members {
        type Value = Claims;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
            let mut claims = Claims::new();
            while let Some(name) = map.next_key::<String>()? {
                if claims.contains(&name) {
                    return Err(serde::de::Error::custom("duplicate member name"));
                }
                let value: Value = map.next_value()?;
                claims.push_unique(name, value);
            }
            Ok(claims)
        }
    }
    use serde::Deserializer as _;
    let mut de = serde_json::Deserializer::from_slice(json);
    let claims = de.deserialize_map(Members).ok()?;
    de.end().ok()?;
    Some(claims)
}

/// `read` of `json` keeping `names`, checked against [`by_serde_json`]:
/// both accept or both refuse, every kept value, registered or named, is
/// the one serde_json reads, and `Claims::from_json` (`read` building the
/// whole payload) has serde_json's members and values, in order.
fn agree_in<'p, const N: usize>(
    json: &'p [u8],
    room: &'p mut [u8],
    names: [Option<&str>; N],
) -> Option<Picked<'p, N>> {
    let audiences = ["aud-a".to_owned(), "aud-b".to_owned()];
    let mut out = Picked::empty();
    let mut wanted = Wanted::picking(&names, &mut out);
    let read = read(json, room, &audiences, &mut wanted).map(|()| out);
    let whole = by_serde_json(json);
    let shown = String::from_utf8_lossy(json);
    assert_eq!(read.is_some(), whole.is_some(), "{shown}");
    assert_eq!(Claims::from_json(json), whole, "{shown}");
    if let (Some(read), Some(whole)) = (&read, &whole) {
        assert_eq!(
            read.registered,
            Registered::of(whole, &audiences),
            "{shown}"
        );
        for (name, kept) in names.iter().zip(&read.picked) {
            let want = name
                .and_then(|n| whole.get(n))
                .map(|v| ClaimValue::of(v, &audiences));
            assert_eq!(*kept, want, "{name:?} of {shown}");
        }
    }
    read
}

/// [`agree_in`], the JSON and its room kept for the rest of the test
/// process, for the tests that look at the values kept.
fn agree<const N: usize>(json: &[u8], names: [Option<&str>; N]) -> Option<Picked<'static, N>> {
    let json: &'static [u8] = Box::leak(json.to_vec().into_boxed_slice());
    let room: &'static mut [u8] = Box::leak(vec![0; json.len()].into_boxed_slice());
    agree_in(json, room, names)
}

/// [`agree_in`], for the tests that only count: whether `json` is accepted.
fn accepted<const N: usize>(json: &[u8], names: [Option<&str>; N]) -> bool {
    agree_in(json, &mut vec![0; json.len()], names).is_some()
}
