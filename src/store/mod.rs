//! Persistence: sea-orm queries behind one `Db` handle. Functions here take
//! and return domain values; handlers never build queries themselves.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub mod areas;
pub mod catalogue;
pub mod community;
pub mod notify;
pub mod offers;
pub mod page;
pub mod stats;
pub mod timebank;
pub mod users;
pub mod webhooks;
pub mod wishes;

/// The database: a writer and a reader handle. On PostgreSQL both are the
/// same pool; on SQLite the writer is a single connection (SQLite has one
/// writer anyway, and queueing in the pool beats spinning on the file lock)
/// while reads run on their own connections beside it (WAL).
#[derive(Clone, Debug)]
pub struct Db {
    write: DatabaseConnection,
    read: DatabaseConnection,
    backend: DbBackend,
}

impl Db {
    /// Connects to `url` (`sqlite:…` or `postgres://…`).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let write = Database::connect(sqlite_options(url, 1)).await.with_context(|| format!("opening {url}"))?;
            // A private in-memory database exists once per connection: share the writer.
            let read = if in_memory { write.clone() } else { Database::connect(sqlite_options(url, 4)).await? };
            Ok(Db { write, read, backend: DbBackend::Sqlite })
        } else {
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(16).min_connections(1).acquire_timeout(Duration::from_secs(10)).sqlx_logging(false);
            let pool = Database::connect(opts).await.with_context(|| "connecting to PostgreSQL")?;
            Ok(Db { write: pool.clone(), read: pool, backend: DbBackend::Postgres })
        }
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.write, None).await.context("running migrations")
    }

    /// For queries that only read.
    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    /// For single writes outside a transaction.
    pub fn write(&self) -> &DatabaseConnection {
        &self.write
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so a writer
    /// takes the lock up front and never fails upgrading a read lock).
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.write
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }

    /// A read-only transaction whose queries all see one snapshot (a
    /// deferred transaction on a SQLite reader; REPEATABLE READ on PostgreSQL).
    pub async fn snapshot(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.backend {
            DbBackend::Postgres => {
                self.read.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
            }
            _ => self.read.begin().await,
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Writes a consistent copy of a SQLite database to `path` (`VACUUM INTO`:
    /// one read transaction, so writers carry on and the copy is a snapshot).
    /// PostgreSQL is backed up with `pg_dump`.
    pub async fn backup(&self, path: &std::path::Path) -> anyhow::Result<()> {
        if self.backend != DbBackend::Sqlite {
            anyhow::bail!(
                "backup copies SQLite databases; for PostgreSQL run: pg_dump --format=custom --file=FILE DATABASE_URL"
            );
        }
        if path.exists() {
            anyhow::bail!("{} already exists; choose a new file", path.display());
        }
        let target = path.to_str().context("the backup path is not UTF-8")?;
        let stmt = sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [target.into()]);
        self.read.execute_raw(stmt).await.with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// Does the database answer?
    pub async fn ping(&self) -> bool {
        self.read.execute_unprepared("SELECT 1").await.is_ok()
    }
}

fn sqlite_options(url: &str, connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    opts
}

/// A stored setting, such as the generated JWT secret.
pub async fn setting(db: &Db, key: &str) -> Result<Option<String>, DbErr> {
    use sea_orm::EntityTrait;
    Ok(entity::settings::Entity::find_by_id(key.to_owned()).one(db.read()).await?.map(|m| m.value))
}

/// Stores `value` under `key` unless a value is already there; returns the value that won.
pub async fn setting_or_insert(db: &Db, key: &str, value: &str) -> Result<String, DbErr> {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    entity::settings::Entity::insert(entity::settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
    })
    .on_conflict_do_nothing_on([entity::settings::Column::Key])
    .exec(db.write())
    .await?;
    setting(db, key).await?.ok_or_else(|| DbErr::RecordNotFound(key.to_owned()))
}
