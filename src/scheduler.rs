//! Scheduled work: expire open wishes past their deadline, auto-confirm
//! fulfilled wishes after the confirm window, remind claimants of a
//! deadline within 24 hours, and erase the contact data of wishes closed
//! longer than the retention period. Each goes through
//! the same state machine and event log as a person's action, so a sweep
//! racing another sweep (or a person) changes a wish at most once.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::wish::Command;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::wishes::{self, Actor};

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    pub expired: usize,
    pub confirmed: usize,
    /// Claimed wishes whose claimants were reminded of a deadline within 24 h.
    pub reminded: usize,
    /// Closed wishes whose contact data was erased after the retention period.
    pub erased: usize,
}

const BATCH: u64 = 500;

/// Runs one sweep as of `now`.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Sweep> {
    let mut done = Sweep::default();
    for id in wishes::due_for_expiry(&state.db, now, BATCH).await? {
        if apply(state, id, Command::Expire).await? {
            done.expired += 1;
        }
    }
    let window = chrono::Duration::from_std(state.settings.confirm_window)?;
    for id in wishes::due_for_confirmation(&state.db, now - window, BATCH).await? {
        // No rating: the resident did not give one.
        if apply(state, id, Command::Confirm { rating: None, feedback: None }).await? {
            done.confirmed += 1;
        }
    }
    done.reminded = crate::store::notify::remind_deadlines(&state.db, now, chrono::Duration::hours(24), BATCH).await?;
    let kept_until = now - chrono::Duration::from_std(state.settings.retention)?;
    for id in wishes::due_for_erasure(&state.db, kept_until, BATCH).await? {
        if wishes::erase_contact(&state.db, id, kept_until).await? {
            done.erased += 1;
        }
    }
    Ok(done)
}

async fn apply(state: &AppState, id: uuid::Uuid, cmd: Command) -> anyhow::Result<bool> {
    match wishes::act(&state.db, Actor::Scheduler, id, cmd, None, state.claim_limits()).await {
        Ok(_) => Ok(true),
        // Someone acted first (the resident confirmed, staff reopened): nothing to do.
        Err(ApiError::InvalidTransition(_) | ApiError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Sweeps every `interval` until the process ends.
pub async fn run(state: std::sync::Arc<AppState>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&state, crate::clock::now()).await {
            Ok(s) if s != Sweep::default() => {
                tracing::info!(
                    expired = s.expired,
                    confirmed = s.confirmed,
                    reminded = s.reminded,
                    erased = s.erased,
                    "scheduler sweep"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = format!("{e:#}"), "scheduler sweep failed"),
        }
    }
}
