//! `https://` (feature `https`): rustls on the *ring* provider, TLS 1.2 and
//! 1.3, the server's certificate checked against the system's trusted roots
//! for the URL's host (a name, or an IP address in the certificate's IP
//! SANs). The one home of `rustls` and `rustls-native-certs`.
//!
//! Roots come from `rustls-native-certs`: on Linux the distribution's CA
//! bundle, or the file named by `SSL_CERT_FILE` (and the directory named by
//! `SSL_CERT_DIR`) when set, which is how a private CA is trusted. They are
//! read on every fetch: a fetch is rare (a JWKS is cached), and a CA bundle
//! updated on disk is then picked up without a restart.
//!
//! The deadline holds through the handshake as through the exchange: rustls
//! reads and writes through the same [`Deadlined`] socket, so each of its
//! reads gets what is left of the one deadline.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::{connect, exchange, io_error, ClientError, ClientLimits, Fetched, Url};

/// Fetches an https URL; `roots` replaces the system's roots (tests).
pub(super) fn get(
    url: &Url,
    limits: &ClientLimits,
    deadline: Instant,
    roots: Option<RootCertStore>,
) -> Result<Fetched, ClientError> {
    let roots = match roots {
        Some(roots) => roots,
        None => native_roots()?,
    };
    let config = ClientConfig::builder_with_provider(ring_provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| ClientError::Tls(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // An IPv6 host is kept without brackets, as ServerName wants it.
    let name = ServerName::try_from(url.host().to_owned())
        .map_err(|_| ClientError::Tls("the host is not a valid TLS server name".to_owned()))?;
    let connection = ClientConnection::new(Arc::new(config), name)
        .map_err(|error| ClientError::Tls(error.to_string()))?;
    let mut stream = StreamOwned::new(connection, connect(url, deadline)?);
    // The handshake on its own first, so that a failure in it is reported
    // as what it is rather than as a failed write of the request.
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(io_error)?;
    }
    exchange(stream, url, limits)
}

/// rustls on *ring*: X25519, P-256 and P-384 key exchange, AES-GCM and
/// ChaCha20-Poly1305. rustls 0.23.48 deprecates this provider because *ring*
/// has no post-quantum key exchange (ML-KEM), nudging towards aws-lc-rs and
/// its C build. What the PQ exchange protects is the secrecy of recorded
/// traffic; a JWKS document is public, and what this client needs of TLS,
/// the server's authentication, is unaffected.
#[allow(deprecated)]
pub(super) fn ring_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The system's trusted roots (or `SSL_CERT_FILE`'s). Certificates that do
/// not parse are skipped, as the system's own tools skip them; none at all
/// is an error.
fn native_roots() -> Result<RootCertStore, ClientError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(ClientError::Tls(
            "no trusted root certificates (the system's store, or SSL_CERT_FILE)".to_owned(),
        ));
    }
    Ok(roots)
}

/// The TLS error an I/O error from rustls carries, if it carries one.
pub(super) fn error_inside(error: &io::Error) -> Option<ClientError> {
    let tls = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(ClientError::Tls(tls.to_string()))
}

#[cfg(test)]
mod tests;
