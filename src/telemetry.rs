//! Logging set-up: one subscriber for the whole process, text or JSON, always on stderr (stdout is
//! kept for the output of commands such as `helpdesk triage - -`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Libraries that are chatty at INFO; they are held at WARN unless DEBUG or TRACE is asked for.
const QUIET_AT_INFO: &[&str] = &["h2", "hyper", "hyper_util", "tower", "sqlx", "sea_orm", "sea_orm_migration"];

/// Installs the global subscriber. `filter` is a level such as `info` (from
/// [`Settings::log_filter`](crate::config::Settings::log_filter)); `format` is `text` or `json`.
/// Only the first call has an effect; later calls (and a subscriber set elsewhere) are ignored.
pub fn init(filter: &str, format: &str) {
    let filter = filter_for(filter);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // An error here means a subscriber is already installed, which is fine.
    let _ = if format == "json" {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
}

/// The filter for a level: the level for everything, with chatty libraries held at WARN.
fn filter_for(level: &str) -> EnvFilter {
    let level = level.trim().to_ascii_lowercase();
    let mut directives = level.clone();
    if level == "info" {
        for target in QUIET_AT_INFO {
            directives.push_str(&format!(",{target}=warn"));
        }
    }
    EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_quiets_libraries_and_debug_does_not() {
        let info = filter_for("INFO").to_string();
        assert!(info.contains("sqlx=warn"), "{info}");
        let debug = filter_for("debug").to_string();
        assert!(!debug.contains("sqlx"), "{debug}");
    }

    #[test]
    fn a_second_init_is_harmless() {
        init("warn", "text");
        init("info", "json");
    }
}
