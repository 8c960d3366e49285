//! The transactional outbox and the inbox. Every event is written in the
//! same transaction as the change that causes it, with one inbox row per
//! person told: a rollback leaves no trace, a commit loses nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entity::{area_staff, notifications, offers, outbox_events, unit_members, wishes};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::Db;
use super::community::MemberRole;
use super::page::PageRequest;
use super::wishes::WishRecord;
use crate::clock;
use crate::domain::area::path_ids;
use crate::domain::wish::{ClaimantKind, WishStatus};
use crate::error::{ApiError, ApiResult};
use crate::views::WishView;

/// Who hears of an event, by their relation to the wish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Resident,
    Staff,
    Claimant,
    Provider,
}

/// Who is told of each wish event (CONTRACT.md §7): the resident of every
/// change, staff of submissions and disputes, the claimant of
/// confirm/dispute/cancel, matching providers of a new approval.
fn audience(event: &str) -> &'static [Role] {
    match event {
        "wish.submitted" | "wish.updated" => &[Role::Resident, Role::Staff],
        "wish.disputed" => &[Role::Resident, Role::Staff, Role::Claimant],
        "wish.completed" | "wish.cancelled" => &[Role::Resident, Role::Claimant],
        "wish.approved" => &[Role::Resident, Role::Provider],
        _ => &[Role::Resident],
    }
}

fn title(event: &str, role: Role, wish: &str) -> String {
    let what = match (event, role) {
        ("wish.submitted", Role::Staff) => "新心愿待审核",
        ("wish.updated", Role::Staff) => "心愿已修改,待重新审核",
        ("wish.disputed", Role::Staff) => "居民对完成情况有异议",
        ("wish.disputed", Role::Claimant) => "居民对您的完成情况有异议",
        ("wish.completed", Role::Claimant) => "居民已确认完成,感谢您的服务",
        ("wish.cancelled", Role::Claimant) => "您认领的心愿已被社区取消",
        ("wish.approved", Role::Provider) => "有新的心愿与您的服务匹配",
        ("wish.submitted", _) => "心愿已提交,等待社区审核",
        ("wish.updated", _) => "心愿已修改,等待社区审核",
        ("wish.approved", _) => "您的心愿已通过审核",
        ("wish.returned", _) => "您的心愿被退回修改",
        ("wish.rejected", _) => "您的心愿未通过审核",
        ("wish.withdrawn", _) => "您的心愿已撤回",
        ("wish.claimed", _) => "您的心愿已有人认领",
        ("wish.released", _) => "认领人已放弃,心愿重新开放认领",
        ("wish.fulfilled", _) => "您的心愿已完成,请确认",
        ("wish.completed", _) => "心愿已确认完成",
        ("wish.disputed", _) => "您已提出异议,认领人将继续处理",
        ("wish.cancelled", _) => "您的心愿已被社区取消",
        ("wish.expired", _) => "您的心愿已过期",
        ("wish.reopened", _) => "您的心愿已重新开放",
        _ => "心愿有新动态",
    };
    format!("{what}:{wish}")
}

/// Staff of the community and of every area above it.
async fn staff_of(db: &impl ConnectionTrait, community: Uuid) -> ApiResult<Vec<Uuid>> {
    let area = super::areas::get(db, community).await?;
    Ok(area_staff::Entity::find()
        .select_only()
        .column(area_staff::Column::UserId)
        .filter(area_staff::Column::AreaId.is_in(path_ids(&area.path)))
        .into_tuple()
        .all(db)
        .await?)
}

/// The people who act for a claimant: the person, or the unit's admins.
async fn people_of(db: &impl ConnectionTrait, kind: ClaimantKind, id: Uuid) -> ApiResult<Vec<Uuid>> {
    match kind {
        ClaimantKind::User => Ok(vec![id]),
        ClaimantKind::Unit => Ok(unit_members::Entity::find()
            .select_only()
            .column(unit_members::Column::UserId)
            .filter(unit_members::Column::UnitId.eq(id))
            .filter(unit_members::Column::Role.eq(MemberRole::Admin.as_str()))
            .into_tuple()
            .all(db)
            .await?),
    }
}

/// Providers offering the wish's catalogue item in its community.
async fn providers_of(db: &impl ConnectionTrait, rec: &WishRecord) -> ApiResult<Vec<Uuid>> {
    let Some(item) = rec.wish.catalogue_item_id else { return Ok(Vec::new()) };
    let rows: Vec<(String, Uuid)> = offers::Entity::find()
        .select_only()
        .column(offers::Column::ProviderKind)
        .column(offers::Column::ProviderId)
        .filter(offers::Column::CommunityId.eq(rec.wish.community_id))
        .filter(offers::Column::CatalogueItemId.eq(item))
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Vec::new();
    for (kind, id) in rows {
        if let Some(kind) = ClaimantKind::parse(&kind) {
            out.extend(people_of(db, kind, id).await?);
        }
    }
    Ok(out)
}

/// A wish event to record.
pub struct WishEvent<'a> {
    /// `wish.submitted`, `wish.approved`, …
    pub event: &'static str,
    /// The wish after the change.
    pub rec: &'a WishRecord,
    pub from: Option<WishStatus>,
    pub to: WishStatus,
    pub actor: Option<Uuid>,
    /// Who held the wish before the change (a cancel clears the claimant).
    pub claimant_before: Option<(ClaimantKind, Uuid)>,
}

/// Writes the outbox row and the inbox rows of a wish event, inside `txn`.
pub async fn wish_event(txn: &impl ConnectionTrait, e: WishEvent<'_>) -> ApiResult<Uuid> {
    let w = &e.rec.wish;
    let data = json!({
        "wish_id": w.id,
        "community_id": w.community_id,
        "from_status": e.from,
        "to_status": e.to,
        "actor_id": e.actor,
        "wish": WishView::render(e.rec, false, false),
    });
    let id = insert_outbox(txn, e.event, Some(w.id), None, w.community_id, e.actor, &data).await?;
    let mut told: BTreeSet<(Uuid, Role)> = BTreeSet::new();
    for role in audience(e.event) {
        let people = match role {
            Role::Resident => vec![w.resident_id],
            Role::Staff => staff_of(txn, w.community_id).await?,
            Role::Claimant => match e.claimant_before {
                Some((kind, holder)) => people_of(txn, kind, holder).await?,
                None => Vec::new(),
            },
            Role::Provider => providers_of(txn, e.rec).await?,
        };
        told.extend(people.into_iter().map(|p| (p, *role)));
    }
    let mut seen = BTreeSet::new();
    let rows: Vec<notifications::ActiveModel> = told
        .into_iter()
        // Nobody is told of their own action, and each person once (by their first role).
        .filter(|(p, _)| Some(*p) != e.actor && seen.insert(*p))
        .map(|(user, role)| inbox_row(user, Some(id), e.event, Some(w.id), title(e.event, role, &w.title)))
        .collect();
    insert_inbox(txn, rows).await?;
    Ok(id)
}

/// Writes a registration event (`registration.created|approved|rejected`) inside `txn`.
pub async fn registration_event(
    txn: &impl ConnectionTrait,
    event: &'static str,
    reg: &entity::registrations::Model,
    actor: Uuid,
) -> ApiResult<Uuid> {
    let data = json!({
        "registration_id": reg.id,
        "community_id": reg.community_id,
        "user_id": reg.user_id,
        "kind": reg.kind,
        "status": reg.status,
        "actor_id": actor,
    });
    let id = insert_outbox(txn, event, None, Some(reg.id), reg.community_id, Some(actor), &data).await?;
    let (people, text) = match event {
        "registration.created" => (staff_of(txn, reg.community_id).await?, "新的报到申请待审核"),
        "registration.approved" => (vec![reg.user_id], "您的报到申请已通过"),
        _ => (vec![reg.user_id], "您的报到申请未通过"),
    };
    let rows = people
        .into_iter()
        .filter(|p| *p != actor)
        .map(|p| inbox_row(p, Some(id), event, None, text.to_owned()))
        .collect();
    insert_inbox(txn, rows).await?;
    Ok(id)
}

async fn insert_outbox(
    txn: &impl ConnectionTrait,
    event: &str,
    wish: Option<Uuid>,
    registration: Option<Uuid>,
    community: Uuid,
    actor: Option<Uuid>,
    data: &serde_json::Value,
) -> ApiResult<Uuid> {
    let id = Uuid::now_v7();
    outbox_events::ActiveModel {
        id: Set(id),
        event: Set(event.to_owned()),
        wish_id: Set(wish),
        registration_id: Set(registration),
        community_id: Set(community),
        actor_id: Set(actor),
        payload: Set(data.to_string()),
        created_at: Set(clock::now()),
    }
    .insert(txn)
    .await?;
    super::webhooks::enqueue(txn, id, event, community).await?;
    Ok(id)
}

fn inbox_row(
    user: Uuid,
    event_id: Option<Uuid>,
    event: &str,
    wish: Option<Uuid>,
    title: String,
) -> notifications::ActiveModel {
    notifications::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        event_id: Set(event_id),
        event: Set(event.to_owned()),
        wish_id: Set(wish),
        title: Set(title.chars().take(200).collect()),
        created_at: Set(clock::now()),
        read_at: Set(None),
    }
}

async fn insert_inbox(txn: &impl ConnectionTrait, rows: Vec<notifications::ActiveModel>) -> ApiResult<()> {
    if !rows.is_empty() {
        notifications::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}

/// The inbox event of a deadline reminder (not a change of the wish, so no outbox event).
pub const REMINDER: &str = "wish.deadline_approaching";

/// Reminds the claimants of claimed wishes whose deadline falls within
/// `window` after `now`, once per wish; returns how many wishes.
pub async fn remind_deadlines(db: &Db, now: DateTime<Utc>, window: chrono::Duration, limit: u64) -> ApiResult<usize> {
    let due: Vec<Uuid> = wishes::Entity::find()
        .select_only()
        .column(wishes::Column::Id)
        .filter(wishes::Column::Status.eq(WishStatus::Claimed.as_str()))
        .filter(wishes::Column::Deadline.gt(now))
        .filter(wishes::Column::Deadline.lte(now + window))
        .filter(wishes::Column::DeadlineRemindedAt.is_null())
        .limit(limit)
        .into_tuple()
        .all(db.read())
        .await?;
    let mut reminded = 0;
    for id in due {
        let txn = db.begin().await?;
        // Once: only the sweep that sets the mark sends the reminder.
        let marked = wishes::Entity::update_many()
            .col_expr(wishes::Column::DeadlineRemindedAt, Some(now).into())
            .filter(wishes::Column::Id.eq(id))
            .filter(wishes::Column::Status.eq(WishStatus::Claimed.as_str()))
            .filter(wishes::Column::DeadlineRemindedAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected == 0 {
            continue;
        }
        let Some(w) = wishes::Entity::find_by_id(id).one(&txn).await? else { continue };
        let holder = match super::wishes::claimant_of(&w) {
            Some((kind, id)) => people_of(&txn, kind, id).await?,
            None => Vec::new(),
        };
        let text = format!("心愿将于24小时内到期,请尽快完成:{}", w.title);
        let rows = holder.into_iter().map(|p| inbox_row(p, None, REMINDER, Some(id), text.clone())).collect();
        insert_inbox(&txn, rows).await?;
        txn.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}

// ---- the inbox ----

pub async fn inbox(db: &Db, user: Uuid, unread_only: bool, page: PageRequest) -> ApiResult<Vec<notifications::Model>> {
    let mut q = notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user))
        .order_by_desc(notifications::Column::Id)
        .limit(page.limit + 1);
    if unread_only {
        q = q.filter(notifications::Column::ReadAt.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(notifications::Column::Id.lt(after));
    }
    Ok(q.all(db.read()).await?)
}

/// Marks one of the user's notifications read (idempotent).
pub async fn mark_read(db: &Db, user: Uuid, id: Uuid) -> ApiResult<notifications::Model> {
    notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Some(clock::now()).into())
        .filter(notifications::Column::Id.eq(id))
        .filter(notifications::Column::UserId.eq(user))
        .filter(notifications::Column::ReadAt.is_null())
        .exec(db.write())
        .await?;
    notifications::Entity::find_by_id(id)
        .filter(notifications::Column::UserId.eq(user))
        .one(db.write())
        .await?
        .ok_or(ApiError::NotFound)
}

/// Marks every unread notification of the user read; returns how many.
pub async fn mark_all_read(db: &Db, user: Uuid) -> ApiResult<u64> {
    Ok(notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Some(clock::now()).into())
        .filter(notifications::Column::UserId.eq(user))
        .filter(notifications::Column::ReadAt.is_null())
        .exec(db.write())
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wish_event_tells_the_resident() {
        for e in crate::domain::webhook::EVENTS.iter().filter(|e| e.starts_with("wish.")) {
            assert!(audience(e).contains(&Role::Resident), "{e}");
            assert!(!title(e, Role::Resident, "轮椅").contains("新动态"), "{e} has its own title");
        }
        assert!(audience("wish.disputed").contains(&Role::Claimant));
        assert!(audience("wish.disputed").contains(&Role::Staff));
        assert!(!audience("wish.claimed").contains(&Role::Staff));
    }
}
