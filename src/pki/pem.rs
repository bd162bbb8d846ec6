//! PEM (RFC 7468): DER in base64 between `-----BEGIN label-----` and
//! `-----END label-----` lines, the form key files come in and the form
//! `SimpleJWT`'s `SIGNING_KEY` and `VERIFYING_KEY` take.
//!
//! ```text
//!   -----BEGIN PRIVATE KEY-----                  label: what the DER is
//!   MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg...   base64, any line width
//!   -----END PRIVATE KEY-----
//! ```
//!
//! Text before the first `BEGIN` line is ignored, as OpenSSL ignores it
//! (certificates often carry a human-readable preamble); only the first
//! block is read. Encrypted blocks are refused with a clear reason: jwtd
//! has nowhere to get a passphrase from.

use crate::primitives;

/// The longest PEM block read: an RSA 8192-bit private key is about 6.4 KB.
pub const MAX_PEM_LEN: usize = 64 * 1024;

/// One PEM block: its label and its DER bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    /// `PRIVATE KEY`, `PUBLIC KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`, ...
    pub label: String,
    /// The decoded contents.
    pub der: Vec<u8>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A private key's bytes never reach a log.
        f.debug_struct("Block")
            .field("label", &self.label)
            .field("der", &format_args!("[{} bytes]", self.der.len()))
            .finish()
    }
}

/// The first PEM block of `text`, or why there is none.
pub fn parse(text: &[u8]) -> Result<Block, String> {
    if text.len() > MAX_PEM_LEN {
        return Err(format!("the PEM text is over {MAX_PEM_LEN} bytes"));
    }
    let text = std::str::from_utf8(text).map_err(|_| "the PEM text is not UTF-8".to_owned())?;
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|line| line.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
        .ok_or("no -----BEGIN ...----- line")?
        .to_owned();
    if label.contains("ENCRYPTED") {
        return Err("the key is encrypted; give jwtd an unencrypted key file".into());
    }
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines.by_ref() {
        if line == end {
            let der = primitives::base64_decode(&body)
                .ok_or_else(|| format!("the {label} block is not valid base64"))?;
            if der.is_empty() {
                return Err(format!("the {label} block is empty"));
            }
            return Ok(Block { label, der });
        }
        if line.contains(':') {
            // RFC 1421 headers: `Proc-Type: 4,ENCRYPTED` and the like.
            return Err("the key is encrypted; give jwtd an unencrypted key file".into());
        }
        body.push_str(line);
    }
    Err(format!("no {end} line"))
}

/// `der` as a PEM block labelled `label`, lines of 64 characters.
pub fn encode(label: &str, der: &[u8]) -> String {
    let base64 = primitives::base64_encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_round_trips_with_its_label() {
        let der: Vec<u8> = (0..=255).collect();
        let text = encode("PUBLIC KEY", &der);
        assert!(text
            .lines()
            .all(|l| l.len() <= 64 || l.starts_with("-----")));
        let block = parse(format!("preamble\n{text}trailer").as_bytes()).unwrap();
        assert_eq!(block.label, "PUBLIC KEY");
        assert_eq!(block.der, der);
        // CRLF line ends read the same.
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(parse(crlf.as_bytes()).unwrap(), block);
    }

    #[test]
    fn broken_and_encrypted_blocks_are_refused_with_a_reason() {
        let refused = |text: &str| parse(text.as_bytes()).unwrap_err();
        assert!(refused("hello").contains("BEGIN"));
        assert!(refused("-----BEGIN PRIVATE KEY-----\nAAAA\n").contains("END"));
        assert!(
            refused("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n")
                .contains("base64")
        );
        assert!(refused(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        )
        .contains("encrypted"));
        assert!(refused(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n"
        )
        .contains("encrypted"));
        let debug = format!(
            "{:?}",
            parse(encode("PRIVATE KEY", b"secret").as_bytes()).unwrap()
        );
        assert!(!debug.contains("115"), "{debug}");
    }
}
