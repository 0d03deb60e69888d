//! Who may call, and over what: the authenticator and TLS the settings describe, and the safe
//! default (Redis's protected mode): without authentication the server answers on a loopback
//! address only, unless `auth.allow_anonymous` says otherwise.

use std::{net::SocketAddr, sync::Arc};

use super::StartError;
use crate::{
    auth::Authenticator,
    config::{ReflectionAccess, Settings},
    grpc::tls::Tls,
};

/// The authenticator and TLS configuration of a server.
pub(super) struct Security {
    pub authenticator: Arc<Authenticator>,
    pub tls: Option<Arc<Tls>>,
}

/// Reads the principals, the JWT key and the TLS files, and refuses an unprotected non-loopback
/// address.
pub(super) fn security(settings: &Settings, addr: SocketAddr) -> Result<Security, StartError> {
    let authenticator = Arc::new(Authenticator::from_settings(&settings.auth)?);
    let tls = Tls::from_settings(&settings.tls)?.map(Arc::new);
    if !authenticator.enabled() && !addr.ip().is_loopback() {
        if !settings.auth.allow_anonymous {
            return Err(StartError::Unprotected { addr });
        }
        tracing::warn!(
            %addr,
            "auth.allow_anonymous is set: anyone who reaches {addr} may call every RPC, purges included"
        );
    }
    announce(settings, &authenticator, tls.as_deref(), addr);
    Ok(Security { authenticator, tls })
}

/// Says at start who may call and how.
fn announce(settings: &Settings, authenticator: &Authenticator, tls: Option<&Tls>, addr: SocketAddr) {
    let transport = match tls {
        Some(tls) if tls.mutual() => "TLS with client certificates (mTLS)",
        Some(_) => "TLS",
        None => "plaintext",
    };
    if !authenticator.enabled() {
        if addr.ip().is_loopback() {
            tracing::info!(
                %addr,
                transport,
                "no authentication configured: accepting calls on the loopback address only \
                 (set auth.principals_file or auth.jwt to serve other hosts)"
            );
        }
        return;
    }
    let reflection = match settings.auth.reflection {
        ReflectionAccess::Open => "open",
        ReflectionAccess::Authenticated => "authenticated",
    };
    tracing::info!(
        %addr,
        transport,
        principals = authenticator.principals().len(),
        jwt_issuer = settings.auth.jwt.as_ref().map(|j| j.issuer.as_str()),
        reflection,
        "authentication required: bearer tokens, JWTs or client certificates, with scopes per method"
    );
}
