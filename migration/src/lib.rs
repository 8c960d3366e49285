//! Database migrations for microwish, one module per schema change.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_accounts;
mod m20261126_000002_create_wishes;
mod m20261127_000003_seed_catalogue;
mod m20261127_000004_create_notifications;
mod m20261127_000005_create_webhooks;
mod m20261127_000006_create_ledger;
mod m20261127_000007_stats_durations;

/// Runs every migration in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_accounts::Migration),
            Box::new(m20261126_000002_create_wishes::Migration),
            Box::new(m20261127_000003_seed_catalogue::Migration),
            Box::new(m20261127_000004_create_notifications::Migration),
            Box::new(m20261127_000005_create_webhooks::Migration),
            Box::new(m20261127_000006_create_ledger::Migration),
            Box::new(m20261127_000007_stats_durations::Migration),
        ]
    }
}
