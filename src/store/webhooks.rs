//! Webhook endpoints, their delivery queue, and the leases dispatchers take.

use chrono::{DateTime, Utc};
use entity::{areas, webhook_deliveries, webhooks};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Db;
use crate::clock;
use crate::domain::area::path_ids;
use crate::domain::policy::Caller;
use crate::domain::webhook::subscribed;
use crate::error::{ApiError, ApiResult};

/// Delivery states.
pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

pub fn events_of(hook: &webhooks::Model) -> Vec<String> {
    serde_json::from_str(&hook.events).unwrap_or_default()
}

/// May `caller` manage a webhook of `area` (`None`: every area)?
async fn may_manage(db: &Db, caller: &Caller, area: Option<Uuid>) -> ApiResult<bool> {
    if caller.is_admin {
        return Ok(true);
    }
    let Some(area) = area else { return Ok(false) };
    let a = super::areas::get(db.read(), area).await?;
    Ok(caller.is_staff_of(&a.path))
}

pub async fn create(
    db: &Db,
    caller: &Caller,
    url: String,
    events: Vec<String>,
    area: Option<Uuid>,
) -> ApiResult<webhooks::Model> {
    if let Some(a) = area {
        super::areas::get(db.read(), a).await.map_err(|_| ApiError::invalid("area_id", "区域不存在"))?;
    }
    if !may_manage(db, caller, area).await? {
        return Err(ApiError::Forbidden("只有管理员或本区域工作人员可以订阅事件".to_owned()));
    }
    let secret = format!("whsec_{}", base64_secret());
    Ok(webhooks::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url),
        events: Set(serde_json::to_string(&events).map_err(anyhow::Error::from)?),
        area_id: Set(area),
        secret: Set(secret),
        created_by: Set(caller.id),
        created_at: Set(clock::now()),
    }
    .insert(db.write())
    .await?)
}

fn base64_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut key = [0u8; 24];
    rand::rng().fill_bytes(&mut key);
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// The webhooks `caller` may see: all for admins, those of their areas (and below) for staff.
pub async fn list(db: &Db, caller: &Caller) -> ApiResult<Vec<webhooks::Model>> {
    let all = webhooks::Entity::find().order_by_asc(webhooks::Column::Id).all(db.read()).await?;
    if caller.is_admin {
        return Ok(all);
    }
    let mut out = Vec::new();
    for hook in all {
        if may_manage(db, caller, hook.area_id).await? {
            out.push(hook);
        }
    }
    Ok(out)
}

/// A webhook `caller` manages, or 404.
pub async fn get(db: &Db, caller: &Caller, id: Uuid) -> ApiResult<webhooks::Model> {
    let hook = webhooks::Entity::find_by_id(id).one(db.read()).await?.ok_or(ApiError::NotFound)?;
    if may_manage(db, caller, hook.area_id).await? { Ok(hook) } else { Err(ApiError::NotFound) }
}

pub async fn delete(db: &Db, caller: &Caller, id: Uuid) -> ApiResult<()> {
    get(db, caller, id).await?;
    webhook_deliveries::Entity::delete_many()
        .filter(webhook_deliveries::Column::WebhookId.eq(id))
        .exec(db.write())
        .await?;
    webhooks::Entity::delete_by_id(id).exec(db.write()).await?;
    Ok(())
}

pub async fn deliveries(db: &Db, caller: &Caller, id: Uuid, limit: u64) -> ApiResult<Vec<webhook_deliveries::Model>> {
    get(db, caller, id).await?;
    Ok(webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::WebhookId.eq(id))
        .order_by_desc(webhook_deliveries::Column::Id)
        .limit(limit)
        .all(db.read())
        .await?)
}

/// Puts a delivery back in the queue, due now (its attempts so far are kept).
pub async fn retry(db: &Db, caller: &Caller, id: Uuid, delivery: Uuid) -> ApiResult<webhook_deliveries::Model> {
    get(db, caller, id).await?;
    let d = webhook_deliveries::Entity::find_by_id(delivery)
        .filter(webhook_deliveries::Column::WebhookId.eq(id))
        .one(db.read())
        .await?
        .ok_or(ApiError::NotFound)?;
    if d.status == SUCCEEDED {
        return Err(ApiError::Conflict("该事件已投递成功".to_owned()));
    }
    let now = clock::now();
    webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, PENDING.into())
        .col_expr(webhook_deliveries::Column::NextAttemptAt, now.into())
        .col_expr(webhook_deliveries::Column::UpdatedAt, now.into())
        .filter(webhook_deliveries::Column::Id.eq(delivery))
        .filter(webhook_deliveries::Column::Status.ne(SUCCEEDED))
        .exec(db.write())
        .await?;
    webhook_deliveries::Entity::find_by_id(delivery).one(db.write()).await?.ok_or(ApiError::NotFound)
}

/// Queues one delivery of event `event_id` per webhook that subscribes to it
/// and covers the community — inside the transaction of the change.
pub async fn enqueue(txn: &impl ConnectionTrait, event_id: Uuid, event: &str, community: Uuid) -> ApiResult<()> {
    let path = areas::Entity::find_by_id(community).one(txn).await?.map(|a| a.path).unwrap_or_default();
    let hooks = webhooks::Entity::find()
        .filter(
            Condition::any()
                .add(webhooks::Column::AreaId.is_null())
                .add(webhooks::Column::AreaId.is_in(path_ids(&path))),
        )
        .all(txn)
        .await?;
    let now = clock::now();
    let rows: Vec<webhook_deliveries::ActiveModel> = hooks
        .iter()
        .filter(|h| subscribed(&events_of(h), event))
        .map(|h| webhook_deliveries::ActiveModel {
            id: Set(Uuid::now_v7()),
            webhook_id: Set(h.id),
            event_id: Set(event_id),
            event: Set(event.to_owned()),
            attempt: Set(0),
            status: Set(PENDING.to_owned()),
            response_status: Set(None),
            last_error: Set(None),
            next_attempt_at: Set(now),
            leased_until: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    if !rows.is_empty() {
        webhook_deliveries::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}

/// Webhooks with something pending.
pub async fn hooks_with_pending(db: &Db) -> ApiResult<Vec<Uuid>> {
    Ok(webhook_deliveries::Entity::find()
        .select_only()
        .column(webhook_deliveries::Column::WebhookId)
        .filter(webhook_deliveries::Column::Status.eq(PENDING))
        .distinct()
        .into_tuple()
        .all(db.read())
        .await?)
}

/// The oldest pending delivery of a webhook: deliveries of one endpoint go in event order.
pub async fn head(db: &Db, hook: Uuid) -> ApiResult<Option<webhook_deliveries::Model>> {
    Ok(webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::WebhookId.eq(hook))
        .filter(webhook_deliveries::Column::Status.eq(PENDING))
        .order_by_asc(webhook_deliveries::Column::Id)
        .one(db.read())
        .await?)
}

/// Takes the delivery for `until` unless another dispatcher holds it: of
/// several processes, one sends it.
pub async fn lease(
    db: &Db,
    d: &webhook_deliveries::Model,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> ApiResult<bool> {
    let res = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::LeasedUntil, Some(until).into())
        .filter(webhook_deliveries::Column::Id.eq(d.id))
        .filter(webhook_deliveries::Column::Status.eq(PENDING))
        .filter(webhook_deliveries::Column::Attempt.eq(d.attempt))
        .filter(
            Condition::any()
                .add(webhook_deliveries::Column::LeasedUntil.is_null())
                .add(webhook_deliveries::Column::LeasedUntil.lt(now)),
        )
        .exec(db.write())
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records an attempt: succeeded, or pending again at `retry_at`, or failed for good.
pub async fn record_attempt(
    db: &Db,
    d: &webhook_deliveries::Model,
    response_status: Option<u16>,
    error: Option<String>,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let ok = response_status.is_some_and(|s| (200..300).contains(&s));
    let status = match (ok, retry_at) {
        (true, _) => SUCCEEDED,
        (false, Some(_)) => PENDING,
        (false, None) => FAILED,
    };
    webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Attempt, Expr::col(webhook_deliveries::Column::Attempt).add(1))
        .col_expr(webhook_deliveries::Column::Status, status.into())
        .col_expr(webhook_deliveries::Column::ResponseStatus, response_status.map(i32::from).into())
        .col_expr(webhook_deliveries::Column::LastError, error.into())
        .col_expr(webhook_deliveries::Column::NextAttemptAt, retry_at.unwrap_or(now).into())
        .col_expr(webhook_deliveries::Column::LeasedUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(webhook_deliveries::Column::UpdatedAt, now.into())
        .filter(webhook_deliveries::Column::Id.eq(d.id))
        .filter(webhook_deliveries::Column::Attempt.eq(d.attempt))
        .exec(db.write())
        .await?;
    Ok(())
}

/// The webhook row for sending (no permission check: the dispatcher is the system).
pub async fn hook(db: &Db, id: Uuid) -> ApiResult<Option<webhooks::Model>> {
    Ok(webhooks::Entity::find_by_id(id).one(db.read()).await?)
}

/// An outbox event, for the dispatcher.
pub async fn event(db: &Db, id: Uuid) -> ApiResult<Option<entity::outbox_events::Model>> {
    Ok(entity::outbox_events::Entity::find_by_id(id).one(db.read()).await?)
}

/// Deliveries waiting to be sent (the outbox backlog as endpoints see it).
pub async fn pending_count(db: &Db) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::Status.eq(PENDING))
        .count(db.read())
        .await?)
}
