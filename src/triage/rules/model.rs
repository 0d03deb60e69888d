//! What a routing rules file holds once loaded: the rule set, its rules and actions, the file
//! formats and the load errors.

use std::{fmt, path::PathBuf, str::FromStr};

use super::{condition::Condition, field::Field};
use crate::domain::Priority;

/// A loaded, checked rule set: rules in evaluation order (ascending priority).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(super) name: String,
    pub(super) default_queue: String,
    pub(super) queues: Option<Vec<String>>,
    pub(super) rules: Vec<Rule>,
    pub(super) version: String,
}

impl RuleSet {
    /// The rule set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The queue of tickets no rule routes.
    pub fn default_queue(&self) -> &str {
        &self.default_queue
    }

    /// The queues the file declares (`queues:`), if it declares them; rules route only to these.
    pub fn queues(&self) -> Option<&[String]> {
        self.queues.as_deref()
    }

    /// The rules in evaluation order, disabled ones included.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether an enabled rule tests `field` (the pipeline skips what no rule reads).
    pub fn tests_field(&self, field: &Field) -> bool {
        self.rules.iter().any(|rule| rule.enabled && rule.when.tests(field))
    }

    /// `<name>@<first 12 hex digits of the SHA-256 of the file's canonical content>`; comments,
    /// layout, key order and format do not change it.
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// One routing rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique identifier, named in results and errors.
    pub id: String,
    /// What the rule is for, in words.
    pub name: String,
    /// Evaluation order: lower first; unique within a rule set.
    pub priority: i64,
    /// Disabled rules are skipped.
    pub enabled: bool,
    /// When the rule applies.
    pub when: Condition,
    /// What it does when it applies.
    pub then: Actions,
    /// Whether evaluation goes on after this rule matched.
    pub continue_: bool,
}

/// What a matching rule does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actions {
    /// Queue to route to.
    pub queue: Option<String>,
    /// Final priority, overriding the score bands.
    pub set_priority: Option<Priority>,
    /// Response-time target in hours, overriding the one of the priority.
    pub set_sla_hours: Option<f64>,
    /// Tags to add.
    pub add_tags: Vec<String>,
    /// Escalate the ticket.
    pub escalate: bool,
}

/// The formats a rules file may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesFormat {
    /// `.yaml` or `.yml`.
    Yaml,
    /// `.toml`.
    Toml,
    /// `.json`.
    Json,
}

impl RulesFormat {
    /// The format a file's extension names, if any.
    pub fn from_path(path: &std::path::Path) -> Option<RulesFormat> {
        path.extension().and_then(|e| e.to_str()).and_then(|e| e.parse().ok())
    }
}

impl FromStr for RulesFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Ok(RulesFormat::Yaml),
            "toml" => Ok(RulesFormat::Toml),
            "json" => Ok(RulesFormat::Json),
            _ => Err(format!("unknown rules format {s:?}; expected yaml, toml or json")),
        }
    }
}

impl fmt::Display for RulesFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RulesFormat::Yaml => "YAML",
            RulesFormat::Toml => "TOML",
            RulesFormat::Json => "JSON",
        })
    }
}

/// Why a rules file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("cannot read rules file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file's extension names no known format.
    #[error("rules file {}: the name must end in .yaml, .yml, .toml or .json", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The text is not valid YAML, TOML or JSON.
    #[error("rules are not valid {format}: {message}")]
    Syntax {
        /// The format expected.
        format: RulesFormat,
        /// The parser's message.
        message: String,
    },
    /// The document is well-formed but a rule or key is wrong.
    #[error("{}{path}: {message}", rule.as_ref().map(|r| format!("rule {r:?}: ")).unwrap_or_default())]
    Invalid {
        /// The rule concerned, if the problem is inside one.
        rule: Option<String>,
        /// Path of the key inside the rule or document (`when.all[1].field`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The document is over one of its limits (the message names the setting and its value).
    #[error("{}{path}: {message}", rule.as_ref().map(|r| format!("rule {r:?}: ")).unwrap_or_default())]
    Limit {
        /// The rule concerned, if the limit was reached inside one.
        rule: Option<String>,
        /// Path of the key inside the rule or document, `(document)` for the whole of it.
        path: String,
        /// Which limit, with its value.
        message: String,
    },
    /// A problem in a named file.
    #[error("rules file {}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: Box<RulesError>,
    },
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn formats_come_from_extensions() {
        assert_eq!(RulesFormat::from_path(Path::new("rules/default.yaml")), Some(RulesFormat::Yaml));
        assert_eq!(RulesFormat::from_path(Path::new("r.YML")), Some(RulesFormat::Yaml));
        assert_eq!(RulesFormat::from_path(Path::new("r.toml")), Some(RulesFormat::Toml));
        assert_eq!(RulesFormat::from_path(Path::new("r.json")), Some(RulesFormat::Json));
        assert_eq!(RulesFormat::from_path(Path::new("rules.txt")), None);
        assert_eq!(RulesFormat::from_path(Path::new("rules")), None);
    }

    #[test]
    fn invalid_rules_name_the_rule_and_the_path() {
        let e = RulesError::Invalid {
            rule: Some("vip-customers".into()),
            path: "when.all[1].field".into(),
            message: "unknown field \"metdata.tier\"".into(),
        };
        assert_eq!(e.to_string(), "rule \"vip-customers\": when.all[1].field: unknown field \"metdata.tier\"");
        let e = RulesError::Invalid { rule: None, path: "default_queue".into(), message: "is required".into() };
        assert_eq!(e.to_string(), "default_queue: is required");
    }
}
