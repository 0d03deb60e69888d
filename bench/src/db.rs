//! SQLite files opened by the benchmark itself through sea-orm (the physical anchor and the seeded
//! near-duplicate stores): the server's pragmas, the columns of a table, and values read without
//! knowing their table's Rust type.

use std::{path::Path, time::Duration};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult, Statement, Value,
};

/// How SQLite stores the values of a column, from its declared type (the rules of section 3.1 of
/// SQLite's "Datatypes" page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affinity {
    /// INTEGER.
    Integer,
    /// TEXT.
    Text,
    /// BLOB (or no declared type).
    Blob,
    /// REAL.
    Real,
    /// NUMERIC (such as `boolean`): integers here.
    Numeric,
}

/// The affinity of a declared column type.
pub fn affinity(declared: &str) -> Affinity {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Affinity::Text
    } else if t.is_empty() || t.contains("BLOB") {
        Affinity::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// How its values are stored.
    pub affinity: Affinity,
}

/// Opens a SQLite file (created when missing) on one connection, with the server's settings: WAL,
/// `synchronous = NORMAL`, a 5 s busy timeout.
pub async fn open(file: &Path) -> Result<DatabaseConnection, String> {
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).min_connections(1).sqlx_logging(false).acquire_timeout(Duration::from_secs(30));
    let db = Database::connect(options).await.map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 5000"] {
        db.execute_unprepared(pragma).await.map_err(|e| format!("{pragma} on {}: {e}", file.display()))?;
    }
    Ok(db)
}

/// A statement with bound values.
pub fn statement(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

/// The columns of `table`, in order.
pub async fn columns(db: &DatabaseConnection, table: &str) -> Result<Vec<Column>, String> {
    let rows = db
        .query_all_raw(statement(&format!("PRAGMA table_info(\"{table}\")"), Vec::new()))
        .await
        .map_err(|e| format!("the columns of {table}: {e}"))?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get_by_index(1).map_err(|e| format!("the columns of {table}: {e}"))?;
            let declared: String = row.try_get_by_index(2).map_err(|e| format!("the columns of {table}: {e}"))?;
            Ok(Column { name, affinity: affinity(&declared) })
        })
        .collect()
}

/// The tables that have a `ticket_id` column (rows written for a ticket), in creation order.
pub async fn ticket_tables(db: &DatabaseConnection) -> Result<Vec<String>, String> {
    let rows = db
        .query_all_raw(statement("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid", Vec::new()))
        .await
        .map_err(|e| format!("the tables: {e}"))?;
    let mut tables = Vec::new();
    for row in rows {
        let name: String = row.try_get_by_index(0).map_err(|e| format!("the tables: {e}"))?;
        if !name.starts_with("sqlite_") && columns(db, &name).await?.iter().any(|c| c.name == "ticket_id") {
            tables.push(name);
        }
    }
    Ok(tables)
}

/// Value `i` of `row`, read as its column's affinity says.
pub fn value(row: &QueryResult, i: usize, column: &Column) -> Result<Value, String> {
    let failed = |e: sea_orm::DbErr| format!("column {}: {e}", column.name);
    Ok(match column.affinity {
        Affinity::Integer => row.try_get_by_index::<Option<i64>>(i).map_err(failed)?.into(),
        Affinity::Text => row.try_get_by_index::<Option<String>>(i).map_err(failed)?.into(),
        Affinity::Blob => row.try_get_by_index::<Option<Vec<u8>>>(i).map_err(failed)?.into(),
        Affinity::Real => row.try_get_by_index::<Option<f64>>(i).map_err(failed)?.into(),
        Affinity::Numeric => match row.try_get_by_index::<Option<i64>>(i) {
            Ok(v) => v.into(),
            Err(_) => row.try_get_by_index::<Option<f64>>(i).map_err(failed)?.into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_sqlite_affinities() {
        assert_eq!(affinity("bigint"), Affinity::Integer);
        assert_eq!(affinity("integer"), Affinity::Integer);
        assert_eq!(affinity("text"), Affinity::Text);
        assert_eq!(affinity("varchar(20)"), Affinity::Text);
        assert_eq!(affinity("blob"), Affinity::Blob);
        assert_eq!(affinity(""), Affinity::Blob);
        assert_eq!(affinity("double"), Affinity::Real);
        assert_eq!(affinity("real"), Affinity::Real);
        assert_eq!(affinity("boolean"), Affinity::Numeric);
    }
}
