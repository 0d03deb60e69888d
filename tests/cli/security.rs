//! The security set-up as an operator meets it through the binary: the refusal to serve a public
//! address unprotected (and `allow_anonymous`), `helpdesk token create`, principals that reload on
//! change, certificates that reload on SIGHUP, and `health` / `triage --server` over TLS with a token.

use std::{path::Path, time::Duration};

use helpdesk_ai::auth::token_digest;
use helpdesk_client::{ConnectOptions, HelpdeskClient, TlsOptions};

use crate::support::{fixture, helpdesk, key_fixture, run, server::start_with};

/// `helpdesk token create` in `dir`: the token and the entry it printed.
fn create_token(dir: &Path, name: &str, scopes: &str) -> (String, String) {
    let done = run(helpdesk(dir).args(["token", "create", "--name", name, "--scopes", scopes]), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let (token, entry) = done.stdout.split_once('\n').expect("a token line, then the entry");
    (token.to_owned(), entry.to_owned())
}

#[test]
fn a_public_address_without_auth_refuses_to_start_and_allow_anonymous_warns() {
    let dir = tempfile::tempdir().expect("dir");
    let refused = run(helpdesk(dir.path()).args(["serve", "--listen", "0.0.0.0:0"]), "");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("refusing to serve 0.0.0.0:0 without authentication"), "{}", refused.stderr);
    assert!(refused.stderr.contains("auth.principals_file (HELPDESK_AUTH_PRINCIPALS_FILE)"), "{}", refused.stderr);

    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_AUTH_ALLOW_ANONYMOUS", "true");
    let mut server = crate::support::server::start_listening(command, "0.0.0.0:0", "INFO");
    let warned = server.startup.iter().any(|l| l.contains("auth.allow_anonymous is set") && l.contains("WARN"));
    assert!(warned, "{:?}", server.startup);
    server.addr = server.addr.replace("0.0.0.0", "127.0.0.1");
    assert_eq!(server.terminate().0, 0);
}

#[test]
fn token_create_prints_a_fresh_token_once_and_the_entry_with_its_digest() {
    let dir = tempfile::tempdir().expect("dir");
    let (token, entry) = create_token(dir.path(), "support-portal", "triage,tickets.read");
    assert!(token.starts_with("hdk_") && token.len() == 47, "{token}");
    assert!(entry.contains(&format!("token_sha256: {}", token_digest(&token))), "{entry}");
    assert!(entry.contains("scopes: [triage, tickets.read]") && entry.contains("name: \"support-portal\""), "{entry}");
    assert!(!entry.contains(&token), "the entry never holds the token");
    let (again, _) = create_token(dir.path(), "support-portal", "triage");
    assert_ne!(token, again);
    let expiring =
        run(helpdesk(dir.path()).args(["token", "create", "--name", "x", "--scopes", "admin", "--expires", "90d"]), "");
    assert!(expiring.stdout.contains("expires_at: 20"), "{}", expiring.stdout);
    let bad = run(helpdesk(dir.path()).args(["token", "create", "--name", "x", "--scopes", "tickets"]), "");
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown scope \"tickets\""), "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn principals_reload_on_change_and_a_bad_file_keeps_the_old_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let (first, first_entry) = create_token(dir.path(), "first", "tickets.read,audit.read");
    let (second, second_entry) = create_token(dir.path(), "second", "tickets.read");
    let file = dir.path().join("principals.yaml");
    std::fs::write(&file, format!("principals:\n{first_entry}")).expect("write");
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_AUTH_PRINCIPALS_FILE", &file).env("HELPDESK_RELOAD_POLL_INTERVAL_MS", "50");
    let server = start_with(command);
    let url = format!("http://{}", server.addr);
    let connect = |token: &str| {
        let options = ConnectOptions { token: Some(token.to_owned()), ..ConnectOptions::default() };
        let url = url.clone();
        async move { HelpdeskClient::connect_with(&url, &options).await.expect("connects") }
    };
    assert!(connect(&second).await.stats().await.is_err(), "not known yet");
    std::fs::write(&file, format!("principals:\n{first_entry}{second_entry}")).expect("write");
    server.wait_for(&["principals reloaded", "file changed"]);
    assert_eq!(connect(&second).await.stats().await.expect("known now").total, 0);
    std::fs::write(&file, "principals:\n  - name: broken\n").expect("write");
    server.wait_for(&["principals file refused"]);
    assert!(connect(&second).await.stats().await.is_ok(), "the principals in force stay");
    let mut auditor = connect(&first).await;
    let entries = auditor.list_audit(Default::default()).await.expect("listed");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"auth.principals_reloaded") && actions.contains(&"auth.principals_reload_failed"),
        "{actions:?}"
    );
    assert_eq!(server.terminate().0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_reload_on_sighup_and_tls_clients_use_a_token() {
    let dir = tempfile::tempdir().expect("dir");
    let (token, entry) = create_token(dir.path(), "ops", "admin");
    std::fs::write(dir.path().join("principals.yaml"), format!("principals:\n{entry}")).expect("write");
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::copy(key_fixture("server.crt"), &cert).expect("copy");
    std::fs::copy(key_fixture("server.key"), &key).expect("copy");
    let mut command = helpdesk(dir.path());
    command
        .env("HELPDESK_AUTH_PRINCIPALS_FILE", dir.path().join("principals.yaml"))
        .env("HELPDESK_TLS_CERT_FILE", &cert)
        .env("HELPDESK_TLS_KEY_FILE", &key);
    let server = start_with(command);
    assert!(server.startup.iter().any(|l| l.contains("transport=\"TLS\"")), "{:?}", server.startup);
    let url = format!("https://localhost:{}", server.addr.rsplit(':').next().expect("a port"));
    let trusting = |ca: &str| ConnectOptions {
        token: Some(token.clone()),
        tls: Some(TlsOptions::from_files(Some(&key_fixture(ca)), None, None).expect("ca")),
        ..ConnectOptions::default()
    };
    let mut client = HelpdeskClient::connect_with(&url, &trusting("ca.crt")).await.expect("connects over TLS");
    assert_eq!(client.stats().await.expect("stats").total, 0);

    // health and triage --server over TLS, the token from HELPDESK_TOKEN.
    let health =
        run(helpdesk(dir.path()).args(["health", "--server", &url, "--ca-file"]).arg(key_fixture("ca.crt")), "");
    assert_eq!((health.code, health.stdout.trim()), (0, "server: SERVING"), "{}", health.stderr);
    let out = dir.path().join("out.json");
    let mut triage = helpdesk(dir.path());
    triage.env("HELPDESK_TOKEN", &token);
    let triaged = run(
        triage
            .args(["triage", "--store", "--server", &url, "--ca-file"])
            .arg(key_fixture("ca.crt"))
            .arg(fixture("tickets.json"))
            .arg(&out),
        "",
    );
    assert_eq!(triaged.code, 0, "{}", triaged.stderr);
    let no_token = run(
        helpdesk(dir.path())
            .args(["triage", "--server", &url, "--ca-file"])
            .arg(key_fixture("ca.crt"))
            .arg(fixture("tickets.json"))
            .arg("-"),
        "",
    );
    assert!(
        no_token.stderr.contains("a valid credential is required")
            || no_token.stdout.contains("a valid credential is required"),
        "{}{}",
        no_token.stdout,
        no_token.stderr
    );

    // Rotate: a certificate from another CA, put in force by SIGHUP without a restart.
    std::fs::copy(key_fixture("server-foreign.crt"), &cert).expect("copy");
    std::fs::copy(key_fixture("server-foreign.key"), &key).expect("copy");
    server.signal("HUP");
    server.wait_for(&["TLS certificates reloaded"]);
    let rotated = HelpdeskClient::connect_with(&url, &trusting("foreign-ca.crt")).await.expect("the new certificate");
    let mut rotated = rotated;
    assert_eq!(rotated.stats().await.expect("stats").total, 5);
    let old = match HelpdeskClient::connect_with(&url, &trusting("ca.crt")).await {
        Ok(mut c) => c.stats().await.is_ok(),
        Err(_) => false,
    };
    assert!(!old, "a client trusting only the old CA no longer gets in");
    // The reload is logged before its audit entry is committed: the entry is waited for.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let entries = rotated.list_audit(Default::default()).await.expect("listed");
        if entries.iter().any(|e| e.action == "tls.reloaded" && e.actor == "system:tls-reload") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no tls.reloaded entry: {entries:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(server.terminate().0, 0);
}
