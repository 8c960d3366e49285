//! Webhook subscriptions and their delivery log.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::fields::Violations;
use crate::domain::webhook::EVENTS;
use crate::error::{ApiResult, Problem};
use crate::extract::{Body, OptionalBody, Query};
use crate::state::AppState;
use crate::store::areas;
use crate::store::page::PageParams;
use crate::store::webhooks as store;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    #[schema(example = "https://example.org/microwish/hooks")]
    pub url: String,
    #[schema(example = json!(["wish.approved", "wish.completed"]))]
    pub events: Vec<String>,
    /// Events of communities under this area only; `null`: every area (admins).
    pub area_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A new webhook, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_<base64>`: verify `webhook-signature` with it (Standard Webhooks 1.0).
    pub secret: String,
}

impl From<entity::webhooks::Model> for WebhookView {
    fn from(h: entity::webhooks::Model) -> Self {
        WebhookView { events: store::events_of(&h), id: h.id, url: h.url, area_id: h.area_id, created_at: h.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWebhookRequest {
    /// http(s); loopback, private and link-local targets are refused.
    #[schema(max_length = 2000)]
    pub url: String,
    /// Event names, or `["*"]` for all.
    pub events: Vec<String>,
    /// Required for staff: an area they are staff of.
    pub area_id: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "create_webhook", security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Subscribed; the secret is shown only here", body = CreatedWebhookView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins, or staff for their own area", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad URL, private target, unknown event", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let r = body.0;
    let mut v = Violations::new();
    if r.url.len() > 2000 {
        v.add("url", "网址过长");
    } else if let Err(m) = crate::dispatch::resolve(&r.url, state.settings.allow_private_webhooks).await {
        v.add("url", m);
    }
    let mut events: Vec<String> = r.events.iter().map(|e| e.trim().to_owned()).collect();
    events.sort();
    events.dedup();
    if events.is_empty() {
        v.add("events", "至少订阅一个事件");
    } else if events.iter().any(|e| e == "*") {
        events = vec!["*".to_owned()];
    } else if let Some(bad) = events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        v.add("events", format!("未知事件 {bad}"));
    }
    v.finish()?;
    let hook = store::create(&state.db, &caller, r.url, events, r.area_id).await?;
    let secret = hook.secret.clone();
    Ok(HttpResponse::Created().json(CreatedWebhookView { webhook: hook.into(), secret }))
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "list_webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhooks the caller manages", body = Vec<WebhookView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhooks(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let hooks = store::list(&state.db, &caller).await?;
    Ok(HttpResponse::Ok().json(hooks.into_iter().map(WebhookView::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "get_webhook", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = WebhookView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_webhook(state: web::Data<AppState>, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(store::get(&state.db, &caller, *id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted with its delivery log"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    store::delete(&state.db, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    /// The outbox event: also the `webhook-id` header, the same on every retry.
    pub event_id: Uuid,
    #[schema(example = "wish.claimed")]
    pub event: String,
    /// Attempts made so far.
    pub attempt: i32,
    #[schema(example = "pending")]
    pub status: String,
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    /// When the next attempt is due (`null` unless pending).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::webhook_deliveries::Model> for DeliveryView {
    fn from(d: entity::webhook_deliveries::Model) -> Self {
        DeliveryView {
            next_attempt_at: (d.status == store::PENDING).then_some(d.next_attempt_at),
            id: d.id,
            event_id: d.event_id,
            event: d.event,
            attempt: d.attempt,
            status: d.status,
            response_status: d.response_status,
            last_error: d.last_error,
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// How many, newest first: 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    security(("bearer" = [])), params(("id" = Uuid, Path), DeliveryParams),
    responses(
        (status = 200, description = "Newest first", body = Vec<DeliveryView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<DeliveryParams>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let limit = PageParams { limit: query.0.limit, cursor: None }.request()?.limit;
    let rows = store::deliveries(&state.db, &caller, *id, limit).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(DeliveryView::from).collect::<Vec<_>>()))
}

/// No body is needed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RetryRequest {}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks", operation_id = "retry_webhook_delivery",
    security(("bearer" = [])), params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses(
        (status = 200, description = "Queued again, due now", body = DeliveryView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already delivered", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retry_webhook_delivery(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    _body: OptionalBody<RetryRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let (id, delivery) = path.into_inner();
    let d = store::retry(&state.db, &caller, id, delivery).await?;
    Ok(HttpResponse::Ok().json(DeliveryView::from(d)))
}
