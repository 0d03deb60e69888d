//! The physical anchor: the rows the server wrote for the StreamTriage stored tickets (every table
//! with a `ticket_id` column: tickets, triage results, audit entries, and fingerprints and band keys
//! when duplicates are on), read back from its store and inserted again through sea-orm into a fresh
//! database with the server's schema (made by `helpdesk migrate`): multi-row INSERTs, 100 tickets a
//! transaction, the audit chain's head row updated in each as the server does. What the same rows
//! cost on this stack without the service around them.

use std::{collections::HashMap, path::Path, time::Instant};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, SqliteTransactionMode, TransactionOptions, TransactionTrait, Value,
};
use serde::Serialize;

use crate::{
    db::{self, Column},
    procstat::Proc,
};

/// Values bound in one statement: below SQLite's limit of 32,766.
const VALUES_PER_STATEMENT: usize = 30_000;

/// The rows of one table, grouped by ticket.
struct TableRows {
    table: String,
    columns: Vec<Column>,
    by_ticket: HashMap<String, Vec<Vec<Value>>>,
}

/// What the anchor measured.
#[derive(Debug, Clone, Serialize)]
pub struct Anchor {
    /// Tickets inserted.
    pub tickets: u64,
    /// Rows inserted, every table together.
    pub rows: u64,
    /// Tickets a transaction.
    pub per_transaction: usize,
    /// Wall seconds of the inserts.
    pub seconds: f64,
    /// Tickets a second.
    pub tickets_per_sec: f64,
    /// The bench's CPU microseconds a ticket (sea-orm, sqlx and SQLite in this process).
    pub cpu_us_per_ticket: f64,
    /// The tables and their row counts.
    pub tables: Vec<(String, u64)>,
}

/// Reads the rows of the tickets with ids in `range` from the server's database `source`.
async fn read(source: &DatabaseConnection, range: &(String, String)) -> Result<(Vec<String>, Vec<TableRows>), String> {
    let mut tables = Vec::new();
    let mut ids = Vec::new();
    for table in db::ticket_tables(source).await? {
        let columns = db::columns(source, &table).await?;
        let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let order = if table == "tickets" { " ORDER BY created_at, ticket_id" } else { "" };
        let sql = format!("SELECT {} FROM \"{table}\" WHERE ticket_id BETWEEN ? AND ?{order}", names.join(", "));
        let rows = source
            .query_all_raw(db::statement(&sql, vec![range.0.clone().into(), range.1.clone().into()]))
            .await
            .map_err(|e| format!("reading {table}: {e}"))?;
        let id_at = columns.iter().position(|c| c.name == "ticket_id").ok_or("no ticket_id column")?;
        let mut by_ticket: HashMap<String, Vec<Vec<Value>>> = HashMap::new();
        for row in rows {
            let values = (0..columns.len()).map(|i| db::value(&row, i, &columns[i])).collect::<Result<Vec<_>, _>>()?;
            let id: String = row.try_get_by_index(id_at).map_err(|e| format!("{table}.ticket_id: {e}"))?;
            if table == "tickets" {
                ids.push(id.clone());
            }
            by_ticket.entry(id).or_default().push(values);
        }
        if !by_ticket.is_empty() {
            tables.push(TableRows { table, columns, by_ticket });
        }
    }
    Ok((ids, tables))
}

/// Reads the rows of the tickets in `range` from `source_file` and inserts them into `target_file`
/// (a migrated, empty database), `per_transaction` tickets a transaction.
pub async fn run(
    source_file: &Path,
    target_file: &Path,
    range: &(String, String),
    per_transaction: usize,
) -> Result<Anchor, String> {
    let source = db::open(source_file).await?;
    let (ids, tables) = read(&source, range).await?;
    source.close().await.map_err(|e| format!("closing {}: {e}", source_file.display()))?;
    if ids.is_empty() {
        return Err("no stored StreamTriage tickets to insert again".to_owned());
    }
    let target = db::open(target_file).await?;
    let cpu = Proc::Myself.cpu_seconds()?;
    let started = Instant::now();
    let mut rows = 0u64;
    for chunk in ids.chunks(per_transaction.max(1)) {
        rows += insert_chunk(&target, &tables, chunk).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = Proc::Myself.cpu_seconds()? - cpu;
    target.close().await.map_err(|e| format!("closing {}: {e}", target_file.display()))?;
    let tickets = ids.len() as u64;
    Ok(Anchor {
        tickets,
        rows,
        per_transaction,
        seconds,
        tickets_per_sec: tickets as f64 / seconds.max(1e-9),
        cpu_us_per_ticket: cpu * 1e6 / tickets as f64,
        tables: tables.iter().map(|t| (t.table.clone(), t.by_ticket.values().map(|r| r.len() as u64).sum())).collect(),
    })
}

async fn insert_chunk(db: &DatabaseConnection, tables: &[TableRows], ids: &[String]) -> Result<u64, String> {
    let failed = |what: &str, e: sea_orm::DbErr| format!("{what}: {e}");
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await.map_err(|e| failed("BEGIN IMMEDIATE", e))?;
    // The server takes the chain's lock this way before anything else, then reads the head.
    txn.execute_unprepared("UPDATE audit_chain SET last_sequence = last_sequence WHERE id = 1")
        .await
        .map_err(|e| failed("taking the chain head", e))?;
    txn.query_one_raw(db::statement("SELECT * FROM audit_chain WHERE id = 1", Vec::new()))
        .await
        .map_err(|e| failed("reading the chain head", e))?;
    let mut inserted = 0u64;
    let mut head: Option<(Value, Value)> = None;
    for table in tables {
        let rows: Vec<&Vec<Value>> = ids.iter().filter_map(|id| table.by_ticket.get(id)).flatten().collect();
        if rows.is_empty() {
            continue;
        }
        if table.table == "audit_entries" {
            let at = |name: &str| table.columns.iter().position(|c| c.name == name);
            if let (Some(seq), Some(hash)) = (at("sequence"), at("hash"))
                && let Some(last) = rows.iter().max_by_key(|r| match &r[seq] {
                    Value::BigInt(Some(v)) => *v,
                    _ => i64::MIN,
                })
            {
                head = Some((last[seq].clone(), last[hash].clone()));
            }
        }
        let names: Vec<String> = table.columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let placeholders = format!("({})", vec!["?"; names.len()].join(", "));
        let per_statement = (VALUES_PER_STATEMENT / names.len().max(1)).max(1);
        for part in rows.chunks(per_statement) {
            let sql = format!(
                "INSERT INTO \"{}\" ({}) VALUES {}",
                table.table,
                names.join(", "),
                vec![placeholders.as_str(); part.len()].join(", ")
            );
            let values: Vec<Value> = part.iter().flat_map(|r| r.iter().cloned()).collect();
            txn.execute_raw(db::statement(&sql, values))
                .await
                .map_err(|e| failed(&format!("INSERT INTO {}", table.table), e))?;
            inserted += part.len() as u64;
        }
    }
    if let Some((sequence, hash)) = head {
        txn.execute_raw(db::statement(
            "UPDATE audit_chain SET last_sequence = ?, last_hash = ? WHERE id = 1",
            vec![sequence, hash],
        ))
        .await
        .map_err(|e| failed("updating the chain head", e))?;
    }
    txn.commit().await.map_err(|e| failed("COMMIT", e))?;
    Ok(inserted)
}
