//! `helpdesk stats`: ticket counts by status, category, priority and queue, as a table or JSON.

use std::{collections::BTreeMap, process::ExitCode};

use clap::Args;
use serde::Serialize;

use crate::{
    cli::{CliError, ticket_store::open_store},
    config::Settings,
};

/// Arguments of `helpdesk stats`.
#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The JSON form, total first.
#[derive(Serialize)]
struct StatsJson<'a> {
    total: u64,
    by_status: &'a BTreeMap<String, u64>,
    by_category: &'a BTreeMap<String, u64>,
    by_priority: &'a BTreeMap<String, u64>,
    by_queue: &'a BTreeMap<String, u64>,
}

/// Prints the counts of the configured store.
pub async fn run(args: StatsArgs, settings: &Settings) -> Result<ExitCode, CliError> {
    let store = open_store(settings).await?;
    let stats = store.stats().await.map_err(|e| CliError::Failed(format!("cannot count tickets: {e}")))?;
    let groups = [
        ("status", &stats.by_status),
        ("category", &stats.by_category),
        ("priority", &stats.by_priority),
        ("queue", &stats.by_queue),
    ];
    if args.json {
        let doc = StatsJson {
            total: stats.total,
            by_status: &stats.by_status,
            by_category: &stats.by_category,
            by_priority: &stats.by_priority,
            by_queue: &stats.by_queue,
        };
        let text = serde_json::to_string_pretty(&doc).map_err(|e| CliError::Failed(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", table(stats.total, &groups));
    }
    Ok(ExitCode::SUCCESS)
}

/// An aligned GROUP / VALUE / COUNT table, the total first.
fn table(total: u64, groups: &[(&str, &BTreeMap<String, u64>)]) -> String {
    let mut rows = vec![("GROUP".to_owned(), "VALUE".to_owned(), "COUNT".to_owned())];
    rows.push(("total".into(), String::new(), total.to_string()));
    for (name, counts) in groups {
        rows.extend(counts.iter().map(|(value, count)| ((*name).to_owned(), value.clone(), count.to_string())));
    }
    let width = |pick: fn(&(String, String, String)) -> &String| {
        rows.iter().map(|r| pick(r).chars().count()).max().unwrap_or(0)
    };
    let (w1, w2, w3) = (width(|r| &r.0), width(|r| &r.1), width(|r| &r.2));
    rows.iter().map(|(group, value, count)| format!("{group:<w1$}  {value:<w2$}  {count:>w3$}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_aligned() {
        let status = BTreeMap::from([("TRIAGED".to_owned(), 12), ("ESCALATED".to_owned(), 3)]);
        let queue = BTreeMap::from([("security".to_owned(), 3)]);
        let text = table(15, &[("status", &status), ("queue", &queue)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "GROUP   VALUE      COUNT");
        assert_eq!(lines[1], "total                 15");
        assert_eq!(lines[2], "status  ESCALATED      3");
        assert!(lines.iter().all(|l| l.len() == lines[0].len()));
    }
}
