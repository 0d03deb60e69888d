//! TLS and mutual TLS on the gRPC port, and JWTs from an identity provider, through real sockets:
//! a client certificate from the trusted CA is its principal; one from another CA, or none, does not
//! get through the handshake; JWTs hold when their signature, issuer, audience and times hold.

use std::time::Duration;

use helpdesk_ai::{
    config::{JwtSettings, Settings},
    proto,
};
use helpdesk_client::{ConnectOptions, HelpdeskClient, TlsOptions};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use tonic::Code;

use crate::{
    auth::principals_file,
    support::{Backend, key_fixture, spawn_connected, test_tls, ticket},
};

/// Settings serving TLS with the test server certificate; `mutual` requires client certificates.
fn tls_settings(backend: &Backend, dir: &std::path::Path, mutual: bool) -> Settings {
    let mut settings = backend.settings();
    settings.tls.cert_file = Some(key_fixture("server.crt"));
    settings.tls.key_file = Some(key_fixture("server.key"));
    settings.tls.client_ca_file = mutual.then(|| key_fixture("ca.crt"));
    let principals = principals_file(dir);
    let mut text = std::fs::read_to_string(&principals).expect("principals");
    text.push_str("  - name: ops.internal.example.com\n    client_cert: ops.internal.example.com\n    scopes: [tickets.read, audit.read]\n");
    text.push_str("  - name: billing-batch\n    client_cert: billing-batch\n    scopes: [triage]\n");
    std::fs::write(&principals, text).expect("principals");
    settings.auth.principals_file = Some(principals);
    settings
}

/// Whether a call failed in the transport, before any service (or the authentication layer) saw it.
/// With TLS 1.3 a client learns of a refused handshake only at its first call, and the transport
/// reports the server's alert as UNAVAILABLE, UNKNOWN, INTERNAL or CANCELLED depending on timing.
fn transport_refused(code: Code) -> bool {
    !matches!(code, Code::Ok | Code::Unauthenticated | Code::PermissionDenied | Code::NotFound | Code::InvalidArgument)
}

/// Connects to `addr` as `options` say (TLS, a client certificate, a token).
async fn client(
    addr: std::net::SocketAddr,
    options: ConnectOptions,
) -> Result<HelpdeskClient, helpdesk_client::ClientError> {
    let options = ConnectOptions { timeout: Duration::from_secs(5), ..options };
    HelpdeskClient::connect_with(&format!("https://localhost:{}", addr.port()), &options).await
}

async fn client_certificates_from_the_trusted_ca_name_their_principal(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let tls = ConnectOptions { tls: Some(test_tls(Some("client-ops"))), ..ConnectOptions::default() };
    let app = spawn_connected(tls_settings(&backend, dir.path(), true), None, tls.clone()).await;

    let mut ops = client(app.addr, tls).await.expect("connects with the trusted certificate");
    assert_eq!(ops.stats().await.expect("tickets.read by certificate").total, 0);
    let denied = ops.delete_ticket("TKT-20261127-AUTHTEST").await.expect_err("no tickets.write");
    assert_eq!((denied.code(), denied.to_string().contains("tickets.write")), (Code::PermissionDenied, true));
    let mut batch =
        client(app.addr, ConnectOptions { tls: Some(test_tls(Some("client-cn-only"))), ..Default::default() })
            .await
            .expect("connects");
    let triaged = batch.triage(ticket("By CN", "A ticket from the billing batch job."), Default::default()).await;
    assert!(triaged.is_ok(), "the common name is the principal: {triaged:?}");

    // No client certificate, or one from another CA: the handshake fails, so no call gets through.
    let without = client(app.addr, ConnectOptions { tls: Some(test_tls(None)), ..Default::default() }).await;
    let refused = match without {
        Err(e) => e.code(),
        Ok(mut c) => c.stats().await.expect_err("no certificate").code(),
    };
    assert!(transport_refused(refused), "{refused:?}");
    let foreign = TlsOptions::from_files(
        Some(&key_fixture("ca.crt")),
        Some(&key_fixture("foreign-client.crt")),
        Some(&key_fixture("foreign-client.key")),
    )
    .expect("files");
    let refused = match client(app.addr, ConnectOptions { tls: Some(foreign), ..Default::default() }).await {
        Err(e) => e.code(),
        Ok(mut c) => c.stats().await.expect_err("foreign CA").code(),
    };
    assert!(transport_refused(refused), "{refused:?}");
    // A token over mTLS still names its own principal.
    let token = ConnectOptions {
        tls: Some(test_tls(Some("client-ops"))),
        token: Some("tok-writer".into()),
        ..Default::default()
    };
    let mut writer = client(app.addr, token).await.expect("connects");
    let created =
        writer.create_ticket(ticket("Over mTLS", "Created with a token over mutual TLS.")).await.expect("created");
    assert!(!created.ticket_id.is_empty());
    app.shutdown().await;
}

async fn tls_without_client_certificates_takes_tokens_and_refuses_plaintext(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let options = ConnectOptions { tls: Some(test_tls(None)), token: Some("tok-reader".into()), ..Default::default() };
    let app = spawn_connected(tls_settings(&backend, dir.path(), false), None, options.clone()).await;
    let mut reader = client(app.addr, options).await.expect("connects");
    assert_eq!(reader.stats().await.expect("stats").total, 0);
    // Plaintext to a TLS port gets nowhere.
    let plain = HelpdeskClient::connect_within(&format!("http://{}", app.addr), Duration::from_secs(3)).await;
    let refused = match plain {
        Err(e) => e.code(),
        Ok(mut c) => c.stats().await.expect_err("plaintext").code(),
    };
    assert!(transport_refused(refused), "{refused:?}");
    // A server certificate from a CA the client does not trust is refused by the client.
    let untrusting = TlsOptions::from_files(Some(&key_fixture("foreign-ca.crt")), None, None).expect("files");
    assert!(client(app.addr, ConnectOptions { tls: Some(untrusting), ..Default::default() }).await.is_err());
    app.shutdown().await;
}

/// A JWT for `sub` with `scope`, valid from `nbf` to `exp` seconds from now, signed as `algorithm`
/// with the key file `key`.
fn jwt(algorithm: Algorithm, key: &str, audience: &str, exp: i64, nbf: i64, scope: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({ "sub": "ana@idp.example.com", "iss": "https://idp.example.com", "aud": audience,
        "exp": now + exp, "nbf": now + nbf, "scope": scope });
    let pem = std::fs::read(key_fixture(key)).expect("key");
    let key = match algorithm {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
        _ => EncodingKey::from_ed_pem(&pem),
    }
    .expect("key");
    encode(&Header::new(algorithm), &claims, &key).expect("signed")
}

async fn jwts_hold_when_signature_issuer_audience_and_times_hold(backend: Backend) {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let mut settings = backend.settings();
    settings.auth.jwt = Some(JwtSettings {
        issuer: "https://idp.example.com".into(),
        audience: "helpdesk".into(),
        public_key_file: key_fixture("jwt-rsa.pub"),
        leeway_secs: 0,
    });
    let app = spawn_connected(settings, None, ConnectOptions::default()).await;
    let call = |token: String| {
        let channel = app.channel.clone();
        async move {
            let mut c =
                HelpdeskClient::with_token(channel, helpdesk_client::BearerToken::new(Some(&token)).expect("token"));
            c.ticket_service.get_stats(proto::GetStatsRequest {}).await.map(drop).map_err(|s| s.code())
        }
    };
    assert_eq!(call(jwt(Algorithm::RS256, "jwt-rsa.key", "helpdesk", 300, -5, "tickets.read")).await, Ok(()));
    let cases = [
        ("expired", jwt(Algorithm::RS256, "jwt-rsa.key", "helpdesk", -10, -60, "tickets.read"), Code::Unauthenticated),
        (
            "wrong audience",
            jwt(Algorithm::RS256, "jwt-rsa.key", "billing", 300, -5, "tickets.read"),
            Code::Unauthenticated,
        ),
        (
            "wrong key",
            jwt(Algorithm::RS256, "other-rsa.key", "helpdesk", 300, -5, "tickets.read"),
            Code::Unauthenticated,
        ),
        (
            "other algorithm",
            jwt(Algorithm::EdDSA, "jwt-ed.key", "helpdesk", 300, -5, "tickets.read"),
            Code::Unauthenticated,
        ),
        (
            "no scope for it",
            jwt(Algorithm::RS256, "jwt-rsa.key", "helpdesk", 300, -5, "triage"),
            Code::PermissionDenied,
        ),
    ];
    for (case, token, expected) in cases {
        assert_eq!(call(token).await, Err(expected), "{case}");
    }
    let payload = URL_SAFE_NO_PAD.encode(
        serde_json::json!({"sub": "x", "iss": "https://idp.example.com", "aud": "helpdesk", "exp": 4_000_000_000i64, "scope": "admin"})
            .to_string(),
    );
    let none = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#));
    assert_eq!(call(none).await, Err(Code::Unauthenticated), "alg none");
    let secret = std::fs::read(key_fixture("jwt-rsa.pub")).expect("public key");
    let hmac = encode(
        &Header::new(Algorithm::HS256),
        &serde_json::json!({"sub": "x", "iss": "https://idp.example.com", "aud": "helpdesk", "exp": 4_000_000_000i64, "scope": "admin"}),
        &EncodingKey::from_secret(&secret).expect("secret"),
    )
    .expect("forged");
    assert_eq!(call(hmac).await, Err(Code::Unauthenticated), "HMAC with the public key");
    app.shutdown().await;
}

on_every_backend!(
    client_certificates_from_the_trusted_ca_name_their_principal,
    tls_without_client_certificates_takes_tokens_and_refuses_plaintext,
    jwts_hold_when_signature_issuer_audience_and_times_hold,
);
