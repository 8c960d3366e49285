//! The signed-in user's own profile and roles.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{UserView, check_home};
use crate::auth::AuthUser;
use crate::domain::fields::{self, Violations};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Body, nullable};
use crate::state::AppState;
use crate::store::community::{MemberRole, RegistrationKind, RegistrationStatus};
use crate::store::users;

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRegistration {
    pub id: Uuid,
    pub community_id: Uuid,
    pub kind: RegistrationKind,
    pub status: RegistrationStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyUnit {
    pub unit_id: Uuid,
    pub role: MemberRole,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// Areas this user is staff of.
    pub staff_areas: Vec<Uuid>,
    pub registrations: Vec<MyRegistration>,
    pub units: Vec<MyUnit>,
}

async fn me_view(state: &AppState, user: entity::users::Model) -> ApiResult<MeView> {
    let roles = users::roles(&state.db, user.id).await?;
    Ok(MeView {
        user: user.into(),
        staff_areas: roles.staff_areas,
        registrations: roles
            .registrations
            .into_iter()
            .filter_map(|r| {
                Some(MyRegistration {
                    id: r.id,
                    community_id: r.community_id,
                    kind: RegistrationKind::parse(&r.kind)?,
                    status: RegistrationStatus::parse(&r.status)?,
                })
            })
            .collect(),
        units: roles
            .units
            .into_iter()
            .filter_map(|m| Some(MyUnit { unit_id: m.unit_id, role: MemberRole::parse(&m.role)? }))
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", operation_id = "get_me", security(("bearer" = [])),
    responses(
        (status = 200, body = MeView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let u = crate::store::areas::caller(&state.db, user.id).await?;
    let model = users::get(state.db.read(), u.id).await?;
    Ok(HttpResponse::Ok().json(me_view(&state, model).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateMeRequest {
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub home_community_id: Option<Option<Uuid>>,
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", operation_id = "update_me", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, body = MeView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<UpdateMeRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.0;
    crate::store::areas::caller(&state.db, user.id).await?;
    let mut v = Violations::new();
    let display_name = v.check_opt("display_name", req.display_name.as_deref(), fields::display_name);
    check_home(&state, req.home_community_id.flatten(), &mut v).await?;
    v.finish()?;
    let model = users::update_profile(
        &state.db,
        user.id,
        users::ProfileChange { display_name, home_community_id: req.home_community_id },
    )
    .await?;
    Ok(HttpResponse::Ok().json(me_view(&state, model).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"old_password": "gongjian-2026", "new_password": "another-secret-2027"}))]
pub struct ChangePasswordRequest {
    pub old_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", operation_id = "change_password",
    security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every refresh token of the user is revoked (sign in again on each device). Access tokens already issued stay valid until they expire (15 minutes)."),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong old password, or a new password that is too short or long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.0;
    crate::store::areas::caller(&state.db, user.id).await?;
    let model = users::get(state.db.read(), user.id).await?;
    let memory = state.settings.argon2_memory_kib;
    let mut v = Violations::new();
    let new = v.check("new_password", fields::password(&req.new_password));
    if !crate::auth::password::verify(req.old_password, Some(model.password_hash), memory).await? {
        v.add("old_password", "原密码不正确");
    }
    v.finish()?;
    let Some(new) = new else { return Err(ApiError::Internal(anyhow::anyhow!("validated password missing"))) };
    let hash = crate::auth::password::hash(new, memory).await?;
    users::change_password(&state.db, user.id, hash).await?;
    Ok(HttpResponse::NoContent().finish())
}
