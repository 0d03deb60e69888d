//! Schema migrations (sea-orm-migration), applied at start and by `helpdesk migrate`.

mod m0001_initial;
mod m0002_duplicates;
mod m0003_leases;
mod m0004_privacy;
mod m0005_audit_signatures;
mod m0006_counts_and_pairs;

use sea_orm_migration::prelude::*;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_duplicates::Migration),
            Box::new(m0003_leases::Migration),
            Box::new(m0004_privacy::Migration),
            Box::new(m0005_audit_signatures::Migration),
            Box::new(m0006_counts_and_pairs::Migration),
        ]
    }
}
