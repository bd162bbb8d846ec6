//! base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
//!
//! Decoding is strict: no `=` padding, no standard-alphabet `+` or `/`, no
//! whitespace, and the unused bits of the last character must be zero. A
//! lenient decoder would let one signature be spelled several ways, so the
//! token string would be malleable: two different strings, one token.

use crate::primitives;

/// Appends the base64url encoding of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    primitives::base64url_encode_into(bytes, out);
}

/// The base64url encoding of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    primitives::base64url_encode(bytes)
}

/// Decodes a segment, or `None` if it is not canonical unpadded base64url.
pub fn decode(segment: &str) -> Option<Vec<u8>> {
    primitives::base64url_decode(segment)
}

/// Decodes a segment into `out`, which it must fill exactly.
pub fn decode_exact(segment: &str, out: &mut [u8]) -> Option<()> {
    if segment.len() != encoded_len(out.len()) {
        return None;
    }
    match primitives::base64url_decode_into(segment, out) {
        Some(n) if n == out.len() => Some(()),
        _ => None,
    }
}

/// Length of the unpadded encoding of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_test_vectors_unpadded() {
        // RFC 4648 section 10, with the padding removed.
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_safe_alphabet() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn rejects_every_non_canonical_spelling() {
        assert!(decode("AA").is_some());
        assert!(decode("AB").is_none(), "non-zero trailing bits");
        assert!(decode("AA==").is_none(), "padding");
        assert!(decode("AA=").is_none(), "padding");
        assert!(decode("A").is_none(), "impossible length");
        assert!(decode("+/8").is_none(), "standard alphabet");
        assert!(decode("AA\n").is_none(), "whitespace");
        assert!(decode("A A").is_none(), "whitespace");
    }

    #[test]
    fn decode_exact_requires_the_exact_length() {
        let mut out = [0u8; 2];
        assert!(decode_exact("-_8", &mut out).is_some());
        assert_eq!(out, [0xfb, 0xff]);
        assert!(decode_exact("-_", &mut out).is_none());
        assert!(decode_exact("-_8A", &mut out).is_none());
        assert!(decode_exact("-_9", &mut out).is_none(), "trailing bits");
    }

    #[test]
    fn encoded_lengths_of_hmac_tags() {
        assert_eq!(encoded_len(32), 43);
        assert_eq!(encoded_len(48), 64);
        assert_eq!(encoded_len(64), 86);
    }
}
