//! Registrations, units, members and partners.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn registrations_are_reviewed_by_staff_of_the_community_once() {
    let app = spawn_app().await;
    let city = app.city().await;
    let u = app.user("党员", None).await;
    let reg = app
        .post(
            &format!("/api/v1/communities/{}/registrations", city.community),
            Some(&u.token),
            json!({"kind": "party_member", "note": "周末有空"}),
        )
        .await;
    reg.assert(201);
    assert_eq!(reg.body["status"], "pending");
    assert_eq!(reg.body["kind"], "party_member");
    // A second live registration of the same kind is a conflict.
    app.post(
        &format!("/api/v1/communities/{}/registrations", city.community),
        Some(&u.token),
        json!({"kind": "party_member"}),
    )
    .await
    .assert_problem(409, "conflict");
    let id = reg.id();
    app.post(&format!("/api/v1/registrations/{id}/approve"), Some(&city.other_staff.token), json!({}))
        .await
        .assert_problem(404, "not_found");
    app.post(&format!("/api/v1/registrations/{id}/approve"), Some(&u.token), json!({}))
        .await
        .assert_problem(403, "forbidden");
    let queue = app
        .get(&format!("/api/v1/communities/{}/registrations?status=pending", city.community), Some(&city.staff.token))
        .await;
    queue.assert(200);
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/communities/{}/registrations", city.community), Some(&city.other_staff.token))
        .await
        .assert_problem(403, "forbidden");
    app.post(&format!("/api/v1/registrations/{id}/approve"), Some(&city.street_staff.token), json!({}))
        .await
        .assert(200);
    app.post(&format!("/api/v1/registrations/{id}/reject"), Some(&city.staff.token), json!({}))
        .await
        .assert_problem(409, "conflict");
    app.post(
        &format!("/api/v1/communities/{}/registrations", city.street),
        Some(&u.token),
        json!({"kind": "volunteer"}),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_community_pairs_with_at_most_five_units() {
    let app = spawn_app().await;
    let city = app.city().await;
    let mut units = Vec::new();
    for i in 0..7 {
        let res = app
            .post(
                "/api/v1/units",
                Some(&city.admin.token),
                json!({"name": format!("共建单位{i}"), "kind": "co_build", "contact_name": "联系人", "contact_phone": "13912340000"}),
            )
            .await;
        res.assert(201);
        units.push(res.id());
    }
    let partners = format!("/api/v1/communities/{}/partners", city.community);
    let pair = |unit, kind: &str| app.post(&partners, Some(&city.staff.token), json!({"unit_id": unit, "kind": kind}));
    for u in &units[..5] {
        pair(*u, "paired").await.assert(201);
    }
    pair(units[5], "paired").await.assert_problem(409, "conflict");
    pair(units[5], "resident").await.assert(201);
    pair(units[0], "resident").await.assert_problem(409, "conflict");
    app.post(
        &format!("/api/v1/communities/{}/partners", city.community),
        Some(&city.other_staff.token),
        json!({"unit_id": units[6], "kind": "resident"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let list = app.get(&format!("/api/v1/communities/{}/partners", city.community), None).await;
    list.assert(200);
    assert_eq!(list.body.as_array().unwrap().len(), 6);
    assert_eq!(list.body[0]["name"], "共建单位0");
}

#[tokio::test]
async fn units_are_created_by_admins_and_managed_by_their_admins() {
    let app = spawn_app().await;
    let city = app.city().await;
    let boss = app.user("单位管理员", None).await;
    let worker = app.user("单位成员", None).await;
    let body =
        json!({"name": "南昌供电公司", "kind": "co_build", "contact_name": "李工", "contact_phone": "13912345678"});
    app.post("/api/v1/units", Some(&boss.token), body.clone()).await.assert_problem(403, "forbidden");
    let unit = app.post("/api/v1/units", Some(&city.admin.token), body).await;
    unit.assert(201);
    let unit = unit.id();
    app.post(
        &format!("/api/v1/units/{unit}/members"),
        Some(&boss.token),
        json!({"user_id": worker.id, "role": "member"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/units/{unit}/members"),
        Some(&city.admin.token),
        json!({"user_id": boss.id, "role": "admin"}),
    )
    .await
    .assert(201);
    app.post(
        &format!("/api/v1/units/{unit}/members"),
        Some(&boss.token),
        json!({"user_id": worker.id, "role": "member"}),
    )
    .await
    .assert(201);
    let me = app.get("/api/v1/me", Some(&worker.token)).await;
    assert_eq!(me.body["units"], json!([{"unit_id": unit, "role": "member"}]));
}
