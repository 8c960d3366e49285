//! Registrations, units, partners, the catalogue, wishes, claims, the wish
//! event log and idempotency keys.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_create_accounts::{Areas, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Registrations::Table)
                .col(pk_uuid(Registrations::Id))
                .col(uuid(Registrations::CommunityId))
                .col(uuid(Registrations::UserId))
                .col(string_len(Registrations::Kind, 16))
                .col(string_len(Registrations::Status, 16))
                .col(text_null(Registrations::Note))
                .col(text_null(Registrations::ReviewNote))
                .col(uuid_null(Registrations::ReviewedBy))
                .col(timestamp_with_time_zone_null(Registrations::ReviewedAt))
                .col(timestamp_with_time_zone(Registrations::CreatedAt))
                .foreign_key(&mut fk((Registrations::Table, Registrations::CommunityId), (Areas::Table, Areas::Id)))
                .foreign_key(&mut fk((Registrations::Table, Registrations::UserId), (Users::Table, Users::Id)))
                .to_owned(),
        )
        .await?;
        // One live (pending or approved) registration per person, community and kind.
        m.create_index(
            index("uq_registrations_live", Registrations::Table, &["community_id", "user_id", "kind"])
                .unique()
                .and_where(Expr::col(Registrations::Status).ne("rejected"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_registrations_user", Registrations::Table, &["user_id"])).await?;
        m.create_index(index(
            "idx_registrations_community_status",
            Registrations::Table,
            &["community_id", "status", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Units::Table)
                .col(pk_uuid(Units::Id))
                .col(string_len(Units::Name, 100))
                .col(string_len(Units::Kind, 16))
                .col(string_len(Units::ContactName, 50))
                .col(string_len(Units::ContactPhone, 20))
                .col(timestamp_with_time_zone(Units::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UnitMembers::Table)
                .col(uuid(UnitMembers::UnitId))
                .col(uuid(UnitMembers::UserId))
                .col(string_len(UnitMembers::Role, 16))
                .col(timestamp_with_time_zone(UnitMembers::CreatedAt))
                .primary_key(Index::create().col(UnitMembers::UnitId).col(UnitMembers::UserId))
                .foreign_key(&mut fk((UnitMembers::Table, UnitMembers::UnitId), (Units::Table, Units::Id)))
                .foreign_key(&mut fk((UnitMembers::Table, UnitMembers::UserId), (Users::Table, Users::Id)))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_unit_members_user", UnitMembers::Table, &["user_id"])).await?;

        m.create_table(
            Table::create()
                .table(CommunityPartners::Table)
                .col(uuid(CommunityPartners::CommunityId))
                .col(uuid(CommunityPartners::UnitId))
                .col(string_len(CommunityPartners::Kind, 16))
                .col(timestamp_with_time_zone(CommunityPartners::CreatedAt))
                .primary_key(Index::create().col(CommunityPartners::CommunityId).col(CommunityPartners::UnitId))
                .foreign_key(&mut fk(
                    (CommunityPartners::Table, CommunityPartners::CommunityId),
                    (Areas::Table, Areas::Id),
                ))
                .foreign_key(&mut fk((CommunityPartners::Table, CommunityPartners::UnitId), (Units::Table, Units::Id)))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_community_partners_unit", CommunityPartners::Table, &["unit_id"])).await?;

        m.create_table(
            Table::create()
                .table(CatalogueItems::Table)
                .col(pk_uuid(CatalogueItems::Id))
                .col(string_len(CatalogueItems::List, 16))
                .col(string_len(CatalogueItems::GroupName, 32))
                .col(string_len_uniq(CatalogueItems::Code, 32))
                .col(string_len(CatalogueItems::Name, 100))
                .col(text(CatalogueItems::Description))
                .col(boolean(CatalogueItems::Active).default(true))
                .col(integer(CatalogueItems::SortOrder).default(0))
                .col(timestamp_with_time_zone(CatalogueItems::CreatedAt))
                .col(timestamp_with_time_zone(CatalogueItems::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Wishes::Table)
                .col(pk_uuid(Wishes::Id))
                .col(uuid(Wishes::CommunityId))
                .col(uuid(Wishes::ResidentId))
                .col(string_len(Wishes::Title, 100))
                .col(text(Wishes::Description))
                .col(uuid_null(Wishes::CatalogueItemId))
                .col(string_len_null(Wishes::List, 16))
                .col(string_len(Wishes::Status, 16))
                .col(timestamp_with_time_zone_null(Wishes::Deadline))
                .col(string_len_null(Wishes::Address, 200))
                .col(string_len_null(Wishes::ContactPhone, 20))
                .col(string_len_null(Wishes::ClaimantKind, 8))
                .col(uuid_null(Wishes::ClaimantUserId))
                .col(uuid_null(Wishes::ClaimantUnitId))
                .col(timestamp_with_time_zone_null(Wishes::ReviewedAt))
                .col(timestamp_with_time_zone_null(Wishes::ClaimedAt))
                .col(timestamp_with_time_zone_null(Wishes::FulfilledAt))
                .col(timestamp_with_time_zone_null(Wishes::CompletedAt))
                .col(integer_null(Wishes::HoursCenti))
                .col(small_integer_null(Wishes::Rating))
                .col(text_null(Wishes::Feedback))
                .col(text_null(Wishes::ReviewNote))
                .col(integer(Wishes::Version).default(1))
                .col(timestamp_with_time_zone(Wishes::CreatedAt))
                .col(timestamp_with_time_zone(Wishes::UpdatedAt))
                .foreign_key(&mut fk((Wishes::Table, Wishes::CommunityId), (Areas::Table, Areas::Id)))
                .foreign_key(&mut fk((Wishes::Table, Wishes::ResidentId), (Users::Table, Users::Id)))
                .foreign_key(&mut fk(
                    (Wishes::Table, Wishes::CatalogueItemId),
                    (CatalogueItems::Table, CatalogueItems::Id),
                ))
                .foreign_key(&mut fk((Wishes::Table, Wishes::ClaimantUserId), (Users::Table, Users::Id)))
                .foreign_key(&mut fk((Wishes::Table, Wishes::ClaimantUnitId), (Units::Table, Units::Id)))
                .to_owned(),
        )
        .await?;
        // Keyset pagination runs on `id` (UUIDv7, time ordered) behind each filter.
        m.create_index(index("idx_wishes_community_status", Wishes::Table, &["community_id", "status", "id"])).await?;
        m.create_index(index("idx_wishes_status", Wishes::Table, &["status", "id"])).await?;
        m.create_index(index("idx_wishes_resident", Wishes::Table, &["resident_id", "id"])).await?;
        m.create_index(index("idx_wishes_claimant_user", Wishes::Table, &["claimant_user_id", "status"])).await?;
        m.create_index(index("idx_wishes_claimant_unit", Wishes::Table, &["claimant_unit_id", "status"])).await?;
        m.create_index(index("idx_wishes_status_deadline", Wishes::Table, &["status", "deadline"])).await?;

        m.create_table(
            Table::create()
                .table(Claims::Table)
                .col(pk_uuid(Claims::Id))
                .col(uuid(Claims::WishId))
                .col(string_len(Claims::Kind, 8))
                .col(uuid_null(Claims::UserId))
                .col(uuid_null(Claims::UnitId))
                .col(uuid(Claims::ClaimedBy))
                .col(boolean(Claims::Assigned).default(false))
                .col(timestamp_with_time_zone(Claims::ClaimedAt))
                .col(uuid_null(Claims::FulfilledBy))
                .col(timestamp_with_time_zone_null(Claims::FulfilledAt))
                .col(integer_null(Claims::HoursCenti))
                .col(timestamp_with_time_zone_null(Claims::EndedAt))
                .col(string_len_null(Claims::EndReason, 16))
                .foreign_key(&mut fk((Claims::Table, Claims::WishId), (Wishes::Table, Wishes::Id)))
                .foreign_key(&mut fk((Claims::Table, Claims::UserId), (Users::Table, Users::Id)))
                .foreign_key(&mut fk((Claims::Table, Claims::UnitId), (Units::Table, Units::Id)))
                .to_owned(),
        )
        .await?;
        // The database itself refuses a second live claim on one wish.
        m.create_index(
            index("uq_claims_live", Claims::Table, &["wish_id"])
                .unique()
                .and_where(Expr::col(Claims::EndedAt).is_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_claims_wish", Claims::Table, &["wish_id", "claimed_at"])).await?;

        m.create_table(
            Table::create()
                .table(WishEvents::Table)
                .col(pk_uuid(WishEvents::Id))
                .col(uuid(WishEvents::WishId))
                .col(string_len(WishEvents::Action, 16))
                .col(string_len_null(WishEvents::FromStatus, 16))
                .col(string_len(WishEvents::ToStatus, 16))
                .col(uuid_null(WishEvents::ActorId))
                .col(text_null(WishEvents::Note))
                .col(timestamp_with_time_zone(WishEvents::CreatedAt))
                .foreign_key(&mut fk((WishEvents::Table, WishEvents::WishId), (Wishes::Table, Wishes::Id)))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_wish_events_wish", WishEvents::Table, &["wish_id", "id"])).await?;

        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(uuid(IdempotencyKeys::UserId))
                .col(string_len(IdempotencyKeys::Key, 200))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(uuid(IdempotencyKeys::WishId))
                .col(text(IdempotencyKeys::Response))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .primary_key(Index::create().col(IdempotencyKeys::UserId).col(IdempotencyKeys::Key))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_idempotency_keys_created", IdempotencyKeys::Table, &["created_at"])).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IdempotencyKeys::Table.into_iden(),
            WishEvents::Table.into_iden(),
            Claims::Table.into_iden(),
            Wishes::Table.into_iden(),
            CatalogueItems::Table.into_iden(),
            CommunityPartners::Table.into_iden(),
            UnitMembers::Table.into_iden(),
            Units::Table.into_iden(),
            Registrations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    CommunityId,
    UserId,
    Kind,
    Status,
    Note,
    ReviewNote,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Name,
    Kind,
    ContactName,
    ContactPhone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UnitMembers {
    Table,
    UnitId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CommunityPartners {
    Table,
    CommunityId,
    UnitId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CatalogueItems {
    Table,
    Id,
    List,
    GroupName,
    Code,
    Name,
    Description,
    Active,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Wishes {
    Table,
    Id,
    CommunityId,
    ResidentId,
    Title,
    Description,
    CatalogueItemId,
    List,
    Status,
    Deadline,
    Address,
    ContactPhone,
    ClaimantKind,
    ClaimantUserId,
    ClaimantUnitId,
    ReviewedAt,
    ClaimedAt,
    FulfilledAt,
    CompletedAt,
    HoursCenti,
    Rating,
    Feedback,
    ReviewNote,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Claims {
    Table,
    Id,
    WishId,
    Kind,
    UserId,
    UnitId,
    ClaimedBy,
    Assigned,
    ClaimedAt,
    FulfilledBy,
    FulfilledAt,
    HoursCenti,
    EndedAt,
    EndReason,
}

#[derive(DeriveIden)]
enum WishEvents {
    Table,
    Id,
    WishId,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    RequestHash,
    WishId,
    Response,
    CreatedAt,
}
