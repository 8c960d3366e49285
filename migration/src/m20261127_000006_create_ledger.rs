//! The time bank: a double-entry ledger of service hours.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LedgerEntries::Table)
                .col(pk_uuid(LedgerEntries::Id))
                // The two entries of one transfer share it; they sum to zero.
                .col(uuid(LedgerEntries::TransferId))
                // `pool` (a community's account) or `user`.
                .col(string_len(LedgerEntries::AccountKind, 8))
                .col(uuid(LedgerEntries::AccountId))
                .col(uuid(LedgerEntries::WishId))
                .col(integer(LedgerEntries::HoursCenti))
                .col(timestamp_with_time_zone(LedgerEntries::CreatedAt))
                .to_owned(),
        )
        .await?;
        // A wish credits its hours once, however often confirm is retried or raced.
        m.create_index(
            Index::create()
                .name("uq_ledger_entries_wish_side")
                .table(LedgerEntries::Table)
                .col(LedgerEntries::WishId)
                .col(LedgerEntries::AccountKind)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_ledger_entries_account")
                .table(LedgerEntries::Table)
                .col(LedgerEntries::AccountKind)
                .col(LedgerEntries::AccountId)
                .col(LedgerEntries::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LedgerEntries::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    TransferId,
    AccountKind,
    AccountId,
    WishId,
    HoursCenti,
    CreatedAt,
}
