//! Settings from the environment (`MICROWISH_*`, CONTRACT.md §2).

use std::time::Duration;

use anyhow::{Context, bail};

/// Everything the service can be configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `MICROWISH_DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `MICROWISH_BIND`: listen address; port 0 picks a free port.
    pub bind: String,
    /// `MICROWISH_JWT_SECRET`: HS256 key; generated and stored in the database when unset.
    pub jwt_secret: Option<String>,
    /// `MICROWISH_ADMIN_PHONE` and `MICROWISH_ADMIN_PASSWORD`: bootstrap admin.
    pub admin: Option<(String, String)>,
    /// `MICROWISH_WEBHOOK_RETRY_SCHEDULE`: delays between delivery attempts.
    pub webhook_retry_schedule: Vec<Duration>,
    /// `MICROWISH_ALLOW_PRIVATE_WEBHOOKS`: allow loopback/private webhook targets.
    pub allow_private_webhooks: bool,
    /// `MICROWISH_CONFIRM_WINDOW`: a fulfilled wish is auto-confirmed after this.
    pub confirm_window: Duration,
    /// `MICROWISH_SCHEDULER_INTERVAL`: how often deadlines are swept.
    pub scheduler_interval: Duration,
    /// `MICROWISH_RATE_LIMITS`: `off` disables every rate limit; `on` (the
    /// default) uses the default rules; `login_phone=10/15m,…` changes some.
    pub rate_limits: bool,
    pub rate_limit_rules: crate::ratelimit::Rules,
    /// `MICROWISH_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `MICROWISH_RETENTION`: a closed wish's address and phone are erased after this.
    pub retention: Duration,
    /// `MICROWISH_CLAIM_LIMITS`: most wishes one person, one unit may hold claimed.
    pub claim_limit_person: u32,
    pub claim_limit_unit: u32,
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token.
    pub refresh_token_ttl: Duration,
    /// Argon2id memory cost in KiB for new password hashes.
    pub argon2_memory_kib: u32,
    /// Run the scheduler and the webhook dispatcher in the background
    /// (tests turn this off and drive them step by step).
    pub background_jobs: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://microwish.db?mode=rwc".to_owned(),
            bind: "127.0.0.1:8080".to_owned(),
            jwt_secret: None,
            admin: None,
            webhook_retry_schedule: ["5s", "5m", "30m", "2h", "5h", "10h", "10h"]
                .iter()
                .filter_map(|s| humantime::parse_duration(s).ok())
                .collect(),
            allow_private_webhooks: false,
            confirm_window: Duration::from_secs(7 * 24 * 3600),
            scheduler_interval: Duration::from_secs(30),
            rate_limits: true,
            rate_limit_rules: crate::ratelimit::Rules::default(),
            trusted_proxies: Vec::new(),
            retention: Duration::from_secs(180 * 24 * 3600),
            claim_limit_person: 5,
            claim_limit_unit: 20,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            argon2_memory_kib: 19 * 1024,
            background_jobs: true,
        }
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut s = Settings::default();
        let var = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if let Some(v) = var("MICROWISH_DATABASE_URL") {
            if !(v.starts_with("sqlite:") || v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                bail!("MICROWISH_DATABASE_URL must start with sqlite: or postgres://");
            }
            s.database_url = v;
        }
        if let Some(v) = var("MICROWISH_BIND") {
            s.bind = v;
        }
        s.jwt_secret = var("MICROWISH_JWT_SECRET");
        if let Some(secret) = &s.jwt_secret
            && secret.len() < 32
        {
            bail!("MICROWISH_JWT_SECRET must be at least 32 bytes");
        }
        s.admin = match (var("MICROWISH_ADMIN_PHONE"), get("MICROWISH_ADMIN_PASSWORD")) {
            (Some(p), Some(w)) if !w.is_empty() => Some((p, w)),
            _ => None,
        };
        if let Some(v) = var("MICROWISH_WEBHOOK_RETRY_SCHEDULE") {
            s.webhook_retry_schedule = v
                .split(',')
                .map(|d| parse_duration("MICROWISH_WEBHOOK_RETRY_SCHEDULE", d))
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(v) = var("MICROWISH_ALLOW_PRIVATE_WEBHOOKS") {
            s.allow_private_webhooks = parse_bool("MICROWISH_ALLOW_PRIVATE_WEBHOOKS", &v)?;
        }
        if let Some(v) = var("MICROWISH_CONFIRM_WINDOW") {
            s.confirm_window = parse_duration("MICROWISH_CONFIRM_WINDOW", &v)?;
        }
        if let Some(v) = var("MICROWISH_SCHEDULER_INTERVAL") {
            s.scheduler_interval = parse_duration("MICROWISH_SCHEDULER_INTERVAL", &v)?;
            if s.scheduler_interval.is_zero() {
                bail!("MICROWISH_SCHEDULER_INTERVAL must be positive");
            }
        }
        if let Some(v) = var("MICROWISH_RATE_LIMITS") {
            if v.contains('=') {
                s.rate_limit_rules =
                    crate::ratelimit::Rules::parse(&v).map_err(|e| anyhow::anyhow!("MICROWISH_RATE_LIMITS: {e}"))?;
            } else {
                s.rate_limits = parse_bool("MICROWISH_RATE_LIMITS", &v)?;
            }
        }
        if let Some(v) = var("MICROWISH_TRUSTED_PROXIES") {
            s.trusted_proxies = v
                .split(',')
                .map(|a| {
                    a.trim().parse().with_context(|| format!("MICROWISH_TRUSTED_PROXIES: {a:?} is not an IP address"))
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(v) = var("MICROWISH_RETENTION") {
            s.retention = parse_duration("MICROWISH_RETENTION", &v)?;
        }
        if let Some(v) = var("MICROWISH_CLAIM_LIMITS") {
            let parts: Vec<_> = v.split(',').map(|p| p.trim().parse::<u32>()).collect();
            match parts.as_slice() {
                [Ok(person), Ok(unit)] if *person > 0 && *unit > 0 => {
                    s.claim_limit_person = *person;
                    s.claim_limit_unit = *unit;
                }
                _ => bail!("MICROWISH_CLAIM_LIMITS must be two positive numbers, e.g. 5,20"),
            }
        }
        Ok(s)
    }

    /// Is the database SQLite?
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn parse_duration(var: &str, v: &str) -> anyhow::Result<Duration> {
    humantime::parse_duration(v.trim())
        .with_context(|| format!("{var}: cannot read {v:?} as a duration such as 30s, 5m, 2h or 7d"))
}

fn parse_bool(var: &str, v: &str) -> anyhow::Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => bail!("{var} must be on/off or true/false, not {v:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_contract() {
        let s = with(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://microwish.db?mode=rwc");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.webhook_retry_schedule.len(), 7);
        assert_eq!(s.webhook_retry_schedule[1], Duration::from_secs(300));
        assert_eq!(s.confirm_window, Duration::from_secs(7 * 86400));
        assert_eq!(s.scheduler_interval, Duration::from_secs(30));
        assert!(s.rate_limits && !s.allow_private_webhooks);
        assert_eq!((s.claim_limit_person, s.claim_limit_unit), (5, 20));
        assert!(s.admin.is_none() && s.jwt_secret.is_none());
    }

    #[test]
    fn every_variable_is_read() {
        let s = with(&[
            ("MICROWISH_DATABASE_URL", "postgres://postgres@127.0.0.1/x"),
            ("MICROWISH_BIND", "0.0.0.0:0"),
            ("MICROWISH_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("MICROWISH_ADMIN_PHONE", "13800000000"),
            ("MICROWISH_ADMIN_PASSWORD", "secret-pass"),
            ("MICROWISH_WEBHOOK_RETRY_SCHEDULE", "1s, 2m"),
            ("MICROWISH_ALLOW_PRIVATE_WEBHOOKS", "true"),
            ("MICROWISH_CONFIRM_WINDOW", "3d"),
            ("MICROWISH_SCHEDULER_INTERVAL", "1s"),
            ("MICROWISH_RATE_LIMITS", "off"),
            ("MICROWISH_CLAIM_LIMITS", "2,3"),
        ])
        .unwrap();
        assert!(!s.is_sqlite());
        assert_eq!(s.bind, "0.0.0.0:0");
        assert_eq!(s.admin, Some(("13800000000".into(), "secret-pass".into())));
        assert_eq!(s.webhook_retry_schedule, vec![Duration::from_secs(1), Duration::from_secs(120)]);
        assert!(s.allow_private_webhooks && !s.rate_limits);
        assert_eq!(s.confirm_window, Duration::from_secs(3 * 86400));
        assert_eq!((s.claim_limit_person, s.claim_limit_unit), (2, 3));
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        for (k, v) in [
            ("MICROWISH_CLAIM_LIMITS", "5"),
            ("MICROWISH_CLAIM_LIMITS", "0,1"),
            ("MICROWISH_CONFIRM_WINDOW", "soon"),
            ("MICROWISH_RATE_LIMITS", "maybe"),
            ("MICROWISH_DATABASE_URL", "mysql://x"),
            ("MICROWISH_JWT_SECRET", "short"),
        ] {
            let err = with(&[(k, v)]).unwrap_err();
            assert!(format!("{err:#}").contains(k), "{k}: {err:#}");
        }
    }
}
