//! The three-list catalogue, offers, matching and the demo city.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{STATUSES, TestApp, User, spawn_app};

async fn item(app: &TestApp, code: &str) -> Uuid {
    let all = app.get("/api/v1/catalogue?include_inactive=true", None).await;
    let found = all.body.as_array().unwrap().iter().find(|i| i["code"] == code).cloned();
    found.map(|i| i["id"].as_str().unwrap().parse().unwrap()).unwrap_or_else(|| panic!("no item {code}"))
}

#[tokio::test]
async fn the_catalogue_ships_three_lists_of_seventy_items_without_a_token() {
    let app = spawn_app().await;
    let all = app.get("/api/v1/catalogue", None).await;
    all.assert(200);
    let items = all.body.as_array().unwrap();
    assert!(items.len() >= 70, "{} items", items.len());
    for list in ["public", "social", "volunteer"] {
        let one = app.get(&format!("/api/v1/catalogue?list={list}"), None).await;
        let got = one.body.as_array().unwrap();
        assert!(got.len() >= 15, "{list}");
        assert!(got.iter().all(|i| i["list"] == list && i["active"] == true));
    }
    let chat = items.iter().find(|i| i["code"] == "VOL-ELD-01").unwrap();
    assert_eq!(chat["name"], "陪伴聊天");
    assert_eq!(chat["group"], "助老");
    assert!(chat["description"].as_str().unwrap().chars().count() > 4);
    let elders = app.get("/api/v1/catalogue?group=%E5%8A%A9%E8%80%81", None).await;
    assert!(elders.body.as_array().unwrap().iter().all(|i| i["group"] == "助老"));
    app.get("/api/v1/catalogue?list=nope", None).await.assert_problem(400, "malformed_request");
}

#[tokio::test]
async fn admins_edit_and_deactivate_items_which_then_take_no_new_wishes_or_offers() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let body = json!({"list": "volunteer", "group": "助老", "code": "VOL-ELD-99", "name": "代缴水电费", "description": "为老人代缴费用"});
    app.post("/api/v1/catalogue", Some(&resident.token), body.clone()).await.assert_problem(403, "forbidden");
    let created = app.post("/api/v1/catalogue", Some(&city.admin.token), body.clone()).await;
    created.assert(201);
    app.post("/api/v1/catalogue", Some(&city.admin.token), body).await.assert_problem(409, "conflict");
    app.post(
        "/api/v1/catalogue",
        Some(&city.admin.token),
        json!({"list": "volunteer", "group": "x", "code": "bad code!", "name": "x"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let id = created.id();
    let patch = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.send(Method::PATCH, &format!("/api/v1/catalogue/{id}"), Some(&token), Some(body), &[]).await }
    };
    patch(&resident.token, json!({"active": false})).await.assert_problem(403, "forbidden");
    let renamed = patch(&city.admin.token, json!({"name": "代缴水电燃气费"})).await;
    renamed.assert(200);
    assert_eq!(renamed.body["name"], "代缴水电燃气费");
    assert_eq!(renamed.body["code"], "VOL-ELD-99");
    // A wish and an offer may use it while active.
    let wish =
        app.post("/api/v1/wishes", Some(&resident.token), json!({"title": "缴费", "catalogue_item_id": id})).await;
    wish.assert(201);
    assert_eq!(wish.body["list"], "volunteer");
    patch(&city.admin.token, json!({"active": false})).await.assert(200);
    let listed = app.get("/api/v1/catalogue?list=volunteer", None).await;
    assert!(listed.body.as_array().unwrap().iter().all(|i| i["id"] != json!(id)));
    let all = app.get("/api/v1/catalogue?include_inactive=true", None).await;
    assert!(all.body.as_array().unwrap().iter().any(|i| i["id"] == json!(id) && i["active"] == false));
    app.get(&format!("/api/v1/catalogue/{id}"), None).await.assert(200);
    app.post("/api/v1/wishes", Some(&resident.token), json!({"title": "缴费", "catalogue_item_id": id}))
        .await
        .assert_problem(422, "validation_failed");
    let v = app.volunteer(city.community, &city.staff, "志愿者").await;
    app.post("/api/v1/offers", Some(&v.token), json!({"catalogue_item_id": id, "community_id": city.community}))
        .await
        .assert_problem(422, "validation_failed");
    // The wish submitted before keeps its item.
    let before = app.wish(wish.id(), Some(&resident.token)).await;
    assert_eq!(before.body["catalogue_item_id"], json!(id));
}

#[tokio::test]
async fn approval_can_set_the_list_and_item() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let id = app.submit(&resident, "想找人聊天").await;
    let chat = item(&app, "VOL-ELD-01").await;
    let approved = app.act(id, "approve", &city.staff, json!({"catalogue_item_id": chat})).await;
    approved.assert(200);
    assert_eq!(approved.body["catalogue_item_id"], json!(chat));
    assert_eq!(approved.body["list"], "volunteer");
    let listed = app.get("/api/v1/wishes?list=volunteer", None).await;
    assert_eq!(listed.body["items"][0]["id"], json!(id));
    let by_item = app.get(&format!("/api/v1/wishes?catalogue_item_id={chat}"), None).await;
    assert_eq!(by_item.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn offers_come_from_approved_registrants_and_partner_unit_admins() {
    let app = spawn_app().await;
    let city = app.city().await;
    let chat = item(&app, "VOL-ELD-01").await;
    let offer = |u: &User, unit: Option<Uuid>| {
        let token = u.token.clone();
        let app = &app;
        let community = city.community;
        async move {
            app.post(
                "/api/v1/offers",
                Some(&token),
                json!({"catalogue_item_id": chat, "community_id": community, "unit_id": unit, "note": "周末有空"}),
            )
            .await
        }
    };
    let v = app.volunteer(city.community, &city.staff, "志愿者").await;
    let made = offer(&v, None).await;
    made.assert(201);
    assert_eq!(made.body["provider"], json!({"kind": "user", "id": v.id, "name": "志愿者"}));
    offer(&v, None).await.assert_problem(409, "conflict");
    let stranger = app.user("路人", None).await;
    offer(&stranger, None).await.assert_problem(403, "forbidden");
    let elsewhere = app.volunteer(city.other_community, &city.other_staff, "外社区志愿者").await;
    offer(&elsewhere, None).await.assert_problem(403, "forbidden");

    let boss = app.user("单位管理员", None).await;
    let worker = app.user("单位成员", None).await;
    let u = app.unit(&city.admin, "供电公司", &boss, Some(&worker)).await;
    offer(&boss, Some(u)).await.assert_problem(403, "forbidden"); // not yet a partner
    app.post(
        &format!("/api/v1/communities/{}/partners", city.community),
        Some(&city.staff.token),
        json!({"unit_id": u, "kind": "paired"}),
    )
    .await
    .assert(201);
    offer(&worker, Some(u)).await.assert_problem(403, "forbidden");
    let by_unit = offer(&boss, Some(u)).await;
    by_unit.assert(201);
    assert_eq!(by_unit.body["provider"]["name"], "供电公司");

    let listed =
        app.get(&format!("/api/v1/offers?community_id={}&catalogue_item_id={chat}", city.community), None).await;
    listed.assert(200);
    let names: Vec<&str> =
        listed.body["items"].as_array().unwrap().iter().map(|o| o["provider"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["志*", "供电公司"], "people's names are masked for the public");
    let for_staff = app.get(&format!("/api/v1/offers?community_id={}", city.community), Some(&city.staff.token)).await;
    assert_eq!(for_staff.body["items"][0]["provider"]["name"], "志愿者");

    let path = format!("/api/v1/offers/{}", made.id());
    app.send(Method::DELETE, &path, Some(&stranger.token), None, &[]).await.assert_problem(403, "forbidden");
    app.send(Method::DELETE, &path, Some(&v.token), None, &[]).await.assert(204);
    app.send(Method::DELETE, &path, Some(&v.token), None, &[]).await.assert_problem(404, "not_found");
    offer(&v, None).await.assert(201);
}

#[tokio::test]
async fn matches_rank_the_same_item_then_the_same_list_then_fewest_held() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let chat = item(&app, "VOL-ELD-01").await;
    let reading = item(&app, "VOL-ELD-02").await;
    let plumbing = item(&app, "SOC-FIX-01").await;
    let offer = async |u: &User, item: Uuid, unit: Option<Uuid>| {
        app.post(
            "/api/v1/offers",
            Some(&u.token),
            json!({"catalogue_item_id": item, "community_id": city.community, "unit_id": unit}),
        )
        .await
        .assert(201);
    };
    let a = app.volunteer(city.community, &city.staff, "甲").await;
    let b = app.volunteer(city.community, &city.staff, "乙").await;
    let c = app.volunteer(city.community, &city.staff, "丙").await;
    let d = app.volunteer(city.community, &city.staff, "丁").await;
    let e = app.volunteer(city.community, &city.staff, "戊").await;
    offer(&a, chat, None).await;
    offer(&b, reading, None).await; // same list (volunteer), other item
    offer(&d, chat, None).await;
    offer(&e, plumbing, None).await; // another list
    let boss = app.user("单位管理员", None).await;
    let u = app.unit(&city.admin, "供电公司", &boss, None).await;
    app.post(
        &format!("/api/v1/communities/{}/partners", city.community),
        Some(&city.staff.token),
        json!({"unit_id": u, "kind": "paired"}),
    )
    .await
    .assert(201);
    offer(&boss, chat, Some(u)).await;
    // 丁 holds a wish already.
    let busy = app.open_wish(&resident, &city.staff, "另一个心愿").await;
    app.act(busy, "claim", &d, json!({})).await.assert(200);

    let wish = app
        .post("/api/v1/wishes", Some(&resident.token), json!({"title": "陪老人聊天", "catalogue_item_id": chat}))
        .await
        .id();
    app.act(wish, "approve", &city.staff, json!({})).await.assert(200);
    let m = app.get(&format!("/api/v1/wishes/{wish}/matches"), Some(&city.staff.token)).await;
    m.assert(200);
    let ranked: Vec<(String, u64, u64)> = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["name"].as_str().unwrap().to_owned(), x["score"].as_u64().unwrap(), x["held"].as_u64().unwrap()))
        .collect();
    let top: Vec<&str> = ranked.iter().take(2).map(|r| r.0.as_str()).collect();
    assert!(top.contains(&"甲") && top.contains(&"供电公司"), "{ranked:?}");
    assert_eq!(ranked[2], ("丁".to_owned(), 2, 1));
    assert_eq!(ranked[3], ("乙".to_owned(), 1, 0));
    let rest: Vec<&str> = ranked[4..].iter().map(|r| r.0.as_str()).collect();
    assert_eq!(rest.len(), 2);
    assert!(rest.contains(&"丙") && rest.contains(&"戊"));
    assert!(ranked[4..].iter().all(|r| r.1 == 0));
    assert!(ranked.iter().all(|r| r.0 != "王小明"), "the resident is never matched to their own wish");
    let kind_of = |name: &str| m.body.as_array().unwrap().iter().find(|x| x["name"] == name).unwrap()["kind"].clone();
    assert_eq!((kind_of("供电公司"), kind_of("甲")), (json!("unit"), json!("user")));
    let one = app.get(&format!("/api/v1/wishes/{wish}/matches?limit=1"), Some(&city.staff.token)).await;
    assert_eq!(one.body.as_array().unwrap().len(), 1);

    app.get(&format!("/api/v1/wishes/{wish}/matches"), Some(&a.token)).await.assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/wishes/{wish}/matches"), Some(&city.other_staff.token))
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/wishes/{wish}/matches"), Some(&city.street_staff.token)).await.assert(200);

    // The providers see the wish among their matches until it is taken.
    let mine = app.get("/api/v1/me/matches", Some(&a.token)).await;
    mine.assert(200);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine.body["items"][0]["id"], json!(wish));
    assert_eq!(mine.body["items"][0]["address"], Value::Null);
    let units_view = app.get("/api/v1/me/matches", Some(&boss.token)).await;
    assert_eq!(units_view.body["items"][0]["id"], json!(wish));
    let none = app.get("/api/v1/me/matches", Some(&c.token)).await;
    assert!(none.body["items"].as_array().unwrap().is_empty());
    app.act(wish, "claim", &a, json!({})).await.assert(200);
    let after = app.get("/api/v1/me/matches", Some(&d.token)).await;
    assert!(after.body["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/me/matches", None).await.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn seed_demo_builds_a_living_board_once() {
    let app = spawn_app().await;
    microwish::demo::seed(&app.state.db, &app.state.settings).await.unwrap();
    let staff = app.login("13801000001", microwish::demo::PASSWORD).await;
    staff.assert(200);
    let token = staff.body["access_token"].as_str().unwrap().to_owned();
    let mut statuses = std::collections::HashMap::new();
    let mut cursor: Option<String> = None;
    let admin_token = app.admin().await.token;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/wishes?limit=100&cursor={c}"),
            None => "/api/v1/wishes?limit=100".to_owned(),
        };
        let page = app.get(&path, Some(&admin_token)).await;
        for w in page.body["items"].as_array().unwrap() {
            *statuses.entry(w["status"].as_str().unwrap().to_owned()).or_insert(0usize) += 1;
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(statuses.values().sum::<usize>(), 200);
    for s in STATUSES {
        assert!(statuses.get(*s).copied().unwrap_or(0) > 0, "no {s} wish: {statuses:?}");
    }
    // The staff member's queue and a completed wish's full timeline.
    let queue = app.get("/api/v1/wishes?status=pending_review", Some(&token)).await;
    assert!(!queue.body["items"].as_array().unwrap().is_empty());
    let done = app.get("/api/v1/wishes?status=completed&limit=1", None).await;
    let id = done.body["items"][0]["id"].as_str().unwrap().to_owned();
    let events = app.get(&format!("/api/v1/wishes/{id}/events"), None).await;
    let actions: Vec<&str> = events.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.first(), Some(&"submit"));
    assert_eq!(actions.last(), Some(&"confirm"));
    // Twice is the same as once.
    microwish::demo::seed(&app.state.db, &app.state.settings).await.unwrap();
    let all = app.get("/api/v1/wishes?limit=100&status=open", Some(&admin_token)).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), statuses["open"]);
}
