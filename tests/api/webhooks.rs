//! Signed webhooks: subscription rules, the SSRF guard, delivery in order,
//! retries on the schedule, the delivery log.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, test_database, test_settings};

/// What a receiver saw: (webhook-id, webhook-timestamp, webhook-signature, body).
type Seen = Arc<Mutex<Vec<(String, String, String, String)>>>;

/// A webhook receiver on a free port answering with `statuses` in turn (then 200).
async fn receiver(statuses: Vec<u16>) -> (String, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(statuses));
    let (s, sc) = (seen.clone(), script.clone());
    let server = HttpServer::new(move || {
        let (s, sc) = (s.clone(), sc.clone());
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let (s, sc) = (s.clone(), sc.clone());
            async move {
                let h = |k: &str| req.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                s.lock().unwrap().push((
                    h("webhook-id"),
                    h("webhook-timestamp"),
                    h("webhook-signature"),
                    String::from_utf8_lossy(&body).into_owned(),
                ));
                let mut script = sc.lock().unwrap();
                let status = if script.is_empty() { 200 } else { script.remove(0) };
                HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/hooks"), seen)
}

async fn app_allowing_private(schedule: Option<Vec<std::time::Duration>>) -> TestApp {
    let (url, dir) = test_database().await;
    let mut settings = test_settings(&url);
    settings.allow_private_webhooks = true;
    if let Some(s) = schedule {
        settings.webhook_retry_schedule = s;
    }
    spawn_app_with(settings, dir).await
}

fn events(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(_, _, _, body)| serde_json::from_str::<Value>(body).unwrap()["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn private_targets_bad_schemes_and_unknown_events_are_refused() {
    let app = spawn_app().await;
    let city = app.city().await;
    let admin = &city.admin;
    for url in [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "ftp://example.org/",
        "not a url",
    ] {
        app.post("/api/v1/webhooks", Some(&admin.token), json!({"url": url, "events": ["*"]}))
            .await
            .assert_problem(422, "validation_failed");
    }
    let ok_url = receiver(vec![]).await.0;
    // Without MICROWISH_ALLOW_PRIVATE_WEBHOOKS even a real local receiver is refused.
    app.post("/api/v1/webhooks", Some(&admin.token), json!({"url": ok_url, "events": ["*"]}))
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn admins_subscribe_anywhere_and_staff_for_their_own_area() {
    let app = app_allowing_private(None).await;
    let city = app.city().await;
    let (url, _) = receiver(vec![]).await;
    let create = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.post("/api/v1/webhooks", Some(&token), body).await }
    };
    create(&city.admin.token, json!({"url": url, "events": ["wish.nonsense"]}))
        .await
        .assert_problem(422, "validation_failed");
    create(&city.admin.token, json!({"url": url, "events": []})).await.assert_problem(422, "validation_failed");
    let resident = app.resident(city.community, "居民").await;
    create(&resident.token, json!({"url": url, "events": ["*"]})).await.assert_problem(403, "forbidden");
    create(&city.staff.token, json!({"url": url, "events": ["*"]})).await.assert_problem(403, "forbidden");
    create(&city.staff.token, json!({"url": url, "events": ["*"], "area_id": city.other_community}))
        .await
        .assert_problem(403, "forbidden");
    let mine =
        create(&city.staff.token, json!({"url": url, "events": ["wish.approved"], "area_id": city.community})).await;
    mine.assert(201);
    assert!(mine.body["secret"].as_str().unwrap().starts_with("whsec_"));
    let global = create(&city.admin.token, json!({"url": url, "events": ["*"]})).await;
    global.assert(201);
    // The secret is shown once.
    let listed = app.get("/api/v1/webhooks", Some(&city.staff.token)).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert!(listed.body[0].get("secret").is_none());
    assert_eq!(app.get("/api/v1/webhooks", Some(&city.admin.token)).await.body.as_array().unwrap().len(), 2);
    app.get(&format!("/api/v1/webhooks/{}", global.id()), Some(&city.staff.token))
        .await
        .assert_problem(404, "not_found");
    app.send(reqwest::Method::DELETE, &format!("/api/v1/webhooks/{}", mine.id()), Some(&city.staff.token), None, &[])
        .await
        .assert(204);
    app.get(&format!("/api/v1/webhooks/{}", mine.id()), Some(&city.staff.token)).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn events_are_delivered_signed_in_order_without_contact_data() {
    let app = app_allowing_private(None).await;
    let city = app.city().await;
    let (url, seen) = receiver(vec![]).await;
    let hook = app.post("/api/v1/webhooks", Some(&city.admin.token), json!({"url": url, "events": ["*"]})).await;
    hook.assert(201);
    let secret = hook.body["secret"].as_str().unwrap().to_owned();
    let approved_only = app
        .post(
            "/api/v1/webhooks",
            Some(&city.other_staff.token),
            json!({"url": url, "events": ["*"], "area_id": city.other_community}),
        )
        .await;
    approved_only.assert(201);

    let resident = app.resident(city.community, "王小明").await;
    let id = app.open_wish(&resident, &city.staff, "借轮椅").await;
    assert_eq!(app.dispatch(Duration::zero()).await, 2);
    assert_eq!(events(&seen), ["wish.submitted", "wish.approved"]);

    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    let timeline = app.get(&format!("/api/v1/wishes/{id}/events"), None).await;
    let log = app.get(&format!("/api/v1/webhooks/{}/deliveries", hook.id()), Some(&city.admin.token)).await;
    log.assert(200);
    for (msg_id, ts, signature, body) in seen.lock().unwrap().iter() {
        let expected = verifier.sign(msg_id, ts.parse().unwrap(), body.as_bytes()).unwrap();
        assert_eq!(signature, &expected, "signed per Standard Webhooks");
        assert!(
            log.body.as_array().unwrap().iter().any(|d| d["event_id"] == json!(msg_id)),
            "webhook-id is the event id"
        );
        assert!(!body.contains("13612345678") && !body.contains("湖坊镇3栋"), "no phone or address: {body}");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["data"]["wish_id"], json!(id));
        assert_eq!(v["data"]["community_id"], json!(city.community));
        assert_eq!(v["data"]["wish"]["resident_name"], "王*");
        assert!(v["timestamp"].is_string());
    }
    assert_eq!(timeline.body.as_array().unwrap().len(), 2);
    let statuses: Vec<(&str, i64, i64)> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["status"].as_str().unwrap(), d["attempt"].as_i64().unwrap(), d["response_status"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(statuses, [("succeeded", 1, 200), ("succeeded", 1, 200)]);
    // The other community's webhook heard nothing.
    let other =
        app.get(&format!("/api/v1/webhooks/{}/deliveries", approved_only.id()), Some(&city.other_staff.token)).await;
    assert!(other.body.as_array().unwrap().is_empty());
    assert_eq!(app.dispatch(Duration::zero()).await, 0, "nothing is sent twice");
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_on_schedule_and_keeps_event_order() {
    let app = app_allowing_private(None).await;
    let city = app.city().await;
    let (url, seen) = receiver(vec![500]).await;
    let hook = app.post("/api/v1/webhooks", Some(&city.admin.token), json!({"url": url, "events": ["*"]})).await.id();
    let resident = app.resident(city.community, "王小明").await;
    app.open_wish(&resident, &city.staff, "借轮椅").await;

    assert_eq!(app.dispatch(Duration::zero()).await, 0);
    assert_eq!(events(&seen), ["wish.submitted"], "the second event waits behind the first");
    let log = app.get(&format!("/api/v1/webhooks/{hook}/deliveries"), Some(&city.admin.token)).await;
    let first = log.body.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (first["status"].clone(), first["attempt"].clone(), first["response_status"].clone()),
        (json!("pending"), json!(1), json!(500))
    );
    assert!(first["next_attempt_at"].is_string());
    assert_eq!(app.dispatch(Duration::seconds(1)).await, 0, "not due before the first delay (5s)");
    assert_eq!(app.dispatch(Duration::seconds(6)).await, 2);
    assert_eq!(events(&seen), ["wish.submitted", "wish.submitted", "wish.approved"]);
    let ids: Vec<String> = seen.lock().unwrap().iter().map(|s| s.0.clone()).collect();
    assert_eq!(ids[0], ids[1], "a retry carries the same webhook-id");
    assert_ne!(ids[1], ids[2]);
}

#[tokio::test]
async fn a_delivery_fails_when_the_schedule_is_spent_and_can_be_retried_by_hand() {
    let app = app_allowing_private(Some(vec![std::time::Duration::from_secs(1)])).await;
    let city = app.city().await;
    let (url, seen) = receiver(vec![503, 503]).await;
    let hook = app
        .post("/api/v1/webhooks", Some(&city.admin.token), json!({"url": url, "events": ["wish.submitted"]}))
        .await
        .id();
    let resident = app.resident(city.community, "王小明").await;
    app.submit(&resident, "借轮椅").await;
    app.dispatch(Duration::zero()).await;
    app.dispatch(Duration::seconds(2)).await;
    let log = app.get(&format!("/api/v1/webhooks/{hook}/deliveries"), Some(&city.admin.token)).await;
    let d = log.body[0].clone();
    assert_eq!(
        (d["status"].clone(), d["attempt"].clone(), d["next_attempt_at"].clone()),
        (json!("failed"), json!(2), Value::Null)
    );
    assert_eq!(app.dispatch(Duration::days(1)).await, 0, "failed deliveries are not retried by themselves");
    let path = format!("/api/v1/webhooks/{hook}/deliveries/{}/retry", d["id"].as_str().unwrap());
    let retried = app.post(&path, Some(&city.admin.token), json!({})).await;
    retried.assert(200);
    assert_eq!(retried.body["status"], "pending");
    assert_eq!(app.dispatch(Duration::seconds(1)).await, 1);
    assert_eq!(seen.lock().unwrap().len(), 3);
    app.post(&path, Some(&city.admin.token), json!({})).await.assert_problem(409, "conflict");
    app.post(&path, Some(&city.staff.token), json!({})).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn two_servers_on_one_database_deliver_each_event_once_and_expire_once() {
    let (url, dir) = test_database().await;
    let mut settings = test_settings(&url);
    settings.allow_private_webhooks = true;
    let first = spawn_app_with(settings.clone(), None).await;
    let second = spawn_app_with(settings, dir).await;
    let city = first.city().await;
    let (hook_url, seen) = receiver(vec![]).await;
    first
        .post("/api/v1/webhooks", Some(&city.admin.token), json!({"url": hook_url, "events": ["*"]}))
        .await
        .assert(201);
    let resident = first.resident(city.community, "王小明").await;
    let mut wishes = Vec::new();
    for i in 0..4 {
        let id = first.submit(&resident, &format!("心愿{i}")).await;
        let deadline = (chrono::Utc::now() + Duration::hours(1)).to_rfc3339();
        first.act(id, "approve", &city.staff, json!({"deadline": deadline})).await.assert(200);
        wishes.push(id);
    }
    let (a, b) = tokio::join!(first.dispatch(Duration::zero()), second.dispatch(Duration::zero()));
    assert_eq!(a + b, 8);
    let (x, y) = tokio::join!(first.sweep(Duration::hours(2)), second.sweep(Duration::hours(2)));
    assert_eq!(x.expired + y.expired, 4, "each wish expires once");
    let (a, b) = tokio::join!(first.dispatch(Duration::zero()), second.dispatch(Duration::zero()));
    assert_eq!(a + b, 4);
    let ids: Vec<String> = seen.lock().unwrap().iter().map(|s| s.0.clone()).collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (12, 12), "every event reached the endpoint exactly once");
    for id in wishes {
        let ev = first.get(&format!("/api/v1/wishes/{id}/events"), Some(&city.staff.token)).await;
        assert_eq!(ev.body.as_array().unwrap().iter().filter(|e| e["action"] == "expire").count(), 1);
    }
}
