//! Who serves a community: registrations ("报到") of party members and
//! volunteers, units and their members, and the community's partner units.

use entity::{areas, community_partners, registrations, unit_members, units};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Db;
use super::page::PageRequest;
use crate::clock;
use crate::domain::policy::Caller;
use crate::error::{ApiError, ApiResult};

/// Most paired co-build units one community may have (the "5" of "5+X+Y").
pub const MAX_PAIRED: u64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    /// 在职党员
    PartyMember,
    /// 志愿者
    Volunteer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 共建单位
    CoBuild,
    /// 驻区单位
    ResidentUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Admin,
    Member,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// 结对共建单位 (at most five per community)
    Paired,
    /// 驻区单位
    Resident,
}

macro_rules! string_enum {
    ($t:ty { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
        }
    };
}
string_enum!(RegistrationKind { PartyMember => "party_member", Volunteer => "volunteer" });
string_enum!(RegistrationStatus { Pending => "pending", Approved => "approved", Rejected => "rejected" });
string_enum!(UnitKind { CoBuild => "co_build", ResidentUnit => "resident_unit" });
string_enum!(MemberRole { Admin => "admin", Member => "member" });
string_enum!(PartnerKind { Paired => "paired", Resident => "resident" });

/// Staff of the community (or above), or 403.
pub fn require_staff(caller: &Caller, community: &areas::Model) -> ApiResult<()> {
    if caller.is_staff_of(&community.path) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("只有本社区或上级区域的工作人员可以执行此操作".to_owned()))
    }
}

// ---- registrations ----

pub async fn register(
    db: &Db,
    user: Uuid,
    community_id: Uuid,
    kind: RegistrationKind,
    note: Option<String>,
) -> ApiResult<registrations::Model> {
    super::areas::community(db.read(), community_id).await?;
    let txn = db.begin().await?;
    let reg = registrations::ActiveModel {
        id: Set(Uuid::now_v7()),
        community_id: Set(community_id),
        user_id: Set(user),
        kind: Set(kind.as_str().to_owned()),
        status: Set(RegistrationStatus::Pending.as_str().to_owned()),
        note: Set(note),
        review_note: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(clock::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("已有待审核或已通过的同类报到".to_owned()),
        other => other,
    })?;
    super::notify::registration_event(&txn, "registration.created", &reg, user).await?;
    txn.commit().await?;
    Ok(reg)
}

/// Approves or rejects a pending registration (staff of its community).
pub async fn review_registration(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    approve: bool,
    note: Option<String>,
) -> ApiResult<registrations::Model> {
    let reg = registrations::Entity::find_by_id(id).one(db.read()).await?.ok_or(ApiError::NotFound)?;
    let community = super::areas::get(db.read(), reg.community_id).await?;
    if !caller.is_staff_of(&community.path) && reg.user_id != caller.id {
        // The registrant may see their registration exists; others may not.
        return Err(ApiError::NotFound);
    }
    require_staff(caller, &community)?;
    let to = if approve { RegistrationStatus::Approved } else { RegistrationStatus::Rejected };
    let now = clock::now();
    let txn = db.begin().await?;
    let res = registrations::Entity::update_many()
        .col_expr(registrations::Column::Status, to.as_str().into())
        .col_expr(registrations::Column::ReviewNote, note.into())
        .col_expr(registrations::Column::ReviewedBy, Some(caller.id).into())
        .col_expr(registrations::Column::ReviewedAt, Some(now).into())
        .filter(registrations::Column::Id.eq(id))
        .filter(registrations::Column::Status.eq(RegistrationStatus::Pending.as_str()))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ApiError::Conflict("该报到已处理".to_owned()));
    }
    let reg = registrations::Entity::find_by_id(id).one(&txn).await?.ok_or(ApiError::NotFound)?;
    let event = if approve { "registration.approved" } else { "registration.rejected" };
    super::notify::registration_event(&txn, event, &reg, caller.id).await?;
    txn.commit().await?;
    Ok(reg)
}

pub async fn list_registrations(
    db: &Db,
    caller: &Caller,
    community_id: Uuid,
    status: Option<RegistrationStatus>,
    page: PageRequest,
) -> ApiResult<Vec<registrations::Model>> {
    let community = super::areas::community(db.read(), community_id).await?;
    require_staff(caller, &community)?;
    let mut q = registrations::Entity::find()
        .filter(registrations::Column::CommunityId.eq(community_id))
        .order_by_asc(registrations::Column::Id)
        .limit(page.limit + 1);
    if let Some(s) = status {
        q = q.filter(registrations::Column::Status.eq(s.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(registrations::Column::Id.gt(after));
    }
    Ok(q.all(db.read()).await?)
}

/// Is `user` an approved party member or volunteer of the community?
pub async fn approved_registrant(db: &impl ConnectionTrait, user: Uuid, community: Uuid) -> ApiResult<bool> {
    Ok(registrations::Entity::find()
        .filter(registrations::Column::UserId.eq(user))
        .filter(registrations::Column::CommunityId.eq(community))
        .filter(registrations::Column::Status.eq(RegistrationStatus::Approved.as_str()))
        .count(db)
        .await?
        > 0)
}

// ---- units ----

pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub contact_name: String,
    pub contact_phone: String,
}

pub async fn create_unit(db: &Db, new: NewUnit) -> ApiResult<units::Model> {
    Ok(units::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(new.name),
        kind: Set(new.kind.as_str().to_owned()),
        contact_name: Set(new.contact_name),
        contact_phone: Set(new.contact_phone),
        created_at: Set(clock::now()),
    }
    .insert(db.write())
    .await?)
}

pub async fn unit(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<units::Model> {
    units::Entity::find_by_id(id).one(db).await?.ok_or(ApiError::NotFound)
}

/// The caller's role in a unit, if any.
pub async fn member_role(db: &impl ConnectionTrait, unit: Uuid, user: Uuid) -> ApiResult<Option<MemberRole>> {
    Ok(unit_members::Entity::find_by_id((unit, user)).one(db).await?.and_then(|m| MemberRole::parse(&m.role)))
}

/// Adds a member or changes their role (admins, or admins of the unit).
pub async fn set_member(
    db: &Db,
    caller: &Caller,
    unit_id: Uuid,
    user: Uuid,
    role: MemberRole,
) -> ApiResult<(unit_members::Model, bool)> {
    unit(db.read(), unit_id).await?;
    if !caller.is_admin && member_role(db.read(), unit_id, caller.id).await? != Some(MemberRole::Admin) {
        return Err(ApiError::Forbidden("只有管理员或单位管理员可以管理成员".to_owned()));
    }
    super::users::get(db.read(), user).await.map_err(|_| ApiError::invalid("user_id", "用户不存在"))?;
    let txn = db.begin().await?;
    let existing = unit_members::Entity::find_by_id((unit_id, user)).one(&txn).await?;
    let created = existing.is_none();
    let row = match existing {
        Some(m) => {
            let mut am: unit_members::ActiveModel = m.into();
            am.role = Set(role.as_str().to_owned());
            am.update(&txn).await?
        }
        None => {
            unit_members::ActiveModel {
                unit_id: Set(unit_id),
                user_id: Set(user),
                role: Set(role.as_str().to_owned()),
                created_at: Set(clock::now()),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok((row, created))
}

// ---- partners ----

/// A partner unit of a community, with the unit's name.
pub struct Partner {
    pub row: community_partners::Model,
    pub unit: units::Model,
}

/// Pairs a unit with a community (staff). A sixth `paired` unit is a conflict,
/// decided under a lock on the community so two concurrent pairings cannot both pass.
pub async fn add_partner(
    db: &Db,
    caller: &Caller,
    community_id: Uuid,
    unit_id: Uuid,
    kind: PartnerKind,
) -> ApiResult<Partner> {
    let community = super::areas::community(db.read(), community_id).await?;
    require_staff(caller, &community)?;
    let unit = unit(db.read(), unit_id).await.map_err(|_| ApiError::invalid("unit_id", "单位不存在"))?;
    let txn = db.begin().await?;
    areas::Entity::find_by_id(community_id).lock_exclusive().one(&txn).await?;
    if kind == PartnerKind::Paired {
        let paired = community_partners::Entity::find()
            .filter(community_partners::Column::CommunityId.eq(community_id))
            .filter(community_partners::Column::Kind.eq(PartnerKind::Paired.as_str()))
            .count(&txn)
            .await?;
        if paired >= MAX_PAIRED {
            return Err(ApiError::Conflict(format!("每个社区最多结对{MAX_PAIRED}个共建单位")));
        }
    }
    let row = community_partners::ActiveModel {
        community_id: Set(community_id),
        unit_id: Set(unit_id),
        kind: Set(kind.as_str().to_owned()),
        created_at: Set(clock::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("该单位已是本社区的共建单位".to_owned()),
        other => other,
    })?;
    txn.commit().await?;
    Ok(Partner { row, unit })
}

pub async fn list_partners(db: &Db, community_id: Uuid) -> ApiResult<Vec<Partner>> {
    super::areas::community(db.read(), community_id).await?;
    let rows = community_partners::Entity::find()
        .filter(community_partners::Column::CommunityId.eq(community_id))
        .order_by_asc(community_partners::Column::CreatedAt)
        .all(db.read())
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.unit_id).collect();
    let units = units::Entity::find().filter(units::Column::Id.is_in(ids)).all(db.read()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let unit = units.iter().find(|u| u.id == row.unit_id)?.clone();
            Some(Partner { row, unit })
        })
        .collect())
}

/// Is the unit a partner of the community?
pub async fn is_partner(db: &impl ConnectionTrait, community: Uuid, unit: Uuid) -> ApiResult<bool> {
    Ok(community_partners::Entity::find_by_id((community, unit)).one(db).await?.is_some())
}
