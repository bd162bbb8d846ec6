//! base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
//!
//! Decoding is strict: no `=` padding, no standard-alphabet `+` or `/`, no
//! whitespace, and the unused bits of the last character must be zero. A
//! lenient decoder would let one signature be spelled several ways, so the
//! token string would be malleable: two different strings, one token.
//!
//! Encoding is the `base64` crate's (through `crate::primitives`); decoding,
//! which every request does twice, is a table lookup per character here,
//! held by the tests to the crate's `URL_SAFE_NO_PAD` decoder, which
//! refuses exactly the same spellings.

use crate::primitives;

/// The base64url alphabet (RFC 4648 section 5).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 6-bit value of each byte of [`ALPHABET`]; 0xff for every other byte.
const VALUES: [u8; 256] = {
    let mut values = [0xff; 256];
    let mut i = 0;
    while i < 64 {
        values[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    values
};

/// Decodes canonical unpadded base64url into the start of `out`: the
/// number of bytes written, `None` if `segment` is not canonical or `out`
/// is too short.
pub fn decode_into(segment: &str, out: &mut [u8]) -> Option<usize> {
    let input = segment.as_bytes();
    let (quads, tail) = input.split_at(input.len() / 4 * 4);
    // A last group of 2 or 3 characters holds 1 or 2 bytes; 1 holds none.
    let len = quads.len() / 4 * 3 + tail.len().saturating_sub(1);
    if tail.len() == 1 {
        return None;
    }
    let out = out.get_mut(..len)?;
    let value = |c: &u8| VALUES[usize::from(*c)];
    // Any character outside the alphabet sets the high bit here.
    let mut invalid = 0u8;
    for (quad, bytes) in quads.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        if let ([a, b, c, d], [x, y, z]) = (quad, bytes) {
            let (a, b, c, d) = (value(a), value(b), value(c), value(d));
            invalid |= a | b | c | d;
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
            *z = c << 6 | d;
        }
    }
    match *tail {
        [] => {}
        [a, b] => {
            let (a, b) = (value(&a), value(&b));
            invalid |= a | b;
            // The last character's low four bits belong to no byte.
            if b & 0x0f != 0 {
                return None;
            }
            *out.last_mut()? = a << 2 | b >> 4;
        }
        [a, b, c] => {
            let (a, b, c) = (value(&a), value(&b), value(&c));
            invalid |= a | b | c;
            // Its low two bits belong to no byte.
            if c & 0x03 != 0 {
                return None;
            }
            let [.., x, y] = out else {
                return None;
            };
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
        }
        _ => return None,
    }
    (invalid & 0x80 == 0).then_some(len)
}

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
    let mut out = vec![0; segment.len() / 4 * 3 + 2];
    let len = decode_into(segment, &mut out)?;
    out.truncate(len);
    Some(out)
}

/// Decodes a segment into `out`, which it must fill exactly.
pub fn decode_exact(segment: &str, out: &mut [u8]) -> Option<()> {
    if segment.len() != encoded_len(out.len()) {
        return None;
    }
    match decode_into(segment, out) {
        Some(n) if n == out.len() => Some(()),
        _ => None,
    }
}

/// Bytes a [`SegmentBuffer`] holds on the stack: a segment of up to half
/// this (a SimpleJWT payload is about 120 bytes, one with a few custom
/// claims a few hundred), and as much room again.
const INLINE: usize = 1024;

/// Where a segment is decoded to, with room after it as large as the
/// decoded bytes, where the JSON reader writes the strings it keeps that
/// had escapes (unescaped, a string is never longer than its JSON): a
/// stack array for a segment of ordinary size, so that checking a token
/// allocates nothing, and a `Vec` for a larger one (up to
/// [`super::MAX_TOKEN_LEN`]).
pub struct SegmentBuffer {
    inline: [u8; INLINE],
    heap: Vec<u8>,
}

impl SegmentBuffer {
    /// An empty buffer; nothing is allocated until a segment needs more
    /// than the stack array.
    pub fn new() -> SegmentBuffer {
        SegmentBuffer {
            inline: [0; INLINE],
            heap: Vec::new(),
        }
    }

    /// Decodes `segment` into the buffer: the decoded bytes, and the room
    /// after them, at least as long; `None` if `segment` is not canonical
    /// unpadded base64url (as [`decode`]).
    pub fn decode(&mut self, segment: &str) -> Option<(&[u8], &mut [u8])> {
        let most = segment.len() / 4 * 3 + 2;
        let buffer = if 2 * most <= INLINE {
            &mut self.inline[..]
        } else {
            self.heap = vec![0; 2 * most];
            &mut self.heap[..]
        };
        let n = decode_into(segment, buffer)?;
        let (decoded, room) = buffer.split_at_mut(n);
        Some((decoded, room))
    }
}

impl Default for SegmentBuffer {
    fn default() -> SegmentBuffer {
        SegmentBuffer::new()
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
    fn a_segment_buffer_decodes_as_decode_does_on_the_stack_or_the_heap() {
        let mut buffer = SegmentBuffer::new();
        for len in [0, 1, 2, 3, 510, 511, 512, 513, 767, 768, 1024, 3000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let encoded = encode(&bytes);
            let (decoded, room) = buffer.decode(&encoded).unwrap();
            assert_eq!(decoded, &bytes[..], "{len} bytes");
            assert!(room.len() >= len, "{len} bytes, room for {}", room.len());
        }
        // Around the boundary both paths take the same canonical form only.
        for bad in ["AB", "AA==", "A", "+/8", "AA\n"] {
            assert!(buffer.decode(bad).is_none(), "{bad}");
        }
        let long_bad = format!("{}AB", "A".repeat(2000));
        assert!(buffer.decode(&long_bad).is_none());
        let long_good = format!("{}AA", "A".repeat(2000));
        assert_eq!(buffer.decode(&long_good).map(|(d, _)| d.len()), Some(1501));
    }

    #[test]
    fn decoding_refuses_exactly_what_the_base64_crate_refuses() {
        // Every string of up to 3 characters from a mix of the alphabet,
        // its neighbours and padding, and longer ones around the groups.
        let chars = b"AQgw-_/+=aZz09 .\n\xc3";
        let mut cases: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=3 {
            let mut next = Vec::new();
            for case in cases.iter().filter(|c| c.len() == len - 1) {
                for &c in chars {
                    let mut longer = case.clone();
                    longer.push(c);
                    next.push(longer);
                }
            }
            cases.extend(next);
        }
        for prefix in ["", "AAAA", "eyJhbGci", "_-_-_-_-_-_-"] {
            for suffix in cases.clone() {
                let mut case = prefix.as_bytes().to_vec();
                case.extend(suffix);
                cases.push(case);
            }
        }
        for case in cases {
            let Ok(text) = std::str::from_utf8(&case) else {
                continue;
            };
            assert_eq!(decode(text), primitives::base64url_decode(text), "{text:?}");
        }
        // All 256 byte values, in every position of a group.
        let bytes: Vec<u8> = (0..=255).collect();
        let encoded = encode(&bytes);
        assert_eq!(decode(&encoded), Some(bytes));
        for at in 0..encoded.len() {
            let mut changed = encoded.clone().into_bytes();
            for c in [b'=', b'+', b'/', b' ', 0x7f] {
                changed[at] = c;
                let text = std::str::from_utf8(&changed).unwrap();
                assert_eq!(decode(text), None, "{text}");
            }
        }
    }

    #[test]
    fn decode_into_needs_room_for_the_bytes_only() {
        let mut out = [0u8; 3];
        assert_eq!(decode_into("Zm9v", &mut out), Some(3));
        assert_eq!(&out, b"foo");
        assert_eq!(decode_into("Zm9vYg", &mut out), None, "4 bytes do not fit");
        let mut two = [0u8; 2];
        assert_eq!(decode_into("Zm8", &mut two), Some(2));
        assert_eq!(&two, b"fo");
    }

    #[test]
    fn encoded_lengths_of_hmac_tags() {
        assert_eq!(encoded_len(32), 43);
        assert_eq!(encoded_len(48), 64);
        assert_eq!(encoded_len(64), 86);
    }
}
