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
}

impl AppState {
    pub fn claim_limits(&self) -> ClaimLimits {
        ClaimLimits { person: self.settings.claim_limit_person, unit: self.settings.claim_limit_unit }
    }
}
