//! Time as the database keeps it: UTC, microsecond precision on both backends.

use chrono::{DateTime, SubsecRound, Utc};

tokio::task_local! {
    /// A fixed reading for the current task (see [`at`]).
    static FIXED: DateTime<Utc>;
}

/// Now, truncated to microseconds so a value reads back exactly as written.
pub fn now() -> DateTime<Utc> {
    micros(FIXED.try_with(|t| *t).unwrap_or_else(|_| Utc::now()))
}

/// Runs `work` with the clock reading `t` throughout: how the demo city writes
/// a past that looks lived in. The server never calls it.
pub async fn at<F: Future>(t: DateTime<Utc>, work: F) -> F::Output {
    FIXED.scope(t, work).await
}

/// Truncates to microseconds (PostgreSQL's precision).
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
