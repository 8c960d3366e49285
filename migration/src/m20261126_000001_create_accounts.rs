//! Settings, users, refresh tokens, areas and area staff.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string(Settings::Key).primary_key())
                .col(text(Settings::Value))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Areas::Table)
                .col(pk_uuid(Areas::Id))
                .col(string_len(Areas::Name, 100))
                .col(string_len(Areas::Level, 16))
                .col(uuid_null(Areas::ParentId))
                // "/<root id>/.../<own id>/": ancestry in one indexed column.
                .col(string_len(Areas::Path, 200))
                .col(timestamp_with_time_zone(Areas::CreatedAt))
                .foreign_key(ForeignKey::create().from(Areas::Table, Areas::ParentId).to(Areas::Table, Areas::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_areas_parent").table(Areas::Table).col(Areas::ParentId).to_owned())
            .await?;
        m.create_index(Index::create().name("idx_areas_path").table(Areas::Table).col(Areas::Path).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_len_uniq(Users::Phone, 20))
                .col(string(Users::PasswordHash))
                .col(string_len(Users::DisplayName, 50))
                .col(boolean(Users::IsAdmin).default(false))
                .col(uuid_null(Users::HomeCommunityId))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create().from(Users::Table, Users::HomeCommunityId).to(Areas::Table, Areas::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(pk_uuid(RefreshTokens::Id))
                .col(uuid(RefreshTokens::UserId))
                .col(uuid(RefreshTokens::FamilyId))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AreaStaff::Table)
                .col(uuid(AreaStaff::AreaId))
                .col(uuid(AreaStaff::UserId))
                .col(timestamp_with_time_zone(AreaStaff::CreatedAt))
                .primary_key(Index::create().col(AreaStaff::AreaId).col(AreaStaff::UserId))
                .foreign_key(ForeignKey::create().from(AreaStaff::Table, AreaStaff::AreaId).to(Areas::Table, Areas::Id))
                .foreign_key(ForeignKey::create().from(AreaStaff::Table, AreaStaff::UserId).to(Users::Table, Users::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_area_staff_user").table(AreaStaff::Table).col(AreaStaff::UserId).to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AreaStaff::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Users::Table.into_iden(),
            Areas::Table.into_iden(),
            Settings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
pub(crate) enum Areas {
    Table,
    Id,
    Name,
    Level,
    ParentId,
    Path,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Phone,
    PasswordHash,
    DisplayName,
    IsAdmin,
    HomeCommunityId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AreaStaff {
    Table,
    AreaId,
    UserId,
    CreatedAt,
}
