//! Time as the database keeps it: UTC, microsecond precision on both backends.

use chrono::{DateTime, SubsecRound, Utc};

/// Now, truncated to microseconds so a value reads back exactly as written.
pub fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// Truncates to microseconds (PostgreSQL's precision).
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
