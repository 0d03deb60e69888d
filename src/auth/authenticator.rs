//! Deciding a call: the credential it presents (a bearer token, a JWT, or the name of its mTLS
//! client certificate), the principal that credential belongs to, and whether that principal holds
//! the scope the method needs. Nothing here tells a caller which part of a credential was wrong.

use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use super::{
    jwt::{JwtKeyError, JwtVerifier, looks_like_jwt},
    principals::{Grant, Principals, PrincipalsError},
    scope::{Access, Scope, Scopes},
};
use crate::config::{AuthSettings, ReflectionAccess};

/// The principal of a call without authentication (a server with no `auth` configured).
pub const ANONYMOUS: &str = "anonymous";

/// An authenticated caller, as the handlers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The principal's name: the audit actor of its calls.
    pub name: String,
    /// What it may do.
    pub scopes: Scopes,
}

/// What a call presents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The token of an `authorization: Bearer` header.
    pub bearer: Option<String>,
    /// An `authorization` header that is not a bearer token.
    pub malformed: bool,
    /// The DNS names, then the common name, of a verified mTLS client certificate.
    pub certificate_names: Vec<String>,
}

/// Why a call is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No credential, or one that is unknown, expired or malformed: UNAUTHENTICATED.
    Unauthenticated,
    /// A known principal without the scope the method needs: PERMISSION_DENIED.
    PermissionDenied {
        /// Who asked.
        principal: String,
        /// The scope it lacks.
        scope: Scope,
    },
}

/// Why authentication cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The principals file is invalid.
    #[error("auth.principals_file: {0}")]
    Principals(#[from] PrincipalsError),
    /// The JWT key is unusable.
    #[error(transparent)]
    Jwt(#[from] JwtKeyError),
}

/// Decides every call; the principals can be replaced while calls are served.
#[derive(Debug)]
pub struct Authenticator {
    enabled: bool,
    principals: ArcSwap<Principals>,
    jwt: Option<JwtVerifier>,
    reflection: ReflectionAccess,
}

impl Authenticator {
    /// Lets every call through as [`ANONYMOUS`] with every scope (no `auth` configured).
    pub fn disabled() -> Authenticator {
        Authenticator {
            enabled: false,
            principals: ArcSwap::from_pointee(Principals::default()),
            jwt: None,
            reflection: ReflectionAccess::Open,
        }
    }

    /// The authenticator the settings describe: the principals file and the JWT key are read now.
    pub fn from_settings(settings: &AuthSettings) -> Result<Authenticator, AuthError> {
        if !settings.enabled() {
            return Ok(Authenticator::disabled());
        }
        let principals = match &settings.principals_file {
            Some(path) => Principals::load(path)?,
            None => Principals::default(),
        };
        let jwt = settings.jwt.as_ref().map(JwtVerifier::load).transpose()?;
        Ok(Authenticator {
            enabled: true,
            principals: ArcSwap::from_pointee(principals),
            jwt,
            reflection: settings.reflection,
        })
    }

    /// Whether callers must authenticate.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether reflection needs a credential.
    pub fn reflection(&self) -> ReflectionAccess {
        self.reflection
    }

    /// Puts new principals in force for every later call.
    pub fn replace_principals(&self, principals: Principals) {
        self.principals.store(Arc::new(principals));
    }

    /// The principals in force.
    pub fn principals(&self) -> Arc<Principals> {
        self.principals.load_full()
    }

    /// Decides a call needing `access` that presents `credentials`, at `now`: the principal (none
    /// for an open method), or why it is refused.
    pub fn check(
        &self,
        access: Access,
        credentials: &Credentials,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>, Refusal> {
        if !self.enabled {
            return Ok(Some(Principal { name: ANONYMOUS.to_owned(), scopes: Scopes::all() }));
        }
        if access == Access::Open {
            return Ok(None);
        }
        let grant = self.grant(credentials).filter(|g| !g.expired(now)).ok_or(Refusal::Unauthenticated)?;
        let principal = Principal { name: grant.name, scopes: grant.scopes };
        match access {
            Access::Needs(scope) if !principal.scopes.grants(scope) => {
                Err(Refusal::PermissionDenied { principal: principal.name, scope })
            }
            _ => Ok(Some(principal)),
        }
    }

    /// The grant a credential carries, if it is a known one.
    fn grant(&self, credentials: &Credentials) -> Option<Grant> {
        if credentials.malformed {
            return None;
        }
        if let Some(token) = &credentials.bearer {
            return match &self.jwt {
                Some(jwt) if looks_like_jwt(token) => jwt.verify(token),
                _ => self.principals.load().by_token(token).cloned(),
            };
        }
        if credentials.certificate_names.is_empty() {
            return None;
        }
        self.principals.load().by_certificate(&credentials.certificate_names).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::principals::token_digest;

    fn authenticator(dir: &std::path::Path) -> Authenticator {
        let file = dir.join("principals.yaml");
        let text = format!(
            "principals:\n  - name: portal\n    token_sha256: {}\n    scopes: [triage, tickets.read]\n  - name: old\n    \
             token_sha256: {}\n    scopes: [admin]\n    expires_at: 2026-01-01T00:00:00Z\n  - name: ops.example.com\n    \
             client_cert: ops.example.com\n    scopes: [audit.read]\n",
            token_digest("portal-token"),
            token_digest("old-token")
        );
        std::fs::write(&file, text).expect("write");
        let settings = AuthSettings { principals_file: Some(file), ..AuthSettings::default() };
        Authenticator::from_settings(&settings).expect("loads")
    }

    fn bearer(token: &str) -> Credentials {
        Credentials { bearer: Some(token.into()), ..Credentials::default() }
    }

    #[test]
    fn a_call_is_let_in_only_with_a_known_credential_and_the_scope() {
        let dir = tempfile::tempdir().expect("dir");
        let auth = authenticator(dir.path());
        let now: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().expect("time");
        let triage = Access::Needs(Scope::Triage);
        let portal = auth.check(triage, &bearer("portal-token"), now).expect("let in").expect("a principal");
        assert_eq!(portal.name, "portal");
        assert_eq!(auth.check(triage, &Credentials::default(), now), Err(Refusal::Unauthenticated));
        assert_eq!(auth.check(triage, &bearer("wrong"), now), Err(Refusal::Unauthenticated));
        assert_eq!(auth.check(triage, &bearer("old-token"), now), Err(Refusal::Unauthenticated), "expired");
        let malformed = Credentials { malformed: true, ..Credentials::default() };
        assert_eq!(auth.check(triage, &malformed, now), Err(Refusal::Unauthenticated));
        assert_eq!(
            auth.check(Access::Needs(Scope::TicketsWrite), &bearer("portal-token"), now),
            Err(Refusal::PermissionDenied { principal: "portal".into(), scope: Scope::TicketsWrite })
        );
        let cert = Credentials { certificate_names: vec!["OPS.example.com".into()], ..Credentials::default() };
        assert_eq!(
            auth.check(Access::Needs(Scope::AuditRead), &cert, now).expect("in").map(|p| p.name),
            Some("ops.example.com".into())
        );
        assert_eq!(auth.check(Access::Open, &Credentials::default(), now), Ok(None), "health is open");
        assert!(auth.check(Access::Authenticated, &bearer("portal-token"), now).expect("in").is_some());
    }

    #[test]
    fn without_auth_every_call_is_anonymous_with_every_scope() {
        let auth = Authenticator::disabled();
        let principal = auth.check(Access::Needs(Scope::Admin), &Credentials::default(), Utc::now());
        let principal = principal.expect("let in").expect("anonymous");
        assert_eq!(principal.name, ANONYMOUS);
        assert!(principal.scopes.grants(Scope::Admin));
    }
}
