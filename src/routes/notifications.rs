//! The in-app inbox.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;
use crate::state::AppState;
use crate::store::notify;
use crate::store::page::{Page, PageParams};

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// The event, e.g. `wish.approved` or `registration.created`.
    #[schema(example = "wish.approved")]
    pub event: String,
    pub wish_id: Option<Uuid>,
    #[schema(example = "您的心愿已通过审核:为卧床老人借一台轮椅")]
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<entity::notifications::Model> for NotificationView {
    fn from(n: entity::notifications::Model) -> Self {
        NotificationView {
            id: n.id,
            event: n.event,
            wish_id: n.wish_id,
            title: n.title,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// Only unread notifications.
    pub unread: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications", operation_id = "list_notifications",
    security(("bearer" = [])), params(InboxParams),
    responses(
        (status = 200, description = "Newest first", body = Page<NotificationView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<InboxParams>,
) -> ApiResult<HttpResponse> {
    let q = query.0;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let rows = notify::inbox(&state.db, user.id, q.unread.unwrap_or(false), page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |n| n.id, NotificationView::from)))
}

#[utoipa::path(post, path = "/api/v1/me/notifications/{id}/read", tag = "notifications", operation_id = "read_notification",
    security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Marked read (again is fine)", body = NotificationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the caller's notifications", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn read_notification(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(NotificationView::from(notify::mark_read(&state.db, user.id, *id).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadAllResponse {
    /// How many notifications were unread.
    pub updated: u64,
}

#[utoipa::path(post, path = "/api/v1/me/notifications/read-all", tag = "notifications", operation_id = "read_all_notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReadAllResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn read_all_notifications(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(ReadAllResponse { updated: notify::mark_all_read(&state.db, user.id).await? }))
}
