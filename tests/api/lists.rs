//! Filters and keyset pagination of the wish list.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn filters_narrow_the_list_newest_first() {
    let app = spawn_app().await;
    let city = app.city().await;
    let here = app.resident(city.community, "甲").await;
    let there = app.resident(city.other_community, "乙").await;
    let a = app.open_wish(&here, &city.staff, "这里的心愿").await;
    let b = app.open_wish(&there, &city.other_staff, "那里的心愿").await;
    let c = app.submit(&here, "待审核").await;
    let ids = |res: &crate::helpers::Res| -> Vec<String> {
        res.body["items"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()).collect()
    };
    let all = app.get("/api/v1/wishes", None).await;
    assert_eq!(ids(&all), [b.to_string(), a.to_string()], "anonymous: public only, newest first");
    let here_only = app.get(&format!("/api/v1/wishes?community_id={}", city.community), None).await;
    assert_eq!(ids(&here_only), [a.to_string()]);
    let mine = app.get("/api/v1/wishes?mine=true", Some(&here.token)).await;
    assert_eq!(ids(&mine), [c.to_string(), a.to_string()]);
    app.get("/api/v1/wishes?mine=true", None).await.assert_problem(401, "unauthenticated");
    let pending = app.get("/api/v1/wishes?status=pending_review", Some(&city.street_staff.token)).await;
    assert_eq!(ids(&pending), [c.to_string()]);
    app.act(a, "claim", &app.volunteer(city.community, &city.staff, "志愿者").await, json!({})).await.assert(200);
    let claimed = app.get("/api/v1/wishes?status=claimed", None).await;
    assert_eq!(ids(&claimed), [a.to_string()]);
    let volunteer_list = app.get("/api/v1/wishes?list=volunteer", None).await;
    assert!(ids(&volunteer_list).is_empty());
}

#[tokio::test]
async fn pages_neither_skip_nor_repeat_under_concurrent_inserts() {
    let app = spawn_app().await;
    let city = app.city().await;
    let r = app.resident(city.community, "甲").await;
    let mut before = HashSet::new();
    for i in 0..35 {
        before.insert(app.submit(&r, &format!("心愿{i}")).await.to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/wishes?mine=true&limit=10&cursor={c}"),
            None => "/api/v1/wishes?mine=true&limit=10".to_owned(),
        };
        let page = app.get(&path, Some(&r.token)).await;
        page.assert(200);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()));
        // Newer wishes arrive while the client pages through.
        app.submit(&r, "翻页时新增").await;
        pages += 1;
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pagination must end");
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no wish repeated");
    assert!(before.is_subset(&unique), "no wish skipped");
    assert_eq!(seen.len(), 35, "wishes newer than the first page are not mixed into later pages");
}

#[tokio::test]
async fn a_review_queue_pages_oldest_first() {
    let app = spawn_app().await;
    let city = app.city().await;
    let r = app.resident(city.community, "甲").await;
    let mut submitted = Vec::new();
    for i in 0..7 {
        submitted.push(app.submit(&r, &format!("心愿{i}")).await.to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path =
            format!("/api/v1/wishes?community_id={}&status=pending_review&order=oldest&limit=3", city.community);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path, Some(&city.staff.token)).await;
        page.assert(200);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, submitted, "oldest first across pages");
    let newest = app.get("/api/v1/wishes?mine=true&order=newest&limit=1", Some(&r.token)).await;
    assert_eq!(newest.body["items"][0]["id"], json!(submitted[6]));
    app.get("/api/v1/wishes?order=sideways", None).await.assert_problem(400, "malformed_request");
}
