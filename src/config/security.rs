//! The security settings (DESIGN section 9): who may call (`auth`), TLS on the gRPC port (`tls`),
//! personal data encrypted at rest (`privacy`) and the key that signs the audit chain (`audit`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Whether server reflection needs a credential.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReflectionAccess {
    /// Anyone who reaches the port may list and describe the services (the default).
    #[default]
    Open,
    /// Only an authenticated caller (any scope).
    Authenticated,
}

/// JWTs from a company's identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtSettings {
    /// The `iss` a token must carry.
    pub issuer: String,
    /// The `aud` a token must carry.
    pub audience: String,
    /// The provider's public key (PEM: RSA, EC P-256 or Ed25519); it fixes the algorithm.
    pub public_key_file: PathBuf,
    /// Seconds of clock difference allowed on `exp` and `nbf`.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
}

fn default_leeway() -> u64 {
    60
}

/// Who may call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Principals (tokens by their SHA-256, mTLS client names) with their scopes.
    pub principals_file: Option<PathBuf>,
    /// JWTs from an identity provider.
    pub jwt: Option<JwtSettings>,
    /// Whether reflection needs a credential.
    pub reflection: ReflectionAccess,
    /// Serve a non-loopback `listen_addr` without any authentication (logged as a warning).
    pub allow_anonymous: bool,
}

impl AuthSettings {
    /// Whether callers must authenticate.
    pub fn enabled(&self) -> bool {
        self.principals_file.is_some() || self.jwt.is_some()
    }
}

/// TLS on the gRPC port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// The server's certificate chain (PEM).
    pub cert_file: Option<PathBuf>,
    /// The server's private key (PEM).
    pub key_file: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM): mutual TLS.
    pub client_ca_file: Option<PathBuf>,
}

impl TlsSettings {
    /// Whether the port serves TLS.
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some()
    }
}

/// Personal data encrypted at rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// The data key (32 random bytes, base64; `helpdesk privacy generate-key`).
    pub key_file: Option<PathBuf>,
    /// Keys that decrypted data before a rotation and still may (read only).
    pub previous_key_files: Vec<PathBuf>,
    /// Metadata keys whose values are encrypted at rest, e.g. [phone, customer_id].
    pub encrypted_metadata_keys: Vec<String>,
}

/// The audit log's tamper evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// The Ed25519 key that signs the audit chain's head (`helpdesk audit generate-key`).
    pub signing_key_file: Option<PathBuf>,
    /// Public keys (PEM) of earlier signing keys, whose signatures still verify after a rotation.
    pub previous_public_key_files: Vec<PathBuf>,
}
