//! `cargo run --release -p bench -- [options]`: starts the server (this
//! release binary re-executed, in a process of its own),
//! seeds data through the store, drives keep-alive HTTP load and prints a
//! markdown table (and `--json FILE`) of requests/s, latency percentiles,
//! errors and peak server memory, beside ceilings measured in the same run.

mod load;
mod seed;
mod server;
mod soak;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use load::{Answer, Outcome, Row, answer, drive};
use microwish::auth::token::JwtKeys;
use microwish::store::Db;
use rand::Rng;
use serde_json::json;
use server::Server;
use uuid::Uuid;

const SCENARIOS: [&str; 8] =
    ["ceiling-http", "ceiling-db", "feed", "detail", "submit", "claim-storm", "workflow", "scale"];

#[derive(Parser, Debug)]
#[command(about = "Benchmarks microwish against the machine's own ceilings")]
struct Args {
    /// `postgres://…` of a server where the bench may create (and drop) a database of its own;
    /// by default a temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds per scenario run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Runs per scenario; the median run (by requests/s) is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Scenarios to run, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    scenarios: Vec<String>,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// A few seconds per scenario and small data: checks the harness and
    /// correctness (no errors, no double claims), not speed.
    #[arg(long)]
    quick: bool,
    /// Instead of the scenarios, the fault soak (needs `--database-url postgres://…`):
    /// two servers under the workflow mix, one killed with SIGKILL every `--kill-every` seconds.
    #[arg(long)]
    soak: bool,
    /// How long the soak loads, in seconds.
    #[arg(long, default_value_t = 180)]
    soak_seconds: u64,
    /// Seconds between kills in the soak.
    #[arg(long, default_value_t = 5)]
    kill_every: u64,
    /// Milliseconds each soak client pauses between steps.
    #[arg(long, default_value_t = 100)]
    think_ms: u64,
}

/// Sizes of the data sets.
struct Sizes {
    feed: usize,
    detail: usize,
    storm: usize,
    claimants: usize,
    residents: usize,
    scale: [usize; 2],
}

/// What the scenarios share: the database, the server binary, the tokens' key.
struct Bench {
    args: Args,
    sizes: Sizes,
    db: Db,
    url: String,
    secret: String,
    keys: JwtKeys,
    http: reqwest::Client,
    city: seed::City,
    rows: Vec<Row>,
    failures: Vec<String>,
}

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some(server::SERVE_ARG) {
        return match server::serve() {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(mut args: Args) -> anyhow::Result<bool> {
    if args.soak {
        let Some(url) = args.database_url.as_deref().filter(|u| u.starts_with("postgres")) else {
            anyhow::bail!(
                "the soak runs two server processes on one PostgreSQL database: pass --database-url postgres://…"
            );
        };
        return soak::run(url, args.soak_seconds, args.kill_every, args.clients.min(32), args.think_ms).await;
    }
    if args.quick {
        args.duration = args.duration.min(2);
        args.repeat = 1;
        args.clients = args.clients.min(16);
    }
    let selected: Vec<String> = if args.scenarios.is_empty() {
        SCENARIOS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        args.scenarios.clone()
    };
    if let Some(bad) = selected.iter().find(|s| !SCENARIOS.contains(&s.as_str())) {
        anyhow::bail!("unknown scenario {bad}; known: {}", SCENARIOS.join(", "));
    }
    let sizes = if args.quick {
        Sizes { feed: 2_000, detail: 200, storm: 200, claimants: 40, residents: 50, scale: [1_000, 5_000] }
    } else {
        Sizes { feed: 100_000, detail: 1_000, storm: 1_000, claimants: 200, residents: 200, scale: [10_000, 1_000_000] }
    };
    let _dir = tempfile::tempdir()?;
    let (url, drop_pg) = match &args.database_url {
        Some(admin) if admin.starts_with("postgres") => {
            let name = format!("mw_bench_{}", Uuid::new_v4().simple());
            let conn = sea_orm::Database::connect(admin.as_str()).await.context("connecting to PostgreSQL")?;
            sea_orm::ConnectionTrait::execute_unprepared(&conn, &format!("CREATE DATABASE \"{name}\"")).await?;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
            (format!("{base}/{name}"), Some((conn, name)))
        }
        Some(other) => (other.clone(), None),
        None => (format!("sqlite://{}?mode=rwc", _dir.path().join("bench.db").display()), None),
    };
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let secret = microwish::auth::token::random_secret(32);
    let keys = JwtKeys::new(secret.as_bytes(), Duration::from_secs(3600 * 4));
    let city = seed::city(&db, 8).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.clients * 2).build()?;
    let mut bench = Bench { args, sizes, db, url, secret, keys, http, city, rows: Vec::new(), failures: Vec::new() };

    print_machine();
    for s in &selected {
        eprintln!("== {s}");
        match s.as_str() {
            "ceiling-http" => bench.ceiling_http().await?,
            "ceiling-db" => bench.ceiling_db().await?,
            "feed" => bench.feed().await?,
            "detail" => bench.detail().await?,
            "submit" => bench.submit().await?,
            "claim-storm" => bench.claim_storm().await?,
            "workflow" => bench.workflow().await?,
            "scale" => bench.scale().await?,
            _ => {}
        }
    }
    bench.report()?;
    bench.db.read().clone().close().await.ok();
    if let Some((conn, name)) = drop_pg {
        let _ = sea_orm::ConnectionTrait::execute_unprepared(
            &conn,
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
        .await;
    }
    for f in &bench.failures {
        eprintln!("FAILED: {f}");
    }
    Ok(bench.failures.is_empty())
}

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    eprintln!("machine: {cores} cores, {cpu}");
}

impl Bench {
    fn token(&self, user: Uuid) -> anyhow::Result<String> {
        self.keys.issue(user)
    }

    fn start(&self) -> anyhow::Result<Server> {
        Server::start(&self.url, &self.secret)
    }

    /// Runs a load `repeat` times against a fresh server and keeps the median run.
    async fn measure<F, Fut>(&mut self, name: &str, note: &str, request: F) -> anyhow::Result<Outcome>
    where
        F: Fn(String, usize, u64) -> Fut + Clone + Send + Sync + 'static,
        Fut: std::future::Future<Output = Answer> + Send,
    {
        let mut runs = Vec::new();
        for _ in 0..self.args.repeat {
            let server = self.start()?;
            let base = server.base.clone();
            let req = request.clone();
            let o = drive(self.args.clients, Duration::from_secs(self.args.duration), Arc::default(), move |c, i| {
                req(base.clone(), c, i)
            })
            .await;
            runs.push((o, server.peak_rss_mib()));
            server.stop();
        }
        runs.sort_by(|a, b| a.0.per_second().total_cmp(&b.0.per_second()));
        let (o, rss) = runs.swap_remove(runs.len() / 2);
        self.record(name, &o, Some(rss), note.to_owned());
        Ok(o)
    }

    fn record(&mut self, name: &str, o: &Outcome, rss: Option<f64>, note: String) {
        if o.errors > 0 {
            self.failures.push(format!("{name}: {} errors", o.errors));
        }
        if o.requests == 0 {
            self.failures.push(format!("{name}: no request completed"));
        }
        let row = Row::new(name, self.args.clients, o, rss, note);
        eprintln!(
            "   {:.0}/s  p50 {:.2} ms  p99 {:.2} ms  errors {}  rss {:?}",
            row.per_second, row.p50_ms, row.p99_ms, row.errors, row.peak_rss_mib
        );
        self.rows.push(row);
    }

    async fn ceiling_http(&mut self) -> anyhow::Result<()> {
        let http = self.http.clone();
        self.measure("ceiling-http", "GET /healthz", move |base, _, _| {
            let http = http.clone();
            async move { answer(http.get(format!("{base}/healthz")).send().await, &[]).await }
        })
        .await?;
        Ok(())
    }

    /// What the database can do: the rows of one submission (wish, event,
    /// outbox event, staff inbox), one transaction each, with the server's own
    /// durability settings, and no HTTP.
    async fn ceiling_db(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[0];
        let residents = seed::people(&self.db, self.sizes.residents, Some(community), "居民").await?;
        let mut runs = Vec::new();
        for _ in 0..self.args.repeat {
            let db = Db::connect(&self.url).await?;
            let residents = residents.clone();
            let o = drive(self.args.clients, Duration::from_secs(self.args.duration), Arc::default(), move |c, i| {
                let db = db.clone();
                let who = residents[(c + i as usize * 7) % residents.len()];
                async move {
                    let new = microwish::store::wishes::NewWish {
                        title: "楼道灯坏了".into(),
                        description: "晚上老人上下楼不方便,希望有人帮忙修理。".into(),
                        catalogue_item_id: None,
                        deadline: None,
                        address: Some("基准小区3栋2单元".into()),
                        contact_phone: Some("13900000000".into()),
                    };
                    match microwish::store::wishes::submit(&db, who, new, None, |_| String::new()).await {
                        Ok(_) => Answer::Ok,
                        Err(_) => Answer::Error,
                    }
                }
            })
            .await;
            runs.push(o);
        }
        runs.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
        let o = runs.swap_remove(runs.len() / 2);
        self.record("ceiling-db", &o, None, "store::wishes::submit in-process, one transaction each".into());
        Ok(())
    }

    async fn feed(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[1];
        let residents = seed::people(&self.db, 100, Some(community), "居民").await?;
        let t = Instant::now();
        seed::wishes(&self.db, community, &residents, self.sizes.feed, seed::Held::Open).await?;
        eprintln!("   seeded {} open wishes in {:.1} s", self.sizes.feed, t.elapsed().as_secs_f64());
        let http = self.http.clone();
        let note = format!("anonymous, community of {} open wishes, 20 pages deep", self.sizes.feed);
        let cursors: Arc<Vec<std::sync::Mutex<Option<String>>>> =
            Arc::new((0..self.args.clients).map(|_| std::sync::Mutex::new(None)).collect());
        self.measure("feed", &note, move |base, c, i| {
            let http = http.clone();
            let cursors = cursors.clone();
            async move {
                // Each client pages 20 deep, then starts again at the top.
                let cursor = if i % 20 == 0 { None } else { cursors[c].lock().ok().and_then(|g| g.clone()) };
                let mut url = format!("{base}/api/v1/wishes?community_id={community}&status=open&limit=20");
                if let Some(cur) = cursor {
                    url.push_str(&format!("&cursor={cur}"));
                }
                match http.get(url).send().await {
                    Ok(r) if r.status().is_success() => match r.json::<serde_json::Value>().await {
                        Ok(v) => {
                            let next = v["next_cursor"].as_str().map(str::to_owned);
                            if let Ok(mut g) = cursors[c].lock() {
                                *g = next;
                            }
                            Answer::Ok
                        }
                        Err(_) => Answer::Error,
                    },
                    _ => Answer::Error,
                }
            }
        })
        .await?;
        Ok(())
    }

    async fn detail(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[2];
        let residents = seed::people(&self.db, 50, Some(community), "居民").await?;
        let helper = seed::volunteers(&self.db, community, 1).await?[0];
        let ids = Arc::new(
            seed::wishes(&self.db, community, &residents, self.sizes.detail, seed::Held::ClaimedBy(helper)).await?,
        );
        let token = Arc::new(self.token(helper)?);
        let http = self.http.clone();
        let note = format!("as the claimant, {} claimed wishes", self.sizes.detail);
        self.measure("detail", &note, move |base, _, _| {
            let http = http.clone();
            let id = ids[rand::rng().random_range(0..ids.len())];
            let token = token.clone();
            async move {
                let r = http.get(format!("{base}/api/v1/wishes/{id}")).bearer_auth(token.as_str()).send().await;
                answer(r, &[]).await
            }
        })
        .await?;
        Ok(())
    }

    async fn submit(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[3];
        let residents = seed::people(&self.db, self.sizes.residents, Some(community), "居民").await?;
        let tokens = Arc::new(residents.iter().map(|r| self.token(*r)).collect::<anyhow::Result<Vec<_>>>()?);
        let http = self.http.clone();
        let note = format!("{} residents, with contact data", self.sizes.residents);
        self.measure("submit", &note, move |base, c, i| {
            let http = http.clone();
            let token = tokens[(c + i as usize * 13) % tokens.len()].clone();
            async move {
                let body = json!({
                    "title": "楼道灯坏了", "description": "晚上老人上下楼不方便,希望有人帮忙修理。",
                    "address": "基准小区3栋2单元", "contact_phone": "13900000000"
                });
                let r = http.post(format!("{base}/api/v1/wishes")).bearer_auth(token).json(&body).send().await;
                answer(r, &[]).await
            }
        })
        .await?;
        Ok(())
    }

    /// Claimants race for the same open wishes; a lost race (409) is expected,
    /// anything else is an error, and afterwards no wish may have two claims.
    async fn claim_storm(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[4];
        let residents = seed::people(&self.db, 50, Some(community), "居民").await?;
        let claimants = seed::volunteers(&self.db, community, self.sizes.claimants).await?;
        let ids = Arc::new(seed::wishes(&self.db, community, &residents, self.sizes.storm, seed::Held::Open).await?);
        let tokens = Arc::new(claimants.iter().map(|u| self.token(*u)).collect::<anyhow::Result<Vec<_>>>()?);
        let server = self.start()?;
        let base = server.base.clone();
        let http = self.http.clone();
        let won = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let total = ids.len() as u64;
        let (w, s) = (won.clone(), stop.clone());
        let o =
            drive(self.args.clients, Duration::from_secs(self.args.duration.max(5) * 3), stop.clone(), move |_, _| {
                let http = http.clone();
                let mut rng = rand::rng();
                let id = ids[rng.random_range(0..ids.len())];
                let token = tokens[rng.random_range(0..tokens.len())].clone();
                let (base, won, stop) = (base.clone(), w.clone(), s.clone());
                async move {
                    let r = http
                        .post(format!("{base}/api/v1/wishes/{id}/claim"))
                        .bearer_auth(token)
                        .json(&json!({}))
                        .send()
                        .await;
                    let a = answer(r, &[409]).await;
                    if a == Answer::Ok && won.fetch_add(1, Ordering::SeqCst) + 1 >= total {
                        stop.store(true, Ordering::SeqCst);
                    }
                    a
                }
            })
            .await;
        let rss = server.peak_rss_mib();
        server.stop();
        let doubles = seed::double_claims(&self.db).await?;
        let claimed = seed::claimed_in(&self.db, community).await?;
        let wins = won.load(Ordering::SeqCst);
        if doubles > 0 {
            self.failures.push(format!("claim-storm: {doubles} wishes with two live claims"));
        }
        if claimed != wins {
            self.failures.push(format!("claim-storm: {wins} claims answered 200 but {claimed} wishes are claimed"));
        }
        let note = format!(
            "{} wishes, {} claimants: {wins} won, {} lost races (409), {doubles} double claims",
            self.sizes.storm, self.sizes.claimants, o.expected
        );
        self.record("claim-storm", &o, Some(rss), note);
        Ok(())
    }

    /// The whole life of a wish per cycle: submit, approve, claim, fulfil,
    /// confirm, with the reads a mobile app makes around them (the feed, the
    /// wish, its timeline) — four reads per write.
    async fn workflow(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[5];
        let n = self.args.clients;
        let residents = seed::people(&self.db, n, Some(community), "居民").await?;
        let helpers = seed::volunteers(&self.db, community, n).await?;
        let tok = |ids: &[Uuid]| ids.iter().map(|u| self.token(*u)).collect::<anyhow::Result<Vec<_>>>();
        let (rt, ht) = (Arc::new(tok(&residents)?), Arc::new(tok(&helpers)?));
        let staff = Arc::new(self.token(self.city.staff)?);
        // Each client walks its own wish through its steps; the step is kept per client.
        let state: Arc<Vec<std::sync::Mutex<Option<Uuid>>>> =
            Arc::new((0..n).map(|_| std::sync::Mutex::new(None)).collect());
        let http = self.http.clone();
        self.measure(
            "workflow",
            "submit → approve → claim → fulfil → confirm, 4 reads per write",
            move |base, c, i| {
                let http = http.clone();
                let (rt, ht, staff, state) = (rt.clone(), ht.clone(), staff.clone(), state.clone());
                async move {
                    let step = i % 25;
                    let current = state[c].lock().ok().and_then(|g| *g);
                    let (resident, helper) = (rt[c].as_str(), ht[c].as_str());
                    let post = |path: String, token: &str, body: serde_json::Value| {
                        http.post(format!("{base}/api/v1/{path}")).bearer_auth(token).json(&body).send()
                    };
                    // Steps 0, 5, 10, 15, 20 write; the rest read.
                    match (step, current) {
                        (0, _) => {
                            let body = json!({"title": "帮忙修理楼道灯", "description": "晚上老人上下楼不方便。",
                            "address": "基准小区1栋1单元", "contact_phone": "13900000000"});
                            match post("wishes".into(), resident, body).await {
                                Ok(r) if r.status().is_success() => {
                                    let id = r
                                        .json::<serde_json::Value>()
                                        .await
                                        .ok()
                                        .and_then(|v| v["id"].as_str()?.parse().ok());
                                    if let Ok(mut g) = state[c].lock() {
                                        *g = id;
                                    }
                                    if id.is_some() { Answer::Ok } else { Answer::Error }
                                }
                                _ => Answer::Error,
                            }
                        }
                        (5, Some(id)) => {
                            answer(post(format!("wishes/{id}/approve"), &staff, json!({})).await, &[]).await
                        }
                        (10, Some(id)) => {
                            answer(post(format!("wishes/{id}/claim"), helper, json!({})).await, &[]).await
                        }
                        (15, Some(id)) => {
                            answer(post(format!("wishes/{id}/fulfil"), helper, json!({"hours": 1.5})).await, &[]).await
                        }
                        (20, Some(id)) => {
                            answer(post(format!("wishes/{id}/confirm"), resident, json!({"rating": 5})).await, &[])
                                .await
                        }
                        (s, Some(id)) if s % 3 == 0 => {
                            answer(
                                http.get(format!("{base}/api/v1/wishes/{id}")).bearer_auth(resident).send().await,
                                &[],
                            )
                            .await
                        }
                        (s, Some(id)) if s % 3 == 1 => {
                            answer(
                                http.get(format!("{base}/api/v1/wishes/{id}/events"))
                                    .bearer_auth(resident)
                                    .send()
                                    .await,
                                &[],
                            )
                            .await
                        }
                        _ => {
                            answer(
                                http.get(format!("{base}/api/v1/wishes?community_id={community}&status=open&limit=20"))
                                    .send()
                                    .await,
                                &[],
                            )
                            .await
                        }
                    }
                }
            },
        )
        .await?;
        Ok(())
    }

    /// Feed and area statistics at two sizes of one community.
    async fn scale(&mut self) -> anyhow::Result<()> {
        let community = self.city.communities[6];
        let residents = seed::people(&self.db, 200, Some(community), "居民").await?;
        let admin = seed::people(&self.db, 1, None, "管理员").await?[0];
        make_admin(&self.db, admin).await?;
        let token = Arc::new(self.token(admin)?);
        let mut have = 0;
        for size in self.sizes.scale {
            let t = Instant::now();
            seed::wishes(&self.db, community, &residents, size - have, seed::Held::Open).await?;
            have = size;
            eprintln!("   {size} wishes in the community (seeded in {:.1} s)", t.elapsed().as_secs_f64());
            let label = if size >= 1_000_000 { format!("{}m", size / 1_000_000) } else { format!("{}k", size / 1_000) };
            let http = self.http.clone();
            self.measure(&format!("scale-{label} feed"), "first page, anonymous", move |base, _, _| {
                let http = http.clone();
                async move {
                    let url = format!("{base}/api/v1/wishes?community_id={community}&status=open&limit=20");
                    answer(http.get(url).send().await, &[]).await
                }
            })
            .await?;
            // Stats are a dashboard's read, not a hot path: measured one at a time.
            let server = self.start()?;
            let (http, base, city, token) = (self.http.clone(), server.base.clone(), self.city.city, token.clone());
            let o = drive(1, Duration::from_secs(self.args.duration), Arc::default(), move |_, _| {
                let (http, base, token) = (http.clone(), base.clone(), token.clone());
                async move {
                    let r =
                        http.get(format!("{base}/api/v1/areas/{city}/stats")).bearer_auth(token.as_str()).send().await;
                    answer(r, &[]).await
                }
            })
            .await;
            let rss = server.peak_rss_mib();
            server.stop();
            let mut row = Row::new(&format!("scale-{label} stats"), 1, &o, Some(rss), "whole city, 1 client".into());
            row.clients = 1;
            if o.errors > 0 {
                self.failures.push(format!("scale stats: {} errors", o.errors));
            }
            eprintln!("   stats p50 {:.1} ms  p99 {:.1} ms", row.p50_ms, row.p99_ms);
            self.rows.push(row);
        }
        Ok(())
    }

    fn report(&self) -> anyhow::Result<()> {
        let find = |name: &str| self.rows.iter().find(|r| r.scenario == name).map(|r| r.per_second);
        let ratio = |a: &str, b: &str| match (find(a), find(b)) {
            (Some(x), Some(y)) if y > 0.0 => Some(x / y),
            _ => None,
        };
        let p99 = |name: &str| self.rows.iter().find(|r| r.scenario == name).map(|r| r.p99_ms);
        let ratios = json!({
            "feed_over_ceiling_http": ratio("feed", "ceiling-http"),
            "submit_over_ceiling_db": ratio("submit", "ceiling-db"),
            "scale_feed_p99_large_over_small": self.rows.iter().filter(|r| r.scenario.ends_with(" feed")).map(|r| r.p99_ms).collect::<Vec<_>>()
                .windows(2).next().map(|w| w[1] / w[0]),
            "feed_p99_ms": p99("feed"), "detail_p99_ms": p99("detail"), "submit_p99_ms": p99("submit"),
        });
        let backend = if self.url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
        println!(
            "\n### {backend}, {} clients, {} s per run, median of {} run(s){}\n",
            self.args.clients,
            self.args.duration,
            self.args.repeat,
            if self.args.quick { " (quick)" } else { "" }
        );
        println!("| scenario | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MiB | note |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for r in &self.rows {
            println!(
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
                r.scenario,
                r.clients,
                r.requests,
                r.per_second,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.errors,
                r.peak_rss_mib.map(|m| format!("{m:.1}")).unwrap_or_else(|| "–".into()),
                r.note
            );
        }
        println!("\nratios: {ratios}");
        if let Some(path) = &self.args.json {
            let doc = json!({
                "backend": backend, "clients": self.args.clients, "seconds": self.args.duration,
                "repeat": self.args.repeat, "quick": self.args.quick,
                "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "rows": self.rows, "ratios": ratios, "failures": self.failures,
            });
            std::fs::write(path, serde_json::to_string_pretty(&doc)?)?;
        }
        Ok(())
    }
}

async fn make_admin(db: &Db, user: Uuid) -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::users::Entity::update_many()
        .col_expr(entity::users::Column::IsAdmin, sea_orm::sea_query::Expr::value(true))
        .filter(entity::users::Column::Id.eq(user))
        .exec(db.write())
        .await?;
    Ok(())
}
