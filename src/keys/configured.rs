//! Keys given from outside the database: `JWTD_SIGNING_KEY`,
//! `SIGNING_KEY_FILE` (or `JWTD_SIGNING_KEY_FILE`) and
//! `VERIFYING_KEY_FILE`, as SimpleJWT's `SIGNING_KEY` and `VERIFYING_KEY`.
//!
//! ```text
//!   ALGORITHM  signing key given          verifying key given   the ring
//!   HS*        the secret's bytes          (refused)             the secret, no kid
//!   RS* ...    a PEM private key           its public half?      the pair, kid = thumbprint
//!   RS* ...    none                        a PEM public key      verify only, kid = thumbprint
//!   RS* ...    none                        none                  the database's keys
//! ```
//!
//! A key pair given from outside is named by its RFC 7638 thumbprint, so
//! the tokens it signs carry a `kid` a JWKS client can look up, and the
//! same file gives the same `kid` on every replica.

use super::KeysError;
use crate::config::Settings;
use crate::jwt::{Key, Keyring};
use crate::log;

/// Whether a key file's bytes are PEM (a `-----BEGIN ` line anywhere).
fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The signing secret given from outside the database, and where it came
/// from: `JWTD_SIGNING_KEY`, else the file named by `JWTD_SIGNING_KEY_FILE`
/// or `SIGNING_KEY_FILE` (one trailing newline dropped). `None` when neither
/// is set.
pub fn configured_secret(settings: &Settings) -> Result<Option<(Vec<u8>, String)>, String> {
    if let Some(key) = std::env::var_os("JWTD_SIGNING_KEY") {
        let key = key.into_encoded_bytes();
        if key.is_empty() {
            return Err("JWTD_SIGNING_KEY is set but empty".into());
        }
        return Ok(Some((key, "JWTD_SIGNING_KEY".into())));
    }
    let Some(file) = configured_file(settings) else {
        return Ok(None);
    };
    let mut key = crate::files::read_key_file(&file)
        .map_err(|e| format!("cannot read the signing key file {}: {e}", file.display()))?;
    if key.ends_with(b"\n") {
        key.pop();
        if key.ends_with(b"\r") {
            key.pop();
        }
    }
    if key.is_empty() {
        return Err(format!("the signing key file {} is empty", file.display()));
    }
    Ok(Some((key, format!("the file {}", file.display()))))
}

/// The signing key file [`configured_secret`] reads, if it reads one: the
/// file named by `JWTD_SIGNING_KEY_FILE` or `SIGNING_KEY_FILE`, unless
/// `JWTD_SIGNING_KEY` is set.
pub fn configured_file(settings: &Settings) -> Option<std::path::PathBuf> {
    if std::env::var_os("JWTD_SIGNING_KEY").is_some() {
        return None;
    }
    std::env::var_os("JWTD_SIGNING_KEY_FILE")
        .filter(|f| !f.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| settings.signing_key_file.clone())
}

/// Where the signing key is configured from outside the database, without
/// reading it: `JWTD_SIGNING_KEY`, or the file named by
/// `JWTD_SIGNING_KEY_FILE` or `SIGNING_KEY_FILE` (and which of the two
/// named it). `None`: the keys kept in the database.
pub fn configured_source(settings: &Settings) -> Option<String> {
    if std::env::var_os("JWTD_SIGNING_KEY").is_some() {
        return Some("JWTD_SIGNING_KEY (the environment)".into());
    }
    let file = configured_file(settings)?;
    let named_by = match std::env::var_os("JWTD_SIGNING_KEY_FILE").filter(|f| !f.is_empty()) {
        Some(_) => "JWTD_SIGNING_KEY_FILE",
        None => "SIGNING_KEY_FILE",
    };
    Some(format!("the file {} ({named_by})", file.display()))
}

/// The keys given from outside the database, and where they came from;
/// `None` when the database's keys are used.
pub fn configured_ring(settings: &Settings) -> Result<Option<(Keyring, String)>, KeysError> {
    let algorithm = settings.algorithm;
    let secret = configured_secret(settings).map_err(KeysError::Unusable)?;
    if algorithm.is_hmac() {
        if let Some(file) = &settings.verifying_key_file {
            return Err(KeysError::Unusable(format!(
                "VERIFYING_KEY_FILE ({}) is for public-key algorithms; {algorithm} verifies with the signing key",
                file.display()
            )));
        }
        let Some((secret, source)) = secret else {
            return Ok(None);
        };
        // A PEM key used as an HMAC secret is the confused verifier of the
        // algorithm-confusion attack: whoever has the public key could sign.
        if looks_like_pem(&secret) {
            return Err(KeysError::Unusable(format!(
                "the signing key from {source} is a PEM key, and ALGORITHM is {algorithm}, \
                 which would use its text as a shared secret; set ALGORITHM to the key's \
                 algorithm (RS256, ES256, EdDSA, ...)"
            )));
        }
        let key = Key::new(algorithm, &secret).map_err(|e| KeysError::Unusable(e.to_string()))?;
        let tag_len = algorithm.hmac_tag_len().unwrap_or(0);
        if secret.len() < tag_len {
            log::warn(&format!(
                "the signing key is {} bytes, shorter than the {tag_len} bytes RFC 7518 section 3.2 asks for {algorithm}",
                secret.len(),
            ));
        }
        return Ok(Some((Keyring::single(key), source)));
    }
    public_key_ring(settings, secret)
}

#[cfg(feature = "asymmetric")]
fn public_key_ring(
    settings: &Settings,
    secret: Option<(Vec<u8>, String)>,
) -> Result<Option<(Keyring, String)>, KeysError> {
    use crate::pki::{PrivateKey, PublicKey};
    let algorithm = settings.algorithm;
    let unusable = |e: String| KeysError::Unusable(e);
    let verifying = match &settings.verifying_key_file {
        Some(file) => {
            let text = crate::files::read_key_file(file).map_err(|e| {
                unusable(format!(
                    "cannot read the verifying key file {}: {e}",
                    file.display()
                ))
            })?;
            let key = PublicKey::from_pem(&text)
                .map_err(|e| unusable(format!("VERIFYING_KEY_FILE {}: {e}", file.display())))?;
            Some((key, file.display().to_string()))
        }
        None => None,
    };
    let (key, source) = match (secret, verifying) {
        (Some((pem, source)), verifying) => {
            let private = PrivateKey::from_pem(&pem)
                .map_err(|e| unusable(format!("the signing key from {source}: {e}")))?;
            if let Some((public, file)) = verifying {
                if &public != private.public() {
                    return Err(unusable(format!(
                        "VERIFYING_KEY_FILE {file} is not the public half of the signing key from {source}"
                    )));
                }
            }
            let key = Key::private(algorithm, private)
                .map_err(|e| unusable(format!("the signing key from {source}: {e}")))?;
            (key, source)
        }
        (None, Some((public, file))) => {
            let key = Key::public(algorithm, public)
                .map_err(|e| unusable(format!("VERIFYING_KEY_FILE {file}: {e}")))?;
            (
                key,
                format!("the file {file} (VERIFYING_KEY_FILE; this server only verifies)"),
            )
        }
        (None, None) => return Ok(None),
    };
    let kid = key.public_key().map(|k| k.thumbprint()).unwrap_or_default();
    let ring = Keyring::named(kid, key).map_err(|e| unusable(e.to_string()))?;
    Ok(Some((ring, source)))
}

#[cfg(not(feature = "asymmetric"))]
fn public_key_ring(
    settings: &Settings,
    _: Option<(Vec<u8>, String)>,
) -> Result<Option<(Keyring, String)>, KeysError> {
    Err(KeysError::Unusable(
        crate::jwt::KeyError::NotBuilt(settings.algorithm).to_string(),
    ))
}

#[cfg(all(test, feature = "asymmetric"))]
mod tests {
    use super::*;
    use crate::jwt::{self, Algorithm, Claims, Validation};
    use crate::pki::{Curve, KeyKind, PrivateKey};

    /// Writes `files` into a new directory, removed when dropped.
    fn files(name: &str, files: &[(&str, &str)]) -> crate::scratch_dir::ScratchDir {
        let dir = crate::scratch_dir::ScratchDir::new(&format!("keyfiles-{name}"));
        for (file, text) in files {
            std::fs::write(dir.join(file), text).expect("a key file");
        }
        dir
    }

    fn settings(
        algorithm: Algorithm,
        signing: Option<std::path::PathBuf>,
        verifying: Option<std::path::PathBuf>,
    ) -> Settings {
        Settings {
            algorithm,
            signing_key_file: signing,
            verifying_key_file: verifying,
            ..Settings::default()
        }
    }

    #[test]
    fn a_pem_key_pair_signs_under_its_thumbprint_and_its_public_half_alone_verifies() {
        let key = PrivateKey::generate(KeyKind::Ec(Curve::P256)).unwrap();
        let other = PrivateKey::generate(KeyKind::Ec(Curve::P256)).unwrap();
        let dir = files(
            "pair",
            &[
                ("private.pem", &key.to_pem()),
                ("public.pem", &key.public().to_pem()),
                ("other.pem", &other.public().to_pem()),
            ],
        );
        let (signer, source) = configured_ring(&settings(
            Algorithm::ES256,
            Some(dir.join("private.pem")),
            Some(dir.join("public.pem")),
        ))
        .unwrap()
        .unwrap();
        assert!(source.contains("private.pem"), "{source}");
        assert!(signer.can_sign());
        assert_eq!(
            signer.current_kid(),
            Some(key.public().thumbprint().as_str())
        );
        let mut claims = Claims::new();
        claims.set("sub", "x");
        let token = jwt::encode_with_keys(&signer, &claims).unwrap();

        let (verifier, source) = configured_ring(&settings(
            Algorithm::ES256,
            None,
            Some(dir.join("public.pem")),
        ))
        .unwrap()
        .unwrap();
        assert!(source.contains("only verifies"), "{source}");
        assert!(!verifier.can_sign());
        assert_eq!(
            jwt::encode_with_keys(&verifier, &claims),
            Err(jwt::SignError::VerifyOnly)
        );
        assert!(jwt::decode_with_keys(&token, &verifier, &Validation::default(), 0).is_ok());

        // A verifying key that is not the signing key's half, a key of the
        // wrong curve, a verifying key for HMAC: each refused, saying why.
        let refused = |s: Settings| match configured_ring(&s) {
            Err(KeysError::Unusable(why)) => why,
            other => panic!("{other:?}"),
        };
        let why = refused(settings(
            Algorithm::ES256,
            Some(dir.join("private.pem")),
            Some(dir.join("other.pem")),
        ));
        assert!(why.contains("not the public half"), "{why}");
        let why = refused(settings(
            Algorithm::ES384,
            Some(dir.join("private.pem")),
            None,
        ));
        assert!(why.contains("ES384 cannot use an EC P-256 key"), "{why}");
        let why = refused(settings(
            Algorithm::HS256,
            Some(dir.join("public.pem")),
            None,
        ));
        assert!(
            why.contains("is a PEM key, and ALGORITHM is HS256"),
            "{why}"
        );
        let why = refused(settings(
            Algorithm::HS256,
            None,
            Some(dir.join("public.pem")),
        ));
        assert!(why.contains("VERIFYING_KEY_FILE"), "{why}");
        let why = refused(settings(
            Algorithm::ES256,
            Some(dir.join("public.pem")),
            None,
        ));
        assert!(why.contains("public key"), "{why}");
    }
}
