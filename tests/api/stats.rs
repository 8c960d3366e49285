//! Area statistics against a brute-force recount, who may read them, and the CSV export.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::wishes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{City, TestApp, User, spawn_app};

/// Moves the given timestamps of a wish `hours` into the past, keeping their differences.
async fn backdate(app: &TestApp, id: Uuid, cols: &[wishes::Column], hours: i64) {
    // Read, shift in Rust, write back: the same on both databases.
    let w = wishes::Entity::find_by_id(id).one(app.state.db.read()).await.unwrap().unwrap();
    let shift = |t: Option<DateTime<Utc>>| t.map(|t| t - Duration::hours(hours) - Duration::seconds(hours * 7 % 60));
    let mut q = wishes::Entity::update_many();
    for c in cols {
        let v = match c {
            wishes::Column::CreatedAt => Some(w.created_at),
            wishes::Column::ReviewedAt => w.reviewed_at,
            wishes::Column::ClaimedAt => w.claimed_at,
            other => panic!("cannot backdate {other:?}"),
        };
        q = q.col_expr(*c, Expr::val(shift(v)));
    }
    q.filter(wishes::Column::Id.eq(id)).exec(app.state.db.write()).await.unwrap();
}

const LISTS: [&str; 3] = ["public", "social", "volunteer"];

/// Builds wishes in both communities of `city` in every status, with durations of hours to weeks.
async fn varied_wishes(app: &TestApp, city: &City, seed: u64) {
    use wishes::Column::{ClaimedAt, CreatedAt, ReviewedAt};
    let mut rng = StdRng::seed_from_u64(seed);
    let people = [
        (
            app.resident(city.community, "王秀英").await,
            city.staff.clone(),
            app.volunteer(city.community, &city.staff, "熊卫东").await,
        ),
        (
            app.resident(city.other_community, "李桂兰").await,
            city.other_staff.clone(),
            app.volunteer(city.other_community, &city.other_staff, "胡建国").await,
        ),
    ];
    for i in 0..30 {
        let (resident, staff, helper) = &people[i % 2];
        let id = app.submit(resident, &format!("心愿{i}")).await;
        backdate(app, id, &[CreatedAt], rng.random_range(1..400)).await;
        let list = LISTS[rng.random_range(0..3)];
        let fate = rng.random_range(0..9);
        match fate {
            0 => continue, // pending review
            1 => {
                app.act(id, "return", staff, json!({"note": "请补充"})).await.assert(200);
                continue;
            }
            2 => {
                app.act(id, "reject", staff, json!({"note": "不属于服务范围"})).await.assert(200);
                continue;
            }
            3 => {
                app.act(id, "withdraw", resident, json!({})).await.assert(200);
                continue;
            }
            _ => app.act(id, "approve", staff, json!({"list": list})).await.assert(200),
        };
        if fate == 4 {
            continue; // open
        }
        backdate(app, id, &[CreatedAt, ReviewedAt], rng.random_range(0..100)).await;
        if fate == 5 {
            app.act(id, "cancel", staff, json!({"note": "居民已自行解决"})).await.assert(200);
            continue;
        }
        app.act(id, "claim", helper, json!({})).await.assert(200);
        if fate == 6 {
            continue; // claimed
        }
        let hours = f64::from(rng.random_range(1..20)) / 4.0;
        app.act(id, "fulfil", helper, json!({"hours": hours})).await.assert(200);
        if fate == 7 {
            continue; // fulfilled
        }
        backdate(app, id, &[CreatedAt, ReviewedAt, ClaimedAt], rng.random_range(0..200)).await;
        app.act(id, "confirm", resident, json!({"rating": 5})).await.assert(200);
    }
}

fn secs(later: Option<DateTime<Utc>>, earlier: Option<DateTime<Utc>>) -> Option<i64> {
    Some((later? - earlier?).num_seconds())
}

fn median_hours(mut v: Vec<i64>) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    v.sort_unstable();
    let n = v.len();
    let m = if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 };
    json!(m / 3600.0)
}

/// The statistics recomputed from every row, the slow and obvious way.
async fn recount(app: &TestApp, communities: &[Uuid], from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Value {
    let all = wishes::Entity::find().all(app.state.db.read()).await.unwrap();
    let inside = |t: DateTime<Utc>| from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e);
    let here: Vec<&wishes::Model> = all.iter().filter(|w| communities.contains(&w.community_id)).collect();
    let cohort: Vec<&wishes::Model> = here.iter().copied().filter(|w| inside(w.created_at)).collect();
    let mut by_status: BTreeMap<String, i64> = crate::helpers::STATUSES.iter().map(|s| (s.to_string(), 0)).collect();
    let mut by_list: BTreeMap<String, i64> = LISTS.iter().map(|s| (s.to_string(), 0)).collect();
    for w in &cohort {
        *by_status.get_mut(&w.status).unwrap() += 1;
        if let Some(l) = &w.list {
            *by_list.get_mut(l).unwrap() += 1;
        }
    }
    let submitted = cohort.len() as i64;
    let done_now = by_status["completed"];
    json!({
        "by_status": by_status,
        "by_list": by_list,
        "submitted": submitted,
        "completed": here.iter().filter(|w| w.completed_at.is_some_and(inside)).count(),
        "completion_rate": if submitted == 0 { Value::Null } else { json!(done_now as f64 / submitted as f64) },
        "median_hours_to_review": median_hours(cohort.iter().filter_map(|w| secs(w.reviewed_at, Some(w.created_at))).collect()),
        "median_hours_to_claim": median_hours(cohort.iter().filter_map(|w| secs(w.claimed_at, w.reviewed_at)).collect()),
        "median_hours_to_complete": median_hours(cohort.iter().filter_map(|w| secs(w.completed_at, Some(w.created_at))).collect()),
    })
}

fn assert_close(got: &Value, want: &Value) {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else { panic!("not objects") };
    assert_eq!(g.keys().collect::<Vec<_>>().len(), w.len(), "fields: {got}");
    for (k, wv) in w {
        let gv = &g[k];
        match (gv.as_f64(), wv.as_f64()) {
            (Some(a), Some(b)) if !gv.is_object() => assert!((a - b).abs() < 1e-9, "{k}: got {gv}, want {wv}"),
            _ => assert_eq!(gv, wv, "{k}"),
        }
    }
}

fn query(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> String {
    let enc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut parts = Vec::new();
    if let Some(f) = from {
        parts.push(format!("from={}", enc(f)));
    }
    if let Some(t) = to {
        parts.push(format!("to={}", enc(t)));
    }
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

#[tokio::test]
async fn stats_equal_a_brute_force_recount() {
    let app = spawn_app().await;
    let city = app.city().await;
    varied_wishes(&app, &city, 7).await;
    // Whole seconds, as the query string carries them.
    let now = Utc::now().trunc_subsecs(0);
    let windows = [
        (None, None),
        (Some(now - Duration::hours(300)), Some(now + Duration::hours(1))),
        (Some(now - Duration::hours(450)), Some(now - Duration::hours(100))),
        (Some(now + Duration::hours(1)), None),
    ];
    let both = [city.community, city.other_community];
    for (area, who, communities) in [
        (city.street, &city.street_staff, &both[..]),
        (city.community, &city.staff, &both[..1]),
        (city.other_community, &city.admin, &both[1..]),
    ] {
        for (from, to) in windows {
            let got = app.get(&format!("/api/v1/areas/{area}/stats{}", query(from, to)), Some(&who.token)).await;
            got.assert(200);
            let want = recount(&app, communities, from, to).await;
            assert_close(&got.body, &want);
        }
    }
    // The fixture really covers what is counted.
    let all = app.get(&format!("/api/v1/areas/{}/stats", city.street), Some(&city.admin.token)).await;
    assert_eq!(all.body["submitted"], 30);
    assert!(all.body["median_hours_to_complete"].as_f64().unwrap() > 1.0, "{}", all.body);
    let statuses = all.body["by_status"].as_object().unwrap();
    assert!(statuses.values().filter(|v| v.as_i64().unwrap() > 0).count() >= 7, "{}", all.body);
}

#[tokio::test]
async fn only_staff_of_the_area_or_above_read_its_figures() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王秀英").await;
    app.submit(&resident, "想请人修灯").await;
    for path in ["stats", "wishes.csv"] {
        let url = |area: Uuid| format!("/api/v1/areas/{area}/{path}");
        app.get(&url(city.community), None).await.assert_problem(401, "unauthenticated");
        for outsider in [&city.other_staff, &resident] {
            app.get(&url(city.community), Some(&outsider.token)).await.assert_problem(403, "forbidden");
        }
        // Staff of a community are not staff of the street above it.
        app.get(&url(city.street), Some(&city.staff.token)).await.assert_problem(403, "forbidden");
        for insider in [&city.staff, &city.street_staff, &city.admin] {
            app.get(&url(city.community), Some(&insider.token)).await.assert(200);
        }
        app.get(&url(Uuid::now_v7()), Some(&city.admin.token)).await.assert_problem(404, "not_found");
        let backwards = format!("{}?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", url(city.community));
        app.get(&backwards, Some(&city.admin.token)).await.assert_problem(422, "validation_failed");
        app.get(&format!("{}?from=yesterday", url(city.community)), Some(&city.admin.token))
            .await
            .assert_problem(400, "malformed_request");
    }
}

async fn csv_text(app: &TestApp, path: &str, who: &User) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let res = app.client.get(app.url(path)).bearer_auth(&who.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    (headers, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_csv_export_parses_and_holds_every_row() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王秀英").await;
    let neighbour = app.resident(city.other_community, "李桂兰").await;
    // Enough rows for several chunks of the stream, written through the store.
    let mut ids = HashSet::new();
    let tricky = "轮椅, \"加宽\"\n一台";
    for i in 0..1_203 {
        let title = match i {
            0 => tricky.to_owned(),
            1 => "=HYPERLINK(\"http://example.com\")".to_owned(),
            _ => format!("心愿{i}"),
        };
        let new = microwish::store::wishes::NewWish {
            title,
            description: "需要帮助".into(),
            catalogue_item_id: None,
            deadline: None,
            address: Some("湖坊镇3栋2单元".into()),
            contact_phone: Some("13612345678".into()),
        };
        let who = if i % 3 == 2 { &neighbour } else { &resident };
        match microwish::store::wishes::submit(&app.state.db, who.id, new, None, |_| String::new()).await.unwrap() {
            microwish::store::wishes::Submitted::Created(r) => {
                if who.id == resident.id {
                    ids.insert(r.wish.id);
                }
            }
            microwish::store::wishes::Submitted::Replayed(_) => unreachable!(),
        }
    }
    let first = ids.iter().next().copied().unwrap();
    app.act(first, "approve", &city.staff, json!({"list": "social"})).await.assert(200);

    let (headers, body) = csv_text(&app, &format!("/api/v1/areas/{}/wishes.csv", city.community), &city.staff).await;
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(headers["content-disposition"].to_str().unwrap().contains("attachment"));
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark first");
    let text = String::from_utf8(body[3..].to_vec()).expect("UTF-8");
    assert!(!text.contains("13612345678") && !text.contains("湖坊镇3栋2单元"), "no contact data");
    assert!(!text.contains("王秀英"), "no resident names");

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[0], "编号");
    assert_eq!(header[5], "状态");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), ids.len(), "every wish of the community, none of the other");
    let seen: HashSet<Uuid> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(seen, ids);
    let listed: Vec<Uuid> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "oldest first, no repeats");
    assert!(rows.iter().all(|r| r.len() == header.len() && &r[1] == "顺化门社区"));
    assert!(rows.iter().any(|r| &r[2] == tricky), "commas, quotes and newlines survive: {:?}", &rows[..2]);
    assert!(rows.iter().any(|r| r[2].starts_with("'=HYPERLINK")), "formulas are defused");
    let approved = rows.iter().find(|r| r[0] == first.to_string()).unwrap();
    assert_eq!((&approved[3], &approved[5]), ("社会服务", "待认领"));
    assert!(!approved[7].is_empty(), "reviewed time");
    assert!(rows.iter().filter(|r| r[0] != first.to_string()).all(|r| &r[5] == "待审核"));

    // The street sees both communities; a window narrows the rows.
    let (_, all) = csv_text(&app, &format!("/api/v1/areas/{}/wishes.csv", city.street), &city.street_staff).await;
    assert_eq!(csv::Reader::from_reader(&all[3..]).records().count(), 1_203);
    let (_, none) =
        csv_text(&app, &format!("/api/v1/areas/{}/wishes.csv?from=2099-01-01T00:00:00Z", city.street), &city.admin)
            .await;
    assert_eq!(csv::Reader::from_reader(&none[3..]).records().count(), 0);
}
