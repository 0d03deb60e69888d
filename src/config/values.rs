//! Typed setting values read from text (a file or a variable) leniently, each refusing a bad value
//! with the values it allows: the store kind, log level and format, addresses, the default priority.

use std::{fmt, net::SocketAddr, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

use crate::domain::Priority;

/// Declares a setting enum read case-insensitively from its lower-case names.
macro_rules! setting_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's name in settings.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                let wanted = s.trim().to_ascii_lowercase();
                $name::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| unknown(s, $name::ALL.iter().map(|v| v.as_str())))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(D::Error::custom)
            }
        }
    };
}

/// The message for a value that is none of the allowed ones.
fn unknown<'a>(got: &str, allowed: impl Iterator<Item = &'a str>) -> String {
    format!("unknown value {got:?}; expected one of {}", allowed.collect::<Vec<_>>().join(", "))
}

setting_enum!(
    /// Where tickets are stored.
    StoreType {
        /// SQLite in memory; gone when the process ends.
        Memory => "memory",
        /// SQLite file `<store_path>/helpdesk.db`.
        File => "file",
        /// PostgreSQL at `database_url`.
        Postgres => "postgres",
    }
);

setting_enum!(
    /// How log lines are written to stderr.
    LogFormat {
        /// Human-readable lines.
        Text => "text",
        /// One JSON object a line.
        Json => "json",
    }
);

/// How much is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Details for debugging.
    Debug,
    /// What the service does (the default).
    Info,
    /// What may need attention.
    Warn,
    /// Failures only.
    Error,
    /// Nothing.
    Off,
}

impl LogLevel {
    /// Every level, most verbose first.
    pub const ALL: &'static [LogLevel] =
        &[LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Off];

    /// The level's name in settings (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Off => "OFF",
        }
    }

    /// The level as a tracing filter directive.
    pub fn directive(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Off => "off",
        }
    }
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let wanted = match s.trim().to_ascii_uppercase().as_str() {
            "WARNING" => "WARN".to_owned(),
            other => other.to_owned(),
        };
        LogLevel::ALL
            .iter()
            .copied()
            .find(|l| l.as_str() == wanted)
            .ok_or_else(|| unknown(s, LogLevel::ALL.iter().map(|l| l.as_str())))
    }
}

impl Serialize for LogLevel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LogLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(D::Error::custom)
    }
}

/// The default priority, read in any case (`medium`, `HIGH`) and shown in lower case.
pub mod priority {
    use super::*;

    /// Writes the priority in lower case.
    pub fn serialize<S: Serializer>(priority: &Priority, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&priority.as_str().to_ascii_lowercase())
    }

    /// Reads a priority name in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Priority, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse::<Priority>().map_err(|_| {
            D::Error::custom(unknown(&text, Priority::ALL.iter().map(|p| p.as_str())).to_ascii_lowercase())
        })
    }
}

/// A socket address such as `127.0.0.1:50051`, with a message that shows what was given.
pub mod address {
    use super::*;

    /// Writes the address as text.
    pub fn serialize<S: Serializer>(addr: &SocketAddr, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(addr)
    }

    /// Reads an address with a port.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SocketAddr, D::Error> {
        parse(&String::deserialize(deserializer)?).map_err(D::Error::custom)
    }

    /// An address with a port, or why not.
    pub fn parse(text: &str) -> Result<SocketAddr, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address with a port, such as 127.0.0.1:50051 or [::1]:50051"))
    }

    /// An optional address (`null` or absent for none).
    pub mod optional {
        use super::*;

        /// Writes the address as text, or null.
        pub fn serialize<S: Serializer>(addr: &Option<SocketAddr>, serializer: S) -> Result<S::Ok, S::Error> {
            match addr {
                Some(addr) => serializer.collect_str(addr),
                None => serializer.serialize_none(),
            }
        }

        /// Reads an address with a port; an empty text is none.
        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SocketAddr>, D::Error> {
            match Option::<String>::deserialize(deserializer)? {
                Some(text) if !text.trim().is_empty() => parse(&text).map(Some).map_err(D::Error::custom),
                _ => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_in_any_case_and_bad_ones_list_the_allowed_values() {
        assert_eq!(" File ".parse::<StoreType>(), Ok(StoreType::File));
        assert_eq!(
            "mongo".parse::<StoreType>(),
            Err("unknown value \"mongo\"; expected one of memory, file, postgres".to_owned())
        );
        assert_eq!("warning".parse::<LogLevel>(), Ok(LogLevel::Warn));
        assert_eq!("debug".parse::<LogLevel>().map(LogLevel::directive), Ok("debug"));
        assert!("loud".parse::<LogLevel>().expect_err("bad").contains("TRACE, DEBUG, INFO, WARN, ERROR, OFF"));
        assert_eq!("JSON".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert!(address::parse("nowhere").expect_err("bad").contains("\"nowhere\" is not an IP address"));
    }
}
