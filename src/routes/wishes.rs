//! Wishes: submit, read, edit, the timeline, and one route per action.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AuthUser, MaybeUser};
use crate::domain::fields::{self, Violations};
use crate::domain::policy::Facts;
use crate::domain::wish::{Assignee, Command, ServiceList, WishStatus};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Body, OptionalBody, Query, nullable};
use crate::state::AppState;
use crate::store::areas;
use crate::store::page::{Page, PageParams};
use crate::store::wishes::{self as store, Actor, Idempotency, ListFilter, NewWish, Submitted, WishEdit, WishRecord};
pub use crate::views::{ClaimantView, WishView};

fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

fn wish_response(status: actix_web::http::StatusCode, rec: &WishRecord, f: &Facts) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag(rec.wish.version))).json(WishView::for_viewer(rec, f))
}

/// `If-Match: "3"` (or `W/"3"`) → `Some(3)`; `*` or absent → `None`.
fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    let v = value.to_str().map_err(|_| ApiError::Malformed("If-Match 无效".to_owned()))?.trim();
    if v == "*" {
        return Ok(None);
    }
    let v = v.trim_start_matches("W/").trim_matches('"');
    // An ETag we never issued can match no version.
    Ok(Some(v.parse::<i32>().unwrap_or(-1)))
}

// ---- submit ----

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"title": "为卧床老人借一台轮椅", "description": "家中老人术后卧床,需要轮椅一个月", "address": "青山湖区湖坊镇某小区3栋2单元", "contact_phone": "13812345678"}))]
pub struct CreateWishRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    pub catalogue_item_id: Option<Uuid>,
    /// Must be in the future.
    pub deadline: Option<DateTime<Utc>>,
    #[schema(max_length = 200)]
    pub address: Option<String>,
    pub contact_phone: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/wishes", tag = "wishes", operation_id = "create_wish", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the original response (24 h)")),
    request_body = CreateWishRequest,
    responses(
        (status = 201, description = "Submitted (status `pending_review`), or the original response of a retry", body = WishView,
            headers(("ETag" = String, description = "The wish's version"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, no home community, or an idempotency key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions by this user this hour (`rate_limited`, `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_wish(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: Body<CreateWishRequest>,
) -> ApiResult<HttpResponse> {
    areas::caller(&state.db, user.id).await?;
    state.limit(crate::ratelimit::Limit::SubmitUser, &user.id.to_string())?;
    let r = &body.0;
    let mut v = Violations::new();
    let now = crate::clock::now();
    let title = v.check("title", fields::wish_title(&r.title));
    let description = v.check("description", fields::wish_description(&r.description));
    let deadline = v.check_opt("deadline", r.deadline, |d| fields::deadline(d, now));
    let address = v.check_opt("address", r.address.as_deref(), fields::address);
    let contact_phone = v.check_opt("contact_phone", r.contact_phone.as_deref(), fields::phone);
    let idem = match req.headers().get("Idempotency-Key") {
        None => None,
        Some(k) => match k.to_str().map(str::trim) {
            Ok(k) if !k.is_empty() && k.len() <= 200 => {
                let canonical = serde_json::to_vec(r).map_err(anyhow::Error::from)?;
                let hash = Sha256::digest(&canonical).iter().map(|b| format!("{b:02x}")).collect();
                Some(Idempotency { key: k.to_owned(), request_hash: hash })
            }
            _ => {
                v.add("Idempotency-Key", "幂等键须为1到200个可见字符");
                None
            }
        },
    };
    v.finish()?;
    let (Some(title), Some(description)) = (title, description) else {
        return Err(ApiError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let new = NewWish { title, description, catalogue_item_id: r.catalogue_item_id, deadline, address, contact_phone };
    let resident = Facts { resident: true, ..Facts::default() };
    let render = |rec: &WishRecord| serde_json::to_string(&WishView::for_viewer(rec, &resident)).unwrap_or_default();
    match store::submit(&state.db, user.id, new, idem, render).await? {
        Submitted::Created(rec) => Ok(wish_response(actix_web::http::StatusCode::CREATED, &rec, &resident)),
        Submitted::Replayed(body) => {
            let version = serde_json::from_str::<WishView>(&body).map(|w| w.version).unwrap_or(1);
            Ok(HttpResponse::Created()
                .insert_header((header::ETAG, etag(version)))
                .insert_header(("Idempotent-Replayed", "true"))
                .content_type("application/json")
                .body(body))
        }
    }
}

// ---- read ----

/// The order of a list of wishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    Newest,
    Oldest,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WishFilter {
    pub community_id: Option<Uuid>,
    pub status: Option<WishStatus>,
    pub list: Option<ServiceList>,
    pub catalogue_item_id: Option<Uuid>,
    /// Only the caller's own wishes (needs a token).
    pub mine: Option<bool>,
    /// `newest` first (the default) or `oldest` first, as a review queue wants.
    pub order: Option<ListOrder>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/wishes", tag = "wishes", operation_id = "list_wishes", security((), ("bearer" = [])),
    params(WishFilter),
    responses(
        (status = 200, description = "Newest first, or oldest first with `order=oldest`. Anyone sees open, claimed, fulfilled and completed wishes; residents also their own; staff all of their areas. Never carries contact data.", body = Page<WishView>),
        (status = 400, description = "Bad query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Bad token, or `mine=true` without one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_wishes(
    state: web::Data<AppState>,
    user: MaybeUser,
    query: Query<WishFilter>,
) -> ApiResult<HttpResponse> {
    let caller = areas::maybe_caller(&state.db, user.id()).await?;
    let q = query.0;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let filter = ListFilter {
        community_id: q.community_id,
        status: q.status,
        list: q.list,
        catalogue_item_id: q.catalogue_item_id,
        mine: q.mine.unwrap_or(false),
        oldest_first: q.order == Some(ListOrder::Oldest),
    };
    let rows = store::list(&state.db, caller.as_ref(), &filter, page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        page,
        |(r, _)| r.wish.id,
        |(r, full)| WishView::render(&r, full, false),
    )))
}

#[utoipa::path(get, path = "/api/v1/wishes/{id}", tag = "wishes", operation_id = "get_wish", security((), ("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = WishView, headers(("ETag" = String))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such wish, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_wish(state: web::Data<AppState>, user: MaybeUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let caller = areas::maybe_caller(&state.db, user.id()).await?;
    let (rec, f) = store::get(&state.db, caller.as_ref(), *id).await?;
    Ok(wish_response(actix_web::http::StatusCode::OK, &rec, &f))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WishEventView {
    pub id: Uuid,
    /// `submit`, `edit`, `erase` (contact data removed after the retention period), or an action name.
    #[schema(example = "approve")]
    pub action: String,
    pub from_status: Option<WishStatus>,
    pub to_status: WishStatus,
    /// `null` for scheduled transitions.
    pub actor_id: Option<Uuid>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/v1/wishes/{id}/events", tag = "wishes", operation_id = "list_wish_events", security((), ("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The timeline, oldest first", body = Vec<WishEventView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_wish_events(
    state: web::Data<AppState>,
    user: MaybeUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let caller = areas::maybe_caller(&state.db, user.id()).await?;
    let events = store::events(&state.db, caller.as_ref(), *id).await?;
    let views: Vec<WishEventView> = events
        .into_iter()
        .map(|e| WishEventView {
            id: e.id,
            action: e.action,
            from_status: e.from_status.as_deref().and_then(WishStatus::parse),
            to_status: WishStatus::parse(&e.to_status).unwrap_or(WishStatus::PendingReview),
            actor_id: e.actor_id,
            note: e.note,
            created_at: e.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

// ---- edit ----

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateWishRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub title: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub catalogue_item_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub deadline: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/api/v1/wishes/{id}", tag = "wishes", operation_id = "update_wish", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last seen; 412 if the wish changed since")),
    request_body = UpdateWishRequest,
    responses(
        (status = 200, description = "Edited; back to `pending_review`", body = WishView, headers(("ETag" = String))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the resident edits", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending review or returned", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_wish(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    req: HttpRequest,
    body: Body<UpdateWishRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let r = body.0;
    let now = crate::clock::now();
    let mut v = Violations::new();
    let edit = WishEdit {
        title: v.check_opt("title", r.title.as_deref(), fields::wish_title),
        description: v.check_opt("description", r.description.as_deref(), fields::wish_description),
        catalogue_item_id: r.catalogue_item_id,
        deadline: optional(&mut v, "deadline", r.deadline, |d| fields::deadline(d, now)),
        address: optional(&mut v, "address", r.address, |a| fields::address(&a)),
        contact_phone: optional(&mut v, "contact_phone", r.contact_phone, |p| fields::phone(&p)),
    };
    v.finish()?;
    let rec = store::edit(&state.db, &caller, *id, edit, if_match(&req)?).await?;
    Ok(wish_response(actix_web::http::StatusCode::OK, &rec, &Facts { resident: true, ..Facts::default() }))
}

/// Validates a nullable field: absent and `null` pass through, values are parsed.
fn optional<T, U>(
    v: &mut Violations,
    field: &str,
    input: Option<Option<U>>,
    parse: impl FnOnce(U) -> Result<T, String>,
) -> Option<Option<T>> {
    match input {
        None => None,
        Some(None) => Some(None),
        Some(Some(x)) => v.check(field, parse(x)).map(Some),
    }
}

// ---- actions ----

async fn perform(
    state: &AppState,
    user: AuthUser,
    id: Uuid,
    cmd: Command,
    req: &HttpRequest,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let rec = store::act(&state.db, Actor::Person(&caller), id, cmd, if_match(req)?, state.claim_limits()).await?;
    let f = store::facts(state.db.read(), Some(&caller), &rec.wish).await?;
    Ok(wish_response(actix_web::http::StatusCode::OK, &rec, &f))
}

fn required_note(v: &mut Violations, note: Option<String>) -> Option<String> {
    match note {
        Some(n) => v.check("note", fields::note(&n)),
        None => {
            v.add("note", "必须填写说明");
            None
        }
    }
}

/// `{note?}`
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoteRequest {
    #[schema(max_length = 500, example = "已电话联系居民")]
    pub note: Option<String>,
}

/// `{note}`: the note is required.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RequiredNoteRequest {
    #[schema(min_length = 1, max_length = 500, example = "描述不够具体,请补充需要的时间")]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApproveRequest {
    pub list: Option<ServiceList>,
    pub catalogue_item_id: Option<Uuid>,
    pub deadline: Option<DateTime<Utc>>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ClaimRequest {
    /// Claim for this partner unit (the caller must be its admin).
    pub unit_id: Option<Uuid>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// An approved party member or volunteer of the community…
    pub user_id: Option<Uuid>,
    /// …or a partner unit: exactly one of the two.
    pub unit_id: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FulfilRequest {
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// Hours of service, more than 0 and at most 24, two decimals.
    #[schema(exclusive_minimum = 0.0, maximum = 24.0, example = 2.5)]
    pub hours: Option<f64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    #[schema(minimum = 1, maximum = 5, example = 5)]
    pub rating: Option<i64>,
    #[schema(max_length = 1000, example = "非常感谢志愿者的帮助")]
    pub feedback: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReopenRequest {
    /// Must be in the future.
    pub deadline: Option<DateTime<Utc>>,
}

fn parse_approve(r: ApproveRequest) -> ApiResult<Command> {
    let mut v = Violations::new();
    let deadline = v.check_opt("deadline", r.deadline, |d| fields::deadline(d, crate::clock::now()));
    let note = v.check_opt("note", r.note.as_deref(), fields::note);
    v.finish()?;
    Ok(Command::Approve { list: r.list, catalogue_item_id: r.catalogue_item_id, deadline, note })
}

fn parse_note(r: NoteRequest) -> ApiResult<Option<String>> {
    let mut v = Violations::new();
    let note = v.check_opt("note", r.note.as_deref(), fields::note);
    v.finish()?;
    Ok(note)
}

fn parse_required_note(r: RequiredNoteRequest) -> ApiResult<String> {
    let mut v = Violations::new();
    let note = required_note(&mut v, r.note);
    v.finish()?;
    note.ok_or_else(|| ApiError::invalid("note", "必须填写说明"))
}

fn parse_assign(r: AssignRequest) -> ApiResult<Command> {
    let to = match (r.user_id, r.unit_id) {
        (Some(u), None) => Assignee::User(u),
        (None, Some(u)) => Assignee::Unit(u),
        _ => return Err(ApiError::invalid("user_id", "须且只能指定 user_id 或 unit_id 之一")),
    };
    Ok(Command::Assign { to })
}

fn parse_fulfil(r: FulfilRequest) -> ApiResult<Command> {
    let mut v = Violations::new();
    let note = v.check_opt("note", r.note.as_deref(), fields::note);
    let hours = match r.hours {
        Some(h) => v.check("hours", fields::hours(h)),
        None => {
            v.add("hours", "必须填写服务时长");
            None
        }
    };
    v.finish()?;
    let hours_centi = hours.ok_or_else(|| ApiError::invalid("hours", "必须填写服务时长"))?;
    Ok(Command::Fulfil { note, hours_centi })
}

fn parse_confirm(r: ConfirmRequest) -> ApiResult<Command> {
    let mut v = Violations::new();
    let rating = match r.rating {
        Some(x) => v.check("rating", fields::rating(x)),
        None => {
            v.add("rating", "必须评分(1到5)");
            None
        }
    };
    let feedback = v.check_opt("feedback", r.feedback.as_deref(), fields::feedback);
    v.finish()?;
    Ok(Command::Confirm { rating, feedback })
}

fn parse_reopen(r: ReopenRequest) -> ApiResult<Command> {
    let mut v = Violations::new();
    let deadline = match r.deadline {
        Some(d) => v.check("deadline", fields::deadline(d, crate::clock::now())),
        None => {
            v.add("deadline", "重新开放须设置新的截止时间");
            None
        }
    };
    v.finish()?;
    Ok(Command::Reopen { deadline: deadline.ok_or_else(|| ApiError::invalid("deadline", "截止时间无效"))? })
}

/// Declares one action route: its OpenAPI operation and its handler.
macro_rules! action_route {
    ($fn:ident, $action:literal, $body:ty, $parse:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = concat!("/api/v1/wishes/{id}/", $action), tag = "wish actions",
            operation_id = stringify!($fn), description = $doc, security(("bearer" = [])),
            params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Optional: the ETag last seen")),
            request_body = $body,
            responses(
                (status = 200, description = "The updated wish", body = WishView, headers(("ETag" = String))),
                (status = 400, body = Problem, content_type = "application/problem+json"),
                (status = 401, body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller may not take this action", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such wish, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "`invalid_transition` from the current status (also a lost claim race), or `claim_limit_reached`", body = Problem, content_type = "application/problem+json"),
                (status = 412, body = Problem, content_type = "application/problem+json"),
                (status = 413, body = Problem, content_type = "application/problem+json"),
                (status = 422, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $fn(
            state: web::Data<AppState>,
            user: AuthUser,
            id: web::Path<Uuid>,
            req: HttpRequest,
            body: OptionalBody<$body>,
        ) -> ApiResult<HttpResponse> {
            #[allow(clippy::redundant_closure_call)]
            let cmd = ($parse)(body.0)?;
            perform(&state, user, *id, cmd, &req).await
        }
    };
}

action_route!(
    approve_wish,
    "approve",
    ApproveRequest,
    parse_approve,
    "Staff approve a wish pending review (→ open), optionally setting list, catalogue item and deadline."
);
action_route!(
    return_wish,
    "return",
    RequiredNoteRequest,
    |r| parse_required_note(r).map(|note| Command::Return { note }),
    "Staff send a wish back to the resident for changes (→ returned). Note required."
);
action_route!(
    reject_wish,
    "reject",
    RequiredNoteRequest,
    |r| parse_required_note(r).map(|note| Command::Reject { note }),
    "Staff reject a wish (→ rejected). Note required."
);
action_route!(
    withdraw_wish,
    "withdraw",
    NoteRequest,
    |r| parse_note(r).map(|note| Command::Withdraw { note }),
    "The resident withdraws a wish that is pending review, returned or open (→ withdrawn)."
);
action_route!(
    claim_wish,
    "claim",
    ClaimRequest,
    |r: ClaimRequest| parse_note(NoteRequest { note: r.note }).map(|note| Command::Claim { unit_id: r.unit_id, note }),
    "An approved party member or volunteer of the community, or the admin of a partner unit (with `unit_id`), claims an open wish (→ claimed). Of concurrent claims exactly one wins."
);
action_route!(
    assign_wish,
    "assign",
    AssignRequest,
    parse_assign,
    "Staff dispatch (派单) an open wish to an eligible person or partner unit (→ claimed)."
);
action_route!(
    release_wish,
    "release",
    RequiredNoteRequest,
    |r| parse_required_note(r).map(|note| Command::Release { note }),
    "The claimant or staff release a claimed wish (→ open). Note required."
);
action_route!(
    fulfil_wish,
    "fulfil",
    FulfilRequest,
    parse_fulfil,
    "The claimant (for a unit: its admins and members) reports the wish fulfilled with the hours served (→ fulfilled)."
);
action_route!(
    confirm_wish,
    "confirm",
    ConfirmRequest,
    parse_confirm,
    "The resident confirms fulfilment with a rating 1–5 (→ completed)."
);
action_route!(
    dispute_wish,
    "dispute",
    RequiredNoteRequest,
    |r| parse_required_note(r).map(|note| Command::Dispute { note }),
    "The resident disputes a reported fulfilment (→ claimed). Note required."
);
action_route!(
    cancel_wish,
    "cancel",
    RequiredNoteRequest,
    |r| parse_required_note(r).map(|note| Command::Cancel { note }),
    "Staff cancel a wish that is not yet closed (→ cancelled). Note required."
);
action_route!(
    expire_wish,
    "expire",
    NoteRequest,
    |_r: NoteRequest| Ok::<_, ApiError>(Command::Expire),
    "Open wishes past their deadline are expired by the scheduler; people get 403."
);
action_route!(
    reopen_wish,
    "reopen",
    ReopenRequest,
    parse_reopen,
    "Staff reopen an expired wish with a new deadline in the future (→ open)."
);
