//! `jwt`'s tests: known-answer vectors (RFC 7515 appendix A.1, SimpleJWT's
//! V1, V2, V3, V5), one test per numbered check of `decode`, and keys with
//! ids, a file each; here the vectors and the helpers they share.

use super::*;

mod checks;
mod key_ids;
mod known_answers;

const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z, the reference vectors' frozen clock.
const NOW: u64 = 1_735_689_600;

const V1_REFRESH_PAYLOAD: &str = r#"{"token_type":"refresh","exp":1735776000,"iat":1735689600,"jti":"00000000000000000000000000000001","user_id":"1"}"#;
const V1_REFRESH: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTczNTc3NjAwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInVzZXJfaWQiOiIxIn0.xWdg4K5yRUgKRR4wMngHA6v6WJb5kBdiP5k6K8CeGjQ";
const V1_ACCESS_PAYLOAD: &str = r#"{"token_type":"access","exp":1735689900,"iat":1735689600,"jti":"00000000000000000000000000000002","user_id":"1"}"#;
const V1_ACCESS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk";
const V2_HS512_ACCESS: &str = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.M7P7zvYyYNU6ydf04PWYlWjJglWkaHI5yCQAsS9n8O2J8A4nGAiqk56-cMZyZQtVeNjYRp7-w_YBk_X4JjxhNQ";
const V3_PAYLOAD: &str = r#"{"token_type":"access","exp":1735689900,"iat":1735689600,"jti":"00000000000000000000000000000002","user_id":"1","aud":"my-aud","iss":"https://issuer.example"}"#;
const V3_AUD_ISS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJhdWQiOiJteS1hdWQiLCJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.gONHh_IvnNyzpWDFLCXq13P6n0WLOf3Pxg2ENlu4JL8";
const V5_PAYLOAD: &str = r#"{"token_type":"access","exp":1735689900,"iat":1735689600,"jti":"00000000000000000000000000000001","user_id":"1","name":"Zo\u00eb \ud83d\ude00","n":1.5,"ok":true,"nil":null}"#;
const V5_CUSTOM: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAxIiwidXNlcl9pZCI6IjEiLCJuYW1lIjoiWm9cdTAwZWIgXHVkODNkXHVkZTAwIiwibiI6MS41LCJvayI6dHJ1ZSwibmlsIjpudWxsfQ.WlBolK28YCTHenJ3RJRob6AOgIUJqLY7dSFpqx7iRtU";

fn hs256() -> Key {
    Key::new(Algorithm::HS256, KEY).unwrap()
}

fn claims(json: &str) -> Claims {
    Claims::from_json(json.as_bytes()).unwrap()
}

fn strict() -> Validation {
    Validation::default()
}

/// Signs arbitrary header and payload JSON with the test key.
fn forge(header: &str, payload: &str) -> String {
    sign_parts(
        &hs256(),
        &base64url_encode(header.as_bytes()),
        payload.as_bytes(),
    )
    .unwrap()
}

/// [`super::decode`], checked against [`decode_picked`]: the same verdict
/// and, for a token that passes, the same claims.
fn decode(
    token: &str,
    key: &Key,
    validation: &Validation,
    now: u64,
) -> Result<Claims, DecodeError> {
    let whole = super::decode(token, key, validation, now);
    let mut buffer = SegmentBuffer::new();
    let names = [Some("user_id"), Some("name")];
    let picked = decode_picked(
        token,
        Verifier::Key(key),
        validation,
        now,
        names,
        &mut buffer,
    );
    match (&whole, &picked) {
        (Ok(claims), Ok(picked)) => {
            let audiences = audiences(validation);
            assert_eq!(picked.registered, Registered::of(claims, audiences));
            let named = names.map(|n| {
                n.and_then(|n| claims.get(n))
                    .map(|v| ClaimValue::of(v, audiences))
            });
            assert_eq!(picked.picked, named);
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{token}"),
        _ => panic!("decode {whole:?} but decode_picked {picked:?}: {token}"),
    }
    whole
}

fn decode_at(token: &str, now: u64) -> Result<Claims, DecodeError> {
    decode(token, &hs256(), &strict(), now)
}
