//! The server under test: this release binary re-executed as `microwish serve`,
//! in a process of its own so that its memory is its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

/// The hidden first argument that makes this binary the server under test.
pub const SERVE_ARG: &str = "__serve-microwish";

/// Runs the microwish server in this process (the child side of [`Server::start`]):
/// the same code as `microwish serve`, compiled into this release binary.
pub fn serve() -> anyhow::Result<()> {
    microwish::telemetry::init_logging();
    let settings = microwish::config::Settings::from_env()?;
    tokio::runtime::Runtime::new()?
        .block_on(async { microwish::startup::Application::build(settings).await?.run_until_stopped().await })
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts the server in a process of its own (this binary, re-executed) on a
    /// free port, and waits for its `listening on` line.
    pub fn start(database_url: &str, jwt_secret: &str) -> anyhow::Result<Server> {
        Server::start_with(database_url, jwt_secret, &[])
    }

    /// [`start`](Self::start) with more environment for the server.
    pub fn start_with(database_url: &str, jwt_secret: &str, env: &[(&str, &str)]) -> anyhow::Result<Server> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SERVE_ARG)
            .env("MICROWISH_DATABASE_URL", database_url)
            .env("MICROWISH_BIND", "127.0.0.1:0")
            .env("MICROWISH_JWT_SECRET", jwt_secret)
            // Load from one address would trip the limits meant for the public.
            .env("MICROWISH_RATE_LIMITS", "off")
            // The claim storm and the workflow let one person hold many wishes.
            .env("MICROWISH_CLAIM_LIMITS", "1000000,1000000")
            .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            // Keep draining so the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent && let Some(i) = line.find("listening on http://") {
                    let addr = line[i + "listening on ".len()..].split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(addr);
                    sent = true;
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => Ok(Server { child, base: base.trim_end_matches('/').to_owned() }),
            Err(_) => {
                let _ = child.kill();
                bail!("the server did not report its address")
            }
        }
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(f64::NAN)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
