//! Loading the settings: the layers in order, the variables that may override keys, unknown
//! variables refused like unknown keys, and every error naming the key, where its value came from
//! and what is allowed.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use config::{Config, File, FileFormat};

use super::Settings;

/// Each file key that an environment variable can override, with its variable.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("store_type", "HELPDESK_STORE_TYPE"),
    ("store_path", "HELPDESK_STORE_PATH"),
    ("durability", "HELPDESK_DURABILITY"),
    ("database_url", "HELPDESK_DATABASE_URL"),
    ("database_pool.size", "HELPDESK_DATABASE_POOL_SIZE"),
    ("database_pool.connect_timeout_secs", "HELPDESK_DATABASE_CONNECT_TIMEOUT"),
    ("database_pool.acquire_timeout_secs", "HELPDESK_DATABASE_ACQUIRE_TIMEOUT"),
    ("cache_enabled", "HELPDESK_CACHE_ENABLED"),
    ("cache_ttl", "HELPDESK_CACHE_TTL"),
    ("detect_language", "HELPDESK_DETECT_LANGUAGE"),
    ("escalation_threshold_hours", "HELPDESK_ESCALATION_THRESHOLD"),
    ("auto_escalate_critical", "HELPDESK_AUTO_ESCALATE_CRITICAL"),
    ("max_ticket_title_length", "HELPDESK_MAX_TICKET_TITLE_LENGTH"),
    ("max_ticket_description_length", "HELPDESK_MAX_TICKET_DESCRIPTION_LENGTH"),
    ("default_priority", "HELPDESK_DEFAULT_PRIORITY"),
    ("log_level", "HELPDESK_LOG_LEVEL"),
    ("log_format", "HELPDESK_LOG_FORMAT"),
    ("listen_addr", "HELPDESK_LISTEN_ADDR"),
    ("metrics_addr", "HELPDESK_METRICS_ADDR"),
    ("rules_path", "HELPDESK_RULES_PATH"),
    ("reload_poll_interval_ms", "HELPDESK_RELOAD_POLL_INTERVAL_MS"),
    ("audit_watch_poll_interval_ms", "HELPDESK_AUDIT_WATCH_POLL_INTERVAL_MS"),
    ("health_check_interval_ms", "HELPDESK_HEALTH_CHECK_INTERVAL_MS"),
    ("max_in_flight_requests", "HELPDESK_MAX_IN_FLIGHT_REQUESTS"),
    ("rate_limit.requests_per_second", "HELPDESK_RATE_LIMIT_REQUESTS_PER_SECOND"),
    ("rate_limit.burst", "HELPDESK_RATE_LIMIT_BURST"),
    ("models.category.path", "HELPDESK_CATEGORY_MODEL"),
    ("models.queue.path", "HELPDESK_QUEUE_MODEL"),
    ("escalation_sweep.enabled", "HELPDESK_ESCALATION_SWEEP_ENABLED"),
    ("escalation_sweep.interval_secs", "HELPDESK_ESCALATION_SWEEP_INTERVAL"),
    ("auth.principals_file", "HELPDESK_AUTH_PRINCIPALS_FILE"),
    ("auth.jwt.issuer", "HELPDESK_AUTH_JWT_ISSUER"),
    ("auth.jwt.audience", "HELPDESK_AUTH_JWT_AUDIENCE"),
    ("auth.jwt.public_key_file", "HELPDESK_AUTH_JWT_PUBLIC_KEY_FILE"),
    ("auth.jwt.leeway_secs", "HELPDESK_AUTH_JWT_LEEWAY_SECS"),
    ("auth.reflection", "HELPDESK_AUTH_REFLECTION"),
    ("auth.allow_anonymous", "HELPDESK_AUTH_ALLOW_ANONYMOUS"),
    ("tls.cert_file", "HELPDESK_TLS_CERT_FILE"),
    ("tls.key_file", "HELPDESK_TLS_KEY_FILE"),
    ("tls.client_ca_file", "HELPDESK_TLS_CLIENT_CA_FILE"),
    ("privacy.key_file", "HELPDESK_PRIVACY_KEY_FILE"),
    ("audit.signing_key_file", "HELPDESK_AUDIT_SIGNING_KEY_FILE"),
    ("limits.max_tags", "HELPDESK_LIMITS_MAX_TAGS"),
    ("limits.max_tag_chars", "HELPDESK_LIMITS_MAX_TAG_CHARS"),
    ("limits.max_metadata_entries", "HELPDESK_LIMITS_MAX_METADATA_ENTRIES"),
    ("limits.max_metadata_key_chars", "HELPDESK_LIMITS_MAX_METADATA_KEY_CHARS"),
    ("limits.max_metadata_value_chars", "HELPDESK_LIMITS_MAX_METADATA_VALUE_CHARS"),
    ("limits.max_request_id_chars", "HELPDESK_LIMITS_MAX_REQUEST_ID_CHARS"),
    ("limits.max_rules_document_bytes", "HELPDESK_LIMITS_MAX_RULES_DOCUMENT_BYTES"),
    ("limits.max_rules", "HELPDESK_LIMITS_MAX_RULES"),
    ("limits.max_rules_depth", "HELPDESK_LIMITS_MAX_RULES_DEPTH"),
    ("limits.max_regex_bytes", "HELPDESK_LIMITS_MAX_REGEX_BYTES"),
    ("limits.max_regex_dfa_bytes", "HELPDESK_LIMITS_MAX_REGEX_DFA_BYTES"),
    ("limits.max_rules_regex_bytes", "HELPDESK_LIMITS_MAX_RULES_REGEX_BYTES"),
    ("limits.max_backtest_tickets", "HELPDESK_LIMITS_MAX_BACKTEST_TICKETS"),
];

/// The variable that names a config file when `--config` is not given.
pub const CONFIG_FILE_VAR: &str = "HELPDESK_CONFIG";

/// `HELPDESK_*` variables that are not settings of the server but are known: the config file, the
/// clients' bearer token, and the PostgreSQL server of the test suite.
pub const OTHER_VARS: &[&str] = &[CONFIG_FILE_VAR, "HELPDESK_TOKEN", "HELPDESK_TEST_DATABASE_URL"];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Not set anywhere: the built-in default.
    Default,
    /// The config file.
    File(PathBuf),
    /// An environment variable.
    Env(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("not set"),
            Source::File(path) => write!(f, "from {}", path.display()),
            Source::Env(var) => write!(f, "from {var}"),
        }
    }
}

/// Why the settings could not be loaded; the message names the key or variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file is missing, of an unknown kind, or not valid JSON, TOML or YAML.
    #[error("configuration: {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A value is missing its meaning: wrong type, out of bounds, not one of the allowed values.
    #[error("configuration: {key} ({from}): {reason}")]
    Invalid {
        /// The key, such as `database_pool.size`.
        key: String,
        /// Where the value came from.
        from: Source,
        /// Why, with the allowed values.
        reason: String,
    },
    /// A `HELPDESK_*` variable that no setting has.
    #[error("configuration: unknown environment variable {name}{hint}")]
    UnknownVariable {
        /// The variable.
        name: String,
        /// A suggestion, such as ` (did you mean HELPDESK_CACHE_TTL?)`.
        hint: String,
    },
}

/// A refused value of `key`; the loader says where it came from.
pub(crate) fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), from: Source::Default, reason: reason.into() }
}

/// Loads the settings from an optional file and the given environment (pass `std::env::vars()`).
pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Settings, ConfigError> {
    let env: Vec<(String, String)> = env.into_iter().collect();
    refuse_unknown_variables(&env)?;
    let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let file = file.map(PathBuf::from).or_else(|| lookup(CONFIG_FILE_VAR).filter(|v| !v.is_empty()).map(PathBuf::from));
    let mut builder = Config::builder();
    if let Some(path) = &file {
        let refused = |reason: String| ConfigError::File { path: path.clone(), reason };
        if !path.exists() {
            return Err(refused("the config file does not exist".into()));
        }
        if !path.is_file() {
            return Err(refused("is not a file".into()));
        }
        let format = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => FileFormat::Json,
            Some("toml") => FileFormat::Toml,
            Some("yaml" | "yml") => FileFormat::Yaml,
            _ => return Err(refused("use a .json, .toml or .yaml file".into())),
        };
        builder = builder.add_source(File::from(path.as_path()).format(format));
    }
    let mut set = Vec::new();
    for (key, var) in ENV_VARS {
        if let Some(value) = lookup(var) {
            builder = builder.set_override(*key, value).map_err(|e| invalid(key, e.to_string()))?;
            set.push((*key, *var));
        }
    }
    let source_of = |key: &str| -> Source {
        let related = |k: &str| k == key || k.starts_with(&format!("{key}.")) || key.starts_with(&format!("{k}."));
        match set.iter().find(|(k, _)| related(k)) {
            Some((_, var)) => Source::Env(var),
            None => file.clone().map_or(Source::Default, Source::File),
        }
    };
    let located = |err: ConfigError| match err {
        ConfigError::Invalid { key, reason, .. } => {
            let from = source_of(&key);
            ConfigError::Invalid { key, from, reason }
        }
        other => other,
    };
    let built = builder.build().map_err(|e| located(from_config(e, file.as_deref())))?;
    let settings: Settings = built.try_deserialize().map_err(|e| located(from_config(e, file.as_deref())))?;
    settings.check().map_err(located)?;
    Ok(settings)
}

/// Refuses a `HELPDESK_*` variable that is neither a setting nor one of [`OTHER_VARS`], suggesting
/// the nearest known name.
fn refuse_unknown_variables(env: &[(String, String)]) -> Result<(), ConfigError> {
    let known = || ENV_VARS.iter().map(|(_, var)| *var).chain(OTHER_VARS.iter().copied());
    for (name, _) in env {
        if !name.starts_with("HELPDESK_") || known().any(|k| k == name) {
            continue;
        }
        // Compared without the common prefix, which would make every name look alike.
        let bare = |var: &str| var.trim_start_matches("HELPDESK_").to_owned();
        let nearest = known()
            .map(|k| (strsim::jaro_winkler(&bare(k), &bare(name)), k))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let hint = nearest.map(|(_, k)| format!(" (did you mean {k}?)")).unwrap_or_default();
        return Err(ConfigError::UnknownVariable { name: name.clone(), hint });
    }
    Ok(())
}

/// A `config` crate error as one of ours: the key it names (or the unknown field it reports) and the
/// reason without the crate's own key and origin suffixes.
fn from_config(err: config::ConfigError, file: Option<&Path>) -> ConfigError {
    use config::ConfigError as E;
    match err {
        E::FileParse { cause, .. } => ConfigError::File {
            path: file.map(Path::to_path_buf).unwrap_or_default(),
            reason: format!("cannot be read: {cause}"),
        },
        E::Foreign(cause) => ConfigError::File {
            path: file.map(Path::to_path_buf).unwrap_or_default(),
            reason: format!("cannot be read: {cause}"),
        },
        E::NotFound(key) => invalid(&key, "is required"),
        E::Type { unexpected, expected, key, .. } => {
            let reason = format!("must be {expected}, got {unexpected}");
            keyed(key.as_deref().unwrap_or(""), reason)
        }
        E::At { error, key, .. } => {
            let key = key.unwrap_or_default();
            match *error {
                E::Type { unexpected, expected, .. } => keyed(&key, format!("must be {expected}, got {unexpected}")),
                inner => keyed(&key, inner.to_string()),
            }
        }
        E::Message(message) => keyed("", message),
        other => keyed("", other.to_string()),
    }
}

/// An invalid value of `key`; an unknown field named in the reason becomes part of the key.
fn keyed(key: &str, reason: String) -> ConfigError {
    let unknown = reason.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next());
    match unknown {
        Some(field) => {
            let full = if key.is_empty() { field.to_owned() } else { format!("{key}.{field}") };
            let allowed: Vec<&str> = reason
                .split_once(", expected ")
                .map(|(_, list)| list.split(", ").map(|a| a.trim_start_matches("one of ").trim_matches('`')).collect())
                .unwrap_or_default();
            let nearest = allowed
                .iter()
                .map(|a| (strsim::jaro_winkler(a, field), *a))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = match nearest {
                Some((_, name)) => format!(" (did you mean {name}?)"),
                None if allowed.is_empty() => String::new(),
                None => format!("; the settings here are {}", allowed.join(", ")),
            };
            invalid(&full, format!("is not a setting{hint}"))
        }
        None if key.is_empty() => invalid("config", reason),
        None => invalid(key, reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_bad_variable_names_its_key_its_variable_and_the_allowed_values() {
        let err = load(None, env(&[("HELPDESK_STORE_TYPE", "mongo")])).expect_err("no such store");
        assert_eq!(
            err.to_string(),
            "configuration: store_type (from HELPDESK_STORE_TYPE): unknown value \"mongo\"; expected one of memory, \
             file, postgres"
        );
        let err = load(None, env(&[("HELPDESK_CACHE_TTL", "soon")])).expect_err("not a number");
        assert!(err.to_string().starts_with("configuration: cache_ttl (from HELPDESK_CACHE_TTL): "), "{err}");
    }

    #[test]
    fn an_unknown_variable_is_refused_with_a_suggestion() {
        let err = load(None, env(&[("HELPDESK_CACHE_TIMEOUT", "5")])).expect_err("a typo");
        assert_eq!(
            err.to_string(),
            "configuration: unknown environment variable HELPDESK_CACHE_TIMEOUT (did you mean HELPDESK_CACHE_TTL?)"
        );
        let err = load(None, env(&[("HELPDESK_COLOUR", "blue")])).expect_err("nothing like it");
        assert_eq!(err.to_string(), "configuration: unknown environment variable HELPDESK_COLOUR");
        let err = load(None, env(&[("HELPDESK_STORE_TYPE", "postgres")])).expect_err("no URL");
        assert_eq!(err.to_string(), "configuration: database_url (not set): is required when store_type is postgres");
        let fine = env(&[("HELPDESK_TOKEN", "t"), ("HELPDESK_TEST_DATABASE_URL", "postgres://db/x"), ("PATH", "/bin")]);
        load(None, fine).expect("known variables that are not settings, and other variables, are left alone");
    }
}
