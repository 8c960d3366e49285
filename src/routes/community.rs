//! Registrations ("报到"), units and their members, community partners.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::fields::{self, Violations};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Body, OptionalBody, Query};
use crate::state::AppState;
use crate::store::areas;
use crate::store::community::{self as store, MemberRole, PartnerKind, RegistrationKind, RegistrationStatus, UnitKind};
use crate::store::page::{Page, PageParams};

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    pub id: Uuid,
    pub community_id: Uuid,
    pub user_id: Uuid,
    pub kind: RegistrationKind,
    pub status: RegistrationStatus,
    pub note: Option<String>,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::registrations::Model> for RegistrationView {
    fn from(r: entity::registrations::Model) -> Self {
        RegistrationView {
            id: r.id,
            community_id: r.community_id,
            user_id: r.user_id,
            kind: RegistrationKind::parse(&r.kind).unwrap_or(RegistrationKind::Volunteer),
            status: RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Pending),
            note: r.note,
            review_note: r.review_note,
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"kind": "party_member", "note": "在职党员,周末可服务"}))]
pub struct CreateRegistrationRequest {
    pub kind: RegistrationKind,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/communities/{id}/registrations", tag = "community", operation_id = "create_registration",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Community")),
    request_body = CreateRegistrationRequest,
    responses(
        (status = 201, body = RegistrationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pending or approved registration of this kind exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_registration(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Body<CreateRegistrationRequest>,
) -> ApiResult<HttpResponse> {
    areas::caller(&state.db, user.id).await?;
    let mut v = Violations::new();
    let note = v.check_opt("note", body.0.note.as_deref(), fields::note);
    v.finish()?;
    let reg = store::register(&state.db, user.id, *id, body.0.kind, note).await?;
    Ok(HttpResponse::Created().json(RegistrationView::from(reg)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReviewRequest {
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

async fn review(
    state: &AppState,
    user: AuthUser,
    id: Uuid,
    note: Option<String>,
    approve: bool,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let mut v = Violations::new();
    let note = v.check_opt("note", note.as_deref(), fields::note);
    v.finish()?;
    let reg = store::review_registration(&state.db, &caller, id, approve, note).await?;
    Ok(HttpResponse::Ok().json(RegistrationView::from(reg)))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/approve", tag = "community", operation_id = "approve_registration",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body(content = ReviewRequest, description = "Optional"),
    responses(
        (status = 200, body = RegistrationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff of the community only", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve_registration(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: OptionalBody<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    review(&state, user, *id, body.0.note, true).await
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "community", operation_id = "reject_registration",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body(content = ReviewRequest, description = "Optional"),
    responses(
        (status = 200, body = RegistrationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reject_registration(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: OptionalBody<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    review(&state, user, *id, body.0.note, false).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationFilter {
    pub status: Option<RegistrationStatus>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/communities/{id}/registrations", tag = "community", operation_id = "list_registrations",
    security(("bearer" = [])), params(("id" = Uuid, Path), RegistrationFilter),
    responses(
        (status = 200, body = Page<RegistrationView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_registrations(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<RegistrationFilter>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let f = query.0;
    let page = PageParams { limit: f.limit, cursor: f.cursor }.request()?;
    let rows = store::list_registrations(&state.db, &caller, *id, f.status, page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |r| r.id, RegistrationView::from)))
}

// ---- units ----

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    #[schema(example = "国网南昌供电公司")]
    pub name: String,
    pub kind: UnitKind,
    pub contact_name: String,
    pub contact_phone: String,
    pub created_at: DateTime<Utc>,
}

impl From<entity::units::Model> for UnitView {
    fn from(u: entity::units::Model) -> Self {
        UnitView {
            id: u.id,
            kind: UnitKind::parse(&u.kind).unwrap_or(UnitKind::CoBuild),
            name: u.name,
            contact_name: u.contact_name,
            contact_phone: u.contact_phone,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "国网南昌供电公司", "kind": "co_build", "contact_name": "李工", "contact_phone": "13912345678"}))]
pub struct CreateUnitRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: UnitKind,
    #[schema(min_length = 1, max_length = 50)]
    pub contact_name: String,
    pub contact_phone: String,
}

#[utoipa::path(post, path = "/api/v1/units", tag = "community", operation_id = "create_unit", security(("bearer" = [])),
    request_body = CreateUnitRequest,
    responses(
        (status = 201, body = UnitView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateUnitRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    caller.require_admin("只有管理员可以登记单位")?;
    let req = body.0;
    let mut v = Violations::new();
    let name = v.check("name", fields::unit_name(&req.name));
    let contact_name = v.check("contact_name", fields::display_name(&req.contact_name));
    let contact_phone = v.check("contact_phone", fields::phone(&req.contact_phone));
    v.finish()?;
    let (Some(name), Some(contact_name), Some(contact_phone)) = (name, contact_name, contact_phone) else {
        return Err(ApiError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let unit =
        store::create_unit(&state.db, store::NewUnit { name, kind: req.kind, contact_name, contact_phone }).await?;
    Ok(HttpResponse::Created().json(UnitView::from(unit)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMemberRequest {
    pub user_id: Uuid,
    pub role: MemberRole,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub unit_id: Uuid,
    pub user_id: Uuid,
    pub role: MemberRole,
    pub created_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/units/{id}/members", tag = "community", operation_id = "add_unit_member",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AddMemberRequest,
    responses(
        (status = 201, description = "Added", body = MemberView),
        (status = 200, description = "Already a member: role updated", body = MemberView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins and unit admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_unit_member(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Body<AddMemberRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let (m, created) = store::set_member(&state.db, &caller, *id, body.0.user_id, body.0.role).await?;
    let view = MemberView {
        unit_id: m.unit_id,
        user_id: m.user_id,
        role: MemberRole::parse(&m.role).unwrap_or(MemberRole::Member),
        created_at: m.created_at,
    };
    Ok(if created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}

// ---- partners ----

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    pub community_id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub unit_kind: UnitKind,
    pub kind: PartnerKind,
    pub created_at: DateTime<Utc>,
}

impl From<store::Partner> for PartnerView {
    fn from(p: store::Partner) -> Self {
        PartnerView {
            community_id: p.row.community_id,
            unit_id: p.row.unit_id,
            name: p.unit.name,
            unit_kind: UnitKind::parse(&p.unit.kind).unwrap_or(UnitKind::CoBuild),
            kind: PartnerKind::parse(&p.row.kind).unwrap_or(PartnerKind::Resident),
            created_at: p.row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddPartnerRequest {
    pub unit_id: Uuid,
    pub kind: PartnerKind,
}

#[utoipa::path(post, path = "/api/v1/communities/{id}/partners", tag = "community", operation_id = "add_partner",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AddPartnerRequest,
    responses(
        (status = 201, body = PartnerView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a partner, or a sixth paired unit", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_partner(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Body<AddPartnerRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let p = store::add_partner(&state.db, &caller, *id, body.0.unit_id, body.0.kind).await?;
    Ok(HttpResponse::Created().json(PartnerView::from(p)))
}

#[utoipa::path(get, path = "/api/v1/communities/{id}/partners", tag = "community", operation_id = "list_partners",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<PartnerView>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_partners(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let rows = store::list_partners(&state.db, *id).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(PartnerView::from).collect::<Vec<_>>()))
}
