//! The area tree (city → district → street → community) and its staff.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::area::AreaLevel;
use crate::domain::fields::{self, Violations};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Body, Query};
use crate::state::AppState;
use crate::store::areas;
use crate::store::page::{Page, PageParams};

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaView {
    pub id: Uuid,
    #[schema(example = "青山湖区")]
    pub name: String,
    pub level: AreaLevel,
    pub parent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::areas::Model> for AreaView {
    fn from(a: entity::areas::Model) -> Self {
        AreaView { level: areas::level(&a), id: a.id, name: a.name, parent_id: a.parent_id, created_at: a.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "湖坊镇", "level": "street", "parent_id": "01936c1e-0000-7000-8000-000000000000"}))]
pub struct CreateAreaRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub level: AreaLevel,
    /// Required for every level but `city`.
    pub parent_id: Option<Uuid>,
}

#[utoipa::path(post, path = "/api/v1/areas", tag = "areas", operation_id = "create_area", security(("bearer" = [])),
    request_body = CreateAreaRequest,
    responses(
        (status = 201, body = AreaView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name, or a parent that breaks the level order", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_area(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateAreaRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    caller.require_admin("只有管理员可以执行此操作")?;
    let req = body.0;
    let mut v = Violations::new();
    let name = v.check("name", fields::area_name(&req.name));
    v.finish()?;
    let name = name.ok_or_else(|| ApiError::invalid("name", "名称无效"))?;
    let area = areas::create(&state.db, name, req.level, req.parent_id).await?;
    Ok(HttpResponse::Created().json(AreaView::from(area)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreaFilter {
    /// Children of this area.
    pub parent_id: Option<Uuid>,
    pub level: Option<AreaLevel>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/areas", tag = "areas", operation_id = "list_areas",
    params(AreaFilter),
    responses(
        (status = 200, body = Page<AreaView>),
        (status = 400, description = "Bad query string", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_areas(state: web::Data<AppState>, query: Query<AreaFilter>) -> ApiResult<HttpResponse> {
    let f = query.0;
    let page = PageParams { limit: f.limit, cursor: f.cursor }.request()?;
    let rows = areas::list(&state.db, f.parent_id, f.level, page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |a| a.id, AreaView::from)))
}

#[utoipa::path(get, path = "/api/v1/areas/{id}", tag = "areas", operation_id = "get_area",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AreaView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_area(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(AreaView::from(areas::get(state.db.read(), *id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddStaffRequest {
    pub user_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub area_id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/areas/{id}/staff", tag = "areas", operation_id = "add_staff", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = AddStaffRequest,
    responses(
        (status = 201, description = "Appointed", body = StaffView),
        (status = 200, description = "Already staff of this area", body = StaffView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins and staff of an area above only", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Body<AddStaffRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let (row, created) = areas::add_staff(&state.db, &caller, *id, body.0.user_id).await?;
    let view = StaffView { area_id: row.area_id, user_id: row.user_id, created_at: row.created_at };
    Ok(if created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}

#[utoipa::path(delete, path = "/api/v1/areas/{id}/staff/{user_id}", tag = "areas", operation_id = "remove_staff", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such area or not staff of it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let (area, staff) = path.into_inner();
    areas::remove_staff(&state.db, &caller, area, staff).await?;
    Ok(HttpResponse::NoContent().finish())
}
