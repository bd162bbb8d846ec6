//! Documents the binary carries packed: the OpenAPI document and the
//! learner's page, a quarter and a half of their size, packed by
//! `build.rs` and unpacked when served. The format is LZSS, the simplest
//! of the LZ77 family, chosen because its unpacker is a dozen lines:
//!
//! ```text
//!   flags byte: 8 tokens follow, bit i (low first) says what token i is
//!     0: a literal byte                        [b]
//!     1: a copy of earlier output              [offset hi, offset lo, length - 4]
//!        (offset 1..=65535 back, length 4..=259)
//! ```
//!
//! The input is the build's own output, never a client's, but the unpacker
//! still refuses a copy from before the start instead of trusting it.

/// Unpacks `packed`; `None` if it is not well formed.
pub fn unpack(packed: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(packed.len() * 4);
    let mut bytes = packed.iter().copied();
    while let Some(flags) = bytes.next() {
        for bit in 0..8 {
            if flags & (1 << bit) == 0 {
                match bytes.next() {
                    Some(literal) => out.push(literal),
                    None => return Some(out),
                }
                continue;
            }
            let offset = usize::from(u16::from_be_bytes([bytes.next()?, bytes.next()?]));
            let length = usize::from(bytes.next()?) + 4;
            let start = out.len().checked_sub(offset).filter(|_| offset > 0)?;
            for i in start..start + length {
                out.push(out[i]);
            }
        }
    }
    Some(out)
}

/// Unpacks text the build packed.
pub fn unpack_text(packed: &[u8]) -> String {
    unpack(packed)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_may_overlap_what_it_writes() {
        // "ab", then copy 6 from 2 back: "ababab" "ab".
        let packed = [0b0000_0100, b'a', b'b', 0, 2, 2];
        assert_eq!(unpack(&packed).as_deref(), Some(&b"abababab"[..]));
    }

    #[test]
    fn a_copy_from_before_the_start_is_refused() {
        assert_eq!(unpack(&[0b0000_0001, 0, 1, 0]), None);
        assert_eq!(unpack(&[0b0000_0010, b'a', 0, 0, 0]), None, "offset 0");
        assert_eq!(unpack(&[0b0000_0001, 0]), None, "cut short");
    }
}
