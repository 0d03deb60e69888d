//! A candidate rules file as the rules RPCs take it, and the options of a backtest.

use std::time::SystemTime;

use crate::proto;

/// The whole text of a rules file and its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesText {
    /// The file's content.
    pub text: String,
    /// YAML, TOML or JSON.
    pub format: proto::RulesFormat,
}

impl RulesText {
    /// A YAML rules file.
    pub fn yaml(text: impl Into<String>) -> Self {
        RulesText { text: text.into(), format: proto::RulesFormat::Yaml }
    }

    /// A TOML rules file.
    pub fn toml(text: impl Into<String>) -> Self {
        RulesText { text: text.into(), format: proto::RulesFormat::Toml }
    }

    /// A JSON rules file.
    pub fn json(text: impl Into<String>) -> Self {
        RulesText { text: text.into(), format: proto::RulesFormat::Json }
    }

    pub(crate) fn into_proto(self) -> proto::CandidateRules {
        proto::CandidateRules { text: self.text, format: self.format as i32 }
    }
}

/// Which stored tickets a backtest replays, and how many changed decisions it lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BacktestOptions {
    /// Only tickets created at or after this time.
    pub created_after: Option<SystemTime>,
    /// Only tickets created before this time.
    pub created_before: Option<SystemTime>,
    /// Most tickets replayed, newest first (0: the server's default, 1,000).
    pub limit: u32,
    /// Most changed decisions listed (0: the server's default, 20).
    pub max_examples: u32,
}
