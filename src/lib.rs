//! microwish: community micro-wish (微心愿) matching under the three-list
//! model — residents order, the community reviews, organisations or
//! individuals claim.

pub mod auth;
pub mod clock;
pub mod config;
pub mod demo;
pub mod dispatch;
pub mod domain;
pub mod error;
pub mod extract;
pub mod ratelimit;
pub mod routes;
pub mod scheduler;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod views;
