//! The test harness: every test gets its own app on a random port and its
//! own database (a temp SQLite file, or a fresh PostgreSQL database when
//! `MICROWISH_TEST_POSTGRES` is set).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use microwish::config::Settings;
use microwish::startup::Application;
use microwish::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const ADMIN_PHONE: &str = "13800000000";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "resident-pass-1";

/// Every wish status of CONTRACT.md §5.
pub const STATUSES: &[&str] = &[
    "pending_review",
    "returned",
    "rejected",
    "withdrawn",
    "open",
    "claimed",
    "fulfilled",
    "completed",
    "cancelled",
    "expired",
];

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    _dir: Option<tempfile::TempDir>,
}

/// A database of its own for one test.
pub async fn test_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("MICROWISH_TEST_POSTGRES") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sea_orm::{ConnectionTrait, Database};
            let name = format!("mw_test_{}", Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("connect to MICROWISH_TEST_POSTGRES");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
            admin.close().await.ok();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).expect("a database URL with a path");
            (format!("{base}/{name}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    }
}

pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        bind: "127.0.0.1:0".to_owned(),
        admin: Some((ADMIN_PHONE.to_owned(), ADMIN_PASSWORD.to_owned())),
        rate_limits: false,
        // Sweeps and webhook dispatch run when a test asks (`app.sweep`, `app.dispatch`), not on a timer.
        background_jobs: false,
        // Cheap hashes keep hundreds of logins fast; production keeps the default.
        argon2_memory_kib: 256,
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    let (url, dir) = test_database().await;
    spawn_app_with(test_settings(&url), dir).await
}

pub async fn spawn_app_with(settings: Settings, dir: Option<tempfile::TempDir>) -> TestApp {
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), state, _dir: dir }
}

static PHONES: AtomicU64 = AtomicU64::new(0);

/// A fresh mainland mobile number.
pub fn phone() -> String {
    let n = PHONES.fetch_add(1, Ordering::Relaxed);
    format!("139{:08}", (std::process::id() as u64 * 100_000 + n) % 100_000_000)
}

/// A response: status, headers and JSON body (`Value::Null` when empty or not JSON).
pub struct Res {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Res {
    pub fn id(&self) -> Uuid {
        self.body["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no id in {}", self.body))
    }
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    #[track_caller]
    pub fn assert(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self
    }
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        self.assert(status);
        assert_eq!(self.code(), code, "body: {}", self.body);
        let ct = self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(ct, "application/problem+json", "problem content type");
        self
    }
}

/// A test user with a token.
#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub phone: String,
    pub token: String,
}

/// A small city: one street with two communities, and staff at each level.
pub struct City {
    pub street: Uuid,
    pub community: Uuid,
    pub other_community: Uuid,
    pub admin: User,
    /// Staff of `community`.
    pub staff: User,
    /// Staff of `other_community`.
    pub other_staff: User,
    /// Staff of `street` (above both communities).
    pub street_staff: User,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Res { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.send(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.send(Method::POST, path, token, Some(body), &[]).await
    }

    pub async fn login(&self, phone: &str, password: &str) -> Res {
        self.post("/api/v1/auth/login", None, json!({"phone": phone, "password": password})).await
    }

    pub async fn admin(&self) -> User {
        let res = self.login(ADMIN_PHONE, ADMIN_PASSWORD).await;
        res.assert(200);
        let token = res.body["access_token"].as_str().expect("token").to_owned();
        let me = self.get("/api/v1/me", Some(&token)).await;
        User { id: me.id(), phone: ADMIN_PHONE.to_owned(), token }
    }

    /// Registers and logs in a user, optionally living in `home`.
    pub async fn user(&self, name: &str, home: Option<Uuid>) -> User {
        let phone = phone();
        let res = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"phone": phone, "password": PASSWORD, "display_name": name, "home_community_id": home}),
            )
            .await;
        res.assert(201);
        let id = res.id();
        let login = self.login(&phone, PASSWORD).await;
        login.assert(200);
        User { id, phone, token: login.body["access_token"].as_str().expect("token").to_owned() }
    }

    pub async fn area(&self, admin: &User, name: &str, level: &str, parent: Option<Uuid>) -> Uuid {
        let res = self
            .post("/api/v1/areas", Some(&admin.token), json!({"name": name, "level": level, "parent_id": parent}))
            .await;
        res.assert(201);
        res.id()
    }

    pub async fn make_staff(&self, by: &User, area: Uuid, user: &User) {
        let res = self.post(&format!("/api/v1/areas/{area}/staff"), Some(&by.token), json!({"user_id": user.id})).await;
        res.assert(201);
    }

    pub async fn city(&self) -> City {
        let admin = self.admin().await;
        let city = self.area(&admin, "南昌市", "city", None).await;
        let district = self.area(&admin, "青山湖区", "district", Some(city)).await;
        let street = self.area(&admin, "湖坊镇", "street", Some(district)).await;
        let community = self.area(&admin, "顺化门社区", "community", Some(street)).await;
        let other_community = self.area(&admin, "上海路社区", "community", Some(street)).await;
        let staff = self.user("社区工作者甲", None).await;
        let other_staff = self.user("社区工作者乙", None).await;
        let street_staff = self.user("街道工作者丙", None).await;
        self.make_staff(&admin, community, &staff).await;
        self.make_staff(&admin, other_community, &other_staff).await;
        self.make_staff(&admin, street, &street_staff).await;
        City { street, community, other_community, admin, staff, other_staff, street_staff }
    }

    /// A resident of `community`.
    pub async fn resident(&self, community: Uuid, name: &str) -> User {
        self.user(name, Some(community)).await
    }

    /// An approved volunteer of `community`, approved by `staff`.
    pub async fn volunteer(&self, community: Uuid, staff: &User, name: &str) -> User {
        let u = self.user(name, None).await;
        let reg = self
            .post(
                &format!("/api/v1/communities/{community}/registrations"),
                Some(&u.token),
                json!({"kind": "volunteer"}),
            )
            .await;
        reg.assert(201);
        self.post(&format!("/api/v1/registrations/{}/approve", reg.id()), Some(&staff.token), json!({}))
            .await
            .assert(200);
        u
    }

    /// Submits a wish as `resident` with contact data.
    pub async fn submit(&self, resident: &User, title: &str) -> Uuid {
        let res = self
            .post(
                "/api/v1/wishes",
                Some(&resident.token),
                json!({"title": title, "description": "需要帮助", "address": "湖坊镇3栋2单元", "contact_phone": "13612345678"}),
            )
            .await;
        res.assert(201);
        res.id()
    }

    /// Performs `action` on a wish and returns the response.
    pub async fn act(&self, wish: Uuid, action: &str, who: &User, body: Value) -> Res {
        self.post(&format!("/api/v1/wishes/{wish}/{action}"), Some(&who.token), body).await
    }

    /// A wish that is open for claiming.
    pub async fn open_wish(&self, resident: &User, staff: &User, title: &str) -> Uuid {
        let id = self.submit(resident, title).await;
        self.act(id, "approve", staff, json!({})).await.assert(200);
        id
    }

    pub async fn wish(&self, id: Uuid, token: Option<&str>) -> Res {
        self.get(&format!("/api/v1/wishes/{id}"), token).await
    }

    /// A co-build unit (created by `admin`) run by `boss`, with an optional plain member.
    pub async fn unit(&self, admin: &User, name: &str, boss: &User, member: Option<&User>) -> Uuid {
        let body = json!({"name": name, "kind": "co_build", "contact_name": "联系人", "contact_phone": "13912345678"});
        let res = self.post("/api/v1/units", Some(&admin.token), body).await;
        res.assert(201);
        let unit = res.id();
        let members = format!("/api/v1/units/{unit}/members");
        self.post(&members, Some(&admin.token), json!({"user_id": boss.id, "role": "admin"})).await.assert(201);
        if let Some(m) = member {
            self.post(&members, Some(&admin.token), json!({"user_id": m.id, "role": "member"})).await.assert(201);
        }
        unit
    }

    /// Makes `unit` a partner of `community` (`paired` or `resident`), as `staff`.
    pub async fn partner(&self, staff: &User, community: Uuid, unit: Uuid, kind: &str) -> Res {
        self.post(
            &format!("/api/v1/communities/{community}/partners"),
            Some(&staff.token),
            json!({"unit_id": unit, "kind": kind}),
        )
        .await
    }

    /// Runs one webhook dispatch pass as if the clock read `now + ahead`.
    pub async fn dispatch(&self, ahead: chrono::Duration) -> usize {
        microwish::dispatch::run_pending(&self.state, microwish::clock::now() + ahead).await.expect("dispatch")
    }

    /// Runs one scheduler sweep as if the clock read `now + ahead`.
    pub async fn sweep(&self, ahead: chrono::Duration) -> microwish::scheduler::Sweep {
        microwish::scheduler::sweep(&self.state, microwish::clock::now() + ahead).await.expect("sweep")
    }
}
