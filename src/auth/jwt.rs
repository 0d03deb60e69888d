//! JWTs from a company's identity provider: the signature with the configured public key (its type
//! fixes the one algorithm accepted, so `alg: none` and HMAC with the public key as secret are
//! refused), `iss`, `aud`, `exp` and `nbf`; `sub` is the principal, the `scope` claim its scopes.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;

use super::{
    principals::Grant,
    scope::{Scope, Scopes},
};
use crate::config::JwtSettings;

/// Why the JWT settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("auth.jwt.public_key_file: {file}: {reason}")]
pub struct JwtKeyError {
    /// The key file.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// The claims read from a token.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: Option<String>,
    exp: i64,
}

/// Checks JWTs against one issuer, audience and public key.
#[derive(Clone)]
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
    algorithm: Algorithm,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// Reads the public key (PEM: RSA, EC P-256 or Ed25519) and sets up the checks.
    pub fn load(settings: &JwtSettings) -> Result<JwtVerifier, JwtKeyError> {
        let file = settings.public_key_file.display().to_string();
        let refused = |reason: String| JwtKeyError { file: file.clone(), reason };
        let pem = std::fs::read(&settings.public_key_file).map_err(|e| refused(format!("cannot be read: {e}")))?;
        let (key, algorithm) = key_of(&pem).ok_or_else(|| {
            refused("not a PEM public key of a type this service accepts (RSA for RS256, EC P-256 for ES256, Ed25519 for EdDSA)".into())
        })?;
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = settings.leeway_secs;
        Ok(JwtVerifier { key, validation, algorithm })
    }

    /// The one algorithm accepted.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The principal a valid token names, with the scopes of its `scope` claim (names this service
    /// does not know are left out); `None` for any token that does not hold.
    pub fn verify(&self, token: &str) -> Option<Grant> {
        let data = decode::<Claims>(token, &self.key, &self.validation).ok()?;
        let claims = data.claims;
        let name = claims.sub.trim().to_owned();
        if name.is_empty() {
            return None;
        }
        let scopes = claims.scope.unwrap_or_default();
        let scopes = Scopes::of(scopes.split_whitespace().filter_map(|s| s.parse::<Scope>().ok()));
        let expires_at = DateTime::<Utc>::from_timestamp(claims.exp, 0);
        Some(Grant { name, scopes, expires_at })
    }
}

/// The decoding key of a PEM public key and the algorithm its type means.
fn key_of(pem: &[u8]) -> Option<(DecodingKey, Algorithm)> {
    if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        return Some((key, Algorithm::EdDSA));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        return Some((key, Algorithm::ES256));
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Some((key, Algorithm::RS256));
    }
    None
}

/// Whether `token` has the shape of a JWT (three dot-separated parts), not of an opaque token.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name)
    }

    fn settings(public: &str) -> JwtSettings {
        JwtSettings {
            issuer: "https://idp.example.com".into(),
            audience: "helpdesk".into(),
            public_key_file: fixture(public),
            leeway_secs: 0,
        }
    }

    fn claims(exp_offset: i64, nbf_offset: i64, aud: &str) -> serde_json::Value {
        let now = Utc::now().timestamp();
        json!({ "sub": "ana@idp", "iss": "https://idp.example.com", "aud": aud, "exp": now + exp_offset,
                "nbf": now + nbf_offset, "scope": "triage tickets.read unknown.scope" })
    }

    fn sign(algorithm: Algorithm, private: &str, claims: &serde_json::Value) -> String {
        let pem = std::fs::read(fixture(private)).expect("key");
        let key = match algorithm {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
            Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
            _ => EncodingKey::from_ed_pem(&pem),
        }
        .expect("encoding key");
        encode(&Header::new(algorithm), claims, &key).expect("signed")
    }

    #[test]
    fn valid_tokens_of_each_key_type_name_their_principal_and_scopes() {
        for (algorithm, private, public) in [
            (Algorithm::RS256, "jwt-rsa.key", "jwt-rsa.pub"),
            (Algorithm::ES256, "jwt-ec.key", "jwt-ec.pub"),
            (Algorithm::EdDSA, "jwt-ed.key", "jwt-ed.pub"),
        ] {
            let verifier = JwtVerifier::load(&settings(public)).expect("loads");
            assert_eq!(verifier.algorithm(), algorithm);
            let grant = verifier.verify(&sign(algorithm, private, &claims(300, -10, "helpdesk"))).expect("valid");
            assert_eq!(grant.name, "ana@idp");
            assert_eq!(grant.scopes.iter().map(Scope::as_str).collect::<Vec<_>>(), ["triage", "tickets.read"]);
        }
    }

    #[test]
    fn expired_early_wrong_audience_wrong_issuer_and_wrong_key_are_refused() {
        let verifier = JwtVerifier::load(&settings("jwt-rsa.pub")).expect("loads");
        let rs = |c: &serde_json::Value| sign(Algorithm::RS256, "jwt-rsa.key", c);
        assert!(verifier.verify(&rs(&claims(-5, -60, "helpdesk"))).is_none(), "expired");
        assert!(verifier.verify(&rs(&claims(300, 120, "helpdesk"))).is_none(), "not yet valid");
        assert!(verifier.verify(&rs(&claims(300, -10, "billing"))).is_none(), "wrong audience");
        let mut other_issuer = claims(300, -10, "helpdesk");
        other_issuer["iss"] = json!("https://evil.example.com");
        assert!(verifier.verify(&rs(&other_issuer)).is_none(), "wrong issuer");
        let foreign = sign(Algorithm::RS256, "other-rsa.key", &claims(300, -10, "helpdesk"));
        assert!(verifier.verify(&foreign).is_none(), "signed with another key");
        let mut no_sub = claims(300, -10, "helpdesk");
        no_sub.as_object_mut().expect("object").remove("sub");
        assert!(verifier.verify(&rs(&no_sub)).is_none(), "no sub");
    }

    #[test]
    fn alg_none_and_hmac_with_the_public_key_are_refused() {
        let verifier = JwtVerifier::load(&settings("jwt-rsa.pub")).expect("loads");
        let payload = URL_SAFE_NO_PAD.encode(claims(300, -10, "helpdesk").to_string());
        for header in [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"None","typ":"JWT"}"#] {
            let token = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(header));
            assert!(verifier.verify(&token).is_none(), "{header}");
        }
        // HMAC confusion: HS256 with the public key's PEM as the shared secret.
        let public = std::fs::read(fixture("jwt-rsa.pub")).expect("public key");
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &claims(300, -10, "helpdesk"),
            &EncodingKey::from_secret(&public).expect("a secret"),
        )
        .expect("forged");
        assert!(verifier.verify(&forged).is_none());
        assert!(
            JwtVerifier::load(&settings("README.md"))
                .expect_err("not a key")
                .to_string()
                .contains("not a PEM public key")
        );
    }
}
