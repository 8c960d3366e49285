//! Offers (what providers can deliver where) and matching them to wishes.

use std::collections::{HashMap, HashSet};

use entity::{catalogue_items, community_partners, offers, registrations, units, users, wishes};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::Db;
use super::community::{MemberRole, RegistrationStatus, is_partner, member_role};
use super::page::PageRequest;
use super::wishes::WishRecord;
use crate::clock;
use crate::domain::policy::Caller;
use crate::domain::wish::{ClaimantKind, WishStatus};
use crate::error::{ApiError, ApiResult};

/// Publishes an offer: for oneself as an approved registrant, or for a
/// partner unit one administers.
pub async fn create(
    db: &Db,
    caller: &Caller,
    item: Uuid,
    community: Uuid,
    unit: Option<Uuid>,
    note: Option<String>,
) -> ApiResult<offers::Model> {
    match catalogue_items::Entity::find_by_id(item).one(db.read()).await? {
        Some(i) if i.active => {}
        Some(_) => return Err(ApiError::invalid("catalogue_item_id", "该服务项目已停用")),
        None => return Err(ApiError::invalid("catalogue_item_id", "服务项目不存在")),
    }
    super::areas::community(db.read(), community).await.map_err(|_| ApiError::invalid("community_id", "社区不存在"))?;
    let (kind, provider) = match unit {
        None => {
            if !super::community::approved_registrant(db.read(), caller.id, community).await? {
                return Err(ApiError::Forbidden("只有在本社区报到并审核通过的党员、志愿者可以发布服务".to_owned()));
            }
            (ClaimantKind::User, caller.id)
        }
        Some(u) => {
            let admin = member_role(db.read(), u, caller.id).await? == Some(MemberRole::Admin);
            if !admin || !is_partner(db.read(), community, u).await? {
                return Err(ApiError::Forbidden("只有本社区共建单位的管理员可以代表单位发布服务".to_owned()));
            }
            (ClaimantKind::Unit, u)
        }
    };
    offers::ActiveModel {
        id: Set(Uuid::now_v7()),
        catalogue_item_id: Set(item),
        community_id: Set(community),
        provider_kind: Set(kind.as_str().to_owned()),
        provider_id: Set(provider),
        created_by: Set(caller.id),
        note: Set(note),
        created_at: Set(clock::now()),
    }
    .insert(db.write())
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("已发布过该服务".to_owned()),
        other => other,
    })
}

/// An offer with its provider's name.
pub struct OfferRecord {
    pub offer: offers::Model,
    pub provider_name: String,
}

pub async fn list(
    db: &Db,
    community: Option<Uuid>,
    item: Option<Uuid>,
    page: PageRequest,
) -> ApiResult<Vec<OfferRecord>> {
    let mut q = offers::Entity::find().order_by_asc(offers::Column::Id).limit(page.limit + 1);
    if let Some(c) = community {
        q = q.filter(offers::Column::CommunityId.eq(c));
    }
    if let Some(i) = item {
        q = q.filter(offers::Column::CatalogueItemId.eq(i));
    }
    if let Some(after) = page.after {
        q = q.filter(offers::Column::Id.gt(after));
    }
    let rows = q.all(db.read()).await?;
    let names = provider_names(
        db,
        rows.iter().map(|o| (ClaimantKind::parse(&o.provider_kind).unwrap_or(ClaimantKind::User), o.provider_id)),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|offer| {
            let provider_name = names.get(&offer.provider_id).cloned().unwrap_or_default();
            OfferRecord { offer, provider_name }
        })
        .collect())
}

/// Withdraws an offer: its provider (for a unit, an admin), staff of the community, or an admin.
pub async fn delete(db: &Db, caller: &Caller, id: Uuid) -> ApiResult<()> {
    let offer = offers::Entity::find_by_id(id).one(db.read()).await?.ok_or(ApiError::NotFound)?;
    let community = super::areas::get(db.read(), offer.community_id).await?;
    let own = match ClaimantKind::parse(&offer.provider_kind) {
        Some(ClaimantKind::User) => offer.provider_id == caller.id,
        Some(ClaimantKind::Unit) => {
            member_role(db.read(), offer.provider_id, caller.id).await? == Some(MemberRole::Admin)
        }
        None => false,
    };
    if !own && !caller.is_staff_of(&community.path) {
        return Err(ApiError::Forbidden("只能撤回自己发布的服务".to_owned()));
    }
    offers::Entity::delete_by_id(id).exec(db.write()).await?;
    Ok(())
}

async fn provider_names(
    db: &Db,
    providers: impl Iterator<Item = (ClaimantKind, Uuid)>,
) -> ApiResult<HashMap<Uuid, String>> {
    let (mut people, mut orgs) = (Vec::new(), Vec::new());
    for (kind, id) in providers {
        match kind {
            ClaimantKind::User => people.push(id),
            ClaimantKind::Unit => orgs.push(id),
        }
    }
    let mut names = HashMap::new();
    for chunk in people.chunks(500) {
        let rows: Vec<(Uuid, String)> = users::Entity::find()
            .select_only()
            .columns([users::Column::Id, users::Column::DisplayName])
            .filter(users::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db.read())
            .await?;
        names.extend(rows);
    }
    for chunk in orgs.chunks(500) {
        let rows: Vec<(Uuid, String)> = units::Entity::find()
            .select_only()
            .columns([units::Column::Id, units::Column::Name])
            .filter(units::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db.read())
            .await?;
        names.extend(rows);
    }
    Ok(names)
}

/// A provider who could take a wish, and how well they fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    pub kind: ClaimantKind,
    pub id: Uuid,
    pub name: String,
    /// 2: offers this catalogue item; 1: offers an item of the same list; 0: eligible only.
    pub score: u8,
    /// Wishes held claimed right now.
    pub held: u64,
}

/// Ranks the eligible providers of the wish's community: fit first, then
/// fewest wishes held, then name. A fixed number of queries, whatever the size.
pub async fn matches_for(db: &Db, wish: &wishes::Model, limit: usize) -> ApiResult<Vec<Match>> {
    let community = wish.community_id;
    let mut people: Vec<Uuid> = registrations::Entity::find()
        .select_only()
        .column(registrations::Column::UserId)
        .filter(registrations::Column::CommunityId.eq(community))
        .filter(registrations::Column::Status.eq(RegistrationStatus::Approved.as_str()))
        .into_tuple()
        .all(db.read())
        .await?;
    people.sort();
    people.dedup();
    people.retain(|p| *p != wish.resident_id);
    let orgs: Vec<Uuid> = community_partners::Entity::find()
        .select_only()
        .column(community_partners::Column::UnitId)
        .filter(community_partners::Column::CommunityId.eq(community))
        .into_tuple()
        .all(db.read())
        .await?;

    // Offers of the community with their item's list.
    let offered: Vec<(Uuid, Uuid, String)> = offers::Entity::find()
        .select_only()
        .column(offers::Column::ProviderId)
        .column(offers::Column::CatalogueItemId)
        .column(catalogue_items::Column::List)
        .join(
            sea_orm::JoinType::InnerJoin,
            offers::Entity::belongs_to(catalogue_items::Entity)
                .from(offers::Column::CatalogueItemId)
                .to(catalogue_items::Column::Id)
                .into(),
        )
        .filter(offers::Column::CommunityId.eq(community))
        .into_tuple()
        .all(db.read())
        .await?;
    let mut fit: HashMap<Uuid, u8> = HashMap::new();
    for (provider, item, list) in offered {
        let score = if Some(item) == wish.catalogue_item_id {
            2
        } else if wish.list.as_deref() == Some(list.as_str()) {
            1
        } else {
            0
        };
        let e = fit.entry(provider).or_insert(0);
        *e = std::cmp::max(*e, score);
    }

    let held_people = held_counts(db, wishes::Column::ClaimantUserId, &people).await?;
    let held_orgs = held_counts(db, wishes::Column::ClaimantUnitId, &orgs).await?;
    let names = provider_names(
        db,
        people.iter().map(|p| (ClaimantKind::User, *p)).chain(orgs.iter().map(|u| (ClaimantKind::Unit, *u))),
    )
    .await?;
    let mut out: Vec<Match> = people
        .iter()
        .map(|p| (ClaimantKind::User, *p, held_people.get(p).copied().unwrap_or(0)))
        .chain(orgs.iter().map(|u| (ClaimantKind::Unit, *u, held_orgs.get(u).copied().unwrap_or(0))))
        .map(|(kind, id, held)| Match {
            kind,
            id,
            name: names.get(&id).cloned().unwrap_or_default(),
            score: fit.get(&id).copied().unwrap_or(0),
            held,
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.held.cmp(&b.held)).then_with(|| a.name.cmp(&b.name)));
    out.truncate(limit);
    Ok(out)
}

async fn held_counts(db: &Db, col: wishes::Column, ids: &[Uuid]) -> ApiResult<HashMap<Uuid, u64>> {
    let mut held = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, i64)> = wishes::Entity::find()
            .select_only()
            .column(col)
            .column_as(Expr::col(Asterisk).count(), "held")
            .filter(col.is_in(chunk.to_vec()))
            .filter(wishes::Column::Status.eq(WishStatus::Claimed.as_str()))
            .group_by(col)
            .into_tuple()
            .all(db.read())
            .await?;
        held.extend(rows.into_iter().map(|(id, n)| (id, u64::try_from(n).unwrap_or(0))));
    }
    Ok(held)
}

/// Open wishes that fit the caller's offers (as a person and for the units
/// they administer): the same catalogue item in the same community, newest first, with their names.
pub async fn my_matches(db: &Db, caller: &Caller, page: PageRequest) -> ApiResult<Vec<WishRecord>> {
    let admin_of: Vec<Uuid> = entity::unit_members::Entity::find()
        .select_only()
        .column(entity::unit_members::Column::UnitId)
        .filter(entity::unit_members::Column::UserId.eq(caller.id))
        .filter(entity::unit_members::Column::Role.eq(MemberRole::Admin.as_str()))
        .into_tuple()
        .all(db.read())
        .await?;
    let mut providers = admin_of;
    providers.push(caller.id);
    let mine: Vec<(Uuid, Uuid)> = offers::Entity::find()
        .select_only()
        .column(offers::Column::CommunityId)
        .column(offers::Column::CatalogueItemId)
        .filter(offers::Column::ProviderId.is_in(providers))
        .into_tuple()
        .all(db.read())
        .await?;
    let pairs: HashSet<(Uuid, Uuid)> = mine.into_iter().collect();
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let mut fits = Condition::any();
    for (community, item) in pairs {
        fits = fits.add(
            Condition::all()
                .add(wishes::Column::CommunityId.eq(community))
                .add(wishes::Column::CatalogueItemId.eq(item)),
        );
    }
    let mut q = wishes::Entity::find()
        .filter(wishes::Column::Status.eq(WishStatus::Open.as_str()))
        .filter(wishes::Column::ResidentId.ne(caller.id))
        .filter(fits)
        .order_by_desc(wishes::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(wishes::Column::Id.lt(after));
    }
    super::wishes::with_names(db.read(), q).await
}
