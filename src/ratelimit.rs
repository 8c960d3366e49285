//! Rate limits on what the public can do repeatedly: sign-in attempts per
//! phone and per client address, registrations per client address, wish
//! submissions per user. Fixed windows counted in this process's memory (each
//! process of a multi-process deployment counts on its own; put a limiting
//! gateway in front for a shared count).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;

use crate::error::ApiError;

/// What is being limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    LoginPhone,
    LoginAddress,
    RegisterAddress,
    SubmitUser,
}

impl Limit {
    pub const ALL: [Limit; 4] = [Limit::LoginPhone, Limit::LoginAddress, Limit::RegisterAddress, Limit::SubmitUser];

    /// The name used in `MICROWISH_RATE_LIMITS`.
    pub fn name(self) -> &'static str {
        match self {
            Limit::LoginPhone => "login_phone",
            Limit::LoginAddress => "login_address",
            Limit::RegisterAddress => "register_address",
            Limit::SubmitUser => "submit_user",
        }
    }
}

/// At most `max` events per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub max: u32,
    pub per: Duration,
}

/// The rule of every limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules(pub HashMap<Limit, Rule>);

impl Default for Rules {
    fn default() -> Self {
        let rule = |max, minutes: u64| Rule { max, per: Duration::from_secs(minutes * 60) };
        Rules(HashMap::from([
            (Limit::LoginPhone, rule(10, 15)),
            (Limit::LoginAddress, rule(100, 15)),
            (Limit::RegisterAddress, rule(20, 60)),
            (Limit::SubmitUser, rule(30, 60)),
        ]))
    }
}

impl Rules {
    /// Reads `login_phone=10/15m,submit_user=30/1h`: the named limits change, the others keep their defaults.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let mut rules = Rules::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, rule) = part.split_once('=').ok_or_else(|| format!("{part:?} is not name=max/period"))?;
            let limit = Limit::ALL
                .into_iter()
                .find(|l| l.name() == name.trim())
                .ok_or_else(|| format!("unknown limit {name:?}"))?;
            let (max, per) = rule.split_once('/').ok_or_else(|| format!("{rule:?} is not max/period"))?;
            let max: u32 = max.trim().parse().map_err(|_| format!("{max:?} is not a count"))?;
            let per = humantime::parse_duration(per.trim()).map_err(|_| format!("{per:?} is not a period"))?;
            if max == 0 || per.is_zero() {
                return Err(format!("{part:?}: the count and the period must be positive"));
            }
            rules.0.insert(limit, Rule { max, per });
        }
        Ok(rules)
    }
}

/// The counters. `None` rules: every limit is off.
pub struct Limiter {
    rules: Option<Rules>,
    windows: Mutex<HashMap<(Limit, String), (Instant, u32)>>,
}

/// Past this many keys, expired windows are swept out.
const SWEEP_AT: usize = 100_000;

impl Limiter {
    pub fn new(rules: Option<Rules>) -> Limiter {
        Limiter { rules, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one event for `key`; 429 with the seconds to wait once over the limit.
    pub fn check(&self, limit: Limit, key: &str) -> Result<(), ApiError> {
        self.check_at(limit, key, Instant::now()).map_err(ApiError::RateLimited)
    }

    /// [`check`](Self::check) at a given instant; `Err` holds the seconds to wait.
    pub fn check_at(&self, limit: Limit, key: &str, now: Instant) -> Result<(), u64> {
        let Some(rule) = self.rules.as_ref().and_then(|r| r.0.get(&limit)).copied() else { return Ok(()) };
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= SWEEP_AT {
            let rules = self.rules.as_ref().map(|r| r.0.clone()).unwrap_or_default();
            windows.retain(|(l, _), (start, _)| rules.get(l).is_some_and(|r| now.duration_since(*start) < r.per));
        }
        let entry = windows.entry((limit, key.to_owned())).or_insert((now, 0));
        if now.duration_since(entry.0) >= rule.per {
            *entry = (now, 0);
        }
        if entry.1 >= rule.max {
            let wait = rule.per.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy —
/// the right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    match (peer, forwarded) {
        (Some(p), Some(chain)) if trusted.contains(&p) => chain
            .rsplit(',')
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .find(|a| !trusted.contains(a))
            .unwrap_or(p)
            .to_string(),
        (Some(p), _) => p.to_string(),
        (None, _) => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(text: &str) -> Limiter {
        Limiter::new(Some(Rules::parse(text).unwrap()))
    }

    #[test]
    fn a_window_allows_max_then_tells_how_long_to_wait() {
        let l = limiter("login_phone=3/60s");
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check_at(Limit::LoginPhone, "138", t), Ok(()));
        }
        assert_eq!(l.check_at(Limit::LoginPhone, "138", t + Duration::from_secs(20)), Err(40));
        // Other keys and other limits count apart.
        assert_eq!(l.check_at(Limit::LoginPhone, "139", t), Ok(()));
        assert_eq!(l.check_at(Limit::SubmitUser, "138", t), Ok(()));
        // A new window starts once the period is over.
        assert_eq!(l.check_at(Limit::LoginPhone, "138", t + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn off_means_no_limit_and_rules_parse_strictly() {
        let off = Limiter::new(None);
        let t = Instant::now();
        assert!((0..1000).all(|_| off.check_at(Limit::SubmitUser, "u", t).is_ok()));
        let r = Rules::parse("submit_user=5/1h, login_address=7/10m").unwrap();
        assert_eq!(r.0[&Limit::SubmitUser], Rule { max: 5, per: Duration::from_secs(3600) });
        assert_eq!(r.0[&Limit::LoginPhone], Rules::default().0[&Limit::LoginPhone]);
        for bad in ["nope=1/1h", "submit_user=0/1h", "submit_user=5", "submit_user=x/1h", "submit_user=5/soon"] {
            assert!(Rules::parse(bad).is_err(), "{bad}");
        }
    }
}
