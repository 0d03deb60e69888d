//! The principals file: who may call, each with one credential (the SHA-256 of a bearer token, or
//! the name of an mTLS client certificate), scopes and an optional expiry. Tokens are looked up by
//! comparing digests in constant time; the token itself is never stored.

use std::{collections::HashMap, path::Path, sync::Arc};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::scope::{Scope, Scopes};

/// Why a principals file was refused; the message names the file, the entry and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct PrincipalsError {
    /// The file.
    pub file: String,
    /// What is wrong, naming the entry.
    pub reason: String,
}

/// One principal as the file gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    token_sha256: Option<String>,
    #[serde(default)]
    client_cert: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    principals: Vec<Entry>,
}

/// What a principal may do, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The principal's name: the audit actor of its calls.
    pub name: String,
    /// Its scopes.
    pub scopes: Scopes,
    /// When its credential stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// Whether the credential has expired at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// The principals of one file, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct Principals {
    tokens: Vec<([u8; 32], Arc<Grant>)>,
    certs: HashMap<String, Arc<Grant>>,
    names: Vec<String>,
}

/// The hex SHA-256 of a bearer token, as a principals file holds it.
pub fn token_digest(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

fn parse_hex_digest(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl Principals {
    /// Reads and checks a principals file (YAML, TOML or JSON, by extension).
    pub fn load(path: &Path) -> Result<Principals, PrincipalsError> {
        let file = path.display().to_string();
        let refused = |reason: String| PrincipalsError { file: file.clone(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| refused(format!("cannot be read: {e}")))?;
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let document: Document = match extension.as_deref() {
            Some("yaml" | "yml") => serde_norway::from_str(&text).map_err(|e| refused(e.to_string()))?,
            Some("toml") => toml::from_str(&text).map_err(|e| refused(e.to_string()))?,
            Some("json") => serde_json::from_str(&text).map_err(|e| refused(e.to_string()))?,
            _ => return Err(refused("use a .yaml, .toml or .json file".into())),
        };
        Principals::from_entries(document.principals).map_err(refused)
    }

    fn from_entries(entries: Vec<Entry>) -> Result<Principals, String> {
        let mut principals = Principals::default();
        let mut seen_tokens: Vec<[u8; 32]> = Vec::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let name = entry.name.trim().to_owned();
            let at = |field: &str| format!("principals[{i}] ({name:?}).{field}");
            if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
                return Err(format!("principals[{i}].name: must be 1 to 200 printable characters"));
            }
            if principals.names.contains(&name) {
                return Err(format!("{}: the name is used by another principal", at("name")));
            }
            let mut scopes = Vec::new();
            for scope in &entry.scopes {
                scopes.push(scope.parse::<Scope>().map_err(|e| format!("{}: {e}", at("scopes")))?);
            }
            if scopes.is_empty() {
                return Err(format!("{}: give at least one scope", at("scopes")));
            }
            let grant =
                Arc::new(Grant { name: name.clone(), scopes: Scopes::of(scopes), expires_at: entry.expires_at });
            match (entry.token_sha256, entry.client_cert) {
                (Some(hex), None) => {
                    let digest = parse_hex_digest(&hex).ok_or_else(|| {
                        format!("{}: must be 64 hex digits (the SHA-256 of the token)", at("token_sha256"))
                    })?;
                    if seen_tokens.contains(&digest) {
                        return Err(format!("{}: the same token is given to another principal", at("token_sha256")));
                    }
                    seen_tokens.push(digest);
                    principals.tokens.push((digest, grant));
                }
                (None, Some(cert)) => {
                    let cert = cert.trim().to_ascii_lowercase();
                    if cert.is_empty() || principals.certs.contains_key(&cert) {
                        return Err(format!(
                            "{}: must be a certificate name not given to another principal",
                            at("client_cert")
                        ));
                    }
                    principals.certs.insert(cert, grant);
                }
                _ => {
                    return Err(format!(
                        "principals[{i}] ({name:?}): give exactly one of token_sha256 and client_cert"
                    ));
                }
            }
            principals.names.push(name);
        }
        Ok(principals)
    }

    /// The principal whose token this is. Every stored digest is compared, in constant time, so the
    /// time taken says nothing about which (if any) matched.
    pub fn by_token(&self, token: &str) -> Option<&Grant> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for (stored, grant) in &self.tokens {
            if bool::from(stored.ct_eq(&digest)) {
                found = Some(grant.as_ref());
            }
        }
        found
    }

    /// The principal of an mTLS client certificate with one of `names` (DNS names, then the common
    /// name; compared without regard to case).
    pub fn by_certificate(&self, names: &[String]) -> Option<&Grant> {
        names.iter().find_map(|n| self.certs.get(&n.to_ascii_lowercase())).map(Arc::as_ref)
    }

    /// How many principals there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn tokens_and_certificates_find_their_principal_in_every_format() {
        let dir = tempfile::tempdir().expect("dir");
        let digest = token_digest("s3cret-token");
        let yaml = format!(
            "principals:\n  - name: support-portal\n    token_sha256: {digest}\n    scopes: [triage, tickets.read]\n    \
             expires_at: 2027-06-30T00:00:00Z\n  - name: ops.internal.example.com\n    client_cert: Ops.Internal.Example.com\n    \
             scopes: [tickets.read, audit.read]\n"
        );
        let json = format!(
            r#"{{"principals": [{{"name": "support-portal", "token_sha256": "{digest}", "scopes": ["triage"]}}]}}"#
        );
        let toml =
            format!("[[principals]]\nname = \"support-portal\"\ntoken_sha256 = \"{digest}\"\nscopes = [\"triage\"]\n");
        for (name, text) in [("p.yaml", yaml.as_str()), ("p.json", json.as_str()), ("p.toml", toml.as_str())] {
            let principals = Principals::load(&write(dir.path(), name, text)).expect(name);
            let grant = principals.by_token("s3cret-token").expect("found");
            assert_eq!(grant.name, "support-portal");
            assert!(grant.scopes.grants(Scope::Triage) && !grant.scopes.grants(Scope::Admin));
            assert!(principals.by_token("s3cret-token ").is_none() && principals.by_token("").is_none());
        }
        let principals = Principals::load(&write(dir.path(), "p.yaml", &yaml)).expect("yaml");
        let ops = principals.by_certificate(&["ops.internal.example.com".into()]).expect("by name");
        assert_eq!(ops.name, "ops.internal.example.com");
        let expiry: DateTime<Utc> = "2027-06-30T00:00:00Z".parse().expect("time");
        let portal = principals.by_token("s3cret-token").expect("found");
        assert!(!portal.expired(expiry - chrono::Duration::seconds(1)) && portal.expired(expiry));
    }

    #[test]
    fn a_bad_file_names_the_entry_and_the_field() {
        let dir = tempfile::tempdir().expect("dir");
        let digest = token_digest("t");
        let cases = [
            (
                "principals:\n  - name: a\n    token_sha256: abc\n    scopes: [triage]\n",
                "principals[0] (\"a\").token_sha256: must be 64 hex digits",
            ),
            (
                &format!("principals:\n  - name: a\n    token_sha256: {digest}\n    scopes: [tickets]\n"),
                "principals[0] (\"a\").scopes: unknown scope \"tickets\"",
            ),
            (
                &format!(
                    "principals:\n  - name: a\n    token_sha256: {digest}\n    client_cert: x\n    scopes: [triage]\n"
                ),
                "give exactly one of token_sha256 and client_cert",
            ),
            (
                &format!(
                    "principals:\n  - name: a\n    token_sha256: {digest}\n    scopes: [triage]\n  - name: a\n    client_cert: x\n    scopes: [triage]\n"
                ),
                "principals[1] (\"a\").name: the name is used by another principal",
            ),
            (
                &format!(
                    "principals:\n  - name: a\n    token_sha256: {digest}\n    scopes: [triage]\n  - name: b\n    token_sha256: {digest}\n    scopes: [triage]\n"
                ),
                "the same token is given to another principal",
            ),
            ("principals:\n  - name: a\n    client_cert: x\n", "give at least one scope"),
            ("principals:\n  - name: a\n    token: x\n    scopes: [triage]\n", "unknown field `token`"),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), "bad.yaml", text);
            let err = Principals::load(&path).expect_err(expected).to_string();
            assert!(err.starts_with(&path.display().to_string()) && err.contains(expected), "{err}");
        }
    }
}
