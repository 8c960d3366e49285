//! Area statistics and the CSV export. The database does the counting and
//! finds the medians (see migration `m20261127_000007`); no query loads the
//! wishes themselves into memory.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::wishes;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Db;
use super::wishes::WishRecord;
use crate::domain::wish::{ServiceList, WishStatus};
use crate::error::ApiResult;

/// A half-open time window `[from, to)`; either end may be open.
#[derive(Clone, Copy, Debug, Default)]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl Period {
    /// `column` falls inside the window.
    pub fn contains(&self, column: wishes::Column) -> Condition {
        let mut c = Condition::all();
        if let Some(f) = self.from {
            c = c.add(column.gte(f));
        }
        if let Some(t) = self.to {
            c = c.add(column.lt(t));
        }
        c
    }
}

/// The figures of `GET /areas/{id}/stats`, as the API returns them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = AreaStatsView)]
pub struct AreaStats {
    /// Wishes submitted in the window by their current status; every status is present.
    pub by_status: BTreeMap<WishStatus, i64>,
    /// The same wishes by service list; every list is present. Wishes not yet given a list are not counted here.
    pub by_list: BTreeMap<ServiceList, i64>,
    /// Wishes submitted in the window.
    pub submitted: i64,
    /// Wishes completed in the window, whenever they were submitted.
    pub completed: i64,
    /// The share (0–1) of the wishes submitted in the window that are now completed; `null` when none were submitted.
    #[schema(example = 0.62)]
    pub completion_rate: Option<f64>,
    /// Submission to the latest review decision, over the wishes submitted in the window; `null` when there are none.
    pub median_hours_to_review: Option<f64>,
    /// Review to the current claim.
    pub median_hours_to_claim: Option<f64>,
    /// Submission to completion.
    pub median_hours_to_complete: Option<f64>,
}

/// Wishes of the communities in `communities`.
fn in_communities(communities: &[Uuid]) -> Condition {
    match communities {
        [one] => Condition::all().add(wishes::Column::CommunityId.eq(*one)),
        many => Condition::all().add(wishes::Column::CommunityId.is_in(many.iter().copied())),
    }
}

/// The median of a duration column (whole seconds) over the `n` wishes `scope`
/// selects that have it, in hours. The database walks that column's index in
/// order to the middle row, so no query sorts or loads the wishes.
async fn median_hours(
    db: &impl ConnectionTrait,
    scope: Condition,
    col: wishes::Column,
    n: i64,
) -> ApiResult<Option<f64>> {
    if n == 0 {
        return Ok(None);
    }
    let backend = db.get_database_backend();
    let mut stmt = wishes::Entity::find()
        .select_only()
        .column(col)
        .filter(col.is_not_null())
        .filter(scope)
        .order_by_asc(col)
        .offset(((n - 1) / 2) as u64)
        .limit(if n % 2 == 0 { 2 } else { 1 })
        .build(backend);
    if backend == DbBackend::Sqlite {
        // Without ANALYZE figures SQLite may prefer the community index and
        // sort every row; name the index whose order is the answer.
        let hint = format!(r#"FROM "wishes" INDEXED BY "idx_wishes_{}""#, col.as_str());
        stmt.sql = stmt.sql.replacen(r#"FROM "wishes""#, &hint, 1);
    }
    let middle = db
        .query_all_raw(stmt)
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0))
        .collect::<Result<Vec<i64>, _>>()?;
    if middle.is_empty() {
        return Ok(None);
    }
    Ok(Some(middle.iter().sum::<i64>() as f64 / middle.len() as f64 / 3600.0))
}

/// Wishes counted by (status, list), with how many of them have each duration.
type CountRow = (String, Option<String>, i64, i64, i64, i64);
/// The same, per community, as the database groups them.
type CommunityCountRow = (Uuid, String, Option<String>, i64, i64, i64, i64);

/// The statistics of the wishes of `communities` (every community under an area) in `period`.
pub async fn area_stats(db: &Db, communities: &[Uuid], period: Period) -> ApiResult<AreaStats> {
    use wishes::Column as C;
    // One snapshot, so the medians' offsets agree with the counts.
    let txn = db.snapshot().await?;
    let conn = &txn;
    let submitted_in = || in_communities(communities).add(period.contains(C::CreatedAt));
    // Grouped by community first, so the covering index `idx_wishes_stats` is read in order.
    let counts = async {
        let rows: Vec<CommunityCountRow> = wishes::Entity::find()
            .select_only()
            .column(C::CommunityId)
            .column(C::Status)
            .column(C::List)
            .column_as(Expr::col(Asterisk).count(), "n")
            .column_as(Expr::col(C::ReviewSecs).count(), "reviewed")
            .column_as(Expr::col(C::ClaimSecs).count(), "claimed")
            .column_as(Expr::col(C::CompleteSecs).count(), "done")
            .filter(submitted_in())
            .group_by(C::CommunityId)
            .group_by(C::Status)
            .group_by(C::List)
            .into_tuple()
            .all(conn)
            .await?;
        ApiResult::Ok(rows.into_iter().map(|(_, s, l, n, r, c, d)| (s, l, n, r, c, d)).collect::<Vec<CountRow>>())
    };
    let completed = async {
        let n: Option<i64> = wishes::Entity::find()
            .select_only()
            .column_as(Expr::col(Asterisk).count(), "n")
            .filter(in_communities(communities))
            .filter(C::CompletedAt.is_not_null())
            .filter(period.contains(C::CompletedAt))
            .into_tuple()
            .one(conn)
            .await?;
        ApiResult::Ok(n.unwrap_or(0))
    };
    let (rows, completed) = (counts.await?, completed.await?);
    let mut by_status: BTreeMap<WishStatus, i64> = WishStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let mut by_list: BTreeMap<ServiceList, i64> = ServiceList::ALL.iter().map(|l| (*l, 0)).collect();
    let (mut submitted, mut reviewed, mut claimed, mut done) = (0, 0, 0, 0);
    for (status, list, n, r, c, d) in rows {
        submitted += n;
        reviewed += r;
        claimed += c;
        done += d;
        if let Some(s) = WishStatus::parse(&status) {
            *by_status.entry(s).or_default() += n;
        }
        if let Some(l) = list.as_deref().and_then(ServiceList::parse) {
            *by_list.entry(l).or_default() += n;
        }
    }
    let review = median_hours(conn, submitted_in(), C::ReviewSecs, reviewed).await?;
    let claim = median_hours(conn, submitted_in(), C::ClaimSecs, claimed).await?;
    let complete = median_hours(conn, submitted_in(), C::CompleteSecs, done).await?;
    txn.commit().await?;
    let now_completed = by_status.get(&WishStatus::Completed).copied().unwrap_or(0);
    Ok(AreaStats {
        by_status,
        by_list,
        submitted,
        completed,
        completion_rate: (submitted > 0).then(|| now_completed as f64 / submitted as f64),
        median_hours_to_review: review,
        median_hours_to_claim: claim,
        median_hours_to_complete: complete,
    })
}

/// One batch of the export: the wishes of `community` submitted in `period`, by id after `after`.
pub async fn export_batch(
    db: &Db,
    community: Uuid,
    period: Period,
    after: Option<Uuid>,
    limit: u64,
) -> ApiResult<Vec<WishRecord>> {
    let mut q = wishes::Entity::find()
        .filter(wishes::Column::CommunityId.eq(community))
        .filter(period.contains(wishes::Column::CreatedAt))
        .order_by_asc(wishes::Column::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(wishes::Column::Id.gt(a));
    }
    super::wishes::with_names(db.read(), q).await
}

/// The names an export prints beside ids: of the communities, and of the catalogue items.
pub async fn export_names(db: &Db, communities: &[Uuid]) -> ApiResult<(HashMap<Uuid, String>, HashMap<Uuid, String>)> {
    let places: Vec<(Uuid, String)> = entity::areas::Entity::find()
        .select_only()
        .columns([entity::areas::Column::Id, entity::areas::Column::Name])
        .filter(entity::areas::Column::Id.is_in(communities.iter().copied()))
        .into_tuple()
        .all(db.read())
        .await?;
    let items: Vec<(Uuid, String)> = entity::catalogue_items::Entity::find()
        .select_only()
        .columns([entity::catalogue_items::Column::Id, entity::catalogue_items::Column::Name])
        .into_tuple()
        .all(db.read())
        .await?;
    Ok((places.into_iter().collect(), items.into_iter().collect()))
}
