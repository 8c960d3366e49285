//! Users and their refresh tokens.

use chrono::{DateTime, Utc};
use entity::{area_staff, refresh_tokens, registrations, unit_members, users};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::Db;
use crate::clock;
use crate::error::{ApiError, ApiResult};

/// A new account.
pub struct NewUser {
    pub phone: String,
    pub password_hash: String,
    pub display_name: String,
    pub is_admin: bool,
    pub home_community_id: Option<Uuid>,
}

pub async fn create(db: &impl ConnectionTrait, new: NewUser) -> ApiResult<users::Model> {
    let now = clock::now();
    let model = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        phone: Set(new.phone),
        password_hash: Set(new.password_hash),
        display_name: Set(new.display_name),
        is_admin: Set(new.is_admin),
        home_community_id: Set(new.home_community_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    model.insert(db).await.map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("该手机号已注册".to_owned()),
        other => other,
    })
}

pub async fn by_phone(db: &Db, phone: &str) -> ApiResult<Option<users::Model>> {
    Ok(users::Entity::find().filter(users::Column::Phone.eq(phone)).one(db.read()).await?)
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<users::Model> {
    users::Entity::find_by_id(id).one(db).await?.ok_or(ApiError::NotFound)
}

pub async fn any_admin(db: &Db) -> ApiResult<bool> {
    Ok(users::Entity::find().filter(users::Column::IsAdmin.eq(true)).one(db.read()).await?.is_some())
}

/// Makes an existing user an admin.
pub async fn promote(db: &Db, id: Uuid) -> ApiResult<()> {
    users::ActiveModel { id: Set(id), is_admin: Set(true), updated_at: Set(clock::now()), ..Default::default() }
        .update(db.write())
        .await?;
    Ok(())
}

/// Changes to one's own profile; `Some(None)` clears the home community.
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub home_community_id: Option<Option<Uuid>>,
}

pub async fn update_profile(db: &Db, id: Uuid, change: ProfileChange) -> ApiResult<users::Model> {
    let mut m = users::ActiveModel { id: Set(id), updated_at: Set(clock::now()), ..Default::default() };
    if let Some(name) = change.display_name {
        m.display_name = Set(name);
    }
    if let Some(home) = change.home_community_id {
        m.home_community_id = Set(home);
    }
    Ok(m.update(db.write()).await?)
}

/// Everything `GET /me` shows beside the user row.
pub struct Roles {
    pub staff_areas: Vec<Uuid>,
    pub registrations: Vec<registrations::Model>,
    pub units: Vec<unit_members::Model>,
}

pub async fn roles(db: &Db, id: Uuid) -> ApiResult<Roles> {
    let staff_areas = staff_areas(db.read(), id).await?;
    let registrations = registrations::Entity::find()
        .filter(registrations::Column::UserId.eq(id))
        .order_by_asc(registrations::Column::Id)
        .all(db.read())
        .await?;
    let units = unit_members::Entity::find()
        .filter(unit_members::Column::UserId.eq(id))
        .order_by_asc(unit_members::Column::UnitId)
        .all(db.read())
        .await?;
    Ok(Roles { staff_areas, registrations, units })
}

/// The areas a user is staff of.
pub async fn staff_areas(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(area_staff::Entity::find()
        .select_only()
        .column(area_staff::Column::AreaId)
        .filter(area_staff::Column::UserId.eq(id))
        .into_tuple()
        .all(db)
        .await?)
}

// ---- refresh tokens ----

/// Stores a new refresh token of `family` (a new family when `None`) and returns it.
pub async fn issue_refresh(
    db: &impl ConnectionTrait,
    user: Uuid,
    family: Option<Uuid>,
    ttl: std::time::Duration,
) -> ApiResult<String> {
    let token = crate::auth::token::random_secret(32);
    let now = clock::now();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        family_id: Set(family.unwrap_or_else(Uuid::now_v7)),
        token_hash: Set(crate::auth::token::refresh_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30))),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Exchanges a refresh token for a new one of the same family. A token used
/// before (a replay) revokes the whole family: whoever holds it is cut off.
pub async fn rotate_refresh(db: &Db, token: &str, ttl: std::time::Duration) -> ApiResult<(Uuid, String)> {
    let invalid = ApiError::Unauthenticated("刷新令牌无效或已过期");
    let txn = db.begin().await?;
    let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(crate::auth::token::refresh_hash(token)))
        .one(&txn)
        .await?
    else {
        return Err(invalid);
    };
    let now = clock::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(invalid);
    }
    // Compare-and-set: of two concurrent uses of one token only one rotates.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, now.into())
        .filter(refresh_tokens::Column::Id.eq(row.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        revoke_family(&txn, row.family_id, now).await?;
        txn.commit().await?;
        tracing::warn!(user = %row.user_id, family = %row.family_id, "refresh token reuse: family revoked");
        return Err(invalid);
    }
    let next = issue_refresh(&txn, row.user_id, Some(row.family_id), ttl).await?;
    txn.commit().await?;
    Ok((row.user_id, next))
}

async fn revoke_family(db: &impl ConnectionTrait, family: Uuid, now: DateTime<Utc>) -> ApiResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, now.into())
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes the family of `token` (logout). Unknown tokens are ignored.
pub async fn revoke_refresh(db: &Db, token: &str) -> ApiResult<()> {
    let txn = db.begin().await?;
    if let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(crate::auth::token::refresh_hash(token)))
        .one(&txn)
        .await?
    {
        revoke_family(&txn, row.family_id, clock::now()).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Replaces the password hash and revokes every refresh token of the user, in one transaction.
pub async fn change_password(db: &Db, id: Uuid, new_hash: String) -> ApiResult<()> {
    let now = clock::now();
    let txn = db.begin().await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, new_hash.into())
        .col_expr(users::Column::UpdatedAt, now.into())
        .filter(users::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Some(now).into())
        .filter(refresh_tokens::Column::UserId.eq(id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
