//! Events, the outbox and the inbox commit with the change that causes them.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app};

async fn inbox(app: &TestApp, u: &User, query: &str) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/me/notifications{query}"), Some(&u.token)).await;
    res.assert(200);
    res.body["items"].as_array().unwrap().clone()
}

/// The wish events in a user's inbox, newest first (registration events aside).
async fn events_of(app: &TestApp, u: &User) -> Vec<String> {
    inbox(app, u, "?limit=100")
        .await
        .iter()
        .map(|n| n["event"].as_str().unwrap().to_owned())
        .filter(|e| e.starts_with("wish."))
        .collect()
}

async fn outbox_count(app: &TestApp) -> u64 {
    entity::outbox_events::Entity::find().count(app.state.db.read()).await.unwrap()
}

#[tokio::test]
async fn each_change_tells_the_people_it_concerns() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let holder = app.volunteer(city.community, &city.staff, "志愿者").await;
    let provider = app.volunteer(city.community, &city.staff, "提供者").await;
    let bystander = app.volunteer(city.community, &city.staff, "旁观者").await;
    let chat = app.get("/api/v1/catalogue?list=volunteer", None).await.body[0]["id"].clone();
    app.post(
        "/api/v1/offers",
        Some(&provider.token),
        json!({"catalogue_item_id": chat, "community_id": city.community}),
    )
    .await
    .assert(201);

    let id = app
        .post("/api/v1/wishes", Some(&resident.token), json!({"title": "陪老人聊天", "catalogue_item_id": chat}))
        .await
        .id();
    assert_eq!(events_of(&app, &city.staff).await, ["wish.submitted"]);
    assert_eq!(events_of(&app, &city.street_staff).await, ["wish.submitted"], "staff above are told too");
    assert!(events_of(&app, &city.other_staff).await.is_empty());
    assert!(events_of(&app, &resident).await.is_empty(), "nobody is told of their own action");

    app.act(id, "approve", &city.staff, json!({})).await.assert(200);
    assert_eq!(events_of(&app, &resident).await, ["wish.approved"]);
    let offered = inbox(&app, &provider, "").await;
    assert_eq!(offered[0]["event"], "wish.approved");
    assert_eq!(offered[0]["wish_id"], json!(id));
    assert!(offered[0]["title"].as_str().unwrap().contains("匹配"), "{}", offered[0]);
    assert!(events_of(&app, &bystander).await.is_empty());

    app.act(id, "claim", &holder, json!({})).await.assert(200);
    app.act(id, "fulfil", &holder, json!({"hours": 1})).await.assert(200);
    app.act(id, "dispute", &resident, json!({"note": "还没来"})).await.assert(200);
    assert_eq!(events_of(&app, &holder).await, ["wish.disputed"]);
    assert_eq!(events_of(&app, &city.staff).await, ["wish.disputed", "wish.submitted"]);
    app.act(id, "fulfil", &holder, json!({"hours": 1})).await.assert(200);
    app.act(id, "confirm", &resident, json!({"rating": 5})).await.assert(200);
    assert_eq!(events_of(&app, &holder).await, ["wish.completed", "wish.disputed"]);
    assert_eq!(
        events_of(&app, &resident).await,
        ["wish.fulfilled", "wish.fulfilled", "wish.claimed", "wish.approved"],
        "the resident hears of every change made by others, newest first"
    );
}

#[tokio::test]
async fn the_claimant_hears_when_staff_cancel_their_wish() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let holder = app.volunteer(city.community, &city.staff, "志愿者").await;
    let id = app.open_wish(&resident, &city.staff, "心愿").await;
    app.act(id, "claim", &holder, json!({})).await.assert(200);
    app.act(id, "cancel", &city.staff, json!({"note": "居民已搬走"})).await.assert(200);
    assert_eq!(events_of(&app, &holder).await, ["wish.cancelled"]);
}

#[tokio::test]
async fn registrations_tell_staff_and_then_the_registrant() {
    let app = spawn_app().await;
    let city = app.city().await;
    let u = app.user("党员", None).await;
    let reg = app
        .post(
            &format!("/api/v1/communities/{}/registrations", city.community),
            Some(&u.token),
            json!({"kind": "party_member"}),
        )
        .await;
    assert_eq!(inbox(&app, &city.staff, "").await[0]["event"], "registration.created");
    app.post(
        &format!("/api/v1/registrations/{}/reject", reg.id()),
        Some(&city.staff.token),
        json!({"note": "信息不全"}),
    )
    .await
    .assert(200);
    let mine = inbox(&app, &u, "").await;
    assert_eq!(mine[0]["event"], "registration.rejected");
    assert_eq!(mine[0]["wish_id"], Value::Null);
}

#[tokio::test]
async fn refused_actions_leave_no_event_and_no_notification() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let holder = app.volunteer(city.community, &city.staff, "志愿者").await;
    let id = app.open_wish(&resident, &city.staff, "心愿").await;
    let before = outbox_count(&app).await;
    let told = events_of(&app, &resident).await.len();
    app.act(id, "approve", &city.staff, json!({})).await.assert_problem(409, "invalid_transition");
    app.act(id, "fulfil", &holder, json!({"hours": 1})).await.assert_problem(403, "forbidden");
    app.act(id, "claim", &holder, json!({"unit_id": uuid::Uuid::now_v7()})).await.assert_problem(403, "forbidden");
    app.act(id, "return", &city.staff, json!({})).await.assert_problem(422, "validation_failed");
    assert_eq!(outbox_count(&app).await, before);
    assert_eq!(events_of(&app, &resident).await.len(), told);
    // One event per change: the outbox mirrors the timeline.
    app.act(id, "claim", &holder, json!({})).await.assert(200);
    assert_eq!(outbox_count(&app).await, before + 1);
}

#[tokio::test]
async fn the_inbox_filters_unread_and_marks_read() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    for i in 0..3 {
        app.submit(&resident, &format!("心愿{i}")).await;
    }
    let all = inbox(&app, &city.staff, "").await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|n| n["read_at"].is_null()));
    let first = all[0]["id"].as_str().unwrap().to_owned();
    let read = app.post(&format!("/api/v1/me/notifications/{first}/read"), Some(&city.staff.token), json!({})).await;
    read.assert(200);
    assert!(read.body["read_at"].is_string());
    app.post(&format!("/api/v1/me/notifications/{first}/read"), Some(&city.staff.token), json!({})).await.assert(200);
    // Someone else's notification does not exist for them.
    app.post(&format!("/api/v1/me/notifications/{first}/read"), Some(&resident.token), json!({}))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(inbox(&app, &city.staff, "?unread=true").await.len(), 2);
    let page = app.get("/api/v1/me/notifications?limit=2", Some(&city.staff.token)).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    assert!(page.body["next_cursor"].is_string());
    let all_read = app.post("/api/v1/me/notifications/read-all", Some(&city.staff.token), json!({})).await;
    all_read.assert(200);
    assert_eq!(all_read.body["updated"], 2);
    assert!(inbox(&app, &city.staff, "?unread=true").await.is_empty());
    app.get("/api/v1/me/notifications", None).await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn claimants_are_reminded_once_of_a_deadline_within_a_day() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let holder = app.volunteer(city.community, &city.staff, "志愿者").await;
    let soon = app.submit(&resident, "明天前要").await;
    let later = app.submit(&resident, "下周要").await;
    let deadline = |hours: i64| (chrono::Utc::now() + chrono::Duration::hours(hours)).to_rfc3339();
    app.act(soon, "approve", &city.staff, json!({"deadline": deadline(12)})).await.assert(200);
    app.act(later, "approve", &city.staff, json!({"deadline": deadline(24 * 7)})).await.assert(200);
    for w in [soon, later] {
        app.act(w, "claim", &holder, json!({})).await.assert(200);
    }
    let swept = app.sweep(chrono::Duration::zero()).await;
    assert_eq!(swept.reminded, 1);
    let mine = inbox(&app, &holder, "").await;
    assert_eq!(mine[0]["event"], "wish.deadline_approaching");
    assert_eq!(mine[0]["wish_id"], json!(soon));
    assert_eq!(app.sweep(chrono::Duration::zero()).await.reminded, 0, "once per wish");
    assert_eq!(events_of(&app, &holder).await, ["wish.deadline_approaching"]);
}
