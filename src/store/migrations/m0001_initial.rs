//! The first schema: tickets, triage results, the audit log with its chain head, request keys, exports.

use sea_orm_migration::{prelude::*, schema::*};

use crate::domain::audit::GENESIS_HASH;

/// Creates every table and index, and the audit chain's head row.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    TicketId,
    Title,
    Description,
    RequesterEmail,
    Category,
    Priority,
    PriorityGiven,
    Status,
    CreatedAt,
    UpdatedAt,
    TagsJson,
    MetadataJson,
    AssignedQueue,
}

#[derive(DeriveIden)]
enum TriageResults {
    Table,
    Id,
    TicketId,
    TriagedAt,
    Queue,
    Priority,
    Score,
    RulesVersion,
    Escalated,
    ResultJson,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Sequence,
    TicketId,
    Action,
    Actor,
    CreatedAt,
    DetailsJson,
    RulesVersion,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChain {
    Table,
    Id,
    LastSequence,
    LastHash,
    AnchorSequence,
    AnchorHash,
}

#[derive(DeriveIden)]
enum RequestKeys {
    Table,
    RequestId,
    TicketId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditExports {
    Table,
    Id,
    Before,
    UpToSequence,
    EntryCount,
    ExportedAt,
}

/// `CREATE INDEX name ON table (columns...)`.
fn index(name: &str, table: impl IntoIden, columns: &[DynIden]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(column.clone());
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tickets::Table)
                .col(text(Tickets::TicketId).primary_key())
                .col(text(Tickets::Title))
                .col(text(Tickets::Description))
                .col(text(Tickets::RequesterEmail))
                .col(text_null(Tickets::Category))
                .col(text(Tickets::Priority))
                .col(boolean(Tickets::PriorityGiven))
                .col(text(Tickets::Status))
                .col(big_integer(Tickets::CreatedAt))
                .col(big_integer(Tickets::UpdatedAt))
                .col(text(Tickets::TagsJson))
                .col(text(Tickets::MetadataJson))
                .col(text_null(Tickets::AssignedQueue))
                .to_owned(),
        )
        .await?;
        // Every list filter walks its index in keyset order (created_at DESC, ticket_id DESC).
        let keyset = || [Tickets::CreatedAt.into_iden(), Tickets::TicketId.into_iden()];
        m.create_index(index("idx_tickets_created", Tickets::Table, &keyset())).await?;
        for (name, column) in [
            ("idx_tickets_status_created", Tickets::Status),
            ("idx_tickets_category_created", Tickets::Category),
            ("idx_tickets_priority_created", Tickets::Priority),
            ("idx_tickets_queue_created", Tickets::AssignedQueue),
        ] {
            let [created, id] = keyset();
            m.create_index(index(name, Tickets::Table, &[column.into_iden(), created, id])).await?;
        }

        m.create_table(
            Table::create()
                .table(TriageResults::Table)
                .col(big_pk_auto(TriageResults::Id))
                .col(text(TriageResults::TicketId))
                .col(big_integer(TriageResults::TriagedAt))
                .col(text(TriageResults::Queue))
                .col(text(TriageResults::Priority))
                .col(double(TriageResults::Score))
                .col(text(TriageResults::RulesVersion))
                .col(boolean(TriageResults::Escalated))
                .col(text(TriageResults::ResultJson))
                .to_owned(),
        )
        .await?;
        let columns = [TriageResults::TicketId.into_iden(), TriageResults::Id.into_iden()];
        m.create_index(index("idx_triage_results_ticket", TriageResults::Table, &columns)).await?;

        m.create_table(
            Table::create()
                .table(AuditEntries::Table)
                .col(big_integer(AuditEntries::Sequence).primary_key())
                .col(text_null(AuditEntries::TicketId))
                .col(text(AuditEntries::Action))
                .col(text(AuditEntries::Actor))
                .col(big_integer(AuditEntries::CreatedAt))
                .col(text(AuditEntries::DetailsJson))
                .col(text_null(AuditEntries::RulesVersion))
                .col(text(AuditEntries::PrevHash))
                .col(text(AuditEntries::Hash))
                .to_owned(),
        )
        .await?;
        // Filtered audit listings walk (column, sequence) newest first.
        for (name, column) in [
            ("idx_audit_entries_ticket", AuditEntries::TicketId),
            ("idx_audit_entries_action", AuditEntries::Action),
            ("idx_audit_entries_actor", AuditEntries::Actor),
            ("idx_audit_entries_created", AuditEntries::CreatedAt),
        ] {
            let columns = [column.into_iden(), AuditEntries::Sequence.into_iden()];
            m.create_index(index(name, AuditEntries::Table, &columns)).await?;
        }

        m.create_table(
            Table::create()
                .table(AuditChain::Table)
                .col(integer(AuditChain::Id).primary_key())
                .col(big_integer(AuditChain::LastSequence))
                .col(text(AuditChain::LastHash))
                .col(big_integer(AuditChain::AnchorSequence))
                .col(text(AuditChain::AnchorHash))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuditChain::Table)
                .columns([
                    AuditChain::Id,
                    AuditChain::LastSequence,
                    AuditChain::LastHash,
                    AuditChain::AnchorSequence,
                    AuditChain::AnchorHash,
                ])
                .values_panic([1.into(), 0i64.into(), GENESIS_HASH.into(), 0i64.into(), GENESIS_HASH.into()])
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RequestKeys::Table)
                .col(text(RequestKeys::RequestId).primary_key())
                .col(text(RequestKeys::TicketId))
                .col(big_integer(RequestKeys::CreatedAt))
                .to_owned(),
        )
        .await?;
        let columns = [RequestKeys::TicketId.into_iden()];
        m.create_index(index("idx_request_keys_ticket", RequestKeys::Table, &columns)).await?;

        m.create_table(
            Table::create()
                .table(AuditExports::Table)
                .col(big_pk_auto(AuditExports::Id))
                .col(big_integer_null(AuditExports::Before))
                .col(big_integer(AuditExports::UpToSequence))
                .col(big_integer(AuditExports::EntryCount))
                .col(big_integer(AuditExports::ExportedAt))
                .to_owned(),
        )
        .await?;
        let columns = [AuditExports::UpToSequence.into_iden()];
        m.create_index(index("idx_audit_exports_up_to", AuditExports::Table, &columns)).await?;
        Ok(())
    }

    /// Applied as one transaction, so a failure leaves no half-made schema behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
