//! The service catalogue, providers' offers, and matching.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::wishes::WishView;
use crate::auth::{AuthUser, MaybeUser};
use crate::domain::fields::{self, Violations, mask_name};
use crate::domain::wish::{ClaimantKind, ServiceList};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Body, Query};
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::{areas, catalogue, offers, wishes};

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueItemView {
    pub id: Uuid,
    pub list: ServiceList,
    #[schema(example = "助老")]
    pub group: String,
    #[schema(example = "VOL-ELD-01")]
    pub code: String,
    #[schema(example = "陪伴聊天")]
    pub name: String,
    #[schema(example = "定期探访独居、空巢老人,陪伴聊天")]
    pub description: String,
    pub active: bool,
}

impl From<entity::catalogue_items::Model> for CatalogueItemView {
    fn from(m: entity::catalogue_items::Model) -> Self {
        CatalogueItemView {
            id: m.id,
            list: ServiceList::parse(&m.list).unwrap_or(ServiceList::Volunteer),
            group: m.group_name,
            code: m.code,
            name: m.name,
            description: m.description,
            active: m.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueFilter {
    pub list: Option<ServiceList>,
    /// e.g. `助老`
    pub group: Option<String>,
    /// Also list deactivated items.
    pub include_inactive: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue", operation_id = "list_catalogue",
    params(CatalogueFilter),
    responses(
        (status = 200, description = "Active items (all with `include_inactive=true`), in catalogue order", body = Vec<CatalogueItemView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_catalogue(state: web::Data<AppState>, query: Query<CatalogueFilter>) -> ApiResult<HttpResponse> {
    let f = query.0;
    let items = catalogue::list(&state.db, f.list, f.group.as_deref(), f.include_inactive.unwrap_or(false)).await?;
    Ok(HttpResponse::Ok().json(items.into_iter().map(CatalogueItemView::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/catalogue/{id}", tag = "catalogue", operation_id = "get_catalogue_item",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CatalogueItemView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_catalogue_item(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(CatalogueItemView::from(catalogue::get(&state.db, *id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"list": "volunteer", "group": "助老", "code": "VOL-ELD-07", "name": "代缴水电费", "description": "为不会使用手机缴费的老人代缴水电燃气费"}))]
pub struct CreateCatalogueItemRequest {
    pub list: ServiceList,
    #[schema(min_length = 1, max_length = 32)]
    pub group: String,
    /// Stable, unique: letters, digits and `-`.
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
}

fn code(value: &str) -> Result<String, String> {
    let v = value;
    if v.is_empty() || v.len() > 32 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err("编码须为1到32位字母、数字或连字符".to_owned());
    }
    Ok(v.to_owned())
}

fn group(value: &str) -> Result<String, String> {
    let v = value.trim();
    match (v.chars().count(), value.chars().count()) {
        (1.., ..=32) => Ok(v.to_owned()),
        _ => Err("分组须为1到32个字符".to_owned()),
    }
}

const CATALOGUE_ADMINS: &str = "只有管理员可以维护服务目录";

#[utoipa::path(post, path = "/api/v1/catalogue", tag = "catalogue", operation_id = "create_catalogue_item", security(("bearer" = [])),
    request_body = CreateCatalogueItemRequest,
    responses(
        (status = 201, body = CatalogueItemView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_catalogue_item(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateCatalogueItemRequest>,
) -> ApiResult<HttpResponse> {
    areas::caller(&state.db, user.id).await?.require_admin(CATALOGUE_ADMINS)?;
    let r = body.0;
    let mut v = Violations::new();
    let group = v.check("group", group(&r.group));
    let code = v.check("code", code(&r.code));
    let name = v.check("name", fields::area_name(&r.name));
    let description = v.check("description", fields::wish_description(&r.description));
    v.finish()?;
    let (Some(group), Some(code), Some(name), Some(description)) = (group, code, name, description) else {
        return Err(ApiError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let item =
        catalogue::create(&state.db, catalogue::NewItem { list: r.list, group, code, name, description }).await?;
    Ok(HttpResponse::Created().json(CatalogueItemView::from(item)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateCatalogueItemRequest {
    #[schema(min_length = 1, max_length = 32)]
    pub group: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// `false` deactivates: no new wish or offer may use the item. Items are never deleted.
    pub active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/catalogue/{id}", tag = "catalogue", operation_id = "update_catalogue_item", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateCatalogueItemRequest,
    responses(
        (status = 200, body = CatalogueItemView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_catalogue_item(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Body<UpdateCatalogueItemRequest>,
) -> ApiResult<HttpResponse> {
    areas::caller(&state.db, user.id).await?.require_admin(CATALOGUE_ADMINS)?;
    let r = body.0;
    let mut v = Violations::new();
    let change = catalogue::ItemChange {
        group: v.check_opt("group", r.group.as_deref(), group),
        name: v.check_opt("name", r.name.as_deref(), fields::area_name),
        description: v.check_opt("description", r.description.as_deref(), fields::wish_description),
        active: r.active,
    };
    v.finish()?;
    Ok(HttpResponse::Ok().json(CatalogueItemView::from(catalogue::update(&state.db, *id, change).await?)))
}

// ---- offers ----

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    pub kind: ClaimantKind,
    pub id: Uuid,
    /// A person's name is masked except for themself and staff; a unit's name is public.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    pub catalogue_item_id: Uuid,
    pub community_id: Uuid,
    pub provider: ProviderView,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"catalogue_item_id": "01936c1e-0000-7000-8000-000000000000", "community_id": "01936c1e-0000-7000-8000-000000000001", "note": "周末上午有空"}))]
pub struct CreateOfferRequest {
    pub catalogue_item_id: Uuid,
    pub community_id: Uuid,
    /// Offer on behalf of this partner unit (the caller must be its admin).
    pub unit_id: Option<Uuid>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn offer_view(r: offers::OfferRecord, full_name: bool) -> OfferView {
    let kind = ClaimantKind::parse(&r.offer.provider_kind).unwrap_or(ClaimantKind::User);
    let name = if kind == ClaimantKind::User && !full_name { mask_name(&r.provider_name) } else { r.provider_name };
    OfferView {
        id: r.offer.id,
        catalogue_item_id: r.offer.catalogue_item_id,
        community_id: r.offer.community_id,
        provider: ProviderView { kind, id: r.offer.provider_id, name },
        note: r.offer.note,
        created_at: r.offer.created_at,
    }
}

#[utoipa::path(post, path = "/api/v1/offers", tag = "catalogue", operation_id = "create_offer", security(("bearer" = [])),
    request_body = CreateOfferRequest,
    responses(
        (status = 201, body = OfferView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an approved registrant of the community, nor an admin of a partner unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same offer exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown or inactive item, unknown community", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_offer(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateOfferRequest>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let r = body.0;
    let mut v = Violations::new();
    let note = v.check_opt("note", r.note.as_deref(), fields::note);
    v.finish()?;
    let offer = offers::create(&state.db, &caller, r.catalogue_item_id, r.community_id, r.unit_id, note).await?;
    let name = match r.unit_id {
        Some(u) => crate::store::community::unit(state.db.read(), u).await?.name,
        None => crate::store::users::get(state.db.read(), caller.id).await?.display_name,
    };
    Ok(HttpResponse::Created().json(offer_view(offers::OfferRecord { offer, provider_name: name }, true)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferFilter {
    pub community_id: Option<Uuid>,
    pub catalogue_item_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/offers", tag = "catalogue", operation_id = "list_offers", security((), ("bearer" = [])),
    params(OfferFilter),
    responses(
        (status = 200, body = Page<OfferView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_offers(
    state: web::Data<AppState>,
    user: MaybeUser,
    query: Query<OfferFilter>,
) -> ApiResult<HttpResponse> {
    let caller = areas::maybe_caller(&state.db, user.id()).await?;
    let f = query.0;
    let page = PageParams { limit: f.limit, cursor: f.cursor }.request()?;
    let rows = offers::list(&state.db, f.community_id, f.catalogue_item_id, page).await?;
    let staff_of = match &caller {
        Some(c) => areas::staff_communities(&state.db, c).await?,
        None => Some(Vec::new()),
    };
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        page,
        |r| r.offer.id,
        |r| {
            let full = caller.as_ref().is_some_and(|c| {
                r.offer.provider_id == c.id || staff_of.as_ref().is_none_or(|ids| ids.contains(&r.offer.community_id))
            });
            offer_view(r, full)
        },
    )))
}

#[utoipa::path(delete, path = "/api/v1/offers/{id}", tag = "catalogue", operation_id = "delete_offer", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_offer(state: web::Data<AppState>, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    offers::delete(&state.db, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- matching ----

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchView {
    pub kind: ClaimantKind,
    pub id: Uuid,
    pub name: String,
    /// 2: offers this catalogue item; 1: offers an item of the same list; 0: eligible, no fitting offer.
    #[schema(example = 2)]
    pub score: u8,
    /// Wishes this provider holds claimed now.
    #[schema(example = 1)]
    pub held: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// How many providers, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/wishes/{id}/matches", tag = "catalogue", operation_id = "list_wish_matches", security(("bearer" = [])),
    params(("id" = Uuid, Path), MatchParams),
    responses(
        (status = 200, description = "Eligible providers of the wish's community, best fit first, then fewest held", body = Vec<MatchView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff of the community only", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_wish_matches(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<MatchParams>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let limit = PageParams { limit: query.0.limit, cursor: None }.request()?.limit as usize;
    let (rec, facts) = wishes::get(&state.db, Some(&caller), *id).await?;
    if !facts.staff {
        return Err(ApiError::Forbidden("只有本社区或上级区域的工作人员可以查看匹配".to_owned()));
    }
    let found = offers::matches_for(&state.db, &rec.wish, limit).await?;
    Ok(HttpResponse::Ok().json(
        found
            .into_iter()
            .map(|m| MatchView { kind: m.kind, id: m.id, name: m.name, score: m.score, held: m.held })
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(get, path = "/api/v1/me/matches", tag = "catalogue", operation_id = "list_my_matches", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "Open wishes for the catalogue items the caller (or a unit they administer) offers in that community, newest first", body = Page<WishView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_matches(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let caller = areas::caller(&state.db, user.id).await?;
    let page = query.0.request()?;
    let rows = offers::my_matches(&state.db, &caller, page).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |r| r.wish.id, |r| WishView::render(&r, false, false))))
}
