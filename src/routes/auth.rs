//! Accounts: register, log in, refresh, log out.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::password;
use crate::domain::fields::{self, Violations};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Body;
use crate::ratelimit::Limit;
use crate::state::AppState;
use crate::store::{areas, users};

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"phone": "13812345678", "password": "gongjian-2026", "display_name": "王小明"}))]
pub struct RegisterRequest {
    /// Mainland mobile (`1[3-9]` + 9 digits) or E.164.
    #[schema(example = "13812345678")]
    pub phone: String,
    /// At least 8 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    #[schema(min_length = 1, max_length = 50, example = "王小明")]
    pub display_name: String,
    /// The community the resident lives in; wishes are posted there.
    pub home_community_id: Option<Uuid>,
}

/// A user as the API shows them to themself and to admins.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub phone: String,
    pub display_name: String,
    pub is_admin: bool,
    pub home_community_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::users::Model> for UserView {
    fn from(u: entity::users::Model) -> Self {
        UserView {
            id: u.id,
            phone: u.phone,
            display_name: u.display_name,
            is_admin: u.is_admin,
            home_community_id: u.home_community_id,
            created_at: u.created_at,
        }
    }
}

/// Checks that a home community exists and is a community.
pub async fn check_home(state: &AppState, id: Option<Uuid>, v: &mut Violations) -> ApiResult<()> {
    if let Some(id) = id {
        match areas::community(state.db.read(), id).await {
            Ok(_) => {}
            Err(ApiError::NotFound) => v.add("home_community_id", "社区不存在"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", operation_id = "register_user",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = UserView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Phone already registered (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address (`rate_limited`, `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    state: web::Data<AppState>,
    http: HttpRequest,
    body: Body<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    state.limit(Limit::RegisterAddress, &state.client_address(&http))?;
    let req = body.0;
    let mut v = Violations::new();
    let phone = v.check("phone", fields::phone(&req.phone));
    let pass = v.check("password", fields::password(&req.password));
    let name = v.check("display_name", fields::display_name(&req.display_name));
    check_home(&state, req.home_community_id, &mut v).await?;
    v.finish()?;
    let (Some(phone), Some(pass), Some(name)) = (phone, pass, name) else {
        return Err(ApiError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let hash = password::hash(pass, state.settings.argon2_memory_kib).await?;
    let user = users::create(
        state.db.write(),
        users::NewUser {
            phone,
            password_hash: hash,
            display_name: name,
            is_admin: false,
            home_community_id: req.home_community_id,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"phone": "13812345678", "password": "gongjian-2026"}))]
pub struct LoginRequest {
    pub phone: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// HS256 JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque; exchange at `/auth/refresh`. Each use returns a new one.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

async fn tokens(state: &AppState, user: Uuid, refresh: String) -> ApiResult<TokenResponse> {
    Ok(TokenResponse {
        access_token: state.keys.issue(user)?,
        refresh_token: refresh,
        token_type: "Bearer".to_owned(),
        expires_in: state.keys.ttl().as_secs(),
    })
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", operation_id = "login_user",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong phone or password (one answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts for this phone or from this address (`rate_limited`, `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(state: web::Data<AppState>, http: HttpRequest, body: Body<LoginRequest>) -> ApiResult<HttpResponse> {
    let req = body.0;
    // Attempts count whether or not they succeed: per client address, and per phone as typed.
    state.limit(Limit::LoginAddress, &state.client_address(&http))?;
    state.limit(Limit::LoginPhone, fields::phone(&req.phone).as_deref().unwrap_or(req.phone.trim()))?;
    let user = match fields::phone(&req.phone) {
        Ok(phone) => users::by_phone(&state.db, &phone).await?,
        Err(_) => None,
    };
    let ok = password::verify(
        req.password,
        user.as_ref().map(|u| u.password_hash.clone()),
        state.settings.argon2_memory_kib,
    )
    .await?;
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => return Err(ApiError::Unauthenticated("手机号或密码错误")),
    };
    let refresh = users::issue_refresh(state.db.write(), user.id, None, state.settings.refresh_token_ttl).await?;
    Ok(HttpResponse::Ok().json(tokens(&state, user.id, refresh).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "accounts", operation_id = "refresh_token",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token (reuse revokes the family)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(state: web::Data<AppState>, body: Body<RefreshRequest>) -> ApiResult<HttpResponse> {
    let (user, next) =
        users::rotate_refresh(&state.db, &body.0.refresh_token, state.settings.refresh_token_ttl).await?;
    Ok(HttpResponse::Ok().json(tokens(&state, user, next).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", operation_id = "logout_user",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The refresh token (and its family) is revoked"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(state: web::Data<AppState>, body: Body<RefreshRequest>) -> ApiResult<HttpResponse> {
    users::revoke_refresh(&state.db, &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
