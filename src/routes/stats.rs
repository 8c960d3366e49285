//! What an area got done: its statistics and the CSV export of its wishes.

use std::collections::HashMap;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::fields::hours_from_centi;
use crate::domain::wish::{ClaimantKind, ServiceList, WishStatus};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Query;
use crate::state::AppState;
use crate::store::stats::{self, Period};
use crate::store::wishes::WishRecord;
use crate::store::{Db, areas};

/// A time window `[from, to)`; leave out either end to leave it open.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// At or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

impl PeriodParams {
    /// The window, or 422 when it ends before it starts.
    pub fn period(&self) -> ApiResult<Period> {
        if let (Some(f), Some(t)) = (self.from, self.to)
            && t <= f
        {
            return Err(ApiError::invalid("to", "结束时间必须晚于开始时间"));
        }
        Ok(Period { from: self.from, to: self.to })
    }
}

/// The communities under an area the caller is staff of (or above): 404 for no such area, 403 for anyone else.
async fn staff_area(state: &AppState, user: &AuthUser, id: Uuid) -> ApiResult<Vec<Uuid>> {
    let caller = areas::caller(&state.db, user.id).await?;
    let area = areas::get(state.db.read(), id).await?;
    if !caller.is_staff_of(&area.path) {
        return Err(ApiError::Forbidden("只有本区域或上级区域的工作人员可以查看".to_owned()));
    }
    areas::communities_under(&state.db, std::slice::from_ref(&area.path)).await
}

#[utoipa::path(get, path = "/api/v1/areas/{id}/stats", tag = "statistics", operation_id = "get_area_stats",
    security(("bearer" = [])), params(("id" = Uuid, Path), PeriodParams),
    responses(
        (status = 200, description = "Over every community at or below the area", body = stats::AreaStats),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the area or of one above it", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` is not after `from`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_area_stats(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<PeriodParams>,
) -> ApiResult<HttpResponse> {
    let period = query.0.period()?;
    let communities = staff_area(&state, &user, *id).await?;
    Ok(HttpResponse::Ok().json(stats::area_stats(&state.db, &communities, period).await?))
}

/// The columns of the export, in order.
const CSV_HEADER: [&str; 17] = [
    "编号",
    "社区",
    "标题",
    "服务清单",
    "服务项目",
    "状态",
    "提交时间(UTC)",
    "审核时间(UTC)",
    "认领时间(UTC)",
    "服务完成时间(UTC)",
    "确认完成时间(UTC)",
    "截止时间(UTC)",
    "认领方类型",
    "认领方",
    "服务时长(小时)",
    "评分",
    "评价",
];

/// Rows read from the database per chunk of the export.
const CSV_BATCH: u64 = 500;

/// Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

/// One wish as a CSV record. No contact data and no resident: an export travels further than the API.
fn csv_record(r: &WishRecord, places: &HashMap<Uuid, String>, items: &HashMap<Uuid, String>) -> [String; 17] {
    let w = &r.wish;
    let label = |s: Option<&str>, parse: fn(&str) -> Option<&'static str>| s.and_then(parse).unwrap_or("").to_owned();
    [
        w.id.to_string(),
        cell(places.get(&w.community_id).map(String::as_str).unwrap_or("")),
        cell(&w.title),
        label(w.list.as_deref(), |s| ServiceList::parse(s).map(ServiceList::label)),
        cell(w.catalogue_item_id.and_then(|i| items.get(&i)).map(String::as_str).unwrap_or("")),
        label(Some(&w.status), |s| WishStatus::parse(s).map(WishStatus::label)),
        time(Some(w.created_at)),
        time(w.reviewed_at),
        time(w.claimed_at),
        time(w.fulfilled_at),
        time(w.completed_at),
        time(w.deadline),
        label(w.claimant_kind.as_deref(), |s| ClaimantKind::parse(s).map(ClaimantKind::label)),
        cell(r.claimant_name.as_deref().unwrap_or("")),
        w.hours_centi.map(|h| hours_from_centi(h).to_string()).unwrap_or_default(),
        w.rating.map(|r| r.to_string()).unwrap_or_default(),
        cell(w.feedback.as_deref().unwrap_or("")),
    ]
}

fn csv_chunk<I, R>(records: I) -> ApiResult<Bytes>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * 1024));
    for r in records {
        w.write_record(r).map_err(|e| ApiError::Internal(e.into()))?;
    }
    w.into_inner().map(Bytes::from).map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

/// Where the export stands between two chunks.
struct Export {
    db: Db,
    /// Communities still to export, the current one last.
    communities: Vec<Uuid>,
    period: Period,
    places: HashMap<Uuid, String>,
    items: HashMap<Uuid, String>,
    header_sent: bool,
    /// The last id sent of the current community.
    after: Option<Uuid>,
}

impl Export {
    /// The next chunk: the header, then up to `CSV_BATCH` rows of one community at a time.
    async fn next_chunk(mut self) -> Option<(ApiResult<Bytes>, Export)> {
        if !self.header_sent {
            self.header_sent = true;
            // The byte-order mark lets Excel read the file as UTF-8.
            let head = csv_chunk([CSV_HEADER]).map(|h| Bytes::from([b"\xEF\xBB\xBF".as_slice(), &h].concat()));
            return Some((head, self));
        }
        loop {
            let community = *self.communities.last()?;
            let batch = match stats::export_batch(&self.db, community, self.period, self.after, CSV_BATCH).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export stopped");
                    self.communities.clear();
                    return Some((Err(e), self));
                }
            };
            if (batch.len() as u64) < CSV_BATCH {
                self.communities.pop();
                self.after = None;
            } else {
                self.after = batch.last().map(|r| r.wish.id);
            }
            if !batch.is_empty() {
                let chunk = csv_chunk(batch.iter().map(|r| csv_record(r, &self.places, &self.items)));
                return Some((chunk, self));
            }
        }
    }
}

#[utoipa::path(get, path = "/api/v1/areas/{id}/wishes.csv", tag = "statistics", operation_id = "export_area_wishes",
    security(("bearer" = [])), params(("id" = Uuid, Path), PeriodParams),
    responses(
        (status = 200, description = "Every wish submitted in the window under the area, by community and oldest first within one, streamed as CSV: UTF-8 with a byte-order mark, a Chinese header row, times in UTC. No contact data and no resident names.",
            content_type = "text/csv", body = String),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the area or of one above it", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` is not after `from`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_area_wishes(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<PeriodParams>,
) -> ApiResult<HttpResponse> {
    let period = query.0.period()?;
    let communities = staff_area(&state, &user, *id).await?;
    let (places, items) = stats::export_names(&state.db, &communities).await?;
    // Communities in name order, each oldest wish first.
    let mut communities = communities;
    communities.sort_by(|a, b| places.get(b).cmp(&places.get(a)).then(b.cmp(a)));
    let export = Export { db: state.db.clone(), communities, period, places, items, header_sent: false, after: None };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"wishes-{}.csv\"", *id)))
        .streaming(futures_util::stream::unfold(export, Export::next_chunk)))
}
