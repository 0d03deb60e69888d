//! Seeding a stopped server's store with copies of one stored ticket, for the near-duplicate levels:
//! the rows the server wrote for it (the ticket, its triage result and, with duplicates on, its text
//! fingerprint and band keys) copied with new ids and creation times 1 ms apart, straight in SQL.
//! Audit entries are not copied: the near-duplicate lookup does not read them, and a copied entry
//! could not continue the hash chain. Storing 100,000 copies through the server would take hours at
//! today's cost with duplicates on; what is measured is the server storing more copies on top.

use std::path::Path;

use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::db;

/// Copies a transaction.
const COPIES_PER_TRANSACTION: u64 = 20_000;
/// Tables whose rows are not copied.
const NOT_COPIED: &[&str] = &["audit_entries", "request_keys"];

/// Tickets stored in the database `file`.
pub async fn count(file: &Path) -> Result<u64, String> {
    let db = db::open(file).await?;
    let row = db
        .query_one_raw(db::statement("SELECT COUNT(*) FROM tickets", Vec::new()))
        .await
        .map_err(|e| format!("counting tickets: {e}"))?
        .ok_or("counting tickets: no answer")?;
    let n: i64 = row.try_get_by_index(0).map_err(|e| format!("counting tickets: {e}"))?;
    db.close().await.map_err(|e| format!("closing {}: {e}", file.display()))?;
    Ok(n.max(0) as u64)
}

/// Adds `copies` copies of the oldest ticket of the store `file`; their ids are
/// `TKT-{date}-R{n:07}` from `first` on.
pub async fn copies(file: &Path, date: &str, first: u64, copies: u64) -> Result<(), String> {
    let db = db::open(file).await?;
    let failed = |what: &str, e: sea_orm::DbErr| format!("seeding copies: {what}: {e}");
    let template = db
        .query_one_raw(db::statement(
            "SELECT ticket_id FROM tickets ORDER BY created_at, ticket_id LIMIT 1",
            Vec::new(),
        ))
        .await
        .map_err(|e| failed("the template", e))?
        .ok_or("seeding copies: the store holds no ticket to copy")?;
    let template: String = template.try_get_by_index(0).map_err(|e| failed("the template", e))?;
    let tables: Vec<String> =
        db::ticket_tables(&db).await?.into_iter().filter(|t| !NOT_COPIED.contains(&t.as_str())).collect();
    // The statements are made before any transaction: the one connection is the transaction's then.
    let mut statements = Vec::with_capacity(tables.len());
    for table in &tables {
        let columns = db::columns(&db, table).await?;
        let names: Vec<String> = columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let select: Vec<String> = columns.iter().map(|c| copied(&c.name, date)).collect();
        let sql = format!(
            "WITH RECURSIVE seq(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM seq WHERE n < ?) \
             INSERT INTO \"{table}\" ({}) SELECT {} FROM \"{table}\" AS t, seq WHERE t.ticket_id = ?",
            names.join(", "),
            select.join(", ")
        );
        statements.push((table, sql));
    }
    let mut done = 0;
    while done < copies {
        let (from, to) = (first + done, first + (done + COPIES_PER_TRANSACTION).min(copies) - 1);
        let txn = db.begin().await.map_err(|e| failed("BEGIN", e))?;
        for (table, sql) in &statements {
            let values = vec![(from as i64).into(), (to as i64).into(), template.clone().into()];
            txn.execute_raw(db::statement(sql, values)).await.map_err(|e| failed(table, e))?;
        }
        txn.commit().await.map_err(|e| failed("COMMIT", e))?;
        done = to + 1 - first;
    }
    db.close().await.map_err(|e| format!("closing {}: {e}", file.display()))?;
    Ok(())
}

/// The expression a copy's column takes from the template row `t` and the copy's number `seq.n`.
fn copied(column: &str, date: &str) -> String {
    match column {
        "ticket_id" => format!("'TKT-{date}-R' || printf('%07d', seq.n)"),
        "created_at" | "updated_at" | "triaged_at" => format!("t.\"{column}\" - seq.n * 1000"),
        // A row number of its own (triage_results.id).
        "id" => "NULL".to_owned(),
        other => format!("t.\"{other}\""),
    }
}
