//! The time bank: one's balance and a community's leaderboard.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::stats::PeriodParams;
use crate::auth::{AuthUser, MaybeUser};
use crate::domain::fields::{hours_from_centi, mask_name};
use crate::domain::wish::ClaimantKind;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;
use crate::state::AppState;
use crate::store::{areas, timebank};

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeBankEntry {
    pub wish_id: Uuid,
    #[schema(example = 2.5)]
    pub hours: f64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeBankView {
    /// The sum of the caller's ledger entries.
    #[schema(example = 12.5)]
    pub balance_hours: f64,
    /// The latest 100 entries, newest first.
    pub entries: Vec<TimeBankEntry>,
}

#[utoipa::path(get, path = "/api/v1/me/time-bank", tag = "time bank", operation_id = "get_my_time_bank", security(("bearer" = [])),
    responses(
        (status = 200, body = TimeBankView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_my_time_bank(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    areas::caller(&state.db, user.id).await?;
    let (balance, entries) = timebank::account(&state.db, user.id, 100).await?;
    Ok(HttpResponse::Ok().json(TimeBankView {
        balance_hours: balance as f64 / 100.0,
        entries: entries
            .into_iter()
            .map(|e| TimeBankEntry {
                wish_id: e.wish_id,
                hours: hours_from_centi(e.hours_centi),
                created_at: e.created_at,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardLine {
    pub kind: ClaimantKind,
    pub id: Uuid,
    /// A person's name is masked except for staff of the community.
    pub name: String,
    /// Hours realised (completed wishes only).
    pub hours: f64,
    pub completed: i64,
}

#[utoipa::path(get, path = "/api/v1/communities/{id}/leaderboard", tag = "time bank", operation_id = "get_leaderboard",
    security((), ("bearer" = [])), params(("id" = Uuid, Path), PeriodParams),
    responses(
        (status = 200, description = "Most hours first, then most completed wishes", body = Vec<LeaderboardLine>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` is not after `from`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_leaderboard(
    state: web::Data<AppState>,
    user: MaybeUser,
    id: web::Path<Uuid>,
    query: Query<PeriodParams>,
) -> ApiResult<HttpResponse> {
    let community = areas::community(state.db.read(), *id).await?;
    let staff = match user.id() {
        Some(u) => areas::caller(&state.db, u).await?.is_staff_of(&community.path),
        None => false,
    };
    let rows = timebank::leaderboard(&state.db, *id, query.0.period()?).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|s| LeaderboardLine {
                name: if s.kind == ClaimantKind::User && !staff { mask_name(&s.name) } else { s.name },
                kind: s.kind,
                id: s.id,
                hours: s.hours_centi as f64 / 100.0,
                completed: s.completed,
            })
            .collect::<Vec<_>>(),
    ))
}
