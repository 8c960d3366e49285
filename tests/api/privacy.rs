//! Private by default: masked names, contact data only for those entitled.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn contact_data_is_shown_to_the_resident_staff_and_current_claimant_only() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let holder = app.volunteer(city.community, &city.staff, "志愿者甲").await;
    let rival = app.volunteer(city.community, &city.staff, "志愿者乙").await;
    let neighbour = app.resident(city.community, "邻居").await;
    let id = app.open_wish(&resident, &city.staff, "心愿").await;
    app.act(id, "claim", &holder, json!({})).await.assert(200);

    let sees = |token: Option<String>| {
        let app = &app;
        async move {
            let w = app.wish(id, token.as_deref()).await;
            w.assert(200);
            (w.body["address"].clone(), w.body["contact_phone"].clone(), w.body["resident_name"].clone())
        }
    };
    let full = (json!("湖坊镇3栋2单元"), json!("13612345678"));
    for (who, token, contact, name) in [
        ("resident", Some(resident.token.clone()), true, "王小明"),
        ("staff", Some(city.staff.token.clone()), true, "王小明"),
        ("street staff", Some(city.street_staff.token.clone()), true, "王小明"),
        ("admin", Some(city.admin.token.clone()), true, "王小明"),
        ("claimant", Some(holder.token.clone()), true, "王*"),
        ("other volunteer", Some(rival.token.clone()), false, "王*"),
        ("neighbour", Some(neighbour.token.clone()), false, "王*"),
        ("other community staff", Some(city.other_staff.token.clone()), false, "王*"),
        ("anonymous", None, false, "王*"),
    ] {
        let (address, phone, resident_name) = sees(token).await;
        if contact {
            assert_eq!((address, phone), full, "{who}");
        } else {
            assert_eq!((address, phone), (Value::Null, Value::Null), "{who}");
        }
        assert_eq!(resident_name, name, "{who}");
    }
    // Gone again once the claimant lets go.
    app.act(id, "release", &holder, json!({"note": "有事"})).await.assert(200);
    let (address, phone, _) = sees(Some(holder.token.clone())).await;
    assert_eq!((address, phone), (Value::Null, Value::Null));
}

#[tokio::test]
async fn lists_never_carry_contact_data() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    app.open_wish(&resident, &city.staff, "心愿").await;
    for token in [Some(resident.token.as_str()), Some(city.staff.token.as_str()), None] {
        let list = app.get("/api/v1/wishes", token).await;
        list.assert(200);
        let item = &list.body["items"][0];
        assert_eq!(item["address"], Value::Null);
        assert_eq!(item["contact_phone"], Value::Null);
        assert!(item["title"].is_string());
    }
    let mine = app.get("/api/v1/wishes?mine=true", Some(&resident.token)).await;
    assert_eq!(mine.body["items"][0]["resident_name"], "王小明");
    let anon = app.get("/api/v1/wishes", None).await;
    assert_eq!(anon.body["items"][0]["resident_name"], "王*");
}

#[tokio::test]
async fn a_pending_wish_is_invisible_to_everyone_but_its_resident_and_staff() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let neighbour = app.resident(city.community, "邻居").await;
    let id = app.submit(&resident, "心愿").await;
    for token in [Some(neighbour.token.as_str()), Some(city.other_staff.token.as_str()), None] {
        app.wish(id, token).await.assert_problem(404, "not_found");
        app.get(&format!("/api/v1/wishes/{id}/events"), token).await.assert_problem(404, "not_found");
    }
    app.act(id, "withdraw", &neighbour, json!({})).await.assert_problem(404, "not_found");
    app.wish(id, Some(&resident.token)).await.assert(200);
    app.wish(id, Some(&city.staff.token)).await.assert(200);
    app.wish(id, Some(&city.street_staff.token)).await.assert(200);
    // And in lists.
    let list = app.get("/api/v1/wishes", Some(&neighbour.token)).await;
    assert!(list.body["items"].as_array().unwrap().is_empty());
    let staff_list = app.get("/api/v1/wishes?status=pending_review", Some(&city.staff.token)).await;
    assert_eq!(staff_list.body["items"].as_array().unwrap().len(), 1);
    let other_list = app.get("/api/v1/wishes?status=pending_review", Some(&city.other_staff.token)).await;
    assert!(other_list.body["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn contact_data_of_long_closed_wishes_is_erased_and_the_erasure_recorded() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王秀英").await;
    let helper = app.volunteer(city.community, &city.staff, "熊卫东").await;
    let done = app.open_wish(&resident, &city.staff, "已完成").await;
    app.act(done, "claim", &helper, json!({})).await.assert(200);
    app.act(done, "fulfil", &helper, json!({"hours": 1})).await.assert(200);
    app.act(done, "confirm", &resident, json!({"rating": 5})).await.assert(200);
    let rejected = app.submit(&resident, "未通过").await;
    app.act(rejected, "reject", &city.staff, json!({"note": "不属于服务范围"})).await.assert(200);
    let open = app.open_wish(&resident, &city.staff, "仍在进行").await;

    // Within the 180 days nothing is erased.
    assert_eq!(app.sweep(chrono::Duration::days(179)).await.erased, 0);
    assert_eq!(app.sweep(chrono::Duration::days(181)).await.erased, 2);
    for id in [done, rejected] {
        let w = app.wish(id, Some(&resident.token)).await;
        assert_eq!((&w.body["address"], &w.body["contact_phone"]), (&Value::Null, &Value::Null), "{id}");
        let events = app.get(&format!("/api/v1/wishes/{id}/events"), Some(&resident.token)).await;
        let last = events.body.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "erase");
        assert_eq!(last["from_status"], last["to_status"]);
        assert_eq!(last["actor_id"], Value::Null);
    }
    let still = app.wish(open, Some(&resident.token)).await;
    assert_eq!(still.body["contact_phone"], "13612345678", "an open wish keeps its contact data");
    // Erased once.
    assert_eq!(app.sweep(chrono::Duration::days(400)).await.erased, 0);
}
