//! The time bank: hours credited once per completed wish, entries summing to zero.

use std::collections::HashMap;

use futures_util::future::join_all;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{EntityTrait, QuerySelect};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn ledger_sum(app: &TestApp) -> (i64, usize) {
    let rows: Vec<i32> = entity::ledger_entries::Entity::find()
        .select_only()
        .column(entity::ledger_entries::Column::HoursCenti)
        .into_tuple()
        .all(app.state.db.read())
        .await
        .unwrap();
    (rows.iter().map(|h| i64::from(*h)).sum(), rows.len())
}

#[tokio::test]
async fn a_completion_credits_the_server_once_even_when_confirms_race() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let v = app.volunteer(city.community, &city.staff, "志愿者").await;
    let id = app.open_wish(&resident, &city.staff, "心愿").await;
    app.act(id, "claim", &v, json!({})).await.assert(200);
    app.act(id, "fulfil", &v, json!({"hours": 2.5})).await.assert(200);
    let results = join_all((0..10).map(|_| app.act(id, "confirm", &resident, json!({"rating": 5})))).await;
    assert_eq!(results.iter().filter(|r| r.status == 200).count(), 1);
    for r in results.iter().filter(|r| r.status != 200) {
        r.assert_problem(409, "invalid_transition");
    }
    let bank = app.get("/api/v1/me/time-bank", Some(&v.token)).await;
    bank.assert(200);
    assert_eq!(bank.body["balance_hours"], 2.5);
    assert_eq!(bank.body["entries"].as_array().unwrap().len(), 1);
    assert_eq!(bank.body["entries"][0]["wish_id"], json!(id));
    assert_eq!(ledger_sum(&app).await, (0, 2), "one transfer, two entries summing to zero");
    let none = app.get("/api/v1/me/time-bank", Some(&resident.token)).await;
    assert_eq!(none.body["balance_hours"], 0.0);
}

#[tokio::test]
async fn the_member_who_reported_is_credited_and_auto_confirmation_credits_too() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let boss = app.user("单位管理员", None).await;
    let worker = app.user("单位成员", None).await;
    let unit = app.unit(&city.admin, "供电公司", &boss, Some(&worker)).await;
    app.partner(&city.staff, city.community, unit, "paired").await.assert(201);
    let id = app.open_wish(&resident, &city.staff, "换灯泡").await;
    app.act(id, "claim", &boss, json!({"unit_id": unit})).await.assert(200);
    app.act(id, "fulfil", &worker, json!({"hours": 1.25})).await.assert(200);
    // Nobody answers: the scheduler confirms after the window.
    assert_eq!(app.sweep(chrono::Duration::days(8)).await.confirmed, 1);
    assert_eq!(app.get("/api/v1/me/time-bank", Some(&worker.token)).await.body["balance_hours"], 1.25);
    assert_eq!(app.get("/api/v1/me/time-bank", Some(&boss.token)).await.body["balance_hours"], 0.0);
    assert_eq!(ledger_sum(&app).await, (0, 2));
}

#[tokio::test]
async fn the_leaderboard_ranks_realised_hours_then_completions() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let a = app.volunteer(city.community, &city.staff, "甲").await;
    let b = app.volunteer(city.community, &city.staff, "乙").await;
    let c = app.volunteer(city.community, &city.staff, "丙").await;
    for (who, hours, done) in [(&a, 1.0, true), (&a, 1.0, true), (&b, 3.0, true), (&c, 5.0, false)] {
        let id = app.open_wish(&resident, &city.staff, "心愿").await;
        app.act(id, "claim", who, json!({})).await.assert(200);
        app.act(id, "fulfil", who, json!({"hours": hours})).await.assert(200);
        if done {
            app.act(id, "confirm", &resident, json!({"rating": 5})).await.assert(200);
        }
    }
    let board = app.get(&format!("/api/v1/communities/{}/leaderboard", city.community), Some(&city.staff.token)).await;
    board.assert(200);
    let lines: Vec<(String, f64, i64)> = board
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (l["name"].as_str().unwrap().to_owned(), l["hours"].as_f64().unwrap(), l["completed"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(lines, [("乙".to_owned(), 3.0, 1), ("甲".to_owned(), 2.0, 2)], "unconfirmed hours do not count");
    let public = app.get(&format!("/api/v1/communities/{}/leaderboard", city.community), None).await;
    assert_eq!(public.body[0]["name"], "乙*");
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339().replace('+', "%2B");
    let empty = app.get(&format!("/api/v1/communities/{}/leaderboard?from={future}", city.community), None).await;
    empty.assert(200);
    assert!(empty.body.as_array().unwrap().is_empty());
    app.get(&format!("/api/v1/communities/{}/leaderboard", city.street), None).await.assert_problem(404, "not_found");
}

/// Sums of the ledger by account: (kind, id) → hundredths of an hour.
async fn balances(app: &TestApp) -> HashMap<(String, uuid::Uuid), i64> {
    let rows: Vec<(String, uuid::Uuid, i32)> = entity::ledger_entries::Entity::find()
        .select_only()
        .column(entity::ledger_entries::Column::AccountKind)
        .column(entity::ledger_entries::Column::AccountId)
        .column(entity::ledger_entries::Column::HoursCenti)
        .into_tuple()
        .all(app.state.db.read())
        .await
        .unwrap();
    let mut out = HashMap::new();
    for (kind, id, h) in rows {
        *out.entry((kind, id)).or_default() += i64::from(h);
    }
    out
}

#[tokio::test]
async fn a_randomized_run_of_completions_keeps_the_ledger_balanced() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let mut helpers = Vec::new();
    for name in ["甲", "乙", "丙", "丁"] {
        helpers.push(app.volunteer(city.community, &city.staff, name).await);
    }
    let boss = app.user("单位管理员", None).await;
    let worker = app.user("单位成员", None).await;
    let unit = app.unit(&city.admin, "供电公司", &boss, Some(&worker)).await;
    app.partner(&city.staff, city.community, unit, "paired").await.assert(201);

    let mut rng = StdRng::seed_from_u64(42);
    // Who should end up with how many hundredths of an hour.
    let mut expected: HashMap<uuid::Uuid, i64> = HashMap::new();
    let mut left_for_the_scheduler = Vec::new();
    for _ in 0..24 {
        let id = app.open_wish(&resident, &city.staff, "心愿").await;
        let by_unit = rng.random_bool(0.25);
        let fulfiller = if by_unit {
            app.act(id, "claim", &boss, json!({"unit_id": unit})).await.assert(200);
            &worker
        } else {
            let h = &helpers[rng.random_range(0..helpers.len())];
            app.act(id, "claim", h, json!({})).await.assert(200);
            h
        };
        let mut centi = rng.random_range(1..=40) * 25;
        app.act(id, "fulfil", fulfiller, json!({"hours": centi as f64 / 100.0})).await.assert(200);
        match rng.random_range(0..6) {
            // Confirmed once.
            0 => {
                app.act(id, "confirm", &resident, json!({"rating": 5})).await.assert(200);
            }
            // The app retries the confirm.
            1 => {
                app.act(id, "confirm", &resident, json!({"rating": 4})).await.assert(200);
                app.act(id, "confirm", &resident, json!({"rating": 4})).await.assert_problem(409, "invalid_transition");
            }
            // Several devices confirm at once.
            2 => {
                let n = rng.random_range(2..8);
                let all = join_all((0..n).map(|_| app.act(id, "confirm", &resident, json!({"rating": 5})))).await;
                assert_eq!(all.iter().filter(|r| r.status == 200).count(), 1);
            }
            // Disputed, fulfilled again with other hours, then confirmed: only the last hours count.
            3 => {
                app.act(id, "dispute", &resident, json!({"note": "还没修好"})).await.assert(200);
                centi = rng.random_range(1..=40) * 25;
                app.act(id, "fulfil", fulfiller, json!({"hours": centi as f64 / 100.0})).await.assert(200);
                app.act(id, "confirm", &resident, json!({"rating": 3})).await.assert(200);
            }
            // Nobody answers: the scheduler confirms later.
            4 if left_for_the_scheduler.len() < 3 => {
                left_for_the_scheduler.push(id);
                *expected.entry(fulfiller.id).or_default() += centi;
                continue;
            }
            // Cancelled by staff after fulfilment: nothing is credited.
            _ => {
                app.act(id, "cancel", &city.staff, json!({"note": "居民搬走了"})).await.assert(200);
                continue;
            }
        }
        *expected.entry(fulfiller.id).or_default() += centi;
    }
    // Two sweeps racing, then one more: each waiting wish is confirmed once.
    let ahead = chrono::Duration::days(8);
    let (a, b) = tokio::join!(app.sweep(ahead), app.sweep(ahead));
    assert_eq!(a.confirmed + b.confirmed, left_for_the_scheduler.len());
    assert_eq!(app.sweep(ahead).await.confirmed, 0);

    let sums = balances(&app).await;
    assert_eq!(sums.values().sum::<i64>(), 0, "every transfer sums to zero");
    let people: HashMap<uuid::Uuid, i64> =
        sums.iter().filter(|((k, _), _)| k == "user").map(|((_, id), v)| (*id, *v)).collect();
    let expected: HashMap<uuid::Uuid, i64> = expected.into_iter().filter(|(_, v)| *v != 0).collect();
    assert_eq!(people, expected, "each person holds exactly the hours of their completions");
    let pool = sums[&("pool".to_owned(), city.community)];
    assert_eq!(pool, -expected.values().sum::<i64>());
    let completed = app.get(&format!("/api/v1/areas/{}/stats", city.community), Some(&city.staff.token)).await;
    let (_, entries) = ledger_sum(&app).await;
    assert_eq!(
        entries as i64,
        2 * completed.body["by_status"]["completed"].as_i64().unwrap(),
        "one transfer per completion"
    );
    // What people read agrees with the ledger.
    for who in helpers.iter().chain([&worker, &boss]) {
        let bank = app.get("/api/v1/me/time-bank", Some(&who.token)).await;
        let want = expected.get(&who.id).copied().unwrap_or(0);
        assert_eq!((bank.body["balance_hours"].as_f64().unwrap() * 100.0).round() as i64, want);
        let listed: f64 = bank.body["entries"].as_array().unwrap().iter().map(|e| e["hours"].as_f64().unwrap()).sum();
        assert_eq!((listed * 100.0).round() as i64, want);
    }
}
