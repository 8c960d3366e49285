//! The authorization matrix: for each route and each kind of caller, the
//! status the contract expects, kept as one table and checked exhaustively.
//! Every operation of the OpenAPI document has at least one row.
//! Every cell gets a fresh wish in the row's starting state, so a refused
//! call is refused for who the caller is, never for what an earlier cell did.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{City, TestApp, User, spawn_app_with, test_database, test_settings};

/// The columns of the table.
const CALLERS: [&str; 12] = [
    "anon",   // no token
    "res",    // the resident who submitted the wish
    "oth",    // another resident of the same community
    "unreg",  // registered (报到) as a volunteer, not yet approved
    "appr",   // an approved volunteer of the community, not holding the wish
    "cur",    // the approved volunteer who holds the wish (claimed / fulfilled rows)
    "staff",  // staff of the wish's community
    "ostaff", // staff of another community
    "street", // staff of the street above the community
    "uadm",   // admin of a partner unit (claims with unit_id)
    "umem",   // plain member of that unit
    "admin",  // platform admin
];

/// The state a fresh wish is put in before the call.
#[derive(Clone, Copy, Debug)]
enum Start {
    /// No wish: the path names the community.
    Community,
    Pending,
    Open,
    Claimed,
    Fulfilled,
    Expired,
    /// A fresh staff member of the community (`{id}` is the user).
    Appointed,
    /// A fresh offer of the approved volunteer `appr`.
    Offer,
    /// A fresh pending registration of someone else.
    Registration,
    /// A fresh unit made by the admin, with no members and no partnership.
    Unit,
    /// A fresh webhook of the community, made by its staff.
    Hook,
    /// A fresh delivery to the shared webhook (`{id}`), from a new submission.
    Delivery,
}

struct Row {
    call: &'static str,
    start: Start,
    body: fn(&World, &str) -> Value,
    expect: [u16; 12],
}

fn empty(_: &World, _: &str) -> Value {
    json!({})
}
fn note(_: &World, _: &str) -> Value {
    json!({"note": "矩阵测试"})
}
fn unit_claim(w: &World, who: &str) -> Value {
    if who == "uadm" || who == "umem" { json!({"unit_id": w.unit}) } else { json!({}) }
}
fn assign(w: &World, _: &str) -> Value {
    json!({"user_id": w.user("appr").id})
}
fn hours(_: &World, _: &str) -> Value {
    json!({"hours": 1.5})
}
fn rating(_: &World, _: &str) -> Value {
    json!({"rating": 5})
}
fn reopen(_: &World, _: &str) -> Value {
    json!({"deadline": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339()})
}
fn retitle(_: &World, _: &str) -> Value {
    json!({"title": "改过的标题"})
}
fn area(_: &World, _: &str) -> Value {
    json!({"name": "矩阵市", "level": "city"})
}
fn item(_: &World, who: &str) -> Value {
    json!({"list": "volunteer", "group": "测试", "code": format!("MX-{who}"), "name": "矩阵服务", "description": "测试"})
}
fn new_unit(_: &World, who: &str) -> Value {
    json!({"name": format!("矩阵单位{who}"), "kind": "co_build", "contact_name": "联系人", "contact_phone": "13912345678"})
}
fn new_wish(_: &World, _: &str) -> Value {
    json!({"title": "想请人修灯", "description": "楼道灯坏了"})
}
fn rename(_: &World, _: &str) -> Value {
    json!({"display_name": "新名字"})
}
fn appoint(w: &World, who: &str) -> Value {
    // Each caller tries to appoint themself, so no cell depends on another.
    json!({"user_id": w.user(if who == "anon" { "res" } else { who }).id})
}
fn party_member(_: &World, _: &str) -> Value {
    json!({"kind": "party_member"})
}
fn rename_item(_: &World, _: &str) -> Value {
    json!({"name": "矩阵改名"})
}
fn wrong_password(_: &World, _: &str) -> Value {
    json!({"old_password": "not-the-password", "new_password": "another-pass-1"})
}
fn garbage_refresh(_: &World, _: &str) -> Value {
    json!({"refresh_token": "not-a-refresh-token"})
}
fn bad_login(_: &World, _: &str) -> Value {
    json!({"phone": "13700000000", "password": "not-the-password"})
}
fn new_account(_: &World, who: &str) -> Value {
    let n = CALLERS.iter().position(|c| *c == who).unwrap_or(0);
    json!({"phone": format!("1365555{n:04}"), "password": "matrix-pass-1", "display_name": "新用户"})
}
fn partner_target(w: &World, _: &str) -> Value {
    json!({"unit_id": w.target(), "kind": "resident"})
}
fn member_of_target(w: &World, _: &str) -> Value {
    json!({"user_id": w.user("oth").id, "role": "member"})
}
fn offer(w: &World, who: &str) -> Value {
    let n = 40 + CALLERS.iter().position(|c| *c == who).unwrap_or(0);
    let unit = (who == "uadm").then_some(w.unit);
    json!({"catalogue_item_id": w.items[n], "community_id": w.city.community, "unit_id": unit})
}
fn webhook(w: &World, _: &str) -> Value {
    json!({"url": "https://93.184.216.34/hook", "events": ["*"], "area_id": w.city.community})
}

// anon res  oth  unreg appr cur  staff ostaff street uadm umem admin
const SEE_PENDING: [u16; 12] = [404, 200, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200];
const REVIEW_PENDING: [u16; 12] = [401, 403, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200];
const STAFF_ON_PUBLIC: [u16; 12] = [401, 403, 403, 403, 403, 403, 200, 403, 200, 403, 403, 200];
const RESIDENT_ON_PUBLIC: [u16; 12] = [401, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403];
const STAFF_OF_AREA: [u16; 12] = [401, 403, 403, 403, 403, 403, 200, 403, 200, 403, 403, 200];
const ADMIN_ONLY: [u16; 12] = [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201];
const ANY_SIGNED_IN: [u16; 12] = [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200];

fn table() -> Vec<Row> {
    use Start::*;
    let row = |call, start, body: fn(&World, &str) -> Value, expect| Row { call, start, body, expect };
    vec![
        row("GET /api/v1/wishes/{id}", Pending, empty, SEE_PENDING),
        row("GET /api/v1/wishes/{id}", Claimed, empty, [200; 12]),
        row("GET /api/v1/wishes/{id}/events", Pending, empty, SEE_PENDING),
        row(
            "PATCH /api/v1/wishes/{id}",
            Pending,
            retitle,
            [401, 200, 404, 404, 404, 404, 403, 404, 403, 404, 404, 403],
        ),
        row("POST /api/v1/wishes/{id}/approve", Pending, empty, REVIEW_PENDING),
        row("POST /api/v1/wishes/{id}/return", Pending, note, REVIEW_PENDING),
        row("POST /api/v1/wishes/{id}/reject", Pending, note, REVIEW_PENDING),
        row(
            "POST /api/v1/wishes/{id}/withdraw",
            Pending,
            empty,
            [401, 200, 404, 404, 404, 404, 403, 404, 403, 404, 404, 403],
        ),
        row("GET /api/v1/wishes/{id}/matches", Open, empty, STAFF_ON_PUBLIC),
        row(
            "POST /api/v1/wishes/{id}/claim",
            Open,
            unit_claim,
            [401, 403, 403, 403, 200, 200, 403, 403, 403, 200, 403, 403],
        ),
        row("POST /api/v1/wishes/{id}/assign", Open, assign, STAFF_ON_PUBLIC),
        row("POST /api/v1/wishes/{id}/cancel", Open, note, STAFF_ON_PUBLIC),
        row(
            "POST /api/v1/wishes/{id}/expire",
            Open,
            empty,
            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "POST /api/v1/wishes/{id}/release",
            Claimed,
            note,
            [401, 403, 403, 403, 403, 200, 200, 403, 200, 403, 403, 200],
        ),
        row(
            "POST /api/v1/wishes/{id}/fulfil",
            Claimed,
            hours,
            [401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403],
        ),
        row("POST /api/v1/wishes/{id}/confirm", Fulfilled, rating, RESIDENT_ON_PUBLIC),
        row("POST /api/v1/wishes/{id}/dispute", Fulfilled, note, RESIDENT_ON_PUBLIC),
        row("POST /api/v1/wishes/{id}/reopen", Expired, reopen, REVIEW_PENDING),
        row("GET /api/v1/areas/{community}/stats", Community, empty, STAFF_OF_AREA),
        row("GET /api/v1/areas/{community}/wishes.csv", Community, empty, STAFF_OF_AREA),
        row("GET /api/v1/communities/{community}/registrations", Community, empty, STAFF_OF_AREA),
        row("POST /api/v1/webhooks", Community, webhook, [401, 403, 403, 403, 403, 403, 201, 403, 201, 403, 403, 201]),
        row("POST /api/v1/areas", Community, area, ADMIN_ONLY),
        row("POST /api/v1/catalogue", Community, item, ADMIN_ONLY),
        row("POST /api/v1/units", Community, new_unit, ADMIN_ONLY),
        row("GET /api/v1/me", Community, empty, ANY_SIGNED_IN),
        row("GET /api/v1/me/time-bank", Community, empty, ANY_SIGNED_IN),
        row("GET /api/v1/communities/{community}/leaderboard", Community, empty, [200; 12]),
        row("GET /api/v1/webhooks", Community, empty, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        // Only residents with a home community submit; the others have none.
        row("POST /api/v1/wishes", Community, new_wish, [401, 201, 201, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
        row("GET /api/v1/wishes", Community, empty, [200; 12]),
        row("PATCH /api/v1/me", Community, rename, ANY_SIGNED_IN),
        row("GET /api/v1/me/notifications", Community, empty, ANY_SIGNED_IN),
        row("GET /api/v1/me/matches", Community, empty, ANY_SIGNED_IN),
        row("GET /api/v1/areas/{community}", Community, empty, [200; 12]),
        // Staff are appointed by admins and by staff of an area above, not by their peers.
        row(
            "POST /api/v1/areas/{community}/staff",
            Community,
            appoint,
            [401, 403, 403, 403, 403, 403, 403, 403, 201, 403, 403, 201],
        ),
        row(
            "POST /api/v1/communities/{community}/registrations",
            Community,
            party_member,
            [401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201],
        ),
        row("GET /api/v1/communities/{community}/partners", Community, empty, [200; 12]),
        row("GET /api/v1/catalogue", Community, empty, [200; 12]),
        row("GET /api/v1/catalogue/{item}", Community, empty, [200; 12]),
        row(
            "PATCH /api/v1/catalogue/{item}",
            Community,
            rename_item,
            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row("GET /api/v1/offers", Community, empty, [200; 12]),
        row("GET /api/v1/areas", Community, empty, [200; 12]),
        // A webhook of the community's area: other people do not learn it exists.
        row(
            "GET /api/v1/webhooks/{hook}",
            Community,
            empty,
            [401, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200],
        ),
        row(
            "GET /api/v1/webhooks/{hook}/deliveries",
            Community,
            empty,
            [401, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200],
        ),
        row("POST /api/v1/me/notifications/read-all", Community, empty, ANY_SIGNED_IN),
        row(
            "POST /api/v1/me/password",
            Community,
            wrong_password,
            [401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422],
        ),
        row("POST /api/v1/auth/refresh", Community, garbage_refresh, [401; 12]),
        row("POST /api/v1/auth/login", Community, bad_login, [401; 12]),
        row("GET /healthz", Community, empty, [200; 12]),
        row("GET /metrics", Community, empty, [200; 12]),
        row("POST /api/v1/auth/register", Community, new_account, [201; 12]),
        row("POST /api/v1/auth/logout", Community, garbage_refresh, [204; 12]),
        row(
            "POST /api/v1/me/notifications/{notification}/read",
            Community,
            empty,
            [401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            "DELETE /api/v1/areas/{community}/staff/{id}",
            Appointed,
            empty,
            [401, 403, 403, 403, 403, 403, 403, 403, 204, 403, 403, 204],
        ),
        row("POST /api/v1/offers", Community, offer, [401, 403, 403, 403, 201, 201, 403, 403, 403, 201, 403, 403]),
        row(
            // The provider withdraws its offer; staff of the community (and above) may too.
            "DELETE /api/v1/offers/{id}",
            Offer,
            empty,
            [401, 403, 403, 403, 204, 403, 204, 403, 204, 403, 403, 204],
        ),
        row(
            "POST /api/v1/registrations/{id}/approve",
            Registration,
            empty,
            [401, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200],
        ),
        row(
            "POST /api/v1/registrations/{id}/reject",
            Registration,
            note,
            [401, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200],
        ),
        row(
            "POST /api/v1/communities/{community}/partners",
            Unit,
            partner_target,
            [401, 403, 403, 403, 403, 403, 201, 403, 201, 403, 403, 201],
        ),
        row(
            "POST /api/v1/units/{id}/members",
            Unit,
            member_of_target,
            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201],
        ),
        row("DELETE /api/v1/webhooks/{id}", Hook, empty, [401, 404, 404, 404, 404, 404, 204, 404, 204, 404, 404, 204]),
        row(
            "POST /api/v1/webhooks/{hook}/deliveries/{id}/retry",
            Delivery,
            empty,
            [401, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 200],
        ),
        row("GET /readyz", Community, empty, [200; 12]),
    ]
}

struct World {
    app: TestApp,
    city: City,
    people: Vec<(&'static str, User)>,
    unit: Uuid,
    /// A catalogue item and a webhook of the community, for the rows that name them.
    item: Uuid,
    hook: Uuid,
    /// Every catalogue item, for offers that must not repeat.
    items: Vec<Uuid>,
    used_items: std::sync::atomic::AtomicUsize,
    /// A notification of the resident's.
    notification: Uuid,
    /// The fresh object of the current cell, for bodies that name it.
    target: std::sync::Mutex<Option<Uuid>>,
}

impl World {
    fn user(&self, who: &str) -> &User {
        match who {
            "staff" => &self.city.staff,
            "ostaff" => &self.city.other_staff,
            "street" => &self.city.street_staff,
            "admin" => &self.city.admin,
            _ => &self.people.iter().find(|(n, _)| *n == who).unwrap_or_else(|| panic!("no {who}")).1,
        }
    }

    fn token(&self, who: &str) -> Option<&str> {
        (who != "anon").then(|| self.user(who).token.as_str())
    }

    fn target(&self) -> Uuid {
        self.target.lock().unwrap().expect("a row with a fresh object")
    }

    fn next_item(&self) -> Uuid {
        self.items[self.used_items.fetch_add(1, std::sync::atomic::Ordering::Relaxed)]
    }

    /// The fresh object a cell acts on: a wish of `res` in `start` (held by
    /// `cur` once claimed), or another kind of object for the other starts.
    async fn fresh(&self, start: Start) -> Uuid {
        let app = &self.app;
        let (admin, staff, c) = (&self.city.admin, &self.city.staff, self.city.community);
        match start {
            Start::Appointed => {
                let u = app.user("新任工作人员", None).await;
                app.make_staff(admin, c, &u).await;
                return u.id;
            }
            Start::Offer => {
                let body = json!({"catalogue_item_id": self.next_item(), "community_id": c});
                let res = app.post("/api/v1/offers", Some(&self.user("appr").token), body).await;
                res.assert(201);
                return res.id();
            }
            Start::Registration => {
                let u = app.user("新报到者", None).await;
                let res = app
                    .post(
                        &format!("/api/v1/communities/{c}/registrations"),
                        Some(&u.token),
                        json!({"kind": "volunteer"}),
                    )
                    .await;
                res.assert(201);
                return res.id();
            }
            Start::Unit => {
                let body = json!({"name": "新单位", "kind": "co_build", "contact_name": "联系人", "contact_phone": "13912345678"});
                let res = app.post("/api/v1/units", Some(&admin.token), body).await;
                res.assert(201);
                return res.id();
            }
            Start::Hook => {
                let body = json!({"url": "https://93.184.216.34/other", "events": ["*"], "area_id": c});
                let res = app.post("/api/v1/webhooks", Some(&staff.token), body).await;
                res.assert(201);
                return res.id();
            }
            Start::Delivery => {
                app.submit(self.user("res"), "投递测试").await;
                let list = app.get(&format!("/api/v1/webhooks/{}/deliveries", self.hook), Some(&staff.token)).await;
                let newest =
                    list.body.as_array().unwrap().iter().filter_map(|d| d["id"].as_str()).max().unwrap().to_owned();
                return newest.parse().unwrap();
            }
            _ => {}
        }
        let id = app.submit(self.user("res"), "矩阵心愿").await;
        let staff = &self.city.staff;
        match start {
            Start::Pending => {}
            Start::Expired => {
                let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
                app.act(id, "approve", staff, json!({"deadline": soon})).await.assert(200);
                assert!(app.sweep(chrono::Duration::hours(2)).await.expired >= 1);
            }
            Start::Community
            | Start::Appointed
            | Start::Offer
            | Start::Registration
            | Start::Unit
            | Start::Hook
            | Start::Delivery
            | Start::Open
            | Start::Claimed
            | Start::Fulfilled => {
                app.act(id, "approve", staff, json!({})).await.assert(200);
                if !matches!(start, Start::Open) {
                    app.act(id, "claim", self.user("cur"), json!({})).await.assert(200);
                }
                if matches!(start, Start::Fulfilled) {
                    app.act(id, "fulfil", self.user("cur"), json!({"hours": 1})).await.assert(200);
                }
            }
        }
        id
    }
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_table_says() {
    let (url, dir) = test_database().await;
    let mut settings = test_settings(&url);
    // Cells pile up claims on one volunteer; the limit is tested elsewhere.
    settings.claim_limit_person = 10_000;
    let app = spawn_app_with(settings, dir).await;
    let city = app.city().await;
    let c = city.community;
    let mut people = vec![
        ("res", app.resident(c, "王秀英").await),
        ("oth", app.resident(c, "李桂兰").await),
        ("appr", app.volunteer(c, &city.staff, "熊卫东").await),
        ("cur", app.volunteer(c, &city.staff, "胡建国").await),
    ];
    let unreg = app.user("待审志愿者", None).await;
    let path = format!("/api/v1/communities/{c}/registrations");
    app.post(&path, Some(&unreg.token), json!({"kind": "volunteer"})).await.assert(201);
    people.push(("unreg", unreg));
    let (uadm, umem) = (app.user("单位管理员", None).await, app.user("单位成员", None).await);
    let unit = app.unit(&city.admin, "矩阵共建单位", &uadm, Some(&umem)).await;
    app.partner(&city.staff, c, unit, "paired").await.assert(201);
    people.push(("uadm", uadm));
    people.push(("umem", umem));
    let item = app.get("/api/v1/catalogue", None).await.body[0]["id"].as_str().unwrap().parse().unwrap();
    let hook = app
        .post(
            "/api/v1/webhooks",
            Some(&city.staff.token),
            json!({"url": "https://93.184.216.34/hook", "events": ["*"], "area_id": c}),
        )
        .await;
    hook.assert(201);
    let hook = hook.id();
    let items: Vec<Uuid> = app.get("/api/v1/catalogue", None).await.body.as_array().unwrap()[1..]
        .iter()
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect();
    // The resident hears of the approval of their wish.
    let res_user = people.iter().find(|(n, _)| *n == "res").unwrap().1.clone();
    app.open_wish(&res_user, &city.staff, "通知测试").await;
    let inbox = app.get("/api/v1/me/notifications", Some(&res_user.token)).await;
    let notification = inbox.body["items"][0]["id"].as_str().unwrap().parse().unwrap();
    let world = World {
        app,
        city,
        people,
        unit,
        item,
        hook,
        items,
        used_items: Default::default(),
        notification,
        target: Default::default(),
    };

    let mut wrong = Vec::new();
    let mut cells = 0;
    for row in table() {
        let (method, template) = row.call.split_once(' ').unwrap();
        for (i, who) in CALLERS.iter().enumerate() {
            let target = match row.start {
                Start::Community => None,
                s => Some(world.fresh(s).await),
            };
            let mut path = template
                .replace("{community}", &world.city.community.to_string())
                .replace("{item}", &world.item.to_string())
                .replace("{hook}", &world.hook.to_string())
                .replace("{notification}", &world.notification.to_string());
            if let Some(id) = target {
                path = path.replace("{id}", &id.to_string());
            }
            *world.target.lock().unwrap() = target;
            let body = (method != "GET" && method != "DELETE").then(|| (row.body)(&world, who));
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let res = world.app.send(method, &path, world.token(who), body, &[]).await;
            cells += 1;
            if res.status.as_u16() != row.expect[i] {
                wrong.push(format!(
                    "{:<52} {:<7} expected {} got {} {}",
                    row.call,
                    who,
                    row.expect[i],
                    res.status.as_u16(),
                    res.body.get("detail").unwrap_or(&Value::Null)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {cells} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn every_documented_operation_has_a_row() {
    let spec: Value = serde_json::from_str(&microwish::routes::openapi_document()).unwrap();
    // `{id}` and `{community}` name the same slot: compare paths with their parameters blanked.
    let shape = |path: &str| {
        path.split('/').map(|seg| if seg.starts_with('{') { "{}" } else { seg }).collect::<Vec<_>>().join("/")
    };
    let rows: Vec<(String, String)> = table()
        .iter()
        .map(|r| {
            let (m, p) = r.call.split_once(' ').unwrap();
            (m.to_owned(), shape(p))
        })
        .collect();
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            if !rows.contains(&(m.clone(), shape(path))) {
                missing.push(format!("{m} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "operations without a row in the matrix: {missing:?}");
}
