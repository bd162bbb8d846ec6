//! The little of DER (ITU-T X.690) that key files need: reading the
//! SEQUENCEs, INTEGERs, OIDs and strings of PKCS#8, SEC1, PKCS#1 and
//! SubjectPublicKeyInfo, and writing the few jwtd generates.
//!
//! ```text
//!   30 82 01 22  30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00  03 82 01 0f 00 30 ...
//!   └ SEQUENCE ┘ └ SEQUENCE { OID rsaEncryption, NULL }      ┘ └ BIT STRING: the key ┘
//!     tag, length (long form: 0x82 = two length bytes follow), then the contents
//! ```
//!
//! Reading is strict: definite lengths in their shortest form, no trailing
//! bytes. A key file is configuration, not a request, but a parser that
//! tolerates sloppy encodings is how two programs come to read one key as
//! two different keys.

/// Universal tags used by key files.
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const SEQUENCE: u8 = 0x30;
/// `[0]` and `[1]`, constructed: SEC1's parameters and public key.
pub const CONTEXT_0: u8 = 0xa0;
pub const CONTEXT_1: u8 = 0xa1;

/// A cursor over DER bytes.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, if there is one.
    pub fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element, which must have tag `tag`: its contents.
    pub fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&found, rest) = self.rest.split_first()?;
        if found != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            // Long form: 1 to 4 length bytes, no leading zero, and only for
            // lengths the short form cannot say.
            let count = usize::from(first & 0x7f);
            if !(1..=4).contains(&count) || rest.len() < count || rest[0] == 0 {
                return None;
            }
            let len = rest[..count]
                .iter()
                .fold(0usize, |n, &b| (n << 8) | usize::from(b));
            rest = &rest[count..];
            if len < 0x80 {
                return None;
            }
            len
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.rest = rest;
        Some(contents)
    }

    /// The next element if it has tag `tag`; nothing is read otherwise.
    pub fn read_optional(&mut self, tag: u8) -> Option<&'a [u8]> {
        if self.peek() == Some(tag) {
            self.read(tag)
        } else {
            None
        }
    }

    /// A SEQUENCE, as a reader of its contents.
    pub fn sequence(&mut self) -> Option<Reader<'a>> {
        self.read(SEQUENCE).map(Reader::new)
    }

    /// A non-negative INTEGER, as big-endian bytes without the sign byte.
    pub fn unsigned(&mut self) -> Option<&'a [u8]> {
        let bytes = self.read(INTEGER)?;
        match bytes {
            // A negative number, or nothing at all.
            [] => None,
            [first, ..] if first & 0x80 != 0 => None,
            // A zero byte only where the next has its top bit set.
            [0, next, ..] if next & 0x80 == 0 => None,
            [0, rest @ ..] if !rest.is_empty() => Some(rest),
            _ => Some(bytes),
        }
    }

    /// A small non-negative INTEGER (a version number).
    pub fn small(&mut self) -> Option<u8> {
        match self.unsigned()? {
            [n] => Some(*n),
            _ => None,
        }
    }

    /// A BIT STRING of whole bytes: its bytes.
    pub fn bit_string(&mut self) -> Option<&'a [u8]> {
        match self.read(BIT_STRING)? {
            [0, bits @ ..] => Some(bits),
            _ => None,
        }
    }

    /// Everything must have been read.
    pub fn end(self) -> Option<()> {
        self.is_empty().then_some(())
    }
}

/// Appends the element `tag` with `contents`.
pub fn write(out: &mut Vec<u8>, tag: u8, contents: &[u8]) {
    out.push(tag);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
}

/// The element `tag` with `contents`, as a new vector.
pub fn element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    write(&mut out, tag, contents);
    out
}

/// Appends a non-negative INTEGER given as big-endian bytes.
pub fn write_unsigned(out: &mut Vec<u8>, big_endian: &[u8]) {
    let trimmed = match big_endian.iter().position(|&b| b != 0) {
        Some(first) => &big_endian[first..],
        None => &[0][..],
    };
    if trimmed[0] & 0x80 != 0 {
        let mut padded = Vec::with_capacity(trimmed.len() + 1);
        padded.push(0);
        padded.extend_from_slice(trimmed);
        write(out, INTEGER, &padded);
    } else {
        write(out, INTEGER, trimmed);
    }
}

/// Appends a BIT STRING of whole bytes.
pub fn write_bit_string(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut contents = Vec::with_capacity(bytes.len() + 1);
    contents.push(0);
    contents.extend_from_slice(bytes);
    write(out, BIT_STRING, &contents);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_short_and_long_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536] {
            let contents = vec![7u8; len];
            let bytes = element(OCTET_STRING, &contents);
            let mut reader = Reader::new(&bytes);
            assert_eq!(reader.read(OCTET_STRING), Some(&contents[..]), "{len}");
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn non_minimal_and_truncated_lengths_are_refused() {
        // 5 bytes said in the long form.
        assert_eq!(
            Reader::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).read(0x04),
            None
        );
        // A leading zero length byte.
        let mut padded = vec![0x04, 0x82, 0x00, 0x80];
        padded.extend([0; 128]);
        assert_eq!(Reader::new(&padded).read(0x04), None);
        // Indefinite length, and contents shorter than said.
        assert_eq!(Reader::new(&[0x30, 0x80, 0, 0]).read(SEQUENCE), None);
        assert_eq!(Reader::new(&[0x04, 0x03, 1, 2]).read(0x04), None);
        // The wrong tag.
        assert_eq!(Reader::new(&[0x04, 0x00]).read(INTEGER), None);
    }

    #[test]
    fn integers_are_minimal_and_non_negative() {
        let read = |bytes: &[u8]| Reader::new(bytes).unsigned().map(<[u8]>::to_vec);
        assert_eq!(read(&[0x02, 0x01, 0x05]), Some(vec![5]));
        assert_eq!(read(&[0x02, 0x02, 0x00, 0x80]), Some(vec![0x80]));
        assert_eq!(read(&[0x02, 0x01, 0x00]), Some(vec![0]));
        assert_eq!(read(&[0x02, 0x01, 0x80]), None, "negative");
        assert_eq!(read(&[0x02, 0x02, 0x00, 0x7f]), None, "not minimal");
        assert_eq!(read(&[0x02, 0x00]), None, "empty");
        for value in [&[0u8][..], &[1], &[0x80], &[0xff, 0], &[0, 0, 0x7f]] {
            let mut out = Vec::new();
            write_unsigned(&mut out, value);
            let want: Vec<u8> = match value.iter().position(|&b| b != 0) {
                Some(i) => value[i..].to_vec(),
                None => vec![0],
            };
            assert_eq!(read(&out), Some(want), "{value:?}");
        }
    }

    #[test]
    fn bit_strings_hold_whole_bytes() {
        let mut out = Vec::new();
        write_bit_string(&mut out, &[1, 2, 3]);
        assert_eq!(Reader::new(&out).bit_string(), Some(&[1u8, 2, 3][..]));
        assert_eq!(Reader::new(&[0x03, 0x02, 0x01, 0xfe]).bit_string(), None);
    }
}
