//! Why a key could not be loaded or a stored value could not be opened. No variant carries a key or
//! a plaintext: the messages name files, key ids and fields only.

use std::path::PathBuf;

/// A failure of the privacy layer.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// A key file that cannot be read or does not hold one key.
    #[error("{setting} ({}): {reason}", path.display())]
    KeyFile {
        /// The setting that names the file (`privacy.key_file`, `privacy.previous_key_files`, `--new-key`).
        setting: String,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A stored value that starts like a sealed one but is not in the sealed format.
    #[error("{field} is not a well-formed sealed value")]
    Malformed {
        /// The field (`requester_email`, `metadata.phone`).
        field: String,
    },
    /// A value sealed under a key the ring does not hold.
    #[error("{field} is sealed under key id {key_id}, which is not in the key ring")]
    UnknownKey {
        /// The field.
        field: String,
        /// The key id the value names.
        key_id: String,
    },
    /// A value that does not authenticate under the key its key id names (a wrong key, a value moved
    /// from another ticket or field, or corrupt data).
    #[error("{field} does not decrypt under key id {key_id} (wrong key, moved or corrupt value)")]
    NotAuthentic {
        /// The field.
        field: String,
        /// The key id the value names.
        key_id: String,
    },
    /// A value too long for the cipher (more than 256 GiB).
    #[error("{field} cannot be sealed")]
    TooLong {
        /// The field.
        field: String,
    },
    /// The operating system's random generator failed.
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
}
