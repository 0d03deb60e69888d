//! The databases the integration suites run on: SQLite always, and PostgreSQL when asked for with
//! `--ignored` and `HELPDESK_TEST_DATABASE_URL` names a server (each test gets a database of its own).

use std::sync::atomic::{AtomicU32, Ordering};

use helpdesk_ai::config::{Settings, StoreType};
use sea_orm::sqlx::{Connection as _, PgConnection};

/// The variable naming the PostgreSQL server the suite may use (any database on it; the tests create
/// their own).
pub const TEST_DATABASE_URL_VAR: &str = "HELPDESK_TEST_DATABASE_URL";

/// Where a test's server keeps its data.
#[derive(Debug, Clone)]
pub enum Backend {
    /// SQLite in memory.
    Sqlite,
    /// A fresh PostgreSQL database at this URL.
    Postgres(String),
}

impl Backend {
    /// A new, empty PostgreSQL database on the server `HELPDESK_TEST_DATABASE_URL` names. The
    /// PostgreSQL tests are ignored by default and run with `--ignored`; without the variable they fail,
    /// so a run that asked for them cannot pass without them.
    pub async fn postgres() -> Backend {
        let admin = std::env::var(TEST_DATABASE_URL_VAR)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| panic!("{TEST_DATABASE_URL_VAR} is not set: the PostgreSQL tests need a server"));
        Backend::Postgres(fresh_database(&admin).await)
    }

    /// The test settings for this backend.
    pub fn settings(&self) -> Settings {
        match self {
            Backend::Sqlite => super::app::settings(),
            Backend::Postgres(url) => {
                Settings { store_type: StoreType::Postgres, database_url: Some(url.clone()), ..super::app::settings() }
            }
        }
    }
}

/// Creates a database with a name unique to this process and call; returns its URL.
pub async fn fresh_database(admin_url: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "helpdesk_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let mut admin = PgConnection::connect(admin_url).await.expect("the test PostgreSQL server answers");
    sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("test database created");
    let _ = admin.close().await;
    with_database(admin_url, &name)
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// Runs each listed test, an `async fn(Backend)`, once on SQLite and once on PostgreSQL. The
/// PostgreSQL runs are ignored unless asked for (`--ignored`), and then need the test server.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set HELPDESK_TEST_DATABASE_URL and run with --ignored (CI does)"]
                async fn $name() {
                    super::$name($crate::support::Backend::postgres().await).await;
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(with_database("postgres://u:p@h:5433/postgres", "t1"), "postgres://u:p@h:5433/t1");
        assert_eq!(with_database("postgres://h/db?sslmode=disable", "t2"), "postgres://h/t2?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "t3"), "postgres://h:5432/t3");
    }
}
