//! Building and running the application: database, migrations, keys,
//! admin bootstrap, the HTTP server and the scheduler.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::token::{JwtKeys, random_secret};
use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, Db};

/// A built application: bound to its port, not yet serving.
pub struct Application {
    port: u16,
    address: String,
    server: Server,
    state: Arc<AppState>,
}

impl Application {
    /// Connects and migrates the database, prepares keys and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;
        let keys = JwtKeys::new(jwt_secret(&db, &settings).await?.as_bytes(), settings.access_token_ttl);
        if let Some((phone, password)) = &settings.admin {
            bootstrap_admin(&db, &settings, phone, password).await?;
        }
        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("binding {}", settings.bind))?;
        let local = listener.local_addr()?;
        let limiter = crate::ratelimit::Limiter::new(settings.rate_limits.then(|| settings.rate_limit_rules.clone()));
        let state = Arc::new(AppState { db, settings, keys, limiter });
        let data = web::Data::from(state.clone());
        crate::telemetry::metrics_handle();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
                .configure(crate::routes::configure)
                .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::NotFound) }))
                .wrap(Compress::default())
                .wrap(from_fn(crate::telemetry::track))
        })
        .listen(listener)?
        .shutdown_timeout(30)
        .run();
        Ok(Application { port: local.port(), address: local.to_string(), server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The state, for driving background work deterministically in tests.
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests are finished first.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!("listening on http://{}", self.address);
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let jobs = self.state.settings.background_jobs.then(|| {
            let scheduler =
                tokio::spawn(crate::scheduler::run(self.state.clone(), self.state.settings.scheduler_interval));
            let dispatcher = tokio::spawn(crate::dispatch::run(self.state.clone(), stopping));
            (scheduler, dispatcher)
        });
        // actix stops accepting on SIGINT/SIGTERM and finishes in-flight requests.
        let result = self.server.await;
        if let Some((scheduler, dispatcher)) = jobs {
            scheduler.abort();
            // Let the dispatcher finish the attempts it has under way.
            let _ = stop.send(true);
            let _ = tokio::time::timeout(crate::dispatch::TIMEOUT * 2, dispatcher).await;
        }
        tracing::info!("stopped");
        Ok(result?)
    }
}

/// The configured JWT secret, or the one stored in the database (generated on first start).
async fn jwt_secret(db: &Db, settings: &Settings) -> anyhow::Result<String> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.clone());
    }
    if let Some(stored) = store::setting(db, "jwt_secret").await? {
        return Ok(stored);
    }
    tracing::warn!(
        "MICROWISH_JWT_SECRET is not set: generated a signing key and stored it in the database; set the variable in production"
    );
    Ok(store::setting_or_insert(db, "jwt_secret", &random_secret(48)).await?)
}

/// Creates the bootstrap admin unless an admin already exists.
async fn bootstrap_admin(db: &Db, settings: &Settings, phone: &str, password: &str) -> anyhow::Result<()> {
    if store::users::any_admin(db).await? {
        return Ok(());
    }
    create_admin(db, settings, phone, password, "管理员").await?;
    tracing::info!(phone, "created the bootstrap admin");
    Ok(())
}

/// Creates an admin account, or makes an existing account with that phone an admin.
pub async fn create_admin(
    db: &Db,
    settings: &Settings,
    phone: &str,
    password: &str,
    name: &str,
) -> anyhow::Result<uuid::Uuid> {
    use crate::domain::fields;
    let phone = fields::phone(phone).map_err(|m| anyhow::anyhow!("phone: {m}"))?;
    let password = fields::password(password).map_err(|m| anyhow::anyhow!("password: {m}"))?;
    let name = fields::display_name(name).map_err(|m| anyhow::anyhow!("name: {m}"))?;
    if let Some(existing) = store::users::by_phone(db, &phone).await? {
        store::users::promote(db, existing.id).await?;
        return Ok(existing.id);
    }
    let hash = crate::auth::password::hash(password, settings.argon2_memory_kib).await?;
    let user = store::users::create(
        db.write(),
        store::users::NewUser {
            phone,
            password_hash: hash,
            display_name: name,
            is_admin: true,
            home_community_id: None,
        },
    )
    .await?;
    Ok(user.id)
}
