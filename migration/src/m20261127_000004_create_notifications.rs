//! The transactional outbox of events, the in-app inbox, and the mark that
//! a claimant was reminded of an approaching deadline.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OutboxEvents::Table)
                .col(pk_uuid(OutboxEvents::Id))
                .col(string_len(OutboxEvents::Event, 32))
                .col(uuid_null(OutboxEvents::WishId))
                .col(uuid_null(OutboxEvents::RegistrationId))
                .col(uuid(OutboxEvents::CommunityId))
                .col(uuid_null(OutboxEvents::ActorId))
                // The webhook body's `data`, as it was when the event happened.
                .col(text(OutboxEvents::Payload))
                .col(timestamp_with_time_zone(OutboxEvents::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_events_wish")
                .table(OutboxEvents::Table)
                .col(OutboxEvents::WishId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(pk_uuid(Notifications::Id))
                .col(uuid(Notifications::UserId))
                // `null` for reminders, which are not events of the wish.
                .col(uuid_null(Notifications::EventId))
                .col(string_len(Notifications::Event, 32))
                .col(uuid_null(Notifications::WishId))
                .col(string_len(Notifications::Title, 200))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Notifications::Table, Notifications::EventId)
                        .to(OutboxEvents::Table, OutboxEvents::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notifications_user")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notifications_user_unread")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::ReadAt)
                .col(Notifications::Id)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Wishes::Table)
                .add_column(timestamp_with_time_zone_null(Wishes::DeadlineRemindedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Wishes::Table).drop_column(Wishes::DeadlineRemindedAt).to_owned()).await?;
        m.drop_table(Table::drop().table(Notifications::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(OutboxEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    Event,
    WishId,
    RegistrationId,
    CommunityId,
    ActorId,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    EventId,
    Event,
    WishId,
    Title,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Wishes {
    Table,
    DeadlineRemindedAt,
}
