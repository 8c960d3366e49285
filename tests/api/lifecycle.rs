//! The wish state machine over HTTP: every (status, action) pair, the
//! timeline, edits, dispatch, units, and the scheduler's transitions.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{City, STATUSES, TestApp, User, spawn_app, spawn_app_with, test_database, test_settings};

/// CONTRACT.md §5: action → (from statuses, to status).
const TABLE: &[(&str, &[&str], &str)] = &[
    ("approve", &["pending_review"], "open"),
    ("return", &["pending_review"], "returned"),
    ("reject", &["pending_review"], "rejected"),
    ("withdraw", &["pending_review", "returned", "open"], "withdrawn"),
    ("claim", &["open"], "claimed"),
    ("assign", &["open"], "claimed"),
    ("release", &["claimed"], "open"),
    ("fulfil", &["claimed"], "fulfilled"),
    ("confirm", &["fulfilled"], "completed"),
    ("dispute", &["fulfilled"], "claimed"),
    ("cancel", &["pending_review", "returned", "open", "claimed", "fulfilled"], "cancelled"),
    ("expire", &["open"], "expired"),
    ("reopen", &["expired"], "open"),
];

struct Cast {
    city: City,
    resident: User,
    /// Holds every claim the fixtures make.
    holder: User,
    /// Another approved volunteer who tries to claim.
    rival: User,
    /// The target of dispatches.
    dispatchee: User,
}

async fn cast(app: &TestApp) -> Cast {
    let city = app.city().await;
    let resident = app.resident(city.community, "王小明").await;
    let holder = app.volunteer(city.community, &city.staff, "志愿者甲").await;
    let rival = app.volunteer(city.community, &city.staff, "志愿者乙").await;
    let dispatchee = app.volunteer(city.community, &city.staff, "志愿者丙").await;
    Cast { city, resident, holder, rival, dispatchee }
}

fn future(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

/// Drives a fresh wish into `status`.
async fn wish_in(app: &TestApp, c: &Cast, status: &str) -> Uuid {
    let staff = &c.city.staff;
    let id = app.submit(&c.resident, &format!("处于{status}的心愿")).await;
    let step = |action: &'static str, who: &User, body: Value| {
        let who = who.clone();
        async move {
            app.act(id, action, &who, body).await.assert(200);
        }
    };
    match status {
        "pending_review" => {}
        "returned" => step("return", staff, json!({"note": "请补充时间"})).await,
        "rejected" => step("reject", staff, json!({"note": "不属于服务范围"})).await,
        "withdrawn" => step("withdraw", &c.resident, json!({})).await,
        "cancelled" => step("cancel", staff, json!({"note": "重复提交"})).await,
        "expired" => {
            step("approve", staff, json!({"deadline": future(1)})).await;
            let swept = app.sweep(Duration::days(2)).await;
            assert_eq!(swept.expired, 1);
        }
        _ => {
            step("approve", staff, json!({})).await;
            if status != "open" {
                step("claim", &c.holder, json!({})).await;
            }
            if status == "fulfilled" || status == "completed" {
                step("fulfil", &c.holder, json!({"hours": 1.5})).await;
            }
            if status == "completed" {
                step("confirm", &c.resident, json!({"rating": 5})).await;
            }
        }
    }
    let got = app.wish(id, Some(&staff.token)).await;
    assert_eq!(got.body["status"], status);
    id
}

fn actor<'a>(c: &'a Cast, action: &str) -> &'a User {
    match action {
        "withdraw" | "confirm" | "dispute" => &c.resident,
        "claim" => &c.rival,
        "fulfil" => &c.holder,
        _ => &c.city.staff,
    }
}

fn body(c: &Cast, action: &str) -> Value {
    match action {
        "return" | "reject" | "release" | "dispute" | "cancel" => json!({"note": "说明"}),
        "assign" => json!({"user_id": c.dispatchee.id}),
        "fulfil" => json!({"hours": 2}),
        "confirm" => json!({"rating": 4, "feedback": "谢谢"}),
        "reopen" => json!({"deadline": future(3)}),
        _ => json!({}),
    }
}

/// What the contract says the actor of `action` gets on a wish in `status`.
fn expected(status: &str, action: &str) -> u16 {
    let public = ["open", "claimed", "fulfilled", "completed"].contains(&status);
    let by_staff_or_resident = !matches!(action, "claim" | "fulfil");
    if !public && !by_staff_or_resident {
        return 404; // the volunteers cannot know the wish exists
    }
    // The holder is the claimant only while the claim lives.
    if action == "fulfil" && !["claimed", "fulfilled", "completed"].contains(&status) {
        return 403;
    }
    if action == "expire" {
        return 403; // only the scheduler expires wishes
    }
    let (_, froms, _) = TABLE.iter().find(|(a, _, _)| *a == action).unwrap();
    if froms.contains(&status) { 200 } else { 409 }
}

#[tokio::test]
async fn every_status_action_pair_follows_the_contract() {
    let (url, dir) = test_database().await;
    let mut settings = test_settings(&url);
    settings.claim_limit_person = 1000;
    let app = spawn_app_with(settings, dir).await;
    let c = cast(&app).await;
    for status in STATUSES {
        let base = wish_in(&app, &c, status).await;
        for (action, _, to) in TABLE {
            let want = expected(status, action);
            let target = if want == 200 { wish_in(&app, &c, status).await } else { base };
            let res = app.act(target, action, actor(&c, action), body(&c, action)).await;
            assert_eq!(res.status.as_u16(), want, "{action} from {status}: {}", res.body);
            match want {
                200 => assert_eq!(res.body["status"], *to, "{action} from {status}"),
                409 => assert_eq!(res.code(), "invalid_transition", "{action} from {status}"),
                403 => assert_eq!(res.code(), "forbidden"),
                _ => assert_eq!(res.code(), "not_found"),
            }
        }
        // Refusals changed nothing.
        let after = app.wish(base, Some(&c.city.staff.token)).await;
        assert_eq!(after.body["status"], *status);
    }
}

#[tokio::test]
async fn a_wish_walks_from_order_to_completion_with_its_timeline() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.submit(&c.resident, "为卧床老人借一台轮椅").await;
    let w = app.wish(id, Some(&c.resident.token)).await;
    assert_eq!(w.body["status"], "pending_review");
    assert_eq!(w.body["version"], 1);
    assert_eq!(w.headers["etag"], "\"1\"");
    app.act(id, "approve", &c.city.staff, json!({"list": "volunteer", "note": "同意"})).await.assert(200);
    let claimed = app.act(id, "claim", &c.holder, json!({"note": "我来"})).await;
    claimed.assert(200);
    assert_eq!(claimed.body["claimant"], json!({"kind": "user", "id": c.holder.id, "name": "志愿者甲"}));
    assert!(claimed.body["claimed_at"].is_string());
    let fulfilled = app.act(id, "fulfil", &c.holder, json!({"hours": 2.5, "note": "已送到"})).await;
    fulfilled.assert(200);
    assert_eq!(fulfilled.body["hours"], 2.5);
    let done = app.act(id, "confirm", &c.resident, json!({"rating": 5, "feedback": "非常感谢"})).await;
    done.assert(200);
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["rating"], 5);
    assert_eq!(done.body["list"], "volunteer");
    assert!(done.body["completed_at"].is_string());
    assert_eq!(done.body["version"], 5);

    let events = app.get(&format!("/api/v1/wishes/{id}/events"), None).await;
    events.assert(200);
    let ev = events.body.as_array().unwrap();
    let actions: Vec<&str> = ev.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "approve", "claim", "fulfil", "confirm"]);
    assert_eq!(ev[0]["from_status"], Value::Null);
    assert_eq!(ev[0]["to_status"], "pending_review");
    assert_eq!(ev[2]["actor_id"], json!(c.holder.id));
    assert_eq!(ev[2]["note"], "我来");
    assert_eq!(ev[4]["from_status"], "fulfilled");
}

#[tokio::test]
async fn actions_validate_their_bodies() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.submit(&c.resident, "心愿").await;
    app.act(id, "return", &c.city.staff, json!({})).await.assert_problem(422, "validation_failed");
    app.act(id, "reject", &c.city.staff, json!({"note": "   "})).await.assert_problem(422, "validation_failed");
    app.act(id, "approve", &c.city.staff, json!({"deadline": "2001-01-01T00:00:00Z"}))
        .await
        .assert_problem(422, "validation_failed");
    app.act(id, "approve", &c.city.staff, json!({"list": "nonsense"})).await.assert_problem(422, "validation_failed");
    app.act(id, "approve", &c.city.staff, json!({})).await.assert(200);
    app.act(id, "claim", &c.holder, json!({})).await.assert(200);
    for hours in [json!(0), json!(-1), json!(24.5), json!(1.234)] {
        app.act(id, "fulfil", &c.holder, json!({"hours": hours})).await.assert_problem(422, "validation_failed");
    }
    app.act(id, "fulfil", &c.holder, json!({})).await.assert_problem(422, "validation_failed");
    app.act(id, "fulfil", &c.holder, json!({"hours": 24})).await.assert(200);
    for rating in [json!(0), json!(6)] {
        app.act(id, "confirm", &c.resident, json!({"rating": rating})).await.assert_problem(422, "validation_failed");
    }
    app.act(id, "confirm", &c.resident, json!({})).await.assert_problem(422, "validation_failed");
    let w = app.wish(id, None).await;
    assert_eq!(w.body["status"], "fulfilled");
}

#[tokio::test]
async fn residents_edit_until_approval_and_if_match_guards_lost_updates() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.submit(&c.resident, "修灯").await;
    app.act(id, "return", &c.city.staff, json!({"note": "请写明位置"})).await.assert(200);
    let returned = app.wish(id, Some(&c.resident.token)).await;
    assert_eq!(returned.body["review_note"], "请写明位置");
    let etag = returned.headers["etag"].to_str().unwrap().to_owned();
    let app = &app;
    let patch = |body: Value, tag: &str| {
        let tag = tag.to_owned();
        let token = c.resident.token.clone();
        async move {
            app.send(Method::PATCH, &format!("/api/v1/wishes/{id}"), Some(&token), Some(body), &[("If-Match", &tag)])
                .await
        }
    };
    let edited = patch(json!({"title": "修楼道灯", "address": "3栋楼道"}), &etag).await;
    edited.assert(200);
    assert_eq!(edited.body["status"], "pending_review");
    assert_eq!(edited.body["title"], "修楼道灯");
    assert_eq!(edited.body["address"], "3栋楼道");
    // The old ETag no longer matches.
    patch(json!({"title": "x"}), &etag).await.assert_problem(412, "precondition_failed");
    // Someone else's wish: invisible while pending.
    let other = app.resident(c.city.community, "邻居").await;
    app.send(Method::PATCH, &format!("/api/v1/wishes/{id}"), Some(&other.token), Some(json!({"title": "x"})), &[])
        .await
        .assert_problem(404, "not_found");
    // Staff see it but cannot edit it.
    app.send(
        Method::PATCH,
        &format!("/api/v1/wishes/{id}"),
        Some(&c.city.staff.token),
        Some(json!({"title": "x"})),
        &[],
    )
    .await
    .assert_problem(403, "forbidden");
    app.act(id, "approve", &c.city.staff, json!({})).await.assert(200);
    app.send(Method::PATCH, &format!("/api/v1/wishes/{id}"), Some(&c.resident.token), Some(json!({"title": "x"})), &[])
        .await
        .assert_problem(409, "conflict");
    let actions: Vec<String> = app
        .get(&format!("/api/v1/wishes/{id}/events"), Some(&c.resident.token))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["submit", "return", "edit", "approve"]);
}

#[tokio::test]
async fn staff_of_the_street_above_review_and_staff_of_another_community_cannot() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.submit(&c.resident, "心愿").await;
    app.act(id, "approve", &c.city.other_staff, json!({})).await.assert_problem(404, "not_found");
    app.act(id, "approve", &c.holder, json!({})).await.assert_problem(404, "not_found");
    app.act(id, "approve", &c.resident, json!({})).await.assert_problem(403, "forbidden");
    app.act(id, "approve", &c.city.street_staff, json!({})).await.assert(200);
    // Once public, another community's staff see it but still may not act.
    app.act(id, "cancel", &c.city.other_staff, json!({"note": "x"})).await.assert_problem(403, "forbidden");
}

#[tokio::test]
async fn claims_need_an_approved_registration_and_never_ones_own_wish() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.open_wish(&c.resident, &c.city.staff, "心愿").await;
    let pending = app.user("未审核者", None).await;
    app.post(
        &format!("/api/v1/communities/{}/registrations", c.city.community),
        Some(&pending.token),
        json!({"kind": "volunteer"}),
    )
    .await
    .assert(201);
    app.act(id, "claim", &pending, json!({})).await.assert_problem(403, "forbidden");
    let elsewhere = app.volunteer(c.city.other_community, &c.city.other_staff, "外社区志愿者").await;
    app.act(id, "claim", &elsewhere, json!({})).await.assert_problem(403, "forbidden");
    // The resident is an approved volunteer of their own community, and still cannot claim their wish.
    let reg = app
        .post(
            &format!("/api/v1/communities/{}/registrations", c.city.community),
            Some(&c.resident.token),
            json!({"kind": "volunteer"}),
        )
        .await;
    app.post(&format!("/api/v1/registrations/{}/approve", reg.id()), Some(&c.city.staff.token), json!({}))
        .await
        .assert(200);
    app.act(id, "claim", &c.resident, json!({})).await.assert_problem(403, "forbidden");
    app.act(id, "claim", &c.holder, json!({})).await.assert(200);
}

#[tokio::test]
async fn release_dispute_and_cancel_end_or_keep_the_claim() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.open_wish(&c.resident, &c.city.staff, "心愿").await;
    app.act(id, "claim", &c.holder, json!({})).await.assert(200);
    app.act(id, "release", &c.rival, json!({"note": "x"})).await.assert_problem(403, "forbidden");
    let released = app.act(id, "release", &c.holder, json!({"note": "临时有事"})).await;
    released.assert(200);
    assert_eq!(released.body["claimant"], Value::Null);
    app.act(id, "claim", &c.rival, json!({})).await.assert(200);
    app.act(id, "fulfil", &c.holder, json!({"hours": 1})).await.assert_problem(403, "forbidden");
    app.act(id, "fulfil", &c.rival, json!({"hours": 1})).await.assert(200);
    let disputed = app.act(id, "dispute", &c.resident, json!({"note": "还没送到"})).await;
    disputed.assert(200);
    assert_eq!(disputed.body["status"], "claimed");
    assert_eq!(disputed.body["claimant"]["id"], json!(c.rival.id));
    assert_eq!(disputed.body["hours"], Value::Null);
    let cancelled = app.act(id, "cancel", &c.city.staff, json!({"note": "居民已搬走"})).await;
    cancelled.assert(200);
    assert_eq!(cancelled.body["claimant"], Value::Null);
    // Cancelled wishes are no longer public.
    app.wish(id, Some(&c.rival.token)).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn staff_dispatch_to_eligible_people_and_partner_units() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.open_wish(&c.resident, &c.city.staff, "心愿").await;
    let stranger = app.user("路人", None).await;
    app.act(id, "assign", &c.city.staff, json!({"user_id": stranger.id}))
        .await
        .assert_problem(422, "validation_failed");
    app.act(id, "assign", &c.city.staff, json!({"user_id": c.resident.id}))
        .await
        .assert_problem(422, "validation_failed");
    app.act(id, "assign", &c.city.staff, json!({})).await.assert_problem(422, "validation_failed");
    app.act(id, "assign", &c.holder, json!({"user_id": c.holder.id})).await.assert_problem(403, "forbidden");
    let unit = app
        .post(
            "/api/v1/units",
            Some(&c.city.admin.token),
            json!({"name": "供电公司", "kind": "co_build", "contact_name": "李工", "contact_phone": "13912345678"}),
        )
        .await
        .id();
    app.act(id, "assign", &c.city.staff, json!({"unit_id": unit})).await.assert_problem(422, "validation_failed");
    app.partner(&c.city.staff, c.city.community, unit, "paired").await.assert(201);
    let assigned = app.act(id, "assign", &c.city.staff, json!({"unit_id": unit})).await;
    assigned.assert(200);
    assert_eq!(assigned.body["claimant"], json!({"kind": "unit", "id": unit, "name": "供电公司"}));
    let ev = app.get(&format!("/api/v1/wishes/{id}/events"), None).await;
    assert_eq!(ev.body[2]["action"], "assign");
    assert_eq!(ev.body[2]["actor_id"], json!(c.city.staff.id));
}

#[tokio::test]
async fn unit_admins_claim_for_partner_units_and_members_fulfil() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let boss = app.user("单位管理员", None).await;
    let worker = app.user("单位成员", None).await;
    let unit = app.unit(&c.city.admin, "供电公司", &boss, Some(&worker)).await;
    let id = app.open_wish(&c.resident, &c.city.staff, "换灯泡").await;
    // Not yet a partner of the community.
    app.act(id, "claim", &boss, json!({"unit_id": unit})).await.assert_problem(403, "forbidden");
    app.partner(&c.city.staff, c.city.community, unit, "resident").await.assert(201);
    app.act(id, "claim", &worker, json!({"unit_id": unit})).await.assert_problem(403, "forbidden");
    app.act(id, "claim", &boss, json!({"unit_id": unit})).await.assert(200);
    let done = app.act(id, "fulfil", &worker, json!({"hours": 3})).await;
    done.assert(200);
    assert_eq!(done.body["address"], "湖坊镇3栋2单元", "unit members see the address");
    app.act(id, "confirm", &c.resident, json!({"rating": 5})).await.assert(200);
}

#[tokio::test]
async fn the_scheduler_expires_open_wishes_and_auto_confirms_after_the_window() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let expiring = app.submit(&c.resident, "限时心愿").await;
    app.act(expiring, "approve", &c.city.staff, json!({"deadline": future(1)})).await.assert(200);
    let waiting = app.open_wish(&c.resident, &c.city.staff, "待确认").await;
    app.act(waiting, "claim", &c.holder, json!({})).await.assert(200);
    app.act(waiting, "fulfil", &c.holder, json!({"hours": 2})).await.assert(200);

    assert_eq!(app.sweep(Duration::zero()).await, microwish::scheduler::Sweep::default());
    let swept = app.sweep(Duration::days(8)).await;
    assert_eq!((swept.expired, swept.confirmed), (1, 1));
    assert_eq!(app.sweep(Duration::days(8)).await, microwish::scheduler::Sweep::default(), "a sweep applies once");

    let expired = app.wish(expiring, Some(&c.resident.token)).await;
    assert_eq!(expired.body["status"], "expired");
    let completed = app.wish(waiting, None).await;
    assert_eq!(completed.body["status"], "completed");
    assert_eq!(completed.body["rating"], Value::Null);
    let ev = app.get(&format!("/api/v1/wishes/{waiting}/events"), None).await;
    let last = ev.body.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "confirm");
    assert_eq!(last["actor_id"], Value::Null);
    // People cannot expire wishes; staff reopen expired ones with a new deadline.
    app.act(expiring, "reopen", &c.city.staff, json!({})).await.assert_problem(422, "validation_failed");
    let reopened = app.act(expiring, "reopen", &c.city.staff, json!({"deadline": future(5)})).await;
    reopened.assert(200);
    assert_eq!(reopened.body["status"], "open");
    app.act(expiring, "expire", &c.city.staff, json!({})).await.assert_problem(403, "forbidden");
}
