//! Configuration loading: the runbook's config.json, every HELPDESK_* variable (as a library call and
//! through the binary), refused keys and values, and TOML and YAML files.

use std::path::Path;

use crate::support::{fixture, helpdesk, run};
use helpdesk_ai::config::{self, ENV_VARS};
use serde_json::{Value, json};

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// A value for each overridable key, and what the setting then reads as JSON.
fn sample(key: &str) -> (&'static str, Value) {
    match key {
        "store_type" => ("memory", json!("memory")),
        "store_path" => ("/srv/helpdesk", json!("/srv/helpdesk")),
        "durability" => ("process-crash", json!("process-crash")),
        "max_in_flight_requests" => ("4096", json!(4096)),
        "rate_limit.requests_per_second" => ("200", json!(200)),
        "rate_limit.burst" => ("400", json!(400)),
        "database_url" => ("postgres://helpdesk@db/helpdesk", json!("postgres://helpdesk@db/helpdesk")),
        "database_pool.size" => ("24", json!(24)),
        "database_pool.connect_timeout_secs" => ("3", json!(3)),
        "database_pool.acquire_timeout_secs" => ("7", json!(7)),
        "escalation_sweep.enabled" => ("false", json!(false)),
        "escalation_sweep.interval_secs" => ("30", json!(30)),
        "cache_enabled" => ("false", json!(false)),
        "cache_ttl" => ("60", json!(60)),
        "detect_language" => ("true", json!(true)),
        "escalation_threshold_hours" => ("12.5", json!(12.5)),
        "auto_escalate_critical" => ("false", json!(false)),
        "max_ticket_title_length" => ("80", json!(80)),
        "max_ticket_description_length" => ("500", json!(500)),
        "default_priority" => ("high", json!("high")),
        "log_level" => ("DEBUG", json!("DEBUG")),
        "log_format" => ("json", json!("json")),
        "listen_addr" => ("0.0.0.0:6000", json!("0.0.0.0:6000")),
        "metrics_addr" => ("0.0.0.0:9464", json!("0.0.0.0:9464")),
        "rules_path" => ("/etc/helpdesk/rules.yaml", json!("/etc/helpdesk/rules.yaml")),
        "reload_poll_interval_ms" => ("250", json!(250)),
        "audit_watch_poll_interval_ms" => ("100", json!(100)),
        "health_check_interval_ms" => ("750", json!(750)),
        "models.category.path" => ("/srv/models/category.json", json!("/srv/models/category.json")),
        "models.queue.path" => ("/srv/models/queue.json", json!("/srv/models/queue.json")),
        "auth.principals_file" => ("/etc/helpdesk/principals.yaml", json!("/etc/helpdesk/principals.yaml")),
        "auth.jwt.issuer" => ("https://idp.example.com", json!("https://idp.example.com")),
        "auth.jwt.audience" => ("helpdesk", json!("helpdesk")),
        "auth.jwt.public_key_file" => ("/etc/helpdesk/idp.pem", json!("/etc/helpdesk/idp.pem")),
        "auth.jwt.leeway_secs" => ("30", json!(30)),
        "auth.reflection" => ("authenticated", json!("authenticated")),
        "auth.allow_anonymous" => ("true", json!(true)),
        "tls.cert_file" => ("/etc/helpdesk/tls.crt", json!("/etc/helpdesk/tls.crt")),
        "tls.key_file" => ("/etc/helpdesk/tls.key", json!("/etc/helpdesk/tls.key")),
        "tls.client_ca_file" => ("/etc/helpdesk/clients-ca.crt", json!("/etc/helpdesk/clients-ca.crt")),
        "privacy.key_file" => ("/etc/helpdesk/privacy.key", json!("/etc/helpdesk/privacy.key")),
        "audit.signing_key_file" => ("/etc/helpdesk/audit.key", json!("/etc/helpdesk/audit.key")),
        "limits.max_tags" => ("64", json!(64)),
        "limits.max_tag_chars" => ("40", json!(40)),
        "limits.max_metadata_entries" => ("20", json!(20)),
        "limits.max_metadata_key_chars" => ("30", json!(30)),
        "limits.max_metadata_value_chars" => ("300", json!(300)),
        "limits.max_request_id_chars" => ("64", json!(64)),
        "limits.max_rules_document_bytes" => ("65536", json!(65536)),
        "limits.max_rules" => ("200", json!(200)),
        "limits.max_rules_depth" => ("16", json!(16)),
        "limits.max_regex_bytes" => ("262144", json!(262144)),
        "limits.max_regex_dfa_bytes" => ("524288", json!(524288)),
        "limits.max_rules_regex_bytes" => ("8388608", json!(8388608)),
        "limits.max_backtest_tickets" => ("5000", json!(5000)),
        other => panic!("config::ENV_VARS has {other}, which this test has no sample value for"),
    }
}

#[test]
fn the_runbook_config_file_loads_unchanged() {
    let settings = config::load(Some(&fixture("config.json")), Vec::new()).expect("the runbook's config.json loads");
    assert_eq!(settings.store_path, Path::new("./data"));
    assert_eq!(settings.cache_ttl, 3600);
    assert_eq!(settings.escalation_threshold_hours.get(), 24.0);
    assert_eq!(settings.max_ticket_description_length, 10_000);

    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = helpdesk(dir.path());
    command.env_remove("HELPDESK_STORE_TYPE").env_remove("HELPDESK_STORE_PATH").env_remove("HELPDESK_LOG_LEVEL");
    let done = run(command.arg("config").arg("check").arg("--config").arg(fixture("config.json")), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let shown = done.json();
    let expected = json!({"store_type": "file", "store_path": "./data", "cache_enabled": true, "cache_ttl": 3600,
        "escalation_threshold_hours": 24.0, "auto_escalate_critical": true, "max_ticket_title_length": 200,
        "max_ticket_description_length": 10000, "default_priority": "medium", "log_level": "INFO"});
    for (key, value) in expected.as_object().into_iter().flatten() {
        assert_eq!(&shown[key], value, "{key} in {shown}");
    }
}

/// The value at a dotted key (`models.queue.path`).
fn at<'a>(shown: &'a Value, key: &str) -> &'a Value {
    key.split('.').fold(shown, |v, part| &v[part])
}

/// The variables a setting needs beside its own to be valid (the other required keys of its group).
fn companions(key: &str) -> Vec<(&'static str, &'static str)> {
    let group: &[&str] = match key {
        k if k.starts_with("auth.jwt.") => &["auth.jwt.issuer", "auth.jwt.audience", "auth.jwt.public_key_file"],
        k if k.starts_with("tls.") => &["tls.cert_file", "tls.key_file"],
        _ => &[],
    };
    let var = |k: &str| ENV_VARS.iter().find(|(key, _)| *key == k).map(|(_, v)| *v).expect("a variable");
    group.iter().filter(|k| **k != key).map(|k| (var(k), sample(k).0)).collect()
}

#[test]
fn every_environment_variable_overrides_its_key() {
    for (key, var) in ENV_VARS {
        let (text, expected) = sample(key);
        let mut set = companions(key);
        set.push((var, text));
        let settings = config::load(None, vars(&set)).unwrap_or_else(|e| panic!("{var}={text}: {e}"));
        let shown = serde_json::to_value(&settings).expect("settings serialise");
        assert_eq!(at(&shown, key), &expected, "{var}={text}");
        // The variable also wins over the file.
        let settings = config::load(Some(&fixture("config.json")), vars(&set)).expect("file + variable");
        let shown = serde_json::to_value(&settings).expect("settings serialise");
        assert_eq!(at(&shown, key), &expected, "{var}={text} over config.json");
    }
}

#[test]
fn environment_variables_override_the_file_through_the_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_CACHE_TTL", "60").env("HELPDESK_DEFAULT_PRIORITY", "high");
    let done = run(command.args(["config", "check", "--config"]).arg(fixture("config.json")), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let shown = done.json();
    assert_eq!(shown["cache_ttl"], 60);
    assert_eq!(shown["default_priority"], "high");
    assert_eq!(shown["store_type"], "memory", "HELPDESK_STORE_TYPE from the test helper");

    let mut command = helpdesk(dir.path());
    command.env("HELPDESK_CONFIG", fixture("config.json")).env("HELPDESK_ESCALATION_THRESHOLD", "6");
    let done = run(command.args(["config", "check"]), "");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(done.json()["escalation_threshold_hours"], 6.0);
    assert_eq!(done.json()["cache_ttl"], 3600, "HELPDESK_CONFIG names the file");
}

#[test]
fn unknown_keys_and_bad_values_are_refused_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("unknown.json", r#"{"store_type": "memory", "colour": "blue"}"#, "colour"),
        ("ttl.json", r#"{"cache_ttl": "soon"}"#, "cache_ttl"),
        ("priority.json", r#"{"default_priority": "urgent"}"#, "default_priority"),
        ("listen.yaml", "listen_addr: nowhere\n", "listen_addr"),
        ("pool.json", r#"{"database_pool": {"size": 1}}"#, "database_pool"),
        ("url.json", r#"{"store_type": "postgres", "database_url": "mysql://db/helpdesk"}"#, "database_url"),
        ("sweep.yaml", "escalation_sweep:\n  interval_secs: 600\n  lease_secs: 60\n", "escalation_sweep"),
        ("metrics.yaml", "metrics_addr: nowhere\n", "metrics_addr"),
        ("same.yaml", "listen_addr: 127.0.0.1:7000\nmetrics_addr: 127.0.0.1:7000\n", "metrics_addr"),
        ("threshold.json", r#"{"escalation_threshold_hours": 1e12}"#, "escalation_threshold_hours"),
        ("lease.yaml", "escalation_sweep:\n  lease_secs: 99999999999\n", "escalation_sweep"),
        ("sla.toml", "[sla_hours]\nhigh = -4\n", "sla_hours.high"),
        ("format.yaml", "log_format: loud\n", "log_format"),
        ("nested.yaml", "duplicates:\n  windw_hours: 3\n", "duplicates.windw_hours"),
        ("no-tags.yaml", "limits:\n  max_tags: 0\n", "limits.max_tags"),
        ("huge.toml", "[limits]\nmax_metadata_value_chars = 1000000000\n", "limits.max_metadata_value_chars"),
        ("limit-typo.yaml", "limits:\n  max_tag: 10\n", "limits.max_tag"),
    ];
    for (name, text, key) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write config");
        let err = config::load(Some(&path), Vec::new()).expect_err(name).to_string();
        assert!(err.contains(&format!("configuration: {key} (from {})", path.display())), "{name}: {err}");
        let done = run(helpdesk(dir.path()).arg("--config").arg(&path).args(["config", "check"]), "");
        assert_eq!(done.code, 2, "{name}: {}", done.stdout);
        assert!(done.stderr.contains(key), "{name}: {}", done.stderr);
        assert!(done.stdout.is_empty(), "{name}: {}", done.stdout);
    }
    let done = run(helpdesk(dir.path()).env("HELPDESK_CACHE_TTL", "soon").args(["config", "check"]), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("cache_ttl (from HELPDESK_CACHE_TTL)"), "{}", done.stderr);
    let done = run(helpdesk(dir.path()).env("HELPDESK_STORE_TYPE", "mongo").args(["config", "check"]), "");
    assert_eq!(done.code, 2);
    assert_eq!(
        done.stderr.trim(),
        "helpdesk: configuration: store_type (from HELPDESK_STORE_TYPE): unknown value \"mongo\"; expected one of \
         memory, file, postgres"
    );
    let done = run(helpdesk(dir.path()).env("HELPDESK_CACHE_TIMEOUT", "60").args(["config", "check"]), "");
    assert_eq!(done.code, 2);
    assert!(
        done.stderr.contains("unknown environment variable HELPDESK_CACHE_TIMEOUT (did you mean HELPDESK_CACHE_TTL?)"),
        "{}",
        done.stderr
    );
    let done = run(helpdesk(dir.path()).env("HELPDESK_LIMITS_MAX_TAGS", "0").args(["config", "check"]), "");
    assert_eq!(done.code, 2);
    assert_eq!(
        done.stderr.trim(),
        "helpdesk: configuration: limits.max_tags (from HELPDESK_LIMITS_MAX_TAGS): must be between 1 and 10000, got 0"
    );
    let done = run(helpdesk(dir.path()).args(["--config", "missing.toml", "stats"]), "");
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("missing.toml"), "{}", done.stderr);
}

#[test]
fn toml_and_yaml_files_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let toml = dir.path().join("helpdesk.toml");
    std::fs::write(&toml, "store_type = \"memory\"\ncache_ttl = 120\ndefault_priority = \"low\"\n").expect("write");
    let yaml = dir.path().join("helpdesk.yaml");
    std::fs::write(&yaml, "store_type: memory\ncache_ttl: 240\nlisten_addr: 127.0.0.1:6001\n").expect("write");

    let settings = config::load(Some(&toml), Vec::new()).expect("TOML loads");
    assert_eq!((settings.cache_ttl, settings.default_priority), (120, helpdesk_ai::domain::Priority::Low));
    let settings = config::load(Some(&yaml), Vec::new()).expect("YAML loads");
    assert_eq!((settings.cache_ttl, settings.listen_addr.to_string().as_str()), (240, "127.0.0.1:6001"));

    for (path, ttl) in [(&toml, 120), (&yaml, 240)] {
        let done = run(helpdesk(dir.path()).arg("--config").arg(path).args(["config", "check"]), "");
        assert_eq!(done.code, 0, "{}", done.stderr);
        assert_eq!(done.json()["cache_ttl"], ttl);
    }
}
