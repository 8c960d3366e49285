//! The fault soak (`bench soak`, run by `scripts/soak.sh`): two server
//! processes on one PostgreSQL database under the workflow mix while one of
//! them is killed with SIGKILL and restarted every few seconds; then an audit
//! of the database and of what a webhook receiver got.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use microwish::auth::token::JwtKeys;
use microwish::store::Db;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::seed::{self, scalar};
use crate::server::Server;

/// Counts kept by the load.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    conflicts: AtomicU64,
    server_errors: AtomicU64,
    lost_in_flight: AtomicU64,
}

/// A webhook receiver on loopback: answers 204 and remembers each `webhook-id`.
async fn receiver(seen: Arc<Mutex<HashSet<String>>>, hits: Arc<AtomicU64>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (seen, hits) = (seen.clone(), hits.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                // Headers, then as many body bytes as Content-Length says.
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let head = text[..end].to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            if let Some(id) = head.lines().find_map(|l| l.strip_prefix("webhook-id:")) {
                                seen.lock().unwrap_or_else(|p| p.into_inner()).insert(id.trim().to_owned());
                            }
                            hits.fetch_add(1, Ordering::Relaxed);
                            let _ = sock
                                .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                                .await;
                            return;
                        }
                    }
                }
            });
        }
    });
    Ok(format!("http://{addr}/hook"))
}

const SERVER_ENV: [(&str, &str); 3] = [
    ("MICROWISH_ALLOW_PRIVATE_WEBHOOKS", "true"),
    ("MICROWISH_WEBHOOK_RETRY_SCHEDULE", "1s,1s,2s,2s,5s,5s,10s,10s,10s,10s"),
    ("MICROWISH_SCHEDULER_INTERVAL", "2s"),
];

pub async fn run(
    admin_url: &str,
    seconds: u64,
    kill_every: u64,
    clients: usize,
    think_ms: u64,
) -> anyhow::Result<bool> {
    // A database of its own on the given server.
    let name = format!("mw_soak_{}", Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url).await.context("connecting to PostgreSQL")?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
    let url = format!("{}/{name}", admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url));
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let secret = microwish::auth::token::random_secret(32);
    let keys = JwtKeys::new(secret.as_bytes(), Duration::from_secs(3600 * 4));
    let city = seed::city(&db, 1).await?;
    let community = city.communities[0];
    let residents = seed::people(&db, clients, Some(community), "居民").await?;
    let helpers = seed::volunteers(&db, community, clients).await?;
    let boss = seed::people(&db, 1, None, "管理员").await?[0];
    crate::make_admin(&db, boss).await?;
    let tok = |ids: &[Uuid]| ids.iter().map(|u| keys.issue(*u)).collect::<anyhow::Result<Vec<_>>>();
    let (rt, ht) = (Arc::new(tok(&residents)?), Arc::new(tok(&helpers)?));
    let staff = Arc::new(keys.issue(city.staff)?);

    let seen = Arc::new(Mutex::new(HashSet::new()));
    let hits = Arc::new(AtomicU64::new(0));
    let hook = receiver(seen.clone(), hits.clone()).await?;
    let start = || Server::start_with(&url, &secret, &SERVER_ENV);
    let mut servers = vec![start()?, start()?];
    let bases = Arc::new(RwLock::new(servers.iter().map(|s| s.base.clone()).collect::<Vec<_>>()));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let base0 = servers[0].base.clone();
    let created = http
        .post(format!("{base0}/api/v1/webhooks"))
        .bearer_auth(keys.issue(boss)?)
        .json(&json!({"url": hook, "events": ["*"]}))
        .send()
        .await?;
    anyhow::ensure!(created.status().is_success(), "webhook not created: {}", created.text().await?);

    eprintln!("soak: {seconds} s, {clients} clients, one of two servers killed every {kill_every} s");
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for c in 0..clients {
        let (http, bases, tally, stop) = (http.clone(), bases.clone(), tally.clone(), stop.clone());
        let (resident, helper, staff) = (rt[c].clone(), ht[c].clone(), staff.clone());
        load.push(tokio::spawn(async move {
            let mut wish: Option<Uuid> = None;
            let mut step = 0usize;
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let base = bases.read().map(|b| b[i % b.len()].clone()).unwrap_or_default();
                let (path, token, body) = match (step, wish) {
                    (0, _) | (_, None) => (
                        "wishes".to_owned(),
                        &resident,
                        json!({"title": "帮忙修理楼道灯", "description": "晚上老人上下楼不方便。",
                               "address": "基准小区1栋1单元", "contact_phone": "13900000000"}),
                    ),
                    (1, Some(w)) => (format!("wishes/{w}/approve"), &*staff, json!({})),
                    (2, Some(w)) => (format!("wishes/{w}/claim"), &helper, json!({})),
                    (3, Some(w)) => (format!("wishes/{w}/fulfil"), &helper, json!({"hours": 1.5})),
                    (_, Some(w)) => (format!("wishes/{w}/confirm"), &resident, json!({"rating": 5})),
                };
                // A person at a phone, not a load test: a short pause between steps.
                tokio::time::sleep(Duration::from_millis(think_ms)).await;
                match http.post(format!("{base}/api/v1/{path}")).bearer_auth(token).json(&body).send().await {
                    Ok(r) if r.status().is_success() => {
                        tally.ok.fetch_add(1, Ordering::Relaxed);
                        if step == 0 || wish.is_none() {
                            wish = r.json::<Value>().await.ok().and_then(|v| v["id"].as_str()?.parse().ok());
                            step = 1;
                        } else {
                            step = (step + 1) % 5;
                        }
                    }
                    Ok(r) if r.status().is_server_error() => {
                        tally.server_errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("soak: {} from {base}/{path}", r.status());
                    }
                    Ok(r) => {
                        // The same step again after a kill: it may have committed. Read where the wish stands.
                        tally.conflicts.fetch_add(1, Ordering::Relaxed);
                        let _ = r.bytes().await;
                        let Some(w) = wish else { continue };
                        let now = http.get(format!("{base}/api/v1/wishes/{w}")).bearer_auth(&resident).send().await;
                        if let Ok(now) = now
                            && let Ok(v) = now.json::<Value>().await
                        {
                            step = match v["status"].as_str() {
                                Some("pending_review") => 1,
                                Some("open") => 2,
                                Some("claimed") => 3,
                                Some("fulfilled") => 4,
                                _ => 0,
                            };
                        }
                    }
                    // The server was killed under this request: it may or may not have committed.
                    Err(_) => {
                        tally.lost_in_flight.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }));
    }

    let began = Instant::now();
    let mut kills = 0;
    while began.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(kill_every)).await;
        let victim = kills % 2;
        servers.remove(victim).stop(); // SIGKILL
        servers.insert(victim, start()?);
        if let Ok(mut b) = bases.write() {
            b[victim] = servers[victim].base.clone();
        }
        kills += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for l in load {
        let _ = l.await;
    }
    // Let the dispatchers drain the outbox (and the leases of killed processes expire).
    let drained = Instant::now();
    loop {
        let pending = scalar(&db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'succeeded'").await?;
        if pending == 0 || drained.elapsed() > Duration::from_secs(180) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let drain_secs = drained.elapsed().as_secs_f64();
    let findings = audit(&db, &seen).await?;
    for s in servers {
        s.stop();
    }
    let t = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "### Fault soak: PostgreSQL, two server processes, {clients} clients pausing {think_ms} ms between steps, {seconds} s\n"
    );
    println!("| figure | value |\n|---|---:|");
    println!("| outbox drained in (after the load stopped, kills over) | {:.1} s |", drain_secs);
    println!("| SIGKILLs (each followed by a restart) | {kills} |");
    println!("| requests answered 2xx | {} |", t(&tally.ok));
    println!("| requests answered 4xx (a step retried after a kill, found already done) | {} |", t(&tally.conflicts));
    println!("| requests lost in flight (connection closed by a kill) | {} |", t(&tally.lost_in_flight));
    println!("| requests answered 5xx | {} |", t(&tally.server_errors));
    println!("| webhook requests received (retries included) | {} |", t(&hits));
    for (k, v) in &findings.figures {
        println!("| {k} | {v} |");
    }
    let mut ok = findings.problems.is_empty();
    if t(&tally.server_errors) > 0 {
        ok = false;
        println!("\nFAILED: {} requests answered 5xx", t(&tally.server_errors));
    }
    for p in &findings.problems {
        println!("\nFAILED: {p}");
    }
    if ok {
        println!("\nAudit: nothing lost.");
    }
    drop(db);
    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    Ok(ok)
}

struct Findings {
    figures: Vec<(String, i64)>,
    problems: Vec<String>,
}

async fn audit(db: &Db, seen: &Mutex<HashSet<String>>) -> anyhow::Result<Findings> {
    let mut figures = Vec::new();
    let mut problems = Vec::new();
    // `must_be_zero`: a count of things that went wrong.
    let mut check = |what: &str, n: i64, must_be_zero: bool| {
        figures.push((what.to_owned(), n));
        if must_be_zero && n != 0 {
            problems.push(format!("{what}: {n}"));
        }
    };
    let wishes = scalar(db, "SELECT COUNT(*) FROM wishes").await?;
    check("wishes", wishes, false);
    check("the load wrote no wish", i64::from(wishes == 0), true);
    check("completed wishes", scalar(db, "SELECT COUNT(*) FROM wishes WHERE status = 'completed'").await?, false);
    let events = scalar(db, "SELECT COUNT(*) FROM wish_events").await?;
    check("transition events", events, false);
    // Every change bumps the version and writes one event: a missing or extra event shows here.
    check(
        "wishes whose version differs from their number of events",
        scalar(db, "SELECT COUNT(*) FROM wishes w WHERE w.version <> (SELECT COUNT(*) FROM wish_events e WHERE e.wish_id = w.id)").await?,
        true,
    );
    check(
        "wishes whose last event does not end in their status",
        scalar(
            db,
            "SELECT COUNT(*) FROM wishes w WHERE w.status <> (SELECT e.to_status FROM wish_events e WHERE e.wish_id = w.id ORDER BY e.created_at DESC, e.id DESC LIMIT 1)",
        )
        .await?,
        true,
    );
    check(
        "events whose from_status is not the previous event's to_status",
        scalar(
            db,
            "SELECT COUNT(*) FROM (SELECT from_status, LAG(to_status) OVER (PARTITION BY wish_id ORDER BY created_at, id) AS prev FROM wish_events) t WHERE prev IS NOT NULL AND from_status IS DISTINCT FROM prev",
        )
        .await?,
        true,
    );
    check(
        "wish events without their outbox event",
        scalar(db, "SELECT (SELECT COUNT(*) FROM wish_events) - (SELECT COUNT(*) FROM outbox_events WHERE wish_id IS NOT NULL)").await?,
        true,
    );
    check(
        "outbox events without a webhook delivery",
        scalar(db, "SELECT COUNT(*) FROM outbox_events o WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id)").await?,
        true,
    );
    check(
        "webhook deliveries not succeeded after draining",
        scalar(db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'succeeded'").await?,
        true,
    );
    check("wishes with two live claims", seed::double_claims(db).await?, true);
    check(
        "completions not credited exactly once",
        scalar(db, "SELECT COUNT(*) FROM wishes w WHERE w.status = 'completed' AND (SELECT COUNT(*) FROM ledger_entries l WHERE l.wish_id = w.id) <> 2").await?,
        true,
    );
    check(
        "ledger balance (hundredths of an hour)",
        scalar(db, "SELECT CAST(COALESCE(SUM(hours_centi), 0) AS BIGINT) FROM ledger_entries").await?,
        true,
    );
    let ids: Vec<String> = {
        let rows = db
            .read()
            .query_all_raw(Statement::from_string(db.backend(), "SELECT CAST(id AS TEXT) FROM outbox_events"))
            .await?;
        rows.iter().filter_map(|r| r.try_get_by_index::<String>(0).ok()).collect()
    };
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    let missing = ids.iter().filter(|id| !seen.contains(*id)).count() as i64;
    check("outbox events the receiver never got", missing, true);
    Ok(Findings { figures, problems })
}
