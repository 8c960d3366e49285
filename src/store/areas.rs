//! The area tree and its staff.

use entity::{area_staff, areas};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Db;
use super::page::PageRequest;
use crate::clock;
use crate::domain::area::{AreaLevel, child_path, parent_allowed};
use crate::domain::policy::Caller;
use crate::error::{ApiError, ApiResult};

/// The caller's standing: admin flag and staff areas.
pub async fn caller(db: &Db, user: Uuid) -> ApiResult<Caller> {
    let u = super::users::get(db.read(), user).await.map_err(|e| match e {
        // A token for a user that no longer exists is no longer valid.
        ApiError::NotFound => ApiError::Unauthenticated("用户不存在"),
        other => other,
    })?;
    let staff_areas = super::users::staff_areas(db.read(), user).await?;
    Ok(Caller { id: user, is_admin: u.is_admin, staff_areas })
}

/// The caller's standing if a token was sent (`None` for anonymous callers).
pub async fn maybe_caller(db: &Db, user: Option<Uuid>) -> ApiResult<Option<Caller>> {
    match user {
        Some(id) => Ok(Some(caller(db, id).await?)),
        None => Ok(None),
    }
}

pub fn level(m: &areas::Model) -> AreaLevel {
    AreaLevel::parse(&m.level).unwrap_or(AreaLevel::Community)
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<areas::Model> {
    areas::Entity::find_by_id(id).one(db).await?.ok_or(ApiError::NotFound)
}

/// A community, or 404 for anything else.
pub async fn community(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<areas::Model> {
    let a = get(db, id).await?;
    if level(&a) == AreaLevel::Community { Ok(a) } else { Err(ApiError::NotFound) }
}

pub async fn create(db: &Db, name: String, level: AreaLevel, parent_id: Option<Uuid>) -> ApiResult<areas::Model> {
    let parent = match parent_id {
        Some(p) => Some(
            areas::Entity::find_by_id(p)
                .one(db.read())
                .await?
                .ok_or_else(|| ApiError::invalid("parent_id", "上级区域不存在"))?,
        ),
        None => None,
    };
    parent_allowed(level, parent.as_ref().map(self::level)).map_err(|m| ApiError::invalid("parent_id", m))?;
    let id = Uuid::now_v7();
    Ok(areas::ActiveModel {
        id: Set(id),
        name: Set(name),
        level: Set(level.as_str().to_owned()),
        parent_id: Set(parent_id),
        path: Set(child_path(parent.as_ref().map(|p| p.path.as_str()), id)),
        created_at: Set(clock::now()),
    }
    .insert(db.write())
    .await?)
}

pub async fn list(
    db: &Db,
    parent_id: Option<Uuid>,
    level: Option<AreaLevel>,
    page: PageRequest,
) -> ApiResult<Vec<areas::Model>> {
    let mut q = areas::Entity::find().order_by_asc(areas::Column::Id).limit(page.limit + 1);
    if let Some(p) = parent_id {
        q = q.filter(areas::Column::ParentId.eq(p));
    }
    if let Some(l) = level {
        q = q.filter(areas::Column::Level.eq(l.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(areas::Column::Id.gt(after));
    }
    Ok(q.all(db.read()).await?)
}

/// May `caller` appoint or remove staff of `area`? Admins, and staff of an area above it.
fn may_manage_staff(caller: &Caller, area: &areas::Model) -> bool {
    let parent_path = area.path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/"));
    caller.is_admin || parent_path.is_some_and(|p| caller.is_staff_of(&p))
}

/// Makes `user` staff of `area`; returns whether they were newly added.
pub async fn add_staff(db: &Db, caller: &Caller, area_id: Uuid, user: Uuid) -> ApiResult<(area_staff::Model, bool)> {
    let area = get(db.read(), area_id).await?;
    if !may_manage_staff(caller, &area) {
        return Err(ApiError::Forbidden("只有管理员或上级区域工作人员可以任命工作人员".to_owned()));
    }
    super::users::get(db.read(), user).await.map_err(|_| ApiError::invalid("user_id", "用户不存在"))?;
    let key = (area_id, user);
    if let Some(existing) = area_staff::Entity::find_by_id(key).one(db.read()).await? {
        return Ok((existing, false));
    }
    let row = area_staff::ActiveModel { area_id: Set(area_id), user_id: Set(user), created_at: Set(clock::now()) };
    match row.insert(db.write()).await {
        Ok(m) => Ok((m, true)),
        // Added concurrently: the same outcome.
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            Ok((area_staff::Entity::find_by_id(key).one(db.read()).await?.ok_or(ApiError::NotFound)?, false))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_staff(db: &Db, caller: &Caller, area_id: Uuid, user: Uuid) -> ApiResult<()> {
    let area = get(db.read(), area_id).await?;
    if !may_manage_staff(caller, &area) {
        return Err(ApiError::Forbidden("只有管理员或上级区域工作人员可以移除工作人员".to_owned()));
    }
    let res = area_staff::Entity::delete_by_id((area_id, user)).exec(db.write()).await?;
    if res.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

/// The communities a staff member acts on (`None` for admins: all of them).
pub async fn staff_communities(db: &Db, caller: &Caller) -> ApiResult<Option<Vec<Uuid>>> {
    if caller.is_admin {
        return Ok(None);
    }
    if caller.staff_areas.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let paths: Vec<String> = areas::Entity::find()
        .select_only()
        .column(areas::Column::Path)
        .filter(areas::Column::Id.is_in(caller.staff_areas.clone()))
        .into_tuple()
        .all(db.read())
        .await?;
    Ok(Some(communities_under(db, &paths).await?))
}

/// The ids of the communities at or below any of the areas whose materialised paths are given.
pub async fn communities_under(db: &Db, paths: &[String]) -> ApiResult<Vec<Uuid>> {
    let mut under = Condition::any();
    for p in paths {
        under = under.add(areas::Column::Path.starts_with(p));
    }
    Ok(areas::Entity::find()
        .select_only()
        .column(areas::Column::Id)
        .filter(areas::Column::Level.eq(AreaLevel::Community.as_str()))
        .filter(under)
        .into_tuple()
        .all(db.read())
        .await?)
}
