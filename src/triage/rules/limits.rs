//! Limits on one rules document, whoever sends it (a caller of CheckRules, TestRules or
//! BacktestRules, or the rules file): its size, how many rules it holds, how deep its conditions
//! nest, and the memory its regexes compile to, each regex alone and all of them together. What a
//! document's regexes may still take is the [`Budget`] its checks spend as they compile them.

use regex_automata::{meta, util::syntax};

use crate::domain::over_limit;

/// The limits one rules document is checked against (the `limits.*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulesLimits {
    /// Largest document, in bytes (`limits.max_rules_document_bytes`).
    pub max_document_bytes: usize,
    /// Most rules in one document (`limits.max_rules`).
    pub max_rules: usize,
    /// Deepest nesting of `all` / `any` / `not` groups (`limits.max_rules_depth`).
    pub max_depth: usize,
    /// Largest compiled program of one regex, in bytes (`limits.max_regex_bytes`).
    pub max_regex_bytes: usize,
    /// Largest lazy-DFA cache of one regex, in bytes (`limits.max_regex_dfa_bytes`).
    pub max_regex_dfa_bytes: usize,
    /// Most memory all the regexes of one document take compiled, in bytes
    /// (`limits.max_rules_regex_bytes`).
    pub max_regex_total_bytes: usize,
}

impl Default for RulesLimits {
    fn default() -> Self {
        RulesLimits {
            max_document_bytes: 1024 * 1024,
            max_rules: 1_000,
            max_depth: 32,
            max_regex_bytes: 1024 * 1024,
            max_regex_dfa_bytes: 1024 * 1024,
            max_regex_total_bytes: 16 * 1024 * 1024,
        }
    }
}

impl RulesLimits {
    /// The deepest the document's collections may nest: two levels (a mapping and a list) per
    /// condition level, and 16 for the rest of the document.
    pub fn max_nesting(&self) -> usize {
        self.max_depth.saturating_mul(2).saturating_add(16)
    }

    /// Why a document of `bytes` bytes is refused, if it is.
    pub fn document_refusal(&self, bytes: usize) -> Option<String> {
        (bytes > self.max_document_bytes)
            .then(|| over_limit(bytes, "bytes", self.max_document_bytes, "limits.max_rules_document_bytes"))
    }
}

/// A compiled regex (case-insensitive) and the pattern it was compiled from.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    regex: meta::Regex,
}

impl Pattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

/// Why a regex was not compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexRefusal {
    /// Not a valid regex.
    Invalid(String),
    /// Over a limit, named in the message.
    Limit(String),
}

/// What one document's checks may still spend: its limits and the memory its regexes take so far.
#[derive(Debug)]
pub struct Budget {
    limits: RulesLimits,
    regex_bytes: usize,
    /// A regex did not fit what was left: nothing more is compiled.
    spent: bool,
}

impl Budget {
    /// A fresh budget under `limits`.
    pub fn new(limits: RulesLimits) -> Self {
        Budget { limits, regex_bytes: 0, spent: false }
    }

    /// The limits.
    pub fn limits(&self) -> &RulesLimits {
        &self.limits
    }

    /// Bytes the document's regexes take so far.
    pub fn regex_bytes(&self) -> usize {
        self.regex_bytes
    }

    /// The document's regexes with one more of `more` bytes (`None`: more than is left) are over
    /// the budget.
    fn total_refusal(&mut self, more: Option<usize>) -> RegexRefusal {
        self.spent = true;
        let total = self.limits.max_regex_total_bytes;
        let setting = "limits.max_rules_regex_bytes";
        RegexRefusal::Limit(match more {
            Some(more) => {
                let needed = self.regex_bytes.saturating_add(more);
                format!("the document's regexes would take {}", over_limit(needed, "bytes compiled", total, setting))
            }
            None => {
                format!(
                    "the document's regexes would take more than {}",
                    over_limit(total, "bytes compiled", total, setting)
                )
            }
        })
    }

    /// Compiles `pattern`, case-insensitive, within `limits.max_regex_bytes` and what is left of
    /// `limits.max_rules_regex_bytes`; once the document's budget is spent nothing more is compiled.
    pub fn compile(&mut self, pattern: &str) -> Result<Pattern, RegexRefusal> {
        let left = self.limits.max_regex_total_bytes.saturating_sub(self.regex_bytes);
        if left == 0 || self.spent {
            return Err(self.total_refusal(None));
        }
        let program = self.limits.max_regex_bytes.min(left);
        let built = meta::Regex::builder()
            .syntax(syntax::Config::new().case_insensitive(true))
            .configure(
                meta::Config::new()
                    .nfa_size_limit(Some(program))
                    .onepass_size_limit(Some(program))
                    .hybrid_cache_capacity(self.limits.max_regex_dfa_bytes),
            )
            .build(pattern);
        let regex = match built {
            Ok(regex) => regex,
            Err(e) if e.size_limit().is_some() && program < self.limits.max_regex_bytes => {
                return Err(self.total_refusal(None));
            }
            Err(e) if e.size_limit().is_some() => {
                let max = self.limits.max_regex_bytes;
                return Err(RegexRefusal::Limit(format!(
                    "the regex compiles to more than {max} bytes; at most {max} are allowed (limits.max_regex_bytes); a \
                     repeated Unicode class such as \\w{{100}} is large, (?-u:\\w){{100}} is a hundred times smaller"
                )));
            }
            Err(e) => return Err(RegexRefusal::Invalid(format!("invalid regex: {e}"))),
        };
        let size = regex.memory_usage();
        if size > left {
            return Err(self.total_refusal(Some(size)));
        }
        self.regex_bytes += size;
        Ok(Pattern { source: pattern.to_owned(), regex })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_are_measured_and_stop_compiling_once_the_budget_is_spent() {
        let limits = RulesLimits { max_regex_total_bytes: 4 * 1024 * 1024, ..RulesLimits::default() };
        let mut budget = Budget::new(limits);
        let small = budget.compile("(refund|charged twice)").expect("small");
        assert!(small.is_match("I was CHARGED TWICE"), "case-insensitive");
        assert_eq!(small.as_str(), "(refund|charged twice)");
        let mut compiled = 0;
        let refusal = loop {
            match budget.compile(r"\w{20}") {
                Ok(_) => compiled += 1,
                Err(refusal) => break refusal,
            }
        };
        assert!((2..=4).contains(&compiled), "{compiled} regexes of about 1.1 MB fit in 4 MiB");
        let RegexRefusal::Limit(message) = refusal else { panic!("a limit: {refusal:?}") };
        assert!(message.starts_with("the document's regexes would take "), "{message}");
        assert!(message.ends_with("; at most 4194304 are allowed (limits.max_rules_regex_bytes)"), "{message}");
        assert!(budget.regex_bytes() <= 4 * 1024 * 1024);
    }

    #[test]
    fn one_regex_over_its_own_limit_names_it() {
        let mut budget = Budget::new(RulesLimits::default());
        let Err(RegexRefusal::Limit(message)) = budget.compile(r"\w{100}") else { panic!("too large") };
        assert!(message.contains("; at most 1048576 are allowed (limits.max_regex_bytes)"), "{message}");
        assert_eq!(budget.regex_bytes(), 0);
        assert!(matches!(budget.compile("(unclosed"), Err(RegexRefusal::Invalid(m)) if m.starts_with("invalid regex")));
    }
}
