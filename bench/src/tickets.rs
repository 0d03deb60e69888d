//! The tickets the load generator sends: the records of a JSON-lines file (title, description,
//! requester_email, priority, tags), each sent with a unique ticket id and a unique suffix on its
//! title, so no call finds another's cached result or id.

use std::{
    path::Path,
    sync::atomic::{AtomicU64, Ordering},
};

use helpdesk_client::proto;
use serde::Deserialize;

/// One line of the tickets file.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The requester's address.
    pub requester_email: String,
    /// `low`, `medium`, `high` or `critical`; the server's default when absent.
    #[serde(default)]
    pub priority: Option<String>,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Longest title the server accepts by default; a suffixed title is cut to fit.
const MAX_TITLE_CHARS: usize = 200;
const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Reads the records of a JSON-lines file (blank lines skipped).
pub fn read_records(path: &Path) -> Result<Vec<Record>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the tickets file {}: {e}", path.display()))?;
    let mut records = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: not a ticket: {e}", path.display(), number + 1))?;
        records.push(record);
    }
    if records.is_empty() {
        return Err(format!("the tickets file {} holds no tickets", path.display()));
    }
    Ok(records)
}

/// Hands out tickets with ids unique in the run: `TKT-YYYYMMDD-` then the kind letter, two letters of
/// the run and a five-digit base-36 number.
#[derive(Debug)]
pub struct TicketSource {
    records: Vec<Record>,
    date: String,
    run: String,
    next: AtomicU64,
}

impl TicketSource {
    /// A source over `records`, with today's date in its ids and `run` (two characters of 0-9, A-Z).
    pub fn new(records: Vec<Record>, date: &str, run: &str) -> TicketSource {
        TicketSource { records, date: date.to_owned(), run: run.to_owned(), next: AtomicU64::new(0) }
    }

    /// The id of ticket `n` of kind `kind` (an upper-case letter naming the scenario).
    pub fn ticket_id(&self, kind: char, n: u64) -> String {
        format!("TKT-{}-{kind}{}{}", self.date, self.run, base36(n, 5))
    }

    /// The lowest and highest id that kind `kind` can give, for finding its rows again.
    pub fn id_range(&self, kind: char) -> (String, String) {
        (format!("TKT-{}-{kind}{}00000", self.date, self.run), format!("TKT-{}-{kind}{}ZZZZZ", self.date, self.run))
    }

    /// The next ticket of kind `kind`: a record of the file in turn, with a unique id and title.
    pub fn next(&self, kind: char) -> proto::Ticket {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let record = &self.records[(n % self.records.len() as u64) as usize];
        let id = self.ticket_id(kind, n);
        let suffix = format!(" [bench {}]", &id[13..]);
        let keep = MAX_TITLE_CHARS.saturating_sub(suffix.chars().count());
        let title: String = record.title.chars().take(keep).collect::<String>() + &suffix;
        ticket(record, id, title)
    }

    /// The same text every time (the file's first record, its title unchanged), with a unique id.
    pub fn same_text(&self, kind: char) -> proto::Ticket {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let record = &self.records[0];
        ticket(record, self.ticket_id(kind, n), record.title.chars().take(MAX_TITLE_CHARS).collect())
    }
}

fn ticket(record: &Record, ticket_id: String, title: String) -> proto::Ticket {
    proto::Ticket {
        ticket_id,
        title,
        description: record.description.clone(),
        requester_email: record.requester_email.clone(),
        priority: priority(record.priority.as_deref()) as i32,
        tags: record.tags.clone(),
        ..Default::default()
    }
}

fn priority(name: Option<&str>) -> proto::Priority {
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some("low") => proto::Priority::Low,
        Some("medium") => proto::Priority::Medium,
        Some("high") => proto::Priority::High,
        Some("critical") => proto::Priority::Critical,
        _ => proto::Priority::Unspecified,
    }
}

/// `n` in base 36 with at least `width` digits (more when it does not fit).
pub fn base36(mut n: u64, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 || digits.len() < width {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    digits.reverse();
    String::from_utf8_lossy(&digits).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> TicketSource {
        let record = Record {
            title: "T".repeat(250),
            description: "The VPN is down".into(),
            requester_email: "ana@example.com".into(),
            priority: Some("High".into()),
            tags: vec!["vpn".into()],
        };
        TicketSource::new(vec![record], "20261202", "AB")
    }

    #[test]
    fn ids_follow_the_service_pattern_and_never_repeat() {
        let source = source();
        let (a, b) = (source.next('S'), source.next('S'));
        assert_eq!(a.ticket_id, "TKT-20261202-SAB00000");
        assert_eq!(b.ticket_id, "TKT-20261202-SAB00001");
        assert_ne!(a.title, b.title);
        assert_eq!(a.title.chars().count(), 200);
        assert!(a.title.ends_with(" [bench SAB00000]"), "{}", a.title);
        assert_eq!(a.priority, proto::Priority::High as i32);
        let (low, high) = source.id_range('S');
        assert!(low <= a.ticket_id && a.ticket_id <= high);
        assert_eq!(base36(36 * 36 + 35, 5), "0010Z");
    }

    #[test]
    fn the_same_text_keeps_its_title() {
        let source = source();
        let (a, b) = (source.same_text('D'), source.same_text('D'));
        assert_eq!(a.title, b.title);
        assert_ne!(a.ticket_id, b.ticket_id);
    }
}
