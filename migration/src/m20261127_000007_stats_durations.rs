//! What area statistics read: each wish's durations in whole seconds, kept
//! beside its timestamps, and indexes that answer the counts and the medians
//! without reading the table (a median walks one duration index in order),
//! and one that pages through a community's wishes for the export.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (column, later timestamp, earlier timestamp)
const DURATIONS: [(Wishes, &str, &str); 3] = [
    (Wishes::ReviewSecs, "reviewed_at", "created_at"),
    (Wishes::ClaimSecs, "claimed_at", "reviewed_at"),
    (Wishes::CompleteSecs, "completed_at", "created_at"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite adds them one at a time.
        for (col, _, _) in DURATIONS {
            m.alter_table(
                Table::alter().table(Wishes::Table).add_column(ColumnDef::new(col).big_integer().null()).to_owned(),
            )
            .await?;
        }
        let seconds = |later: &str, earlier: &str| match m.get_database_backend() {
            DbBackend::Postgres => format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS BIGINT)"),
            _ => format!("CAST((julianday({later}) - julianday({earlier})) * 86400 AS INTEGER)"),
        };
        let sets: Vec<String> = DURATIONS
            .iter()
            .map(|(col, later, earlier)| format!("{} = {}", col.to_string(), seconds(later, earlier)))
            .collect();
        m.get_connection().execute_unprepared(&format!("UPDATE wishes SET {}", sets.join(", "))).await?;
        m.create_index(
            Index::create()
                .name("idx_wishes_stats")
                .table(Wishes::Table)
                .col(Wishes::CommunityId)
                .col(Wishes::Status)
                .col(Wishes::List)
                .col(Wishes::CreatedAt)
                .col(Wishes::ReviewSecs)
                .col(Wishes::ClaimSecs)
                .col(Wishes::CompleteSecs)
                .col(Wishes::CompletedAt)
                .to_owned(),
        )
        .await?;
        // The retention sweep looks for closed wishes by status and last change.
        m.create_index(
            Index::create()
                .name("idx_wishes_status_updated")
                .table(Wishes::Table)
                .col(Wishes::Status)
                .col(Wishes::UpdatedAt)
                .to_owned(),
        )
        .await?;
        // The export reads a community's wishes in id order, a page at a time.
        m.create_index(
            Index::create()
                .name("idx_wishes_community_id")
                .table(Wishes::Table)
                .col(Wishes::CommunityId)
                .col(Wishes::Id)
                .to_owned(),
        )
        .await?;
        for (col, _, _) in DURATIONS {
            m.create_index(
                Index::create()
                    .name(format!("idx_wishes_{}", col.to_string()))
                    .table(Wishes::Table)
                    .col(col)
                    .col(Wishes::CommunityId)
                    .col(Wishes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_wishes_stats").table(Wishes::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("idx_wishes_community_id").table(Wishes::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("idx_wishes_status_updated").table(Wishes::Table).to_owned()).await?;
        for (col, _, _) in DURATIONS {
            m.drop_index(Index::drop().name(format!("idx_wishes_{}", col.to_string())).table(Wishes::Table).to_owned())
                .await?;
            m.alter_table(Table::alter().table(Wishes::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Wishes {
    Table,
    Id,
    CommunityId,
    Status,
    List,
    CreatedAt,
    CompletedAt,
    UpdatedAt,
    ReviewSecs,
    ClaimSecs,
    CompleteSecs,
}
