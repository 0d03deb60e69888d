//! Logging set-up: one subscriber for the whole process, text or JSON, always on stderr (stdout is
//! kept for the output of commands such as `helpdesk triage - -`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogLevel};

/// Libraries that are chatty at INFO; they are held at WARN unless DEBUG or TRACE is asked for.
const QUIET_AT_INFO: &[&str] = &["h2", "hyper", "hyper_util", "tower", "sqlx", "sea_orm", "sea_orm_migration"];

/// Installs the global subscriber at `level`, writing `format`. Only the first call has an effect;
/// later calls (and a subscriber set elsewhere) are ignored.
pub fn init(level: LogLevel, format: LogFormat) {
    let filter = filter_for(level);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // An error here means a subscriber is already installed, which is fine.
    let _ = if format == LogFormat::Json {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
}

/// The filter for a level: the level for everything, with chatty libraries held at WARN.
fn filter_for(level: LogLevel) -> EnvFilter {
    let mut directives = level.directive().to_owned();
    if level == LogLevel::Info {
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
        let info = filter_for(LogLevel::Info).to_string();
        assert!(info.contains("sqlx=warn"), "{info}");
        let debug = filter_for(LogLevel::Debug).to_string();
        assert!(!debug.contains("sqlx"), "{debug}");
    }

    #[test]
    fn a_second_init_is_harmless() {
        init(LogLevel::Warn, LogFormat::Text);
        init(LogLevel::Info, LogFormat::Json);
    }
}
