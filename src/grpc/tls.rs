//! TLS on the gRPC port, with rustls and ring (the one crypto provider of the process): the server's
//! certificate and key, and with a client CA, mutual TLS that requires a client certificate signed by
//! it. The files are read at start and again on SIGHUP, so certificates rotate without a restart; a
//! refused reload keeps the configuration in force. Each accepted connection is handshaken on a task
//! of its own, with a time limit, so a slow or broken client never holds up the others.

use std::{
    io,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use arc_swap::ArcSwap;
use rustls::{
    RootCertStore, ServerConfig,
    crypto::{CryptoProvider, ring},
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_stream::wrappers::ReceiverStream;

use super::socket::SocketOptions;

use crate::config::TlsSettings;

/// How long a client has to finish the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshaken connections waiting for the server to take them.
const READY: usize = 64;

/// Why the TLS files cannot be used; the message names the setting and the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {file}: {reason}")]
pub struct TlsError {
    /// The setting (`tls.cert_file`, `tls.key_file`, `tls.client_ca_file`).
    pub key: &'static str,
    /// The file.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// The process's crypto provider: ring, installed once as the default so no library picks another.
pub fn provider() -> Arc<CryptoProvider> {
    let provider = Arc::new(ring::default_provider());
    let _ = CryptoProvider::install_default(ring::default_provider());
    provider
}

/// The files of the TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Files {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

/// The server's TLS configuration, replaceable while connections are served.
#[derive(Debug)]
pub struct Tls {
    files: Files,
    config: ArcSwap<ServerConfig>,
}

fn refused(key: &'static str, file: &Path, reason: impl Into<String>) -> TlsError {
    TlsError { key, file: file.display().to_string(), reason: reason.into() }
}

fn read_certificates(key: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| refused(key, path, format!("cannot be read as PEM: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| refused(key, path, format!("cannot be read as PEM: {e}")))?;
    if certs.is_empty() {
        return Err(refused(key, path, "holds no certificate"));
    }
    Ok(certs)
}

fn build(files: &Files) -> Result<ServerConfig, TlsError> {
    let certs = read_certificates("tls.cert_file", &files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| refused("tls.key_file", &files.key, format!("holds no usable private key: {e}")))?;
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| refused("tls.cert_file", &files.cert, e.to_string()))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certificates("tls.client_ca_file", ca)? {
                roots.add(cert).map_err(|e| refused("tls.client_ca_file", ca, format!("not a CA certificate: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| refused("tls.client_ca_file", ca, e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| refused("tls.key_file", &files.key, format!("does not match the certificate: {e}")))?;
    // gRPC runs over HTTP/2; clients such as grpcurl negotiate it by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

impl Tls {
    /// Reads the files the settings name; `None` when TLS is not configured.
    pub fn from_settings(settings: &TlsSettings) -> Result<Option<Tls>, TlsError> {
        let (Some(cert), Some(key)) = (&settings.cert_file, &settings.key_file) else { return Ok(None) };
        let files = Files { cert: cert.clone(), key: key.clone(), client_ca: settings.client_ca_file.clone() };
        let config = build(&files)?;
        Ok(Some(Tls { files, config: ArcSwap::from_pointee(config) }))
    }

    /// Whether clients must present a certificate.
    pub fn mutual(&self) -> bool {
        self.files.client_ca.is_some()
    }

    /// Reads the files again and puts them in force for new connections; on an error the
    /// configuration in force stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = build(&self.files)?;
        self.config.store(Arc::new(config));
        Ok(())
    }

    /// The connections `listener` accepts, once their handshake succeeded. The stream ends when the
    /// receiver is dropped.
    pub fn incoming(
        self: Arc<Self>,
        listener: TcpListener,
        options: SocketOptions,
    ) -> ReceiverStream<Result<TlsStream<TcpStream>, io::Error>> {
        let (tx, rx) = mpsc::channel(READY);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot accept a connection");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                    _ = tx.closed() => return,
                };
                options.apply(&stream);
                let acceptor = TlsAcceptor::from(self.config.load_full());
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send(Ok(tls)).await;
                        }
                        Ok(Err(e)) => tracing::info!(%peer, error = %e, "TLS handshake refused"),
                        Err(_) => tracing::info!(%peer, "TLS handshake not finished in time"),
                    }
                });
            }
        });
        ReceiverStream::new(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name)
    }

    #[test]
    fn bad_files_are_refused_naming_the_setting() {
        let settings = |cert: &str, key: &str, ca: Option<&str>| TlsSettings {
            cert_file: Some(fixture(cert)),
            key_file: Some(fixture(key)),
            client_ca_file: ca.map(fixture),
        };
        assert!(Tls::from_settings(&settings("server.crt", "server.key", None)).expect("loads").is_some());
        assert!(
            Tls::from_settings(&settings("server.crt", "server.key", Some("ca.crt")))
                .expect("loads")
                .expect("tls")
                .mutual()
        );
        let err = Tls::from_settings(&settings("server.crt", "client-ops.key", None)).expect_err("mismatch");
        assert_eq!(err.key, "tls.key_file");
        let err = Tls::from_settings(&settings("README.md", "server.key", None)).expect_err("no certificate");
        assert_eq!((err.key, err.reason.as_str()), ("tls.cert_file", "holds no certificate"));
        let err = Tls::from_settings(&settings("server.crt", "nothing.key", None)).expect_err("missing");
        assert!(err.to_string().starts_with("tls.key_file: ") && err.to_string().contains("nothing.key"), "{err}");
        assert!(Tls::from_settings(&TlsSettings::default()).expect("no TLS").is_none());
    }
}
