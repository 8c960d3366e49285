//! The `microwish` binary: parse the command line, load settings, run.

use clap::{Parser, Subcommand};
use microwish::config::Settings;
use microwish::startup::{Application, create_admin};
use microwish::store::Db;

#[derive(Parser)]
#[command(name = "microwish", version, about = "社区微心愿服务 — community micro-wish backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Seed a demo city (areas, people, units, offers, ~200 wishes); safe to run twice.
    SeedDemo,
    /// Write a consistent copy of the SQLite database to PATH while the server runs
    /// (for PostgreSQL use pg_dump; see the README).
    Backup { path: std::path::PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin (or promote the existing account with that phone).
    Create {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "管理员")]
        name: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    microwish::telemetry::init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(settings).await?.run_until_stopped().await,
        Command::Migrate => {
            Db::connect(&settings.database_url).await?.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { phone, password, name } } => {
            let db = Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            let id = create_admin(&db, &settings, &phone, &password, &name).await?;
            println!("管理员已就绪: {id}");
            Ok(())
        }
        Command::SeedDemo => {
            let db = Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            microwish::demo::seed(&db, &settings).await
        }
        Command::Backup { path } => {
            let db = Db::connect(&settings.database_url).await?;
            db.backup(&path).await?;
            println!("备份已写入 {}", path.display());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", microwish::routes::openapi_document());
            Ok(())
        }
    }
}
