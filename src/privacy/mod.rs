//! Personal data at rest: the data keys (loaded from their files, generated, identified), the key
//! ring a store seals with ([`Vault`]: XChaCha20-Poly1305 with the ticket id as associated data, and
//! the requester's HMAC-SHA256 blind index), and the masking of e-mail addresses for logs. Pure
//! functions over bytes and strings: reading a key file is the only I/O, and nothing here touches a
//! database.

mod error;
mod keys;
mod mask;
mod vault;

pub use error::PrivacyError;
pub use keys::{DataKey, KEY_BYTES};
pub use mask::{Masked, mask_email, normalize_email};
pub use vault::{REQUESTER_FIELD, SEALED_PREFIX, Vault, metadata_field, sealed_key_id};
