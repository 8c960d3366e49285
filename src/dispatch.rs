//! The webhook dispatcher: sends pending deliveries per Standard Webhooks
//! 1.0, in event order per endpoint, endpoints side by side so a slow or dead
//! one never holds up the others; retries on the configured schedule.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use standardwebhooks::Webhook;
use uuid::Uuid;

use crate::domain::webhook::{is_public, next_retry};
use crate::state::AppState;
use crate::store::webhooks as store;

/// How long one attempt may take before it counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most deliveries sent to one endpoint per pass.
const PER_PASS: usize = 100;
/// How long past the attempt timeout a lease lasts.
const LEASE_MARGIN: Duration = Duration::from_secs(2);
/// Passes one drain task makes back to back while the backlog lasts, before
/// handing back to the tick (which also notices a shutdown).
const PASSES: usize = 20;

/// Resolves `url` and returns the address to connect to, refusing anything
/// but http(s) and, unless allowed, loopback/private/link-local targets.
pub async fn resolve(url: &str, allow_private: bool) -> Result<(String, SocketAddr), String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "网址无效".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("只支持 http 或 https 网址".to_owned());
    }
    let host = parsed.host_str().ok_or("网址缺少主机名")?.trim_matches(['[', ']']).to_owned();
    let port = parsed.port_or_known_default().ok_or("网址缺少端口")?;
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((host.as_str(), port)).await.map_err(|_| "无法解析该主机名".to_owned())?.collect();
    if addrs.is_empty() {
        return Err("无法解析该主机名".to_owned());
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err("不允许指向本机、内网或链路本地地址".to_owned());
    }
    Ok((host, addrs[0]))
}

/// The body of a delivery: `{type, timestamp, data}`.
pub fn body(event: &entity::outbox_events::Model) -> String {
    let data: serde_json::Value = serde_json::from_str(&event.payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "type": event.event,
        "timestamp": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    })
    .to_string()
}

/// One attempt: the response status, or why there was none.
async fn send(hook: &entity::webhooks::Model, msg_id: Uuid, body: String, allow_private: bool) -> Result<u16, String> {
    // Checked again at delivery time (DNS can change), and the checked address is the one used.
    let (host, addr) = resolve(&hook.url, allow_private).await?;
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .build()
        .map_err(|e| e.to_string())?;
    let ts = Utc::now().timestamp();
    let signature = Webhook::new(&hook.secret)
        .and_then(|w| w.sign(&msg_id.to_string(), ts, body.as_bytes()))
        .map_err(|e| format!("signing: {e}"))?;
    let res = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("webhook-id", msg_id.to_string())
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| if e.is_timeout() { "超时".to_owned() } else { format!("连接失败: {e}") })?;
    Ok(res.status().as_u16())
}

/// Sends what is due for one webhook, oldest first, stopping at the first
/// failure so later events never overtake an earlier one.
async fn drain(state: &AppState, hook_id: Uuid, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let Some(hook) = store::hook(&state.db, hook_id).await? else { return Ok(0) };
    let mut sent = 0;
    for _ in 0..PER_PASS {
        let Some(d) = store::head(&state.db, hook_id).await? else { break };
        if d.next_attempt_at > now {
            break;
        }
        // An attempt cannot outlive its timeout, so a lease a little longer is
        // enough; a process killed mid-attempt holds up its endpoint no longer.
        let lease_until = crate::clock::now() + chrono::Duration::from_std(TIMEOUT + LEASE_MARGIN)?;
        if !store::lease(&state.db, &d, crate::clock::now(), lease_until).await? {
            break; // another dispatcher has it
        }
        let Some(event) = store::event(&state.db, d.event_id).await? else { break };
        let result = send(&hook, d.event_id, body(&event), state.settings.allow_private_webhooks).await;
        let attempt = u32::try_from(d.attempt).unwrap_or(0) + 1;
        let (status, error) = match result {
            Ok(code) => (Some(code), None),
            Err(e) => (None, Some(e)),
        };
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        let retry_at = if ok {
            None
        } else {
            next_retry(&state.settings.webhook_retry_schedule, attempt)
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| now + d)
        };
        store::record_attempt(&state.db, &d, status, error, retry_at, crate::clock::now()).await?;
        if !ok {
            metrics::counter!("webhook_delivery_failures_total").increment(1);
            break;
        }
        sent += 1;
    }
    Ok(sent)
}

/// One pass over every endpoint with pending deliveries, as of `now`;
/// returns how many deliveries succeeded.
pub async fn run_pending(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let hooks = store::hooks_with_pending(&state.db).await?;
    let results = join_all(hooks.into_iter().map(|h| drain(state, h, now))).await;
    let mut sent = 0;
    for r in results {
        sent += r?;
    }
    Ok(sent)
}

/// Dispatches until `stopping` turns true. Each endpoint is drained by a
/// task of its own, so one slow or dead endpoint (up to the 10 s timeout per
/// attempt) never holds up the others; on stop, attempts under way finish.
pub async fn run(state: Arc<AppState>, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining: tokio::task::JoinSet<Uuid> = tokio::task::JoinSet::new();
    let mut busy: HashSet<Uuid> = HashSet::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            Some(done) = draining.join_next() => {
                if let Ok(hook) = done {
                    busy.remove(&hook);
                }
                continue;
            }
            _ = stopping.changed() => break,
        }
        let hooks = match store::hooks_with_pending(&state.db).await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "webhook dispatch: cannot read the queue");
                continue;
            }
        };
        for hook in hooks {
            if busy.insert(hook) {
                let state = state.clone();
                draining.spawn(async move {
                    // A full pass means more may be waiting: go on without waiting for the tick.
                    for _ in 0..PASSES {
                        match drain(&state, hook, crate::clock::now()).await {
                            Ok(n) if n == PER_PASS => continue,
                            Ok(_) => break,
                            Err(e) => {
                                tracing::error!(error = format!("{e:#}"), %hook, "webhook dispatch failed");
                                break;
                            }
                        }
                    }
                    hook
                });
            }
        }
    }
    while draining.join_next().await.is_some() {}
}
