//! The time bank: hours credited once per completed wish, entries summing to zero.

use futures_util::future::join_all;
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
