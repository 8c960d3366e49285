//! The service catalogue: three lists of items; deactivated, never deleted.

use entity::catalogue_items;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::Db;
use crate::clock;
use crate::domain::wish::ServiceList;
use crate::error::{ApiError, ApiResult};

pub async fn list(
    db: &Db,
    list: Option<ServiceList>,
    group: Option<&str>,
    include_inactive: bool,
) -> ApiResult<Vec<catalogue_items::Model>> {
    let mut q = catalogue_items::Entity::find()
        .order_by_asc(catalogue_items::Column::SortOrder)
        .order_by_asc(catalogue_items::Column::Code);
    if let Some(l) = list {
        q = q.filter(catalogue_items::Column::List.eq(l.as_str()));
    }
    if let Some(g) = group {
        q = q.filter(catalogue_items::Column::GroupName.eq(g));
    }
    if !include_inactive {
        q = q.filter(catalogue_items::Column::Active.eq(true));
    }
    Ok(q.all(db.read()).await?)
}

pub async fn get(db: &Db, id: Uuid) -> ApiResult<catalogue_items::Model> {
    catalogue_items::Entity::find_by_id(id).one(db.read()).await?.ok_or(ApiError::NotFound)
}

/// A new catalogue item, validated.
pub struct NewItem {
    pub list: ServiceList,
    pub group: String,
    pub code: String,
    pub name: String,
    pub description: String,
}

pub async fn create(db: &Db, new: NewItem) -> ApiResult<catalogue_items::Model> {
    let now = clock::now();
    catalogue_items::ActiveModel {
        id: Set(Uuid::now_v7()),
        list: Set(new.list.as_str().to_owned()),
        group_name: Set(new.group),
        code: Set(new.code),
        name: Set(new.name),
        description: Set(new.description),
        active: Set(true),
        // New items go after the seeded ones.
        sort_order: Set(10_000),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.write())
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("该编码已被使用".to_owned()),
        other => other,
    })
}

/// Changes to an item; the list and code are fixed once published.
#[derive(Default)]
pub struct ItemChange {
    pub group: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

pub async fn update(db: &Db, id: Uuid, change: ItemChange) -> ApiResult<catalogue_items::Model> {
    let item = get(db, id).await?;
    let mut m: catalogue_items::ActiveModel = item.into();
    if let Some(v) = change.group {
        m.group_name = Set(v);
    }
    if let Some(v) = change.name {
        m.name = Set(v);
    }
    if let Some(v) = change.description {
        m.description = Set(v);
    }
    if let Some(v) = change.active {
        m.active = Set(v);
    }
    m.updated_at = Set(clock::now());
    Ok(m.update(db.write()).await?)
}
