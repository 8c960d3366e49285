//! Test data written through the persistence layer (never through HTTP):
//! areas, people with tokens minted by the bench, and wishes in bulk.

use chrono::Utc;
use entity::{area_staff, registrations, users, wishes};
use microwish::domain::area::AreaLevel;
use microwish::store::{Db, areas};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use uuid::Uuid;

/// Rows per insert statement and per transaction.
const BATCH: usize = 1000;

/// The bench's city: one street, and one community per scenario so that data sets stay apart.
pub struct City {
    pub city: Uuid,
    pub communities: Vec<Uuid>,
    pub staff: Uuid,
}

pub async fn city(db: &Db, communities: usize) -> anyhow::Result<City> {
    let city = areas::create(db, "基准市".into(), AreaLevel::City, None).await?.id;
    let district = areas::create(db, "基准区".into(), AreaLevel::District, Some(city)).await?.id;
    let street = areas::create(db, "基准街道".into(), AreaLevel::Street, Some(district)).await?.id;
    let mut ids = Vec::new();
    for i in 0..communities {
        ids.push(areas::create(db, format!("基准社区{i}"), AreaLevel::Community, Some(street)).await?.id);
    }
    let staff = people(db, 1, None, "工作人员").await?[0];
    area_staff::Entity::insert(area_staff::ActiveModel {
        area_id: Set(street),
        user_id: Set(staff),
        created_at: Set(Utc::now()),
    })
    .exec(db.write())
    .await?;
    Ok(City { city, communities: ids, staff })
}

static PHONE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `n` accounts (no usable password: the bench signs their tokens itself).
pub async fn people(db: &Db, n: usize, home: Option<Uuid>, name: &str) -> anyhow::Result<Vec<Uuid>> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(n);
    let rows: Vec<users::ActiveModel> = (0..n)
        .map(|i| {
            let id = Uuid::now_v7();
            ids.push(id);
            let seq = PHONE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            users::ActiveModel {
                id: Set(id),
                phone: Set(format!("137{seq:08}")),
                password_hash: Set("!".into()),
                display_name: Set(format!("{name}{i}")),
                is_admin: Set(false),
                home_community_id: Set(home),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        users::Entity::insert_many(chunk.to_vec()).exec(db.write()).await?;
    }
    Ok(ids)
}

/// `n` approved volunteers of `community`.
pub async fn volunteers(db: &Db, community: Uuid, n: usize) -> anyhow::Result<Vec<Uuid>> {
    let ids = people(db, n, None, "志愿者").await?;
    let now = Utc::now();
    let rows: Vec<registrations::ActiveModel> = ids
        .iter()
        .map(|u| registrations::ActiveModel {
            id: Set(Uuid::now_v7()),
            community_id: Set(community),
            user_id: Set(*u),
            kind: Set("volunteer".into()),
            status: Set("approved".into()),
            note: Set(None),
            review_note: Set(None),
            reviewed_by: Set(None),
            reviewed_at: Set(Some(now)),
            created_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(BATCH) {
        registrations::Entity::insert_many(chunk.to_vec()).exec(db.write()).await?;
    }
    Ok(ids)
}

/// Who holds the wishes written by [`wishes`], if anyone.
#[derive(Clone, Copy)]
pub enum Held {
    Open,
    ClaimedBy(Uuid),
}

/// Writes `n` approved wishes of `community` by `residents` in turn, in
/// transactions of a thousand, submitted over the last year.
pub async fn wishes(db: &Db, community: Uuid, residents: &[Uuid], n: usize, held: Held) -> anyhow::Result<Vec<Uuid>> {
    let now = microwish::clock::now();
    let mut ids = Vec::with_capacity(n);
    let lists = ["public", "social", "volunteer"];
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        let mut rows = Vec::with_capacity(size);
        for i in done..done + size {
            let id = Uuid::now_v7();
            ids.push(id);
            let created = now - chrono::Duration::minutes((n - i) as i64 % 525_600);
            let reviewed = created + chrono::Duration::minutes(30 + (i % 600) as i64);
            let (status, kind, user, claimed) = match held {
                Held::Open => ("open", None, None, None),
                Held::ClaimedBy(u) => ("claimed", Some("user".to_owned()), Some(u), Some(reviewed)),
            };
            rows.push(wishes::ActiveModel {
                id: Set(id),
                community_id: Set(community),
                resident_id: Set(residents[i % residents.len()]),
                title: Set(format!("基准心愿{i}:帮忙修理楼道灯")),
                description: Set("楼道灯坏了一个星期,晚上老人上下楼不方便,希望有人帮忙修理。".into()),
                catalogue_item_id: Set(None),
                list: Set(Some(lists[i % 3].to_owned())),
                status: Set(status.to_owned()),
                deadline: Set(None),
                address: Set(Some(format!("基准小区{}栋{}单元", i % 30 + 1, i % 4 + 1))),
                contact_phone: Set(Some("13900000000".into())),
                claimant_kind: Set(kind),
                claimant_user_id: Set(user),
                claimant_unit_id: Set(None),
                reviewed_at: Set(Some(reviewed)),
                claimed_at: Set(claimed),
                fulfilled_at: Set(None),
                completed_at: Set(None),
                hours_centi: Set(None),
                rating: Set(None),
                feedback: Set(None),
                review_note: Set(None),
                version: Set(2),
                created_at: Set(created),
                updated_at: Set(reviewed),
                deadline_reminded_at: Set(None),
                review_secs: Set(Some((reviewed - created).num_seconds())),
                claim_secs: Set(claimed.map(|c| (c - reviewed).num_seconds())),
                complete_secs: Set(None),
            });
        }
        let txn = db.begin().await?;
        wishes::Entity::insert_many(rows).exec(&txn).await?;
        if let Held::ClaimedBy(u) = held {
            let claims: Vec<entity::claims::ActiveModel> = ids[done..done + size]
                .iter()
                .map(|w| entity::claims::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    wish_id: Set(*w),
                    kind: Set("user".into()),
                    user_id: Set(Some(u)),
                    unit_id: Set(None),
                    claimed_by: Set(u),
                    assigned: Set(false),
                    claimed_at: Set(now),
                    fulfilled_by: Set(None),
                    fulfilled_at: Set(None),
                    hours_centi: Set(None),
                    ended_at: Set(None),
                    end_reason: Set(None),
                })
                .collect();
            entity::claims::Entity::insert_many(claims).exec(&txn).await?;
        }
        txn.commit().await?;
        done += size;
    }
    analyze(db).await?;
    Ok(ids)
}

/// On PostgreSQL, refreshes the planner's statistics after a bulk load, as
/// autovacuum would soon after; plans chosen from stale figures are not what
/// a running service sees. (SQLite keeps no statistics unless asked; the
/// service's queries do not rely on them.)
async fn analyze(db: &Db) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    if db.backend() == sea_orm::DbBackend::Postgres {
        db.write().execute_unprepared("ANALYZE wishes; ANALYZE claims; ANALYZE users").await?;
    }
    Ok(())
}

/// The single number a `SELECT COUNT(*)`-like query returns.
pub async fn scalar(db: &Db, sql: &str) -> anyhow::Result<i64> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db.read().query_one_raw(Statement::from_string(db.backend(), sql)).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
}

/// Wishes whose live claims number more than one: must be none.
pub async fn double_claims(db: &Db) -> anyhow::Result<i64> {
    scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT wish_id FROM claims WHERE ended_at IS NULL GROUP BY wish_id HAVING COUNT(*) > 1) AS d",
    )
    .await
}

/// How many wishes of `community` are claimed now.
pub async fn claimed_in(db: &Db, community: Uuid) -> anyhow::Result<u64> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    Ok(wishes::Entity::find()
        .filter(wishes::Column::CommunityId.eq(community))
        .filter(wishes::Column::Status.eq("claimed"))
        .count(db.read())
        .await?)
}
