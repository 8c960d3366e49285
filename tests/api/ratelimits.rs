//! Rate limits: 429 `rate_limited` with `Retry-After`, per phone, per client
//! address (trusting `X-Forwarded-For` only from configured proxies) and per user.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, phone, spawn_app_with, test_database, test_settings};

async fn app_with(rules: &str, trusted: &[&str]) -> TestApp {
    let (url, dir) = test_database().await;
    let mut s = test_settings(&url);
    s.rate_limits = true;
    s.rate_limit_rules = microwish::ratelimit::Rules::parse(rules).unwrap();
    s.trusted_proxies = trusted.iter().map(|a| a.parse().unwrap()).collect();
    spawn_app_with(s, dir).await
}

async fn login_from(app: &TestApp, phone: &str, password: &str, forwarded: Option<&str>) -> crate::helpers::Res {
    let headers: Vec<(&str, &str)> = forwarded.map(|f| vec![("x-forwarded-for", f)]).unwrap_or_default();
    app.send(Method::POST, "/api/v1/auth/login", None, Some(json!({"phone": phone, "password": password})), &headers)
        .await
}

fn retry_after(res: &crate::helpers::Res) -> u64 {
    res.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_phone() {
    let app = app_with("login_phone=3/15m,login_address=1000/15m", &[]).await;
    let victim = app.user("甲", None).await; // one successful login already counted
    for _ in 0..2 {
        login_from(&app, &victim.phone, "guess-password", None).await.assert_problem(401, "unauthenticated");
    }
    // Even the right password waits now: guessing cannot be told apart from signing in.
    let blocked = login_from(&app, &victim.phone, PASSWORD, None).await;
    blocked.assert_problem(429, "rate_limited");
    let wait = retry_after(&blocked);
    assert!(wait > 0 && wait <= 900, "Retry-After {wait}");
    // The same number written another way is the same phone.
    login_from(&app, &format!("+86{}", victim.phone), PASSWORD, None).await.assert_problem(429, "rate_limited");
    // Another phone is not affected.
    let other = app.user("乙", None).await;
    login_from(&app, &other.phone, PASSWORD, None).await.assert(200);
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_dodge_the_address_limit() {
    let app = app_with("login_address=4/15m,login_phone=1000/15m", &[]).await;
    for i in 0..4 {
        let forged = format!("10.0.0.{i}");
        login_from(&app, &phone(), "whatever-1", Some(&forged)).await.assert_problem(401, "unauthenticated");
    }
    login_from(&app, &phone(), "whatever-1", Some("10.9.9.9")).await.assert_problem(429, "rate_limited");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_counts_apart() {
    let app = app_with("login_address=2/15m,login_phone=1000/15m", &["127.0.0.1"]).await;
    for _ in 0..2 {
        login_from(&app, &phone(), "whatever-1", Some("203.0.113.7")).await.assert_problem(401, "unauthenticated");
    }
    login_from(&app, &phone(), "whatever-1", Some("203.0.113.7")).await.assert_problem(429, "rate_limited");
    // Another client behind the same proxy; a spoofed left-most entry is ignored.
    login_from(&app, &phone(), "whatever-1", Some("203.0.113.7, 198.51.100.2"))
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn registrations_per_address_and_submissions_per_user_are_limited() {
    let app = app_with("register_address=3/1h,submit_user=2/1h", &[]).await;
    app.city().await; // registers three staff from this address
    let body = json!({"phone": phone(), "password": PASSWORD, "display_name": "丙"});
    let refused = app.post("/api/v1/auth/register", None, body).await;
    refused.assert_problem(429, "rate_limited");
    assert!(retry_after(&refused) > 0);

    let app = app_with("submit_user=2/1h", &[]).await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王秀英").await;
    let neighbour = app.resident(city.community, "李桂兰").await;
    app.submit(&resident, "心愿一").await;
    app.submit(&resident, "心愿二").await;
    let third =
        app.post("/api/v1/wishes", Some(&resident.token), json!({"title": "心愿三", "description": "需要帮助"})).await;
    third.assert_problem(429, "rate_limited");
    app.submit(&neighbour, "邻居的心愿").await;
}
