//! SeaORM entities, one module per table.

pub mod area_staff;
pub mod areas;
pub mod catalogue_items;
pub mod claims;
pub mod community_partners;
pub mod idempotency_keys;
pub mod ledger_entries;
pub mod notifications;
pub mod offers;
pub mod outbox_events;
pub mod refresh_tokens;
pub mod registrations;
pub mod settings;
pub mod unit_members;
pub mod units;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod wish_events;
pub mod wishes;
