//! The key ring a store seals with. A sealed value is the text `enc:v1:<key id>:<base64url(nonce ||
//! ciphertext)>`: XChaCha20-Poly1305 under the sealing subkey of the key `<key id>` names, a random
//! 24-byte nonce from the operating system's generator for every value, and `<ticket id> NUL <field>`
//! as associated data, so a value copied to another ticket (or another field) does not open. A value
//! without the `enc:` prefix is plain (written before privacy was turned on) and reads as it is.
//! The requester's blind index is `hex(HMAC-SHA256(index subkey, normalised address))`: equal
//! requesters have equal indexes under one key, and nothing else can be learnt from it without the key.

use std::collections::BTreeSet;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use sha2::Sha256;

use super::{DataKey, error::PrivacyError, mask::normalize_email};

/// What every sealed value starts with; with a key ring, any value that starts so is sealed.
pub const SEALED_PREFIX: &str = "enc:";
/// The prefix of this version of the format.
const SEALED_V1: &str = "enc:v1:";
/// The field name the requester's address is sealed as.
pub const REQUESTER_FIELD: &str = "requester_email";
/// The label of the subkey values are sealed with.
const SEALING_LABEL: &[u8] = b"helpdesk-ai privacy v1: sealing key";
/// The label of the subkey the requester's blind index is keyed with.
const INDEX_LABEL: &[u8] = b"helpdesk-ai privacy v1: requester blind index";
const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;

/// The field name metadata value `key` is sealed as.
pub fn metadata_field(key: &str) -> String {
    format!("metadata.{key}")
}

/// The key id a sealed value names, or `None` for a plain (or malformed) value.
pub fn sealed_key_id(stored: &str) -> Option<&str> {
    stored.strip_prefix(SEALED_V1)?.split_once(':').map(|(id, _)| id)
}

/// One key of the ring, its subkeys made ready.
struct RingKey {
    key: DataKey,
    cipher: XChaCha20Poly1305,
    index: Hmac<Sha256>,
}

impl RingKey {
    fn new(key: DataKey) -> RingKey {
        let cipher = XChaCha20Poly1305::new(&(*key.subkey(SEALING_LABEL)).into());
        let index = <Hmac<Sha256> as Mac>::new_from_slice(key.subkey(INDEX_LABEL).as_ref())
            .expect("HMAC takes a key of any length");
        RingKey { key, cipher, index }
    }

    fn blind_index(&self, address: &str) -> String {
        let mac = self.index.clone().chain_update(normalize_email(address).as_bytes()).finalize().into_bytes();
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The key ring: the current key (it seals every value written and keys every new blind index), the
/// previous keys (they still open what they sealed, and find requesters by their indexes, during and
/// after a rotation), and the metadata keys whose values are sealed.
pub struct Vault {
    /// The current key first, then the previous ones.
    keys: Vec<RingKey>,
    sealed_metadata: BTreeSet<String>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("key_ids", &self.key_ids())
            .field("sealed_metadata", &self.sealed_metadata)
            .finish()
    }
}

fn aad(ticket_id: &str, field: &str) -> Vec<u8> {
    [ticket_id.as_bytes(), &[0], field.as_bytes()].concat()
}

impl Vault {
    /// A ring sealing with `current`, opening with it and `previous` (a previous key equal to the
    /// current one, or given twice, counts once), sealing the metadata values of `sealed_metadata`.
    pub fn new(current: DataKey, previous: Vec<DataKey>, sealed_metadata: impl IntoIterator<Item = String>) -> Vault {
        let mut keys = vec![RingKey::new(current)];
        for key in previous {
            if keys.iter().all(|k| k.key.id() != key.id()) {
                keys.push(RingKey::new(key));
            }
        }
        Vault { keys, sealed_metadata: sealed_metadata.into_iter().collect() }
    }

    /// The same ring with `new` as the current key and every key of this ring as a previous one: what
    /// a rotation to `new` seals with.
    pub fn rotating_to(&self, new: DataKey) -> Vault {
        let previous = self.keys.iter().map(|k| k.key.clone()).collect();
        Vault::new(new, previous, self.sealed_metadata.iter().cloned())
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        self.keys[0].key.id()
    }

    /// Every key id of the ring, the current one first.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.key.id()).collect()
    }

    /// Whether the ring holds the key with this id.
    pub fn holds(&self, key_id: &str) -> bool {
        self.keys.iter().any(|k| k.key.id() == key_id)
    }

    /// The metadata keys whose values are sealed.
    pub fn sealed_metadata(&self) -> &BTreeSet<String> {
        &self.sealed_metadata
    }

    /// Whether metadata entry `key` = `value` is stored sealed: its key is listed, or its value looks
    /// like a sealed one (so that every stored value with the prefix was sealed here, never typed).
    pub fn seals_metadata(&self, key: &str, value: &str) -> bool {
        self.sealed_metadata.contains(key) || value.starts_with(SEALED_PREFIX)
    }

    /// Whether `stored` is sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        sealed_key_id(stored) == Some(self.current_key_id())
    }

    /// `plaintext`, field `field` of ticket `ticket_id`, sealed under the current key.
    pub fn seal(&self, ticket_id: &str, field: &str, plaintext: &str) -> Result<String, PrivacyError> {
        let current = &self.keys[0];
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.try_fill_bytes(&mut nonce).map_err(|e| PrivacyError::Random(e.to_string()))?;
        let aad = aad(ticket_id, field);
        let sealed = current
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext.as_bytes(), aad: &aad })
            .map_err(|_| PrivacyError::TooLong { field: field.to_owned() })?;
        let body = URL_SAFE_NO_PAD.encode([nonce.as_slice(), &sealed].concat());
        Ok(format!("{SEALED_V1}{}:{body}", current.key.id()))
    }

    /// The plaintext of field `field` of ticket `ticket_id` as stored: opened when sealed, as it is
    /// when plain.
    pub fn open(&self, ticket_id: &str, field: &str, stored: &str) -> Result<String, PrivacyError> {
        if !stored.starts_with(SEALED_PREFIX) {
            return Ok(stored.to_owned());
        }
        let malformed = || PrivacyError::Malformed { field: field.to_owned() };
        let (key_id, body) =
            stored.strip_prefix(SEALED_V1).and_then(|rest| rest.split_once(':')).ok_or_else(malformed)?;
        let Some(ring_key) = self.keys.iter().find(|k| k.key.id() == key_id) else {
            return Err(PrivacyError::UnknownKey { field: field.to_owned(), key_id: key_id.to_owned() });
        };
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| malformed())?;
        if bytes.len() < NONCE_BYTES + TAG_BYTES {
            return Err(malformed());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| malformed())?;
        let not_authentic = || PrivacyError::NotAuthentic { field: field.to_owned(), key_id: key_id.to_owned() };
        let aad = aad(ticket_id, field);
        let plain = ring_key
            .cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: &aad })
            .map_err(|_| not_authentic())?;
        String::from_utf8(plain).map_err(|_| not_authentic())
    }

    /// The requester's blind index under the current key.
    pub fn blind_index(&self, address: &str) -> String {
        self.keys[0].blind_index(address)
    }

    /// The requester's blind index under every key of the ring (rows sealed under any of them match).
    pub fn lookup_indexes(&self, address: &str) -> Vec<String> {
        self.keys.iter().map(|k| k.blind_index(address)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &str = "TKT-20261127-AAAAAAAA";

    fn vault() -> Vault {
        Vault::new(DataKey::generate().expect("key"), Vec::new(), ["phone".to_owned()])
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_ticket_and_field() {
        let vault = vault();
        let sealed = vault.seal(TICKET, REQUESTER_FIELD, "ana@example.com").expect("sealed");
        assert!(sealed.starts_with(&format!("enc:v1:{}:", vault.current_key_id())), "{sealed}");
        assert!(!sealed.contains("ana"));
        assert_eq!(vault.open(TICKET, REQUESTER_FIELD, &sealed).expect("opens"), "ana@example.com");
        assert_ne!(vault.seal(TICKET, REQUESTER_FIELD, "ana@example.com").expect("sealed"), sealed, "fresh nonce");
        let moved = vault.open("TKT-20261127-BBBBBBBB", REQUESTER_FIELD, &sealed).unwrap_err();
        assert!(matches!(moved, PrivacyError::NotAuthentic { .. }), "{moved:?}");
        assert!(matches!(vault.open(TICKET, "metadata.phone", &sealed), Err(PrivacyError::NotAuthentic { .. })));
        assert_eq!(vault.open(TICKET, REQUESTER_FIELD, "plain@example.com").expect("plain"), "plain@example.com");
    }

    #[test]
    fn tampered_unknown_and_malformed_values_are_refused() {
        let vault = vault();
        let sealed = vault.seal(TICKET, "metadata.phone", "+44 20 7946 0958").expect("sealed");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(matches!(vault.open(TICKET, "metadata.phone", &tampered), Err(PrivacyError::NotAuthentic { .. })));
        let other = self::vault();
        let err = other.open(TICKET, "metadata.phone", &sealed).unwrap_err();
        assert!(matches!(&err, PrivacyError::UnknownKey { key_id, .. } if key_id == vault.current_key_id()), "{err:?}");
        assert!(!err.to_string().contains("7946"));
        for bad in ["enc:", "enc:v2:abc:def", "enc:v1:nocolon", "enc:v1:x:!!!", "enc:v1:x:AAAA"] {
            assert!(vault.open(TICKET, "metadata.phone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rotating_ring_opens_both_generations_and_seals_with_the_new_key() {
        let old = vault();
        let sealed = old.seal(TICKET, REQUESTER_FIELD, "ana@example.com").expect("sealed");
        let new_key = DataKey::generate().expect("key");
        let new_id = new_key.id().to_owned();
        let ring = old.rotating_to(new_key);
        assert_eq!(ring.key_ids(), [new_id.as_str(), old.current_key_id()]);
        assert_eq!(ring.open(TICKET, REQUESTER_FIELD, &sealed).expect("old opens"), "ana@example.com");
        assert!(!ring.is_current(&sealed) && old.is_current(&sealed));
        let resealed = ring.seal(TICKET, REQUESTER_FIELD, "ana@example.com").expect("sealed");
        assert_eq!(sealed_key_id(&resealed), Some(new_id.as_str()));
        assert!(ring.sealed_metadata().contains("phone"));
    }

    #[test]
    fn blind_indexes_match_normalised_addresses_per_key() {
        let vault = vault();
        let index = vault.blind_index("ana@example.com");
        assert_eq!(index.len(), 64);
        assert_eq!(vault.blind_index("  Ana@EXAMPLE.com "), index);
        assert_ne!(vault.blind_index("bob@example.com"), index);
        let ring = vault.rotating_to(DataKey::generate().expect("key"));
        let lookups = ring.lookup_indexes("ana@example.com");
        assert_eq!(lookups.len(), 2);
        assert_eq!(lookups[1], index);
        assert_ne!(lookups[0], index);
    }

    #[test]
    fn listed_keys_and_values_that_look_sealed_are_sealed() {
        let vault = vault();
        assert!(vault.seals_metadata("phone", "123"));
        assert!(!vault.seals_metadata("tier", "gold"));
        assert!(vault.seals_metadata("tier", "enc:looks sealed"));
    }
}
