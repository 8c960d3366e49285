//! Registration, login, token rotation, logout and the profile.

use serde_json::json;

use crate::helpers::{PASSWORD, phone, spawn_app, spawn_app_with, test_database, test_settings};

#[tokio::test]
async fn register_then_login_returns_a_bearer_pair() {
    let app = spawn_app().await;
    let p = phone();
    let res = app
        .post("/api/v1/auth/register", None, json!({"phone": p, "password": PASSWORD, "display_name": "王小明"}))
        .await;
    res.assert(201);
    assert_eq!(res.body["phone"], p);
    assert_eq!(res.body["is_admin"], false);
    assert!(res.body.get("password_hash").is_none());
    let login = app.login(&p, PASSWORD).await;
    login.assert(200);
    assert_eq!(login.body["token_type"], "Bearer");
    assert!(login.body["expires_in"].as_u64().unwrap() > 0);
    let me = app.get("/api/v1/me", login.body["access_token"].as_str()).await;
    me.assert(200);
    assert_eq!(me.body["display_name"], "王小明");
}

#[tokio::test]
async fn a_phone_registers_once_even_in_plus_86_form() {
    let app = spawn_app().await;
    let p = phone();
    let body = |ph: &str| json!({"phone": ph, "password": PASSWORD, "display_name": "甲"});
    app.post("/api/v1/auth/register", None, body(&p)).await.assert(201);
    app.post("/api/v1/auth/register", None, body(&p)).await.assert_problem(409, "conflict");
    app.post("/api/v1/auth/register", None, body(&format!("+86{p}"))).await.assert_problem(409, "conflict");
}

#[tokio::test]
async fn unknown_phone_and_wrong_password_get_the_same_401() {
    let app = spawn_app().await;
    let u = app.user("甲", None).await;
    let wrong = app.login(&u.phone, "wrong-password").await;
    let unknown = app.login(&phone(), PASSWORD).await;
    wrong.assert_problem(401, "unauthenticated");
    unknown.assert_problem(401, "unauthenticated");
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let u = app.user("甲", None).await;
    let first = app.login(&u.phone, PASSWORD).await.body["refresh_token"].as_str().unwrap().to_owned();
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first})).await;
    second.assert(200);
    let second_refresh = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second_refresh);
    app.get("/api/v1/me", second.body["access_token"].as_str()).await.assert(200);
    // Replaying the spent token is theft: it fails and takes the family with it.
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first}))
        .await
        .assert_problem(401, "unauthenticated");
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": second_refresh}))
        .await
        .assert_problem(401, "unauthenticated");
    // Another login starts a new, healthy family.
    let other = app.login(&u.phone, PASSWORD).await.body["refresh_token"].as_str().unwrap().to_owned();
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": other})).await.assert(200);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let u = app.user("甲", None).await;
    let refresh = app.login(&u.phone, PASSWORD).await.body["refresh_token"].as_str().unwrap().to_owned();
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": refresh})).await.assert(204);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": refresh}))
        .await
        .assert_problem(401, "unauthenticated");
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": "garbage"}))
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn changing_the_password_signs_out_every_device() {
    let app = spawn_app().await;
    let u = app.user("甲", None).await;
    let phone_a = app.login(&u.phone, PASSWORD).await.body["refresh_token"].as_str().unwrap().to_owned();
    let phone_b = app.login(&u.phone, PASSWORD).await.body["refresh_token"].as_str().unwrap().to_owned();
    let change = |old: &str, new: &str| json!({"old_password": old, "new_password": new});
    // A wrong old password or a weak new one changes nothing.
    let wrong = app.post("/api/v1/me/password", Some(&u.token), change("not-my-password", "brand-new-pass-1")).await;
    wrong.assert_problem(422, "validation_failed");
    assert_eq!(wrong.body["errors"][0]["field"], "old_password");
    app.post("/api/v1/me/password", Some(&u.token), change(PASSWORD, "short"))
        .await
        .assert_problem(422, "validation_failed");
    app.post("/api/v1/me/password", None, change(PASSWORD, "brand-new-pass-1"))
        .await
        .assert_problem(401, "unauthenticated");
    let rotated = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": phone_a})).await;
    rotated.assert(200);
    let phone_a = rotated.body["refresh_token"].as_str().unwrap().to_owned();

    app.post("/api/v1/me/password", Some(&u.token), change(PASSWORD, "brand-new-pass-1")).await.assert(204);
    for spent in [&phone_a, &phone_b] {
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": spent}))
            .await
            .assert_problem(401, "unauthenticated");
    }
    app.login(&u.phone, PASSWORD).await.assert_problem(401, "unauthenticated");
    let fresh = app.login(&u.phone, "brand-new-pass-1").await;
    fresh.assert(200);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": fresh.body["refresh_token"]})).await.assert(200);
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = spawn_app().await;
    let u = app.user("甲", None).await;
    app.get("/api/v1/me", None).await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", Some("not-a-jwt")).await.assert_problem(401, "unauthenticated");
    let mut tampered = u.token.clone();
    tampered.pop();
    tampered.push(if u.token.ends_with('A') { 'B' } else { 'A' });
    app.get("/api/v1/me", Some(&tampered)).await.assert_problem(401, "unauthenticated");
    // A token with `alg: none` is refused even with a valid-looking payload.
    let payload = u.token.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    app.get("/api/v1/me", Some(&none)).await.assert_problem(401, "unauthenticated");
    // An invalid token is refused even where anonymous access is allowed.
    app.get("/api/v1/wishes", Some("not-a-jwt")).await.assert_problem(401, "unauthenticated");
    // Signed with the server's own key: expired an hour ago, or by another issuer, or with HS512.
    let secret = microwish::store::setting(&app.state.db, "jwt_secret").await.unwrap().unwrap();
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    let now = chrono::Utc::now().timestamp();
    let sign = |alg, exp: i64, iss: &str| {
        let claims = json!({"sub": u.id, "iat": now - 7200, "exp": exp, "iss": iss});
        jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), &claims, &key).unwrap()
    };
    let hs256 = jsonwebtoken::Algorithm::HS256;
    app.get("/api/v1/me", Some(&sign(hs256, now + 600, "microwish"))).await.assert(200);
    for bad in [
        sign(hs256, now - 3600, "microwish"),
        sign(hs256, now + 600, "someone-else"),
        sign(jsonwebtoken::Algorithm::HS512, now + 600, "microwish"),
    ] {
        app.get("/api/v1/me", Some(&bad)).await.assert_problem(401, "unauthenticated");
    }
}

#[tokio::test]
async fn me_shows_roles_and_patch_changes_the_profile() {
    let app = spawn_app().await;
    let city = app.city().await;
    let me = app.get("/api/v1/me", Some(&city.staff.token)).await;
    me.assert(200);
    assert_eq!(me.body["staff_areas"], json!([city.community]));
    let v = app.volunteer(city.community, &city.staff, "志愿者").await;
    let me = app.get("/api/v1/me", Some(&v.token)).await;
    assert_eq!(me.body["registrations"][0]["kind"], "volunteer");
    assert_eq!(me.body["registrations"][0]["status"], "approved");
    let patched = app
        .send(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&v.token),
            Some(json!({"display_name": "李志愿", "home_community_id": city.community})),
            &[],
        )
        .await;
    patched.assert(200);
    assert_eq!(patched.body["display_name"], "李志愿");
    assert_eq!(patched.body["home_community_id"], json!(city.community));
    // A street is not a community.
    app.send(
        reqwest::Method::PATCH,
        "/api/v1/me",
        Some(&v.token),
        Some(json!({"home_community_id": city.street})),
        &[],
    )
    .await
    .assert_problem(422, "validation_failed");
    let cleared = app
        .send(reqwest::Method::PATCH, "/api/v1/me", Some(&v.token), Some(json!({"home_community_id": null})), &[])
        .await;
    assert_eq!(cleared.body["home_community_id"], json!(null));
}

#[tokio::test]
async fn sessions_survive_a_restart_with_a_generated_secret() {
    let (url, dir) = test_database().await;
    let first = spawn_app_with(test_settings(&url), None).await;
    let u = first.user("甲", None).await;
    let second = spawn_app_with(test_settings(&url), dir).await;
    second.get("/api/v1/me", Some(&u.token)).await.assert(200);
}

#[tokio::test]
async fn the_bootstrap_admin_exists_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me = app.get("/api/v1/me", Some(&admin.token)).await;
    assert_eq!(me.body["is_admin"], true);
}
