//! `Credentials`: what every provider produces and every output consumes. The three secret
//! parts are [`Secret`]s; the expiry is plain data because users need to see it.

use crate::secret::Secret;
use crate::timefmt::Timestamp;

#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    /// `None` for long-term keys that never expire.
    pub expiration: Option<Timestamp>,
    /// The account the credentials belong to, where the source tells us.
    pub account_id: Option<String>,
}
