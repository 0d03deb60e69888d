//! Data keys: 32 random bytes from the operating system's generator, kept in a file as base64 (the
//! file is the only thing this module reads). A key is known by its id, the first 16 hex digits of the
//! SHA-256 of a subkey derived for that purpose, so the id names the key without revealing it. Each
//! use gets its own subkey, `HMAC-SHA256(key, label || 0x01)`: HKDF-Expand (RFC 5869) with the data key
//! as the pseudorandom key (it is uniformly random already, so HKDF-Extract has nothing to add) and
//! one fixed label per use. The bytes are wiped when a key is dropped; `Debug` shows the id only.

use std::{fmt, path::Path};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::PrivacyError;

/// The length of a data key.
pub const KEY_BYTES: usize = 32;
/// Key files are a line of base64; anything much larger is not a key file.
const MAX_FILE_BYTES: u64 = 1024;
/// The label of the subkey whose hash is the key id.
const KEY_ID_LABEL: &[u8] = b"helpdesk-ai privacy v1: key id";

/// A data key and its id.
#[derive(Clone)]
pub struct DataKey {
    bytes: Zeroizing<[u8; KEY_BYTES]>,
    id: String,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl DataKey {
    /// A new key from the operating system's random generator.
    pub fn generate() -> Result<DataKey, PrivacyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        rand::rngs::OsRng.try_fill_bytes(bytes.as_mut()).map_err(|e| PrivacyError::Random(e.to_string()))?;
        Ok(DataKey::from_bytes(bytes))
    }

    /// The key made of these bytes.
    pub fn from_bytes(bytes: Zeroizing<[u8; KEY_BYTES]>) -> DataKey {
        let mut key = DataKey { bytes, id: String::new() };
        let digest = Sha256::digest(key.subkey(KEY_ID_LABEL).as_ref());
        key.id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        key
    }

    /// The key a key file's text holds: base64 of exactly 32 bytes, surrounding white space ignored.
    pub fn parse(text: &str) -> Result<DataKey, String> {
        let decoded = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            "is not base64 (a key file holds 32 random bytes in base64, as `helpdesk privacy generate-key` \
             writes it)"
                .to_owned()
        })?);
        let bytes: [u8; KEY_BYTES] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| format!("holds {} bytes, a key is exactly {KEY_BYTES}", decoded.len()))?;
        Ok(DataKey::from_bytes(Zeroizing::new(bytes)))
    }

    /// The key in the file at `path`, which `setting` names (for the error).
    pub fn load(setting: &str, path: &Path) -> Result<DataKey, PrivacyError> {
        let failed = |reason: String| PrivacyError::KeyFile { setting: setting.to_owned(), path: path.into(), reason };
        let size = std::fs::metadata(path).map_err(|e| failed(format!("cannot be read: {e}")))?.len();
        if size > MAX_FILE_BYTES {
            return Err(failed(format!("is {size} bytes long; a key file is one line of base64")));
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| failed(format!("cannot be read: {e}")))?);
        let key = DataKey::parse(&text).map_err(failed)?;
        warn_if_shared(setting, path);
        Ok(key)
    }

    /// The key as a key file holds it (base64, no line end).
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_ref()))
    }

    /// The key's id: 16 hex digits that name it without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The subkey for `label`: `HMAC-SHA256(key, label || 0x01)`, HKDF-Expand's first block.
    pub(super) fn subkey(&self, label: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(self.bytes.as_ref()).expect("HMAC takes a key of any length");
        mac.update(label);
        mac.update(&[1]);
        Zeroizing::new(mac.finalize().into_bytes().into())
    }
}

/// Warns (naming the file, never its content) when users other than the owner may read a key file.
fn warn_if_shared(setting: &str, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(setting, file = %path.display(), "privacy: the key file is readable by other users; chmod 600 it");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_its_file_form_and_keeps_its_id() {
        let key = DataKey::generate().expect("a key");
        let again = DataKey::parse(&format!("  {}\n", key.to_base64().as_str())).expect("parses");
        assert_eq!(again.id(), key.id());
        assert_eq!(key.id().len(), 16);
        assert!(key.id().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(DataKey::generate().expect("another").id(), key.id());
        assert!(!format!("{key:?}").contains(key.to_base64().as_str()));
    }

    #[test]
    fn the_id_is_fixed_for_a_key_and_is_not_a_hash_of_the_key_itself() {
        let key = DataKey::from_bytes(Zeroizing::new([7u8; KEY_BYTES]));
        let plain: String = Sha256::digest([7u8; KEY_BYTES])[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert_ne!(key.id(), plain);
        assert_eq!(key.id(), DataKey::from_bytes(Zeroizing::new([7u8; KEY_BYTES])).id());
        assert_ne!(key.subkey(b"a").as_ref(), key.subkey(b"b").as_ref());
    }

    #[test]
    fn malformed_key_files_are_refused_naming_the_setting_and_file() {
        assert!(DataKey::parse("not base64 at all!").unwrap_err().contains("is not base64"));
        assert_eq!(DataKey::parse(&STANDARD.encode([1u8; 16])).unwrap_err(), "holds 16 bytes, a key is exactly 32");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("short.key");
        std::fs::write(&path, STANDARD.encode([1u8; 31])).expect("written");
        let err = DataKey::load("privacy.key_file", &path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("privacy.key_file ({}): holds 31 bytes", path.display())), "{err}");
        let err = DataKey::load("privacy.key_file", &dir.path().join("absent.key")).unwrap_err().to_string();
        assert!(err.contains("absent.key): cannot be read"), "{err}");
    }
}
