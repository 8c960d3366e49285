//! The area tree and staff appointments.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn levels_must_descend() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let city = app.area(&admin, "南昌市", "city", None).await;
    let district = app.area(&admin, "东湖区", "district", Some(city)).await;
    let post = |body| app.post("/api/v1/areas", Some(&admin.token), body);
    post(json!({"name": "社区", "level": "community", "parent_id": city}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"name": "区", "level": "district"})).await.assert_problem(422, "validation_failed");
    post(json!({"name": "区", "level": "district", "parent_id": district}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"name": "社区", "level": "community", "parent_id": district})).await.assert(201);
    post(json!({"name": "", "level": "city"})).await.assert_problem(422, "validation_failed");
    post(json!({"name": "x", "level": "planet"})).await.assert_problem(422, "validation_failed");
    let children = app.get(&format!("/api/v1/areas?parent_id={district}"), None).await;
    children.assert(200);
    assert_eq!(children.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(children.body["items"][0]["level"], "community");
    app.get(&format!("/api/v1/areas/{city}"), None).await.assert(200);
}

#[tokio::test]
async fn only_admins_create_areas() {
    let app = spawn_app().await;
    let u = app.user("甲", None).await;
    app.post("/api/v1/areas", Some(&u.token), json!({"name": "市", "level": "city"}))
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/areas", None, json!({"name": "市", "level": "city"}))
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn staff_of_an_area_above_appoint_staff_below_and_no_one_else() {
    let app = spawn_app().await;
    let city = app.city().await;
    let newcomer = app.user("新人", None).await;
    // Community staff cannot appoint colleagues; another community's staff neither.
    app.post(
        &format!("/api/v1/areas/{}/staff", city.community),
        Some(&city.staff.token),
        json!({"user_id": newcomer.id}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/areas/{}/staff", city.community),
        Some(&city.other_staff.token),
        json!({"user_id": newcomer.id}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Street staff can, once; a repeat is a 200 with the same row.
    app.post(
        &format!("/api/v1/areas/{}/staff", city.community),
        Some(&city.street_staff.token),
        json!({"user_id": newcomer.id}),
    )
    .await
    .assert(201);
    app.post(
        &format!("/api/v1/areas/{}/staff", city.community),
        Some(&city.street_staff.token),
        json!({"user_id": newcomer.id}),
    )
    .await
    .assert(200);
    let me = app.get("/api/v1/me", Some(&newcomer.token)).await;
    assert_eq!(me.body["staff_areas"], json!([city.community]));
    let path = format!("/api/v1/areas/{}/staff/{}", city.community, newcomer.id);
    app.send(reqwest::Method::DELETE, &path, Some(&city.staff.token), None, &[]).await.assert_problem(403, "forbidden");
    app.send(reqwest::Method::DELETE, &path, Some(&city.admin.token), None, &[]).await.assert(204);
    app.send(reqwest::Method::DELETE, &path, Some(&city.admin.token), None, &[]).await.assert_problem(404, "not_found");
    let me = app.get("/api/v1/me", Some(&newcomer.token)).await;
    assert_eq!(me.body["staff_areas"], json!([]));
}
