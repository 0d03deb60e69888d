//! The audit chain's key files: the Ed25519 signing key (`audit.signing_key_file`, PKCS#8 PEM, "BEGIN
//! PRIVATE KEY", as `helpdesk audit generate-key` or `openssl genpkey -algorithm ed25519` write it)
//! and public keys (SPKI PEM, "BEGIN PUBLIC KEY", as `helpdesk audit public-key` prints them). Every
//! error names the setting (or option) and the file; no message or log line holds key material.

use std::{
    io::Write,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

use ed25519_dalek::VerifyingKey;
use rand::{TryRngCore, rngs::OsRng};

use crate::{
    config::AuditSettings,
    domain::{ChainSigner, Keyring, signing::public_key_from_pem},
};

/// The setting that names the signing key.
pub const SIGNING_KEY_SETTING: &str = "audit.signing_key_file";
/// The setting that names the public keys of earlier signing keys.
pub const PREVIOUS_KEYS_SETTING: &str = "audit.previous_public_key_files";

/// Why a key file cannot be used: the setting or option that names it, the file and the reason.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {}: {reason}", path.display())]
pub struct KeyFileError {
    /// The setting or option, such as `audit.signing_key_file` or `--public-key`.
    pub key: String,
    /// The file.
    pub path: PathBuf,
    /// Why, in words.
    pub reason: String,
}

fn failed(key: &str, path: &Path, reason: impl Into<String>) -> KeyFileError {
    KeyFileError { key: key.to_owned(), path: path.to_path_buf(), reason: reason.into() }
}

fn read_text(key: &str, path: &Path) -> Result<String, KeyFileError> {
    let text = std::fs::read(path).map_err(|e| failed(key, path, format!("cannot read it: {e}")))?;
    String::from_utf8(text).map_err(|_| failed(key, path, "is not PEM text"))
}

/// The signing key in `path` (PKCS#8 PEM); `key` names the setting or option for errors. A key file
/// others may read is used, with a warning.
pub fn read_signing_key(key: &str, path: &Path) -> Result<ChainSigner, KeyFileError> {
    let text = zeroize::Zeroizing::new(read_text(key, path)?);
    let signer = ChainSigner::from_pem(&text).map_err(|e| failed(key, path, e.to_string()))?;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            file = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "{key}: the audit signing key can be read by other users; chmod 600 it"
        );
    }
    Ok(signer)
}

/// The public key in `path` (SPKI PEM); `key` names the setting or option for errors.
pub fn read_public_key(key: &str, path: &Path) -> Result<VerifyingKey, KeyFileError> {
    public_key_from_pem(&read_text(key, path)?).map_err(|e| failed(key, path, e.to_string()))
}

/// A keyring of the public keys in `paths` (the first is taken as the key in use).
pub fn read_keyring(key: &str, paths: &[PathBuf]) -> Result<Keyring, KeyFileError> {
    let keys = paths.iter().map(|p| read_public_key(key, p)).collect::<Result<Vec<_>, _>>()?;
    Ok(Keyring::new(keys))
}

/// The signer the settings name, verifying the earlier keys' signatures too; `None` when no signing
/// key is set.
pub fn signer_from_settings(audit: &AuditSettings) -> Result<Option<ChainSigner>, KeyFileError> {
    let Some(path) = &audit.signing_key_file else { return Ok(None) };
    let signer = read_signing_key(SIGNING_KEY_SETTING, path)?;
    let previous = audit
        .previous_public_key_files
        .iter()
        .map(|p| read_public_key(PREVIOUS_KEYS_SETTING, p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(signer.with_previous(previous)))
}

/// Writes a new random signing key to `path` (0600, through a temporary file renamed into place);
/// refuses to replace an existing file unless `force`. `key` names the option for errors.
pub fn write_new_signing_key(key: &str, path: &Path, force: bool) -> Result<ChainSigner, KeyFileError> {
    if path.exists() && !force {
        return Err(failed(
            key,
            path,
            "exists; pass --force to replace it (signatures made with it will no longer verify unless its public key is kept)",
        ));
    }
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    OsRng.try_fill_bytes(seed.as_mut()).map_err(|e| failed(key, path, format!("no random bytes: {e}")))?;
    let signer = ChainSigner::from_seed(&seed);
    let pem = signer.private_pem().map_err(|e| failed(key, path, e.to_string()))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |e: std::io::Error| failed(key, path, format!("cannot write it: {e}"));
    // A temporary file is created 0600.
    let mut temp = tempfile::Builder::new().prefix(".helpdesk-key-").suffix(".tmp").tempfile_in(folder).map_err(io)?;
    temp.write_all(pem.as_bytes()).map_err(io)?;
    temp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    if force {
        temp.persist(path).map_err(|e| io(e.error))?;
    } else {
        temp.persist_noclobber(path).map_err(|e| io(e.error))?;
    }
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_private_reads_back_and_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.pem");
        let written = write_new_signing_key("--output", &path, false).expect("written");
        assert_eq!(std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777, 0o600);
        let read = read_signing_key(SIGNING_KEY_SETTING, &path).expect("read");
        assert_eq!(read.key_id(), written.key_id());
        let refused = write_new_signing_key("--output", &path, false).expect_err("exists");
        assert!(refused.to_string().contains("exists; pass --force"), "{refused}");
        let replaced = write_new_signing_key("--output", &path, true).expect("forced");
        assert_ne!(replaced.key_id(), written.key_id());
    }

    #[test]
    fn missing_and_malformed_files_name_the_setting_and_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("none.pem");
        let err = read_signing_key(SIGNING_KEY_SETTING, &missing).expect_err("missing");
        let text = err.to_string();
        assert!(text.starts_with(&format!("audit.signing_key_file: {}: cannot read it", missing.display())), "{text}");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a key").expect("written");
        let text = read_signing_key(SIGNING_KEY_SETTING, &garbage).expect_err("garbage").to_string();
        assert!(text.contains("is not an Ed25519 private key in PEM (PKCS#8"), "{text}");
        let public = dir.path().join("public.pem");
        let signer = ChainSigner::from_seed(&[5; 32]);
        std::fs::write(&public, signer.public_pem().expect("pem")).expect("written");
        assert!(read_signing_key(SIGNING_KEY_SETTING, &public).is_err(), "a public key cannot sign");
        assert_eq!(read_public_key("--public-key", &public).expect("public"), signer.public_key());
        let settings =
            AuditSettings { signing_key_file: Some(garbage.clone()), previous_public_key_files: vec![public.clone()] };
        assert!(signer_from_settings(&settings).is_err());
        let key = dir.path().join("key.pem");
        write_new_signing_key("--output", &key, false).expect("written");
        let settings = AuditSettings { signing_key_file: Some(key), previous_public_key_files: vec![public] };
        let loaded = signer_from_settings(&settings).expect("loaded").expect("a signer");
        assert_eq!(loaded.keyring().key_ids().len(), 2);
        assert!(signer_from_settings(&AuditSettings::default()).expect("nothing set").is_none());
    }
}
