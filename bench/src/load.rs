//! The load generator: C clients, each sending its next request as soon as the
//! last one answered (closed loop, keep-alive), for D seconds.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// What one request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Ok,
    /// An answer the scenario expects besides success (a lost claim race).
    Expected,
    Error,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub requests: u64,
    pub expected: u64,
    pub errors: u64,
    pub seconds: f64,
    /// Microseconds, sorted.
    pub latencies: Vec<u32>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 { self.requests as f64 / self.seconds } else { 0.0 }
    }

    /// The `q` quantile of latency in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        f64::from(self.latencies[i]) / 1000.0
    }
}

/// Runs `clients` loops of `request(client, iteration)` for `duration`, or
/// until a request asks to stop (by `stop`).
pub async fn drive<F, Fut>(clients: usize, duration: Duration, stop: Arc<AtomicBool>, request: F) -> Outcome
where
    F: Fn(usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Answer> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let request = request.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(4096);
            let (mut expected, mut errors) = (0u64, 0u64);
            let mut i = 0u64;
            while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let answer = request(client, i).await;
                lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                match answer {
                    Answer::Ok => {}
                    Answer::Expected => expected += 1,
                    Answer::Error => errors += 1,
                }
                i += 1;
            }
            (lat, expected, errors)
        }));
    }
    let mut out = Outcome::default();
    for t in tasks {
        if let Ok((lat, expected, errors)) = t.await {
            out.requests += lat.len() as u64;
            out.latencies.extend(lat);
            out.expected += expected;
            out.errors += errors;
        }
    }
    out.seconds = start.elapsed().as_secs_f64();
    out.latencies.sort_unstable();
    out
}

/// One line of the report.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub scenario: String,
    pub clients: usize,
    pub seconds: f64,
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub peak_rss_mib: Option<f64>,
    pub note: String,
}

impl Row {
    pub fn new(scenario: &str, clients: usize, o: &Outcome, rss: Option<f64>, note: String) -> Row {
        Row {
            scenario: scenario.to_owned(),
            clients,
            seconds: o.seconds,
            requests: o.requests,
            per_second: o.per_second(),
            p50_ms: o.quantile_ms(0.50),
            p95_ms: o.quantile_ms(0.95),
            p99_ms: o.quantile_ms(0.99),
            errors: o.errors,
            peak_rss_mib: rss,
            note,
        }
    }
}

/// Classifies an HTTP answer: success, one the scenario expects, or an error.
pub async fn answer(res: reqwest::Result<reqwest::Response>, expected: &[u16]) -> Answer {
    match res {
        Ok(r) => {
            let status = r.status();
            // Read the body so the connection goes back to the pool.
            let _ = r.bytes().await;
            if status.is_success() {
                Answer::Ok
            } else if expected.contains(&status.as_u16()) {
                Answer::Expected
            } else {
                Answer::Error
            }
        }
        Err(_) => Answer::Error,
    }
}
