//! What every handler can reach.

use crate::auth::token::JwtKeys;
use crate::config::Settings;
use crate::store::Db;
use crate::store::wishes::ClaimLimits;

/// Shared application state, one per server.
pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    pub keys: JwtKeys,
    pub limiter: crate::ratelimit::Limiter,
}

impl AppState {
    /// Counts one event against a rate limit (429 `rate_limited` once over it).
    pub fn limit(&self, limit: crate::ratelimit::Limit, key: &str) -> Result<(), crate::error::ApiError> {
        self.limiter.check(limit, key)
    }

    /// The client's address, honouring `X-Forwarded-For` from trusted proxies only.
    pub fn client_address(&self, req: &actix_web::HttpRequest) -> String {
        crate::ratelimit::client_address(req, &self.settings.trusted_proxies)
    }

    pub fn claim_limits(&self) -> ClaimLimits {
        ClaimLimits { person: self.settings.claim_limit_person, unit: self.settings.claim_limit_unit }
    }
}
