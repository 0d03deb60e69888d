//! Signatures over the audit chain: what is signed (a chain head: sequence, hash, anchor, and where
//! the commit group began), the Ed25519 key that signs it and the keys that verify it. Keys are read
//! from and written to PEM text here (PKCS#8 for the private key, SPKI for a public key); reading
//! the files is the caller's. No I/O, no database.

use chrono::{DateTime, Utc};
use ed25519_dalek::{
    Signature, Signer, SigningKey, Verifier, VerifyingKey,
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The domain separation of every signed message: a signature over anything else never verifies.
const MESSAGE_TAG: &str = "helpdesk-ai audit chain signature v1";

/// What a signature vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureKind {
    /// The chain's head after a write transaction (a commit group): stored with the entries.
    Commit,
    /// The last entry of an export: made when the export ends, carried only by the archive.
    Export,
}

impl SignatureKind {
    /// The kind's name as signed and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Commit => "commit",
            SignatureKind::Export => "export",
        }
    }
}

/// What is signed: a point of the chain and where the chain started then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    /// Commit group or export.
    pub kind: SignatureKind,
    /// Sequence of the newest entry covered.
    pub sequence: i64,
    /// Hash of that entry.
    pub head_hash: String,
    /// First entry of the commit group (of the export, for an export signature).
    pub first_sequence: i64,
    /// The anchor's sequence (0 before any purge).
    pub anchor_sequence: i64,
    /// The anchor's hash (the genesis hash before any purge).
    pub anchor_hash: String,
}

/// A signature over a [`SignedHead`], as stored and exported (the head's fields inline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSignature {
    /// What it vouches for.
    #[serde(flatten)]
    pub head: SignedHead,
    /// Which key signed it: [`key_id`] of its public key.
    pub key_id: String,
    /// The Ed25519 signature, 128 hex digits.
    pub signature: String,
    /// When it was made (microsecond precision, as stored).
    pub signed_at: DateTime<Utc>,
}

/// The bytes signed for `head` at `signed_at`: every part length-prefixed after a fixed tag.
pub fn signed_message(head: &SignedHead, signed_at: DateTime<Utc>) -> Vec<u8> {
    let mut message = Vec::with_capacity(256);
    for part in [
        MESSAGE_TAG,
        head.kind.as_str(),
        &head.sequence.to_string(),
        &head.head_hash,
        &head.first_sequence.to_string(),
        &head.anchor_sequence.to_string(),
        &head.anchor_hash,
        &signed_at.timestamp_micros().to_string(),
    ] {
        message.extend_from_slice(&(part.len() as u64).to_be_bytes());
        message.extend_from_slice(part.as_bytes());
    }
    message
}

/// A key's id: the first 16 hex digits of the SHA-256 of its 32 public bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Why key text could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a PKCS#8 PEM Ed25519 private key.
    #[error("is not an Ed25519 private key in PEM (PKCS#8, \"BEGIN PRIVATE KEY\") form: {0}")]
    NotPrivateKey(String),
    /// Not an SPKI PEM Ed25519 public key.
    #[error("is not an Ed25519 public key in PEM (\"BEGIN PUBLIC KEY\") form: {0}")]
    NotPublicKey(String),
}

/// The public keys signatures are verified with, by key id: the signing key's and those of keys
/// used before a rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<(String, VerifyingKey)>,
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// Its key id is none of the keyring's.
    UnknownKey,
    /// The signature is not one the key made over what it claims to cover.
    Invalid,
}

impl Keyring {
    /// A keyring of `keys` (the first is the one in use; duplicates are dropped).
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Keyring {
        let mut ring = Keyring::default();
        for key in keys {
            let id = key_id(&key);
            if !ring.keys.iter().any(|(known, _)| *known == id) {
                ring.keys.push((id, key));
            }
        }
        ring
    }

    /// A keyring from public keys in PEM text.
    pub fn from_public_pems<'a>(pems: impl IntoIterator<Item = &'a str>) -> Result<Keyring, KeyError> {
        let keys = pems.into_iter().map(public_key_from_pem).collect::<Result<Vec<_>, _>>()?;
        Ok(Keyring::new(keys))
    }

    /// The ids of the keys, the one in use first.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// Whether the ring holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks that `signature` was made by one of the keys over what it claims to cover.
    pub fn verify(&self, signature: &ChainSignature) -> Result<(), SignatureProblem> {
        let key = self.keys.iter().find(|(id, _)| *id == signature.key_id).map(|(_, key)| key);
        let key = key.ok_or(SignatureProblem::UnknownKey)?;
        let bytes = decode_hex(&signature.signature).ok_or(SignatureProblem::Invalid)?;
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| SignatureProblem::Invalid)?;
        let message = signed_message(&signature.head, signature.signed_at);
        key.verify(&message, &Signature::from_bytes(&bytes)).map_err(|_| SignatureProblem::Invalid)
    }
}

/// The Ed25519 key that signs chain heads, with the keyring that verifies its signatures and those
/// of earlier keys. Its `Debug` shows the key id only; the key is wiped when dropped.
pub struct ChainSigner {
    key: SigningKey,
    key_id: String,
    keyring: Keyring,
}

impl std::fmt::Debug for ChainSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainSigner").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl ChainSigner {
    /// The signer whose private key is the 32-byte `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> ChainSigner {
        ChainSigner::over(SigningKey::from_bytes(seed))
    }

    /// The signer of a PKCS#8 PEM private key.
    pub fn from_pem(pem: &str) -> Result<ChainSigner, KeyError> {
        let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| KeyError::NotPrivateKey(e.to_string()))?;
        Ok(ChainSigner::over(key))
    }

    fn over(key: SigningKey) -> ChainSigner {
        let public = key.verifying_key();
        ChainSigner { key_id: key_id(&public), keyring: Keyring::new([public]), key }
    }

    /// The same signer, also verifying signatures of the earlier keys `previous`.
    pub fn with_previous(mut self, previous: impl IntoIterator<Item = VerifyingKey>) -> ChainSigner {
        self.keyring = Keyring::new(std::iter::once(self.key.verifying_key()).chain(previous));
        self
    }

    /// The private key as PKCS#8 PEM (wiped when dropped).
    pub fn private_pem(&self) -> Result<zeroize::Zeroizing<String>, KeyError> {
        self.key.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError::NotPrivateKey(e.to_string()))
    }

    /// The public key as SPKI PEM.
    pub fn public_pem(&self) -> Result<String, KeyError> {
        self.key.verifying_key().to_public_key_pem(LineEnding::LF).map_err(|e| KeyError::NotPublicKey(e.to_string()))
    }

    /// The public key.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The key's id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The keys that verify: this one first, then the earlier ones.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Signs `head` as of `at` (cut to microseconds, as stored).
    pub fn sign(&self, head: SignedHead, at: DateTime<Utc>) -> ChainSignature {
        let signed_at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        let signature = self.key.sign(&signed_message(&head, signed_at));
        ChainSignature { head, key_id: self.key_id.clone(), signature: encode_hex(&signature.to_bytes()), signed_at }
    }
}

/// A public key from SPKI PEM text.
pub fn public_key_from_pem(pem: &str) -> Result<VerifyingKey, KeyError> {
    VerifyingKey::from_public_key_pem(pem.trim()).map_err(|e| KeyError::NotPublicKey(e.to_string()))
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::GENESIS_HASH;

    fn head(sequence: i64) -> SignedHead {
        SignedHead {
            kind: SignatureKind::Commit,
            sequence,
            head_hash: "ab".repeat(32),
            first_sequence: sequence,
            anchor_sequence: 0,
            anchor_hash: GENESIS_HASH.into(),
        }
    }

    #[test]
    fn a_signature_verifies_until_anything_it_covers_changes() {
        let signer = ChainSigner::from_seed(&[7; 32]);
        let signature = signer.sign(head(5), Utc::now());
        assert_eq!(signer.keyring().verify(&signature), Ok(()));
        assert_eq!(signature.key_id.len(), 16);
        assert_eq!(signature.signature.len(), 128);
        for altered in [
            ChainSignature { head: SignedHead { sequence: 4, ..signature.head.clone() }, ..signature.clone() },
            ChainSignature {
                head: SignedHead { head_hash: "cd".repeat(32), ..signature.head.clone() },
                ..signature.clone()
            },
            ChainSignature { head: SignedHead { anchor_sequence: 1, ..signature.head.clone() }, ..signature.clone() },
            ChainSignature { head: SignedHead { first_sequence: 1, ..signature.head.clone() }, ..signature.clone() },
            ChainSignature {
                head: SignedHead { kind: SignatureKind::Export, ..signature.head.clone() },
                ..signature.clone()
            },
            ChainSignature { signed_at: signature.signed_at + chrono::Duration::seconds(1), ..signature.clone() },
            ChainSignature { signature: "00".repeat(64), ..signature.clone() },
            ChainSignature { signature: "not hex".into(), ..signature.clone() },
        ] {
            assert_eq!(signer.keyring().verify(&altered), Err(SignatureProblem::Invalid), "{altered:?}");
        }
        let other = ChainSigner::from_seed(&[8; 32]);
        assert_eq!(other.keyring().verify(&signature), Err(SignatureProblem::UnknownKey));
        let rotated = ChainSigner::from_seed(&[8; 32]).with_previous([signer.public_key()]);
        assert_eq!(rotated.keyring().verify(&signature), Ok(()));
        assert_eq!(rotated.keyring().key_ids(), [rotated.key_id(), signer.key_id()]);
    }

    #[test]
    fn keys_round_trip_through_pem_and_garbage_is_refused() {
        let signer = ChainSigner::from_seed(&[9; 32]);
        let private = signer.private_pem().expect("encodes");
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = ChainSigner::from_pem(&private).expect("decodes");
        assert_eq!(again.key_id(), signer.key_id());
        let public = signer.public_pem().expect("encodes");
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(public_key_from_pem(&public).expect("decodes"), signer.public_key());
        assert!(matches!(ChainSigner::from_pem("hello"), Err(KeyError::NotPrivateKey(_))));
        assert!(matches!(ChainSigner::from_pem(&public), Err(KeyError::NotPrivateKey(_))));
        assert!(matches!(public_key_from_pem(&private), Err(KeyError::NotPublicKey(_))));
        let debug = format!("{signer:?}");
        assert!(debug.contains(signer.key_id()) && !debug.contains("key:"), "{debug}");
    }
}
