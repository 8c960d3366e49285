//! The time bank: every completion moves the wish's hours from its
//! community's pool to the person who served, as two entries summing to zero.

use chrono::{DateTime, Utc};
use entity::{claims, ledger_entries, units, users, wishes};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::Db;
use crate::domain::wish::{ClaimantKind, WishStatus};
use crate::error::ApiResult;

pub const POOL: &str = "pool";
pub const USER: &str = "user";

/// Posts the transfer of a completed wish, inside the confirming transaction.
/// The beneficiary is who reported the fulfilment (for a unit, the member).
pub async fn credit(txn: &impl ConnectionTrait, wish: &wishes::Model, now: DateTime<Utc>) -> ApiResult<()> {
    let Some(claim) = claims::Entity::find()
        .filter(claims::Column::WishId.eq(wish.id))
        .filter(claims::Column::EndedAt.is_null())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let (Some(who), Some(hours)) = (claim.fulfilled_by, claim.hours_centi) else { return Ok(()) };
    let transfer = Uuid::now_v7();
    let entry = |kind: &str, account: Uuid, hours: i32| ledger_entries::ActiveModel {
        id: Set(Uuid::now_v7()),
        transfer_id: Set(transfer),
        account_kind: Set(kind.to_owned()),
        account_id: Set(account),
        wish_id: Set(wish.id),
        hours_centi: Set(hours),
        created_at: Set(now),
    };
    ledger_entries::Entity::insert_many([entry(POOL, wish.community_id, -hours), entry(USER, who, hours)])
        .exec(txn)
        .await?;
    Ok(())
}

/// A person's balance (hundredths of an hour) and latest entries.
pub async fn account(db: &Db, user: Uuid, limit: u64) -> ApiResult<(i64, Vec<ledger_entries::Model>)> {
    let sum: Option<Option<i64>> = ledger_entries::Entity::find()
        .select_only()
        .column_as(Expr::col(ledger_entries::Column::HoursCenti).sum(), "balance")
        .filter(ledger_entries::Column::AccountKind.eq(USER))
        .filter(ledger_entries::Column::AccountId.eq(user))
        .into_tuple()
        .one(db.read())
        .await?;
    let entries = ledger_entries::Entity::find()
        .filter(ledger_entries::Column::AccountKind.eq(USER))
        .filter(ledger_entries::Column::AccountId.eq(user))
        .order_by_desc(ledger_entries::Column::Id)
        .limit(limit)
        .all(db.read())
        .await?;
    Ok((sum.flatten().unwrap_or(0), entries))
}

/// (claimant kind, user, unit, hundredths of hours, completed wishes) as grouped by the database.
type StandingRow = (Option<String>, Option<Uuid>, Option<Uuid>, Option<i64>, i64);

/// One line of a community's leaderboard.
pub struct Standing {
    pub kind: ClaimantKind,
    pub id: Uuid,
    pub name: String,
    pub hours_centi: i64,
    pub completed: i64,
}

/// Who realised the most hours (then completed the most wishes) in the community, in `[from, to)`.
pub async fn leaderboard(db: &Db, community: Uuid, period: super::stats::Period) -> ApiResult<Vec<Standing>> {
    let q = wishes::Entity::find()
        .select_only()
        .column(wishes::Column::ClaimantKind)
        .column(wishes::Column::ClaimantUserId)
        .column(wishes::Column::ClaimantUnitId)
        .column_as(Expr::col(wishes::Column::HoursCenti).sum(), "hours")
        .column_as(Expr::col(sea_orm::sea_query::Asterisk).count(), "completed")
        .filter(wishes::Column::CommunityId.eq(community))
        .filter(wishes::Column::Status.eq(WishStatus::Completed.as_str()))
        .group_by(wishes::Column::ClaimantKind)
        .group_by(wishes::Column::ClaimantUserId)
        .group_by(wishes::Column::ClaimantUnitId);
    let rows: Vec<StandingRow> =
        q.filter(period.contains(wishes::Column::CompletedAt)).into_tuple().all(db.read()).await?;
    let mut out = Vec::new();
    for (kind, user, unit, hours, completed) in rows {
        let (kind, id, name) = match (kind.as_deref().and_then(ClaimantKind::parse), user, unit) {
            (Some(ClaimantKind::User), Some(u), _) => {
                (ClaimantKind::User, u, users::Entity::find_by_id(u).one(db.read()).await?.map(|x| x.display_name))
            }
            (Some(ClaimantKind::Unit), _, Some(u)) => {
                (ClaimantKind::Unit, u, units::Entity::find_by_id(u).one(db.read()).await?.map(|x| x.name))
            }
            _ => continue,
        };
        out.push(Standing { kind, id, name: name.unwrap_or_default(), hours_centi: hours.unwrap_or(0), completed });
    }
    out.sort_by(|a, b| {
        b.hours_centi.cmp(&a.hours_centi).then(b.completed.cmp(&a.completed)).then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}
