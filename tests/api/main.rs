#![allow(clippy::unwrap_used)]

//! HTTP tests of microwish: each test spawns the app on a random port with a
//! database of its own. Set `MICROWISH_TEST_POSTGRES` to run them on PostgreSQL.

mod accounts;
mod areas;
mod backup;
mod catalogue;
mod community;
mod concurrency;
mod errors;
mod health;
mod helpers;
mod lifecycle;
mod lists;
mod matrix;
mod model;
mod notifications;
mod privacy;
mod ratelimits;
mod spec;
mod stats;
mod timebank;
mod webhooks;
