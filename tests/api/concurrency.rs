//! Exactly once under concurrency: claim races, claim limits, idempotent submissions.

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, test_database, test_settings};

#[tokio::test]
async fn claim_returns_409_to_every_loser_of_a_race() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let mut volunteers = Vec::new();
    for i in 0..24 {
        volunteers.push(app.volunteer(city.community, &city.staff, &format!("志愿者{i}")).await);
    }
    for round in 0..3 {
        let id = app.open_wish(&resident, &city.staff, &format!("第{round}轮")).await;
        let results = join_all(volunteers.iter().map(|v| app.act(id, "claim", v, json!({})))).await;
        let winners: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.status == 200).map(|(i, _)| i).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one winner");
        for r in results.iter().filter(|r| r.status != 200) {
            r.assert_problem(409, "invalid_transition");
        }
        let wish = app.wish(id, None).await;
        assert_eq!(wish.body["claimant"]["id"], json!(volunteers[winners[0]].id));
        let events = app.get(&format!("/api/v1/wishes/{id}/events"), None).await;
        let claims = events.body.as_array().unwrap().iter().filter(|e| e["action"] == "claim").count();
        assert_eq!(claims, 1);
        // Free the winner for the next round.
        app.act(id, "release", &volunteers[winners[0]], json!({"note": "下一轮"})).await.assert(200);
    }
}

#[tokio::test]
async fn a_person_holds_at_most_five_claims_even_when_claiming_at_once() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let v = app.volunteer(city.community, &city.staff, "志愿者").await;
    let mut wishes = Vec::new();
    for i in 0..10 {
        wishes.push(app.open_wish(&resident, &city.staff, &format!("心愿{i}")).await);
    }
    let results = join_all(wishes.iter().map(|w| app.act(*w, "claim", &v, json!({})))).await;
    assert_eq!(results.iter().filter(|r| r.status == 200).count(), 5);
    for r in results.iter().filter(|r| r.status != 200) {
        r.assert_problem(409, "claim_limit_reached");
    }
    // Fulfilling one frees a place.
    let held = wishes.iter().zip(&results).find(|(_, r)| r.status == 200).map(|(w, _)| *w).unwrap();
    let free = wishes.iter().zip(&results).find(|(_, r)| r.status != 200).map(|(w, _)| *w).unwrap();
    app.act(held, "fulfil", &v, json!({"hours": 1})).await.assert(200);
    app.act(free, "claim", &v, json!({})).await.assert(200);
    // Dispatch obeys the same limit.
    let another = app.open_wish(&resident, &city.staff, "派单").await;
    app.act(another, "assign", &city.staff, json!({"user_id": v.id})).await.assert_problem(409, "claim_limit_reached");
}

#[tokio::test]
async fn claim_limits_are_configurable_for_people_and_units() {
    let (url, dir) = test_database().await;
    let mut settings = test_settings(&url);
    settings.claim_limit_person = 1;
    settings.claim_limit_unit = 2;
    let app = spawn_app_with(settings, dir).await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let v = app.volunteer(city.community, &city.staff, "志愿者").await;
    let boss = app.user("单位管理员", None).await;
    let unit = app.unit(&city.admin, "供电公司", &boss, None).await;
    app.partner(&city.staff, city.community, unit, "paired").await.assert(201);
    let mut w = Vec::new();
    for i in 0..5 {
        w.push(app.open_wish(&resident, &city.staff, &format!("心愿{i}")).await);
    }
    app.act(w[0], "claim", &v, json!({})).await.assert(200);
    app.act(w[1], "claim", &v, json!({})).await.assert_problem(409, "claim_limit_reached");
    app.act(w[1], "claim", &boss, json!({"unit_id": unit})).await.assert(200);
    app.act(w[2], "claim", &boss, json!({"unit_id": unit})).await.assert(200);
    app.act(w[3], "claim", &boss, json!({"unit_id": unit})).await.assert_problem(409, "claim_limit_reached");
    // The unit admin still claims for themself? Only if registered: they are not.
    app.act(w[3], "claim", &boss, json!({})).await.assert_problem(403, "forbidden");
}

#[tokio::test]
async fn idempotent_submissions_create_one_wish() {
    let app = spawn_app().await;
    let city = app.city().await;
    let r = app.resident(city.community, "王小明").await;
    let body = json!({"title": "借轮椅", "description": "一个月", "address": "3栋"});
    let send = |key: &'static str, body: serde_json::Value| {
        let token = r.token.clone();
        let app = &app;
        async move {
            app.send(reqwest::Method::POST, "/api/v1/wishes", Some(&token), Some(body), &[("Idempotency-Key", key)])
                .await
        }
    };
    let first = send("k-1", body.clone()).await;
    first.assert(201);
    let again = send("k-1", body.clone()).await;
    again.assert(201);
    assert_eq!(again.body, first.body, "a retry returns the original response");
    send("k-1", json!({"title": "别的"})).await.assert_problem(422, "validation_failed");

    let results = join_all((0..12).map(|_| send("k-2", body.clone()))).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|res| {
            res.assert(201);
            res.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "concurrent duplicates create one wish");
    let mine = app.get("/api/v1/wishes?mine=true", Some(&r.token)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn claims_race_across_two_servers_sharing_one_database() {
    let (url, dir) = test_database().await;
    let first = spawn_app_with(test_settings(&url), None).await;
    let second = spawn_app_with(test_settings(&url), dir).await;
    let city = first.city().await;
    let resident = first.resident(city.community, "王小明").await;
    let mut volunteers = Vec::new();
    for i in 0..20 {
        volunteers.push(first.volunteer(city.community, &city.staff, &format!("志愿者{i}")).await);
    }
    let id = first.open_wish(&resident, &city.staff, "两台服务器").await;
    // Tokens are valid on both servers: they share the stored signing key.
    let results = join_all(volunteers.iter().enumerate().map(|(i, v)| {
        let app = if i % 2 == 0 { &first } else { &second };
        app.act(id, "claim", v, json!({}))
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.status == 200).count(), 1, "exactly one winner across servers");
    for r in results.iter().filter(|r| r.status != 200) {
        r.assert_problem(409, "invalid_transition");
    }
    let events = second.get(&format!("/api/v1/wishes/{id}/events"), None).await;
    assert_eq!(events.body.as_array().unwrap().iter().filter(|e| e["action"] == "claim").count(), 1);
}
