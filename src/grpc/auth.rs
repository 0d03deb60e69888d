//! The tower layer that decides every call before it reaches a service: it reads the credentials
//! (an `authorization: Bearer` header, the verified mTLS client certificate), asks the
//! [`Authenticator`] whether the principal holds the method's scope (by request path: an
//! interceptor cannot see the method), puts the principal in the request for the handlers, and
//! answers a refusal at once (UNAUTHENTICATED, or PERMISSION_DENIED naming the scope), recording it.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use chrono::Utc;
use http::{HeaderMap, Request, Response, header::AUTHORIZATION};
use pin_project_lite::pin_project;
use tonic::{
    Status,
    transport::server::{TcpConnectInfo, TlsConnectInfo},
};
use tower::{Layer, Service};

use crate::{
    auth::{Authenticator, Credentials, Refusal, access, certificate::certificate_names},
    service::Refusals,
};

/// Adds [`AuthService`] to a server.
#[derive(Clone)]
pub struct AuthLayer {
    authenticator: Arc<Authenticator>,
    refusals: Refusals,
}

impl AuthLayer {
    /// Decides calls with `authenticator`, recording refusals in `refusals`.
    pub fn new(authenticator: Arc<Authenticator>, refusals: Refusals) -> Self {
        AuthLayer { authenticator, refusals }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService { inner, authenticator: self.authenticator.clone(), refusals: self.refusals.clone() }
    }
}

/// Lets through only the calls their principal may make.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
    refusals: Refusals,
}

/// The credentials a request presents.
fn credentials<B>(request: &Request<B>) -> Credentials {
    let mut credentials = Credentials::default();
    if request.headers().contains_key(AUTHORIZATION) {
        match bearer(request.headers()) {
            Some(token) => credentials.bearer = Some(token),
            None => credentials.malformed = true,
        }
    }
    if let Some(tls) = request.extensions().get::<TlsConnectInfo<TcpConnectInfo>>()
        && let Some(leaf) = tls.peer_certs().as_ref().and_then(|certs| certs.first().cloned())
    {
        credentials.certificate_names = certificate_names(leaf.as_ref());
    }
    credentials
}

/// The token of `authorization: Bearer TOKEN` (the scheme in any case), if that is what it holds.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 8192).then(|| token.to_owned())
}

/// Where a call comes from, for the record of a refusal.
fn peer<B>(request: &Request<B>) -> Option<SocketAddr> {
    let extensions = request.extensions();
    extensions
        .get::<TlsConnectInfo<TcpConnectInfo>>()
        .and_then(|tls| tls.get_ref().remote_addr())
        .or_else(|| extensions.get::<TcpConnectInfo>().and_then(TcpConnectInfo::remote_addr))
}

/// The status a refusal is answered with: nothing about which part of a credential was wrong.
pub fn refusal_status(refusal: &Refusal) -> Status {
    match refusal {
        Refusal::Unauthenticated => {
            Status::unauthenticated("a valid credential is required: a bearer token, a JWT or a client certificate")
        }
        Refusal::PermissionDenied { scope, .. } => {
            Status::permission_denied(format!("this call needs the scope {scope}"))
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AuthService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AuthFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let needed = access(&path, self.authenticator.reflection());
        match self.authenticator.check(needed, &credentials(&request), Utc::now()) {
            Ok(principal) => {
                if let Some(principal) = principal {
                    request.extensions_mut().insert(principal);
                }
                AuthFuture::Served { inner: self.inner.call(request) }
            }
            Err(refusal) => {
                self.refusals.record(&path, &refusal, peer(&request));
                AuthFuture::Refused { response: Some(refusal_status(&refusal).into_http()) }
            }
        }
    }
}

pin_project! {
    /// The response future of [`AuthService`]: the service's, or a refusal answered at once.
    #[project = AuthFutureProjection]
    pub enum AuthFuture<F, B> {
        /// The call was let through.
        Served { #[pin] inner: F },
        /// The call was refused.
        Refused { response: Option<Response<B>> },
    }
}

impl<F, B, E> Future for AuthFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthFutureProjection::Served { inner } => inner.poll(cx),
            AuthFutureProjection::Refused { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_header_holds_a_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, "Bearer hdk_abc".parse().expect("ascii"));
        assert_eq!(bearer(&headers).as_deref(), Some("hdk_abc"));
        headers.insert(AUTHORIZATION, "bearer   hdk_abc  ".parse().expect("ascii"));
        assert_eq!(bearer(&headers).as_deref(), Some("hdk_abc"));
        for malformed in ["Basic YWxhZGRpbjpvcGVu", "Bearer", "Bearer ", "hdk_abc"] {
            headers.insert(AUTHORIZATION, malformed.parse().expect("ascii"));
            assert_eq!(bearer(&headers), None, "{malformed}");
        }
    }

    #[test]
    fn refusals_say_what_is_needed_and_nothing_about_the_credential() {
        let status = refusal_status(&Refusal::Unauthenticated);
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
        let denied = Refusal::PermissionDenied { principal: "portal".into(), scope: crate::auth::Scope::TicketsWrite };
        let status = refusal_status(&denied);
        assert_eq!(
            (status.code(), status.message()),
            (tonic::Code::PermissionDenied, "this call needs the scope tickets.write")
        );
    }
}
