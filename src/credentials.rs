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

impl Credentials {
    /// The credentials as the `AWS_*` variables every SDK reads, in this order: key, secret,
    /// then the session token and the expiry where there are any. One place for PROGRAM's
    /// environment and the printed formats alike.
    /// The account, where it is known and has the shape of one (12 digits): a
    /// credential_process or a cache file could say anything.
    pub fn account(&self) -> Option<&str> {
        self.account_id
            .as_deref()
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
    }

    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("AWS_ACCESS_KEY_ID", self.access_key_id.expose().to_string()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.secret_access_key.expose().to_string(),
            ),
        ];
        if let Some(t) = &self.session_token {
            vars.push(("AWS_SESSION_TOKEN", t.expose().to_string()));
        }
        if let Some(e) = self.expiration {
            vars.push((
                "AWS_CREDENTIAL_EXPIRATION",
                crate::timefmt::format_rfc3339(e),
            ));
        }
        // SDKs route account-based endpoints (DynamoDB's, say) by it.
        if let Some(a) = self.account() {
            vars.push(("AWS_ACCOUNT_ID", a.to_string()));
        }
        vars
    }
}
