//! Wishes: submission (idempotent), edits, the thirteen actions as
//! compare-and-set transitions with their event rows, and visibility-aware reads.

use chrono::{DateTime, Utc};
use entity::{catalogue_items, claims, idempotency_keys, units, users, wish_events, wishes};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::Db;
use super::community::{MemberRole, approved_registrant, is_partner, member_role};
use super::notify::{self, WishEvent};
use super::page::PageRequest;
use crate::clock;
use crate::domain::policy::{self, Caller, Candidate, Facts};
use crate::domain::wish::{
    Assignee, ClaimantKind, Command, InvalidTransition, ServiceList, WishAction, WishStatus, transition,
};
use crate::error::{ApiError, ApiResult};

/// A wish with the names its views show.
#[derive(Clone, Debug)]
pub struct WishRecord {
    pub wish: wishes::Model,
    pub resident_name: String,
    pub claimant_name: Option<String>,
}

impl WishRecord {
    pub fn status(&self) -> WishStatus {
        status_of(&self.wish)
    }
}

fn status_of(w: &wishes::Model) -> WishStatus {
    // The column only ever holds names written from `WishStatus`.
    WishStatus::parse(&w.status).unwrap_or(WishStatus::Cancelled)
}

/// Who performs an action.
#[derive(Clone, Debug)]
pub enum Actor<'a> {
    Person(&'a Caller),
    Scheduler,
}

impl Actor<'_> {
    fn id(&self) -> Option<Uuid> {
        match self {
            Actor::Person(c) => Some(c.id),
            Actor::Scheduler => None,
        }
    }
}

/// Limits on wishes held at once.
#[derive(Clone, Copy, Debug)]
pub struct ClaimLimits {
    pub person: u32,
    pub unit: u32,
}

// ---- reading ----

/// A wish row with the names shown beside it, as one query returns them.
#[derive(FromQueryResult)]
struct NamedRow {
    #[sea_orm(nested)]
    wish: wishes::Model,
    resident_name: Option<String>,
    claimant_user_name: Option<String>,
    claimant_unit_name: Option<String>,
}

/// Runs `q` joined to the resident's and the claimant's names: one round trip
/// for a page of wishes (lists and exports read many).
pub async fn with_names(db: &impl ConnectionTrait, q: Select<wishes::Entity>) -> ApiResult<Vec<WishRecord>> {
    let joined =
        |from: wishes::Column| wishes::Entity::belongs_to(users::Entity).from(from).to(users::Column::Id).into();
    let unit = wishes::Entity::belongs_to(units::Entity).from(wishes::Column::ClaimantUnitId).to(units::Column::Id);
    let rows = q
        .join_as(JoinType::LeftJoin, joined(wishes::Column::ResidentId), Alias::new("resident"))
        .join_as(JoinType::LeftJoin, joined(wishes::Column::ClaimantUserId), Alias::new("claimant_user"))
        .join_as(JoinType::LeftJoin, unit.into(), Alias::new("claimant_unit"))
        .column_as(Expr::col((Alias::new("resident"), users::Column::DisplayName)), "resident_name")
        .column_as(Expr::col((Alias::new("claimant_user"), users::Column::DisplayName)), "claimant_user_name")
        .column_as(Expr::col((Alias::new("claimant_unit"), units::Column::Name)), "claimant_unit_name")
        .into_model::<NamedRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| WishRecord {
            wish: r.wish,
            resident_name: r.resident_name.unwrap_or_default(),
            claimant_name: r.claimant_user_name.or(r.claimant_unit_name),
        })
        .collect())
}

/// A wish with its names, or 404.
async fn record(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<WishRecord> {
    with_names(db, wishes::Entity::find_by_id(id)).await?.pop().ok_or(ApiError::NotFound)
}

/// What `caller` is with respect to `wish` (claim eligibility aside).
pub async fn facts(db: &impl ConnectionTrait, caller: Option<&Caller>, wish: &wishes::Model) -> ApiResult<Facts> {
    let Some(c) = caller else { return Ok(Facts::default()) };
    let community = super::areas::get(db, wish.community_id).await?;
    let mut f = Facts { resident: wish.resident_id == c.id, staff: c.is_staff_of(&community.path), ..Facts::default() };
    match claimant_of(wish) {
        Some((ClaimantKind::User, u)) => {
            f.claimant = u == c.id;
            f.claimant_unit_member = f.claimant;
        }
        Some((ClaimantKind::Unit, unit)) => {
            let role = member_role(db, unit, c.id).await?;
            f.claimant = role == Some(MemberRole::Admin);
            f.claimant_unit_member = role.is_some();
        }
        None => {}
    }
    Ok(f)
}

/// A wish as `caller` may see it, with the facts that decide what they see; 404 if invisible.
pub async fn get(db: &Db, caller: Option<&Caller>, id: Uuid) -> ApiResult<(WishRecord, Facts)> {
    let rec = record(db.read(), id).await?;
    let f = facts(db.read(), caller, &rec.wish).await?;
    if !policy::can_view(rec.status(), &f) {
        return Err(ApiError::NotFound);
    }
    Ok((rec, f))
}

/// Filters of `GET /wishes`.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub community_id: Option<Uuid>,
    pub status: Option<WishStatus>,
    pub list: Option<ServiceList>,
    pub catalogue_item_id: Option<Uuid>,
    pub mine: bool,
    pub oldest_first: bool,
}

/// One page of the wishes `caller` may see, newest (or oldest) first, and for each
/// whether the caller may see the resident's full name.
pub async fn list(
    db: &Db,
    caller: Option<&Caller>,
    filter: &ListFilter,
    page: PageRequest,
) -> ApiResult<Vec<(WishRecord, bool)>> {
    let public: Vec<&str> = WishStatus::PUBLIC.iter().map(|s| s.as_str()).collect();
    let staff_of = match caller {
        Some(c) => super::areas::staff_communities(db, c).await?,
        None => Some(Vec::new()),
    };
    let mut visible = Condition::any().add(wishes::Column::Status.is_in(public));
    if let Some(c) = caller {
        visible = visible.add(wishes::Column::ResidentId.eq(c.id));
        match &staff_of {
            None => visible = Condition::all(), // admins see everything
            Some(ids) if !ids.is_empty() => visible = visible.add(wishes::Column::CommunityId.is_in(ids.clone())),
            Some(_) => {}
        }
    }
    let mut q = wishes::Entity::find().filter(visible).limit(page.limit + 1);
    q = if filter.oldest_first { q.order_by_asc(wishes::Column::Id) } else { q.order_by_desc(wishes::Column::Id) };
    if filter.mine {
        let c = caller.ok_or(ApiError::Unauthenticated("查看自己的心愿需要先登录"))?;
        q = q.filter(wishes::Column::ResidentId.eq(c.id));
    }
    if let Some(v) = filter.community_id {
        q = q.filter(wishes::Column::CommunityId.eq(v));
    }
    if let Some(v) = filter.status {
        q = q.filter(wishes::Column::Status.eq(v.as_str()));
    }
    if let Some(v) = filter.list {
        q = q.filter(wishes::Column::List.eq(v.as_str()));
    }
    if let Some(v) = filter.catalogue_item_id {
        q = q.filter(wishes::Column::CatalogueItemId.eq(v));
    }
    if let Some(after) = page.after {
        q = q.filter(if filter.oldest_first { wishes::Column::Id.gt(after) } else { wishes::Column::Id.lt(after) });
    }
    let rows = with_names(db.read(), q).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let full = caller.is_some_and(|c| {
                r.wish.resident_id == c.id || staff_of.as_ref().is_none_or(|ids| ids.contains(&r.wish.community_id))
            });
            (r, full)
        })
        .collect())
}

/// The event log of a visible wish, oldest first.
pub async fn events(db: &Db, caller: Option<&Caller>, id: Uuid) -> ApiResult<Vec<wish_events::Model>> {
    get(db, caller, id).await?;
    Ok(wish_events::Entity::find()
        .filter(wish_events::Column::WishId.eq(id))
        .order_by_asc(wish_events::Column::CreatedAt)
        .order_by_asc(wish_events::Column::Id)
        .all(db.read())
        .await?)
}

// ---- writing ----

/// The fields of a new wish, already validated.
#[derive(Clone, Debug)]
pub struct NewWish {
    pub title: String,
    pub description: String,
    pub catalogue_item_id: Option<Uuid>,
    pub deadline: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub contact_phone: Option<String>,
}

/// An `Idempotency-Key` and the hash of the request body it came with.
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// What a submission did.
pub enum Submitted {
    Created(Box<WishRecord>),
    /// The same key and body were seen before: here is the original response.
    Replayed(String),
}

const IDEMPOTENCY_WINDOW_HOURS: i64 = 24;

/// An active catalogue item, or 422 on `field`.
async fn active_item(db: &impl ConnectionTrait, id: Uuid, field: &str) -> ApiResult<catalogue_items::Model> {
    match catalogue_items::Entity::find_by_id(id).one(db).await? {
        Some(item) if item.active => Ok(item),
        Some(_) => Err(ApiError::invalid(field, "该服务项目已停用")),
        None => Err(ApiError::invalid(field, "服务项目不存在")),
    }
}

/// One row of the wish event log.
struct NewEvent<'a> {
    wish: Uuid,
    action: &'a str,
    from: Option<WishStatus>,
    to: WishStatus,
    actor: Option<Uuid>,
    note: Option<&'a str>,
    at: DateTime<Utc>,
}

async fn insert_event(db: &impl ConnectionTrait, e: NewEvent<'_>) -> ApiResult<()> {
    wish_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        wish_id: Set(e.wish),
        action: Set(e.action.to_owned()),
        from_status: Set(e.from.map(|s| s.as_str().to_owned())),
        to_status: Set(e.to.as_str().to_owned()),
        actor_id: Set(e.actor),
        note: Set(e.note.map(str::to_owned)),
        created_at: Set(e.at),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn replay(db: &impl ConnectionTrait, user: Uuid, idem: &Idempotency) -> ApiResult<Option<String>> {
    let cutoff = clock::now() - chrono::Duration::hours(IDEMPOTENCY_WINDOW_HOURS);
    let Some(row) = idempotency_keys::Entity::find_by_id((user, idem.key.clone())).one(db).await? else {
        return Ok(None);
    };
    if row.created_at < cutoff {
        idempotency_keys::Entity::delete_by_id((user, idem.key.clone())).exec(db).await?;
        return Ok(None);
    }
    if row.request_hash != idem.request_hash {
        return Err(ApiError::invalid("Idempotency-Key", "该幂等键已用于另一个不同的请求"));
    }
    Ok(Some(row.response))
}

/// Submits a wish in the caller's home community. With an idempotency key,
/// a retry returns the original response and concurrent duplicates create one wish.
pub async fn submit(
    db: &Db,
    user: Uuid,
    new: NewWish,
    idem: Option<Idempotency>,
    render: impl Fn(&WishRecord) -> String,
) -> ApiResult<Submitted> {
    let txn = db.begin().await?;
    if let Some(idem) = &idem
        && let Some(original) = replay(&txn, user, idem).await?
    {
        return Ok(Submitted::Replayed(original));
    }
    let resident = super::users::get(&txn, user).await?;
    let Some(community_id) = resident.home_community_id else {
        return Err(ApiError::invalid("home_community_id", "请先在“我的”中设置所在社区"));
    };
    let list = match new.catalogue_item_id {
        Some(item) => Some(active_item(&txn, item, "catalogue_item_id").await?.list),
        None => None,
    };
    let now = clock::now();
    let wish = wishes::ActiveModel {
        id: Set(Uuid::now_v7()),
        community_id: Set(community_id),
        resident_id: Set(user),
        title: Set(new.title),
        description: Set(new.description),
        catalogue_item_id: Set(new.catalogue_item_id),
        list: Set(list),
        status: Set(WishStatus::PendingReview.as_str().to_owned()),
        deadline: Set(new.deadline),
        address: Set(new.address),
        contact_phone: Set(new.contact_phone),
        claimant_kind: Set(None),
        claimant_user_id: Set(None),
        claimant_unit_id: Set(None),
        reviewed_at: Set(None),
        claimed_at: Set(None),
        fulfilled_at: Set(None),
        completed_at: Set(None),
        hours_centi: Set(None),
        rating: Set(None),
        feedback: Set(None),
        review_note: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        deadline_reminded_at: Set(None),
        review_secs: Set(None),
        claim_secs: Set(None),
        complete_secs: Set(None),
    }
    .insert(&txn)
    .await?;
    insert_event(
        &txn,
        NewEvent {
            wish: wish.id,
            action: "submit",
            from: None,
            to: WishStatus::PendingReview,
            actor: Some(user),
            note: None,
            at: now,
        },
    )
    .await?;
    let rec = WishRecord { resident_name: resident.display_name, claimant_name: None, wish };
    notify::wish_event(
        &txn,
        WishEvent {
            event: "wish.submitted",
            rec: &rec,
            from: None,
            to: WishStatus::PendingReview,
            actor: Some(user),
            claimant_before: None,
        },
    )
    .await?;
    if let Some(idem) = &idem {
        let stored = idempotency_keys::ActiveModel {
            user_id: Set(user),
            key: Set(idem.key.clone()),
            request_hash: Set(idem.request_hash.clone()),
            wish_id: Set(rec.wish.id),
            response: Set(render(&rec)),
            created_at: Set(now),
        }
        .insert(&txn)
        .await;
        if let Err(e) = stored {
            // Another request with this key committed first (PostgreSQL): ours
            // rolls back and the winner's response is the answer.
            let err = ApiError::from(e);
            if matches!(err, ApiError::Conflict(_)) {
                drop(txn);
                return match replay(db.write(), user, idem).await? {
                    Some(original) => Ok(Submitted::Replayed(original)),
                    None => Err(err),
                };
            }
            return Err(err);
        }
    }
    txn.commit().await?;
    Ok(Submitted::Created(Box::new(rec)))
}

/// A resident's edit; `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct WishEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub catalogue_item_id: Option<Option<Uuid>>,
    pub deadline: Option<Option<DateTime<Utc>>>,
    pub address: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
}

async fn lock_wish(txn: &DatabaseTransaction, id: Uuid) -> ApiResult<wishes::Model> {
    wishes::Entity::find_by_id(id).lock_exclusive().one(txn).await?.ok_or(ApiError::NotFound)
}

fn check_version(wish: &wishes::Model, if_match: Option<i32>) -> ApiResult<()> {
    match if_match {
        Some(v) if v != wish.version => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// Edits a wish that is pending review or returned; it goes (back) to review.
pub async fn edit(db: &Db, caller: &Caller, id: Uuid, edit: WishEdit, if_match: Option<i32>) -> ApiResult<WishRecord> {
    let txn = db.begin().await?;
    let wish = lock_wish(&txn, id).await?;
    let f = facts(&txn, Some(caller), &wish).await?;
    let from = status_of(&wish);
    if !policy::can_view(from, &f) {
        return Err(ApiError::NotFound);
    }
    policy::authorize_edit(&f)?;
    check_version(&wish, if_match)?;
    if !from.is_editable() {
        return Err(ApiError::Conflict(format!("心愿当前状态({from})不可修改")));
    }
    let mut sets: Vec<(wishes::Column, SimpleExpr)> = Vec::new();
    if let Some(v) = edit.title {
        sets.push((wishes::Column::Title, v.into()));
    }
    if let Some(v) = edit.description {
        sets.push((wishes::Column::Description, v.into()));
    }
    if let Some(item) = edit.catalogue_item_id {
        let list = match item {
            Some(i) => Some(active_item(&txn, i, "catalogue_item_id").await?.list),
            None => None,
        };
        sets.push((wishes::Column::CatalogueItemId, item.into()));
        sets.push((wishes::Column::List, list.into()));
    }
    if let Some(v) = edit.deadline {
        sets.push((wishes::Column::Deadline, v.into()));
    }
    if let Some(v) = edit.address {
        sets.push((wishes::Column::Address, v.into()));
    }
    if let Some(v) = edit.contact_phone {
        sets.push((wishes::Column::ContactPhone, v.into()));
    }
    let now = clock::now();
    let to = WishStatus::PendingReview;
    if !cas(&txn, &wish, from, to, sets, now).await? {
        return Err(ApiError::PreconditionFailed);
    }
    insert_event(
        &txn,
        NewEvent { wish: id, action: "edit", from: Some(from), to, actor: Some(caller.id), note: None, at: now },
    )
    .await?;
    let rec = record(&txn, id).await?;
    notify::wish_event(
        &txn,
        WishEvent {
            event: "wish.updated",
            rec: &rec,
            from: Some(from),
            to,
            actor: Some(caller.id),
            claimant_before: claimant_of(&wish),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(rec)
}

/// Who holds the wish, if anyone.
pub fn claimant_of(w: &wishes::Model) -> Option<(ClaimantKind, Uuid)> {
    match (w.claimant_user_id, w.claimant_unit_id) {
        (Some(u), _) => Some((ClaimantKind::User, u)),
        (None, Some(u)) => Some((ClaimantKind::Unit, u)),
        (None, None) => None,
    }
}

/// The compare-and-set at the heart of every transition: the update applies
/// only if the wish is still in `from`; otherwise someone else won.
async fn cas(
    txn: &DatabaseTransaction,
    wish: &wishes::Model,
    from: WishStatus,
    to: WishStatus,
    sets: Vec<(wishes::Column, SimpleExpr)>,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let mut update = wishes::Entity::update_many()
        .col_expr(wishes::Column::Status, to.as_str().into())
        .col_expr(wishes::Column::Version, Expr::col(wishes::Column::Version).add(1))
        .col_expr(wishes::Column::UpdatedAt, now.into());
    for (col, value) in sets {
        update = update.col_expr(col, value);
    }
    let res = update
        .filter(wishes::Column::Id.eq(wish.id))
        .filter(wishes::Column::Status.eq(from.as_str()))
        .filter(wishes::Column::Version.eq(wish.version))
        .exec(txn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// How many wishes a claimant holds claimed right now.
async fn held(db: &impl ConnectionTrait, kind: ClaimantKind, id: Uuid) -> ApiResult<u64> {
    let col = match kind {
        ClaimantKind::User => wishes::Column::ClaimantUserId,
        ClaimantKind::Unit => wishes::Column::ClaimantUnitId,
    };
    Ok(wishes::Entity::find()
        .filter(col.eq(id))
        .filter(wishes::Column::Status.eq(WishStatus::Claimed.as_str()))
        .count(db)
        .await?)
}

/// Takes the claimant's row lock (PostgreSQL) so that limit checks of two
/// concurrent claims by one claimant run one after the other.
async fn lock_claimant(txn: &DatabaseTransaction, kind: ClaimantKind, id: Uuid) -> ApiResult<()> {
    match kind {
        ClaimantKind::User => {
            users::Entity::find_by_id(id).lock_exclusive().one(txn).await?;
        }
        ClaimantKind::Unit => {
            units::Entity::find_by_id(id).lock_exclusive().one(txn).await?;
        }
    }
    Ok(())
}

/// Performs `cmd` on wish `id` as `actor`: visibility (404), permission
/// (403), the state machine (409), then the compare-and-set, the claim row
/// and the event, all in one transaction.
pub async fn act(
    db: &Db,
    actor: Actor<'_>,
    id: Uuid,
    cmd: Command,
    if_match: Option<i32>,
    limits: ClaimLimits,
) -> ApiResult<WishRecord> {
    let action = cmd.action();
    let txn = db.begin().await?;
    let wish = lock_wish(&txn, id).await?;
    let from = status_of(&wish);
    let mut f = match &actor {
        Actor::Person(c) => facts(&txn, Some(c), &wish).await?,
        Actor::Scheduler => Facts { scheduler: true, ..Facts::default() },
    };
    if !f.scheduler && !policy::can_view(from, &f) {
        return Err(ApiError::NotFound);
    }
    check_version(&wish, if_match)?;
    // Who would hold the wish after a claim or assignment.
    let mut taker: Option<(ClaimantKind, Uuid)> = None;
    if let (Command::Claim { unit_id, .. }, Actor::Person(c)) = (&cmd, &actor) {
        let candidate = match unit_id {
            None => {
                Candidate::Person { approved_registrant: approved_registrant(&txn, c.id, wish.community_id).await? }
            }
            Some(u) => Candidate::Unit {
                partner: is_partner(&txn, wish.community_id, *u).await?,
                admin: member_role(&txn, *u, c.id).await? == Some(MemberRole::Admin),
            },
        };
        f.eligible = policy::eligible(candidate);
        taker = Some(match unit_id {
            None => (ClaimantKind::User, c.id),
            Some(u) => (ClaimantKind::Unit, *u),
        });
    }
    policy::authorize(action, &f)?;
    let to = transition(from, action)?;
    let now = clock::now();
    let actor_id = actor.id();
    let mut sets: Vec<(wishes::Column, SimpleExpr)> = Vec::new();
    match &cmd {
        Command::Approve { list, catalogue_item_id, deadline, note } => {
            let mut list = list.map(|l| l.as_str().to_owned());
            if let Some(item) = catalogue_item_id {
                let item = active_item(&txn, *item, "catalogue_item_id").await?;
                list = list.or(Some(item.list));
                sets.push((wishes::Column::CatalogueItemId, Some(item.id).into()));
            }
            if list.is_some() {
                sets.push((wishes::Column::List, list.into()));
            }
            if deadline.is_some() {
                sets.push((wishes::Column::Deadline, (*deadline).into()));
            }
            sets.push((wishes::Column::ReviewNote, note.clone().into()));
            reviewed(&mut sets, &wish, now);
        }
        Command::Return { note } | Command::Reject { note } => {
            sets.push((wishes::Column::ReviewNote, Some(note.clone()).into()));
            reviewed(&mut sets, &wish, now);
        }
        Command::Claim { .. } | Command::Assign { .. } => {
            let (kind, holder) = match (&cmd, taker) {
                (_, Some(t)) => t,
                (Command::Assign { to: who }, None) => assignee(&txn, &wish, *who).await?,
                _ => return Err(ApiError::Internal(anyhow::anyhow!("claim without a claimant"))),
            };
            lock_claimant(&txn, kind, holder).await?;
            let limit = match kind {
                ClaimantKind::User => limits.person,
                ClaimantKind::Unit => limits.unit,
            };
            if held(&txn, kind, holder).await? >= u64::from(limit) {
                return Err(ApiError::ClaimLimitReached(limit));
            }
            claims::ActiveModel {
                id: Set(Uuid::now_v7()),
                wish_id: Set(id),
                kind: Set(kind.as_str().to_owned()),
                user_id: Set((kind == ClaimantKind::User).then_some(holder)),
                unit_id: Set((kind == ClaimantKind::Unit).then_some(holder)),
                claimed_by: Set(actor_id.unwrap_or(holder)),
                assigned: Set(action == WishAction::Assign),
                claimed_at: Set(now),
                fulfilled_by: Set(None),
                fulfilled_at: Set(None),
                hours_centi: Set(None),
                ended_at: Set(None),
                end_reason: Set(None),
            }
            .insert(&txn)
            .await
            .map_err(|e| match ApiError::from(e) {
                // The partial unique index saw a live claim: a lost race.
                ApiError::Conflict(_) => InvalidTransition { from, action }.into(),
                other => other,
            })?;
            sets.push((wishes::Column::ClaimantKind, Some(kind.as_str()).into()));
            sets.push((wishes::Column::ClaimantUserId, (kind == ClaimantKind::User).then_some(holder).into()));
            sets.push((wishes::Column::ClaimantUnitId, (kind == ClaimantKind::Unit).then_some(holder).into()));
            sets.push((wishes::Column::ClaimedAt, Some(now).into()));
            sets.push((wishes::Column::ClaimSecs, wish.reviewed_at.map(|r| seconds(r, now)).into()));
        }
        Command::Release { .. } | Command::Cancel { .. } => {
            let reason = if action == WishAction::Release { "released" } else { "cancelled" };
            end_live_claim(&txn, id, reason, now).await?;
            clear_claimant(&mut sets);
            sets.push((wishes::Column::FulfilledAt, Option::<DateTime<Utc>>::None.into()));
            sets.push((wishes::Column::HoursCenti, Option::<i32>::None.into()));
        }
        Command::Fulfil { hours_centi, .. } => {
            claims::Entity::update_many()
                .col_expr(claims::Column::FulfilledBy, actor_id.into())
                .col_expr(claims::Column::FulfilledAt, Some(now).into())
                .col_expr(claims::Column::HoursCenti, Some(*hours_centi).into())
                .filter(claims::Column::WishId.eq(id))
                .filter(claims::Column::EndedAt.is_null())
                .exec(&txn)
                .await?;
            sets.push((wishes::Column::FulfilledAt, Some(now).into()));
            sets.push((wishes::Column::HoursCenti, Some(*hours_centi).into()));
        }
        Command::Confirm { rating, feedback } => {
            sets.push((wishes::Column::CompletedAt, Some(now).into()));
            sets.push((wishes::Column::CompleteSecs, Some(seconds(wish.created_at, now)).into()));
            sets.push((wishes::Column::Rating, (*rating).into()));
            sets.push((wishes::Column::Feedback, feedback.clone().into()));
        }
        Command::Dispute { .. } => {
            claims::Entity::update_many()
                .col_expr(claims::Column::FulfilledBy, Option::<Uuid>::None.into())
                .col_expr(claims::Column::FulfilledAt, Option::<DateTime<Utc>>::None.into())
                .col_expr(claims::Column::HoursCenti, Option::<i32>::None.into())
                .filter(claims::Column::WishId.eq(id))
                .filter(claims::Column::EndedAt.is_null())
                .exec(&txn)
                .await?;
            sets.push((wishes::Column::FulfilledAt, Option::<DateTime<Utc>>::None.into()));
            sets.push((wishes::Column::HoursCenti, Option::<i32>::None.into()));
        }
        Command::Withdraw { .. } | Command::Expire => {}
        Command::Reopen { deadline } => {
            sets.push((wishes::Column::Deadline, Some(*deadline).into()));
        }
    }
    if !cas(&txn, &wish, from, to, sets, now).await? {
        return Err(InvalidTransition { from, action }.into());
    }
    if action == WishAction::Confirm {
        super::timebank::credit(&txn, &wish, now).await?;
    }
    insert_event(
        &txn,
        NewEvent {
            wish: id,
            action: action.as_str(),
            from: Some(from),
            to,
            actor: actor_id,
            note: cmd.note(),
            at: now,
        },
    )
    .await?;
    let rec = record(&txn, id).await?;
    notify::wish_event(
        &txn,
        WishEvent {
            event: action.event_name(),
            rec: &rec,
            from: Some(from),
            to,
            actor: actor_id,
            claimant_before: claimant_of(&wish),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(rec)
}

fn clear_claimant(sets: &mut Vec<(wishes::Column, SimpleExpr)>) {
    sets.push((wishes::Column::ClaimantKind, Option::<String>::None.into()));
    sets.push((wishes::Column::ClaimantUserId, Option::<Uuid>::None.into()));
    sets.push((wishes::Column::ClaimantUnitId, Option::<Uuid>::None.into()));
    sets.push((wishes::Column::ClaimedAt, Option::<DateTime<Utc>>::None.into()));
    sets.push((wishes::Column::ClaimSecs, Option::<i64>::None.into()));
}

/// A review decision: when, and how long after submission (for statistics).
fn reviewed(sets: &mut Vec<(wishes::Column, SimpleExpr)>, wish: &wishes::Model, now: DateTime<Utc>) {
    sets.push((wishes::Column::ReviewedAt, Some(now).into()));
    sets.push((wishes::Column::ReviewSecs, Some(seconds(wish.created_at, now)).into()));
}

/// Whole seconds from `earlier` to `later`, as the statistics count them.
fn seconds(earlier: DateTime<Utc>, later: DateTime<Utc>) -> i64 {
    (later - earlier).num_seconds()
}

async fn end_live_claim(txn: &DatabaseTransaction, wish: Uuid, reason: &str, now: DateTime<Utc>) -> ApiResult<()> {
    claims::Entity::update_many()
        .col_expr(claims::Column::EndedAt, Some(now).into())
        .col_expr(claims::Column::EndReason, Some(reason).into())
        .filter(claims::Column::WishId.eq(wish))
        .filter(claims::Column::EndedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Checks that staff dispatch to someone who could have claimed the wish themself.
async fn assignee(txn: &DatabaseTransaction, wish: &wishes::Model, who: Assignee) -> ApiResult<(ClaimantKind, Uuid)> {
    match who {
        Assignee::User(u) => {
            if u == wish.resident_id {
                return Err(ApiError::invalid("user_id", "不能把心愿派给发布人本人"));
            }
            let ok = policy::eligible(Candidate::Person {
                approved_registrant: approved_registrant(txn, u, wish.community_id).await?,
            });
            if !ok {
                return Err(ApiError::invalid("user_id", "该用户不是本社区已审核通过的党员或志愿者"));
            }
            Ok((ClaimantKind::User, u))
        }
        Assignee::Unit(u) => {
            // Staff act for the unit, so only the partnership matters.
            let ok = policy::eligible(Candidate::Unit {
                partner: is_partner(txn, wish.community_id, u).await?,
                admin: true,
            });
            if !ok {
                return Err(ApiError::invalid("unit_id", "该单位不是本社区的共建单位"));
            }
            Ok((ClaimantKind::Unit, u))
        }
    }
}

/// Wishes whose deadline passed while open, for the scheduler.
pub async fn due_for_expiry(db: &Db, now: DateTime<Utc>, limit: u64) -> ApiResult<Vec<Uuid>> {
    Ok(wishes::Entity::find()
        .select_only()
        .column(wishes::Column::Id)
        .filter(wishes::Column::Status.eq(WishStatus::Open.as_str()))
        .filter(wishes::Column::Deadline.lte(now))
        .limit(limit)
        .into_tuple()
        .all(db.read())
        .await?)
}

/// Fulfilled wishes whose resident did not answer within the confirm window.
pub async fn due_for_confirmation(db: &Db, before: DateTime<Utc>, limit: u64) -> ApiResult<Vec<Uuid>> {
    Ok(wishes::Entity::find()
        .select_only()
        .column(wishes::Column::Id)
        .filter(wishes::Column::Status.eq(WishStatus::Fulfilled.as_str()))
        .filter(wishes::Column::FulfilledAt.lte(before))
        .limit(limit)
        .into_tuple()
        .all(db.read())
        .await?)
}

/// How many wishes are in each status (every status, zeros included).
pub async fn count_by_status(db: &Db) -> ApiResult<Vec<(&'static str, i64)>> {
    let rows: Vec<(String, i64)> = wishes::Entity::find()
        .select_only()
        .column(wishes::Column::Status)
        .column_as(Expr::col(sea_orm::sea_query::Asterisk).count(), "n")
        .group_by(wishes::Column::Status)
        .into_tuple()
        .all(db.read())
        .await?;
    Ok(WishStatus::ALL
        .iter()
        .map(|s| (s.as_str(), rows.iter().find(|(r, _)| r == s.as_str()).map_or(0, |(_, n)| *n)))
        .collect())
}

/// Closed wishes last changed before `before` that still hold contact data.
pub async fn due_for_erasure(db: &Db, before: DateTime<Utc>, limit: u64) -> ApiResult<Vec<Uuid>> {
    let closed: Vec<&str> = WishStatus::ALL.iter().filter(|s| s.is_closed()).map(|s| s.as_str()).collect();
    Ok(wishes::Entity::find()
        .select_only()
        .column(wishes::Column::Id)
        .filter(wishes::Column::Status.is_in(closed))
        .filter(wishes::Column::UpdatedAt.lte(before))
        .filter(
            Condition::any().add(wishes::Column::Address.is_not_null()).add(wishes::Column::ContactPhone.is_not_null()),
        )
        .limit(limit)
        .into_tuple()
        .all(db.read())
        .await?)
}

/// Erases the contact data of a wish closed since before `before`, recorded as
/// an `erase` event in the same transaction. `false` when there was nothing to erase.
pub async fn erase_contact(db: &Db, id: Uuid, before: DateTime<Utc>) -> ApiResult<bool> {
    let txn = db.begin().await?;
    let wish = lock_wish(&txn, id).await?;
    let status = status_of(&wish);
    let holds_contact = wish.address.is_some() || wish.contact_phone.is_some();
    if !status.is_closed() || wish.updated_at > before || !holds_contact {
        return Ok(false);
    }
    let now = clock::now();
    wishes::Entity::update_many()
        .col_expr(wishes::Column::Address, Option::<String>::None.into())
        .col_expr(wishes::Column::ContactPhone, Option::<String>::None.into())
        .col_expr(wishes::Column::Version, Expr::col(wishes::Column::Version).add(1))
        .col_expr(wishes::Column::UpdatedAt, now.into())
        .filter(wishes::Column::Id.eq(id))
        .filter(wishes::Column::Version.eq(wish.version))
        .exec(&txn)
        .await?;
    insert_event(
        &txn,
        NewEvent {
            wish: id,
            action: "erase",
            from: Some(status),
            to: status,
            actor: None,
            note: Some("联系方式已超过保存期限,已删除"),
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
