//! Pure domain rules: no actix, no sea-orm. The state machine, who may act,
//! the area tree and validated field values.

pub mod area;
pub mod fields;
pub mod policy;
pub mod webhook;
pub mod wish;
