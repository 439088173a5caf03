//! An SSO session's token lifecycle: take the cached token when it has 15 minutes left;
//! otherwise, under a cross-process lock, re-read the cache (another ssox may just have
//! refreshed it), refresh with the refresh token (sso-session profiles), and only then log
//! in, and only when a login is allowed. The token file is rewritten atomically in the AWS
//! CLI v2's format, so `aws` and `ssox` share every refresh and every login.

use std::path::PathBuf;
use std::time::Instant;

use crate::config::resolve::SsoProfile;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::lock;
use crate::secret::Secret;
use crate::sso::login::{self, LoginOptions};
use crate::sso::oidc::{Grant, Oidc};
use crate::sso::token_cache::{self, CachedToken, TokenFileError};
use crate::timefmt::{self, Timestamp};
use crate::{notice, term, vlog};

/// A token with less than this left is refreshed (the AWS CLI's window).
pub const REFRESH_WINDOW: i64 = 15 * 60;

/// Whether ssox may start a login by itself.
#[derive(Debug, Clone)]
pub enum LoginPolicy {
    /// No terminal, or `--no-login`: fail with the command to run instead.
    Never {
        reason: &'static str,
    },
    Allowed(LoginOptions),
}

pub struct Session<'a> {
    pub env: &'a Env,
    pub sso: &'a SsoProfile,
    /// The SSO OIDC endpoint override, if any.
    pub oidc_endpoint: Option<String>,
    pub policy: &'a LoginPolicy,
    pub timeout: std::time::Duration,
}

/// How messages name an SSO login: its sso-session, or a legacy profile and its start URL.
pub fn describe(sso: &SsoProfile) -> String {
    match &sso.session_name {
        Some(s) => format!("sso-session `{s}` (profile `{}`)", sso.profile),
        None => format!("profile `{}` ({})", sso.profile, sso.start_url),
    }
}

/// The command that logs this profile in.
pub fn login_command(sso: &SsoProfile) -> String {
    match &sso.session_name {
        Some(s) if sso.account_id.is_none() => format!("ssox login --sso-session {s}"),
        _ => format!("ssox login -p {}", sso.profile),
    }
}

impl Session<'_> {
    fn cache_dir(&self) -> PathBuf {
        crate::sso::cache_dir(self.env)
    }

    pub fn token_path(&self) -> PathBuf {
        token_cache::token_path(&self.cache_dir(), self.sso.token_cache_input())
    }

    fn read(&self) -> Result<Option<CachedToken>, Error> {
        token_cache::read(&self.token_path()).or_else(|e| match e {
            TokenFileError::Read { .. } => Err(Error::new(Exit::Io, e.to_string())),
            // A corrupt cache file is as good as none: a refresh or login replaces it.
            TokenFileError::Corrupt { .. } => {
                vlog!("{e}; treating it as absent");
                Ok(None)
            }
        })
    }

    fn oidc(&self) -> Oidc {
        Oidc::new(
            &self.sso.region,
            self.oidc_endpoint.as_deref(),
            self.timeout,
        )
    }

    /// A token the portal should accept. `rejected` is a token the portal just refused
    /// (revoked at the service): it is not used again even if the cache calls it valid.
    pub fn token(
        &self,
        rt: &tokio::runtime::Runtime,
        rejected: Option<&Secret>,
    ) -> Result<CachedToken, Error> {
        let path = self.token_path();
        vlog!(
            "SSO token cache: {} (sha1 of {:?})",
            self.env.tilde(&path),
            self.sso.token_cache_input()
        );
        let is_rejected = |t: &CachedToken| rejected.is_some_and(|r| r == &t.access_token);
        let usable =
            |t: &CachedToken, now: Timestamp, window: i64| !is_rejected(t) && t.lasts(now, window);
        if let Some(t) = self.read()?
            && usable(&t, timefmt::now(), REFRESH_WINDOW)
        {
            vlog!(
                "SSO token valid for {}",
                timefmt::human_duration(t.expires_at().unwrap_or(0) - timefmt::now())
            );
            return Ok(t);
        }
        let wait = match self.policy {
            LoginPolicy::Allowed(o) => o.timeout,
            LoginPolicy::Never { .. } => self.timeout * 6,
        };
        let what = format!("is refreshing or logging in for {}", describe(self.sso));
        let _guard = lock::acquire(
            &token_cache::lock_path(&path),
            &what,
            Instant::now() + wait,
            |holder| {
                if term::interactive() {
                    notice!("waiting for {holder}");
                }
            },
        )
        .map_err(|e| match e {
            lock::LockError::Timeout { .. } => Error::new(Exit::TempFail, e.to_string()),
            lock::LockError::Io { .. } => Error::new(Exit::Io, e.to_string()),
        })?;
        // Another process may have refreshed or logged in while we waited.
        let now = timefmt::now();
        let current = self.read()?;
        if let Some(t) = &current
            && usable(t, now, REFRESH_WINDOW)
        {
            vlog!("another process renewed the SSO token");
            return Ok(t.clone());
        }
        let mut why = "no cached SSO token".to_string();
        if let Some(t) = current {
            why = match t.expires_at() {
                _ if is_rejected(&t) => {
                    "the cached SSO token was rejected by the service".to_string()
                }
                Some(e) if e <= now => format!(
                    "the cached SSO token expired at {} ({} ago)",
                    timefmt::format_rfc3339(e),
                    timefmt::human_duration(now - e)
                ),
                Some(_) => "the cached SSO token is about to expire".to_string(),
                None => "the cached SSO token has no readable expiry".to_string(),
            };
            if self.sso.session_name.is_some() && t.can_refresh(now) {
                match self.refresh(rt, &t) {
                    Ok(new) => return Ok(new),
                    Err(e) => {
                        vlog!("refresh failed: {e}");
                        why = format!("{why}, and refreshing it failed");
                    }
                }
            }
            if usable(&t, now, 1) {
                vlog!(
                    "using the SSO token for its last {}",
                    timefmt::human_duration(t.expires_at().unwrap_or(0) - now)
                );
                return Ok(t);
            }
        }
        self.login_or_fail(rt, &why)
    }

    fn refresh(
        &self,
        rt: &tokio::runtime::Runtime,
        old: &CachedToken,
    ) -> Result<CachedToken, Error> {
        let (Some(client_id), Some(secret), Some(refresh)) =
            (&old.client_id, &old.client_secret, &old.refresh_token)
        else {
            return Err(Error::new(Exit::Internal, "no refresh material"));
        };
        let started = std::time::Instant::now();
        let issued_at = timefmt::now();
        let oidc = self.oidc();
        let new = rt
            .block_on(oidc.create_token(client_id, secret, Grant::Refresh(refresh)))
            .map_err(|e| {
                if matches!(e, crate::sso::oidc::OidcError::InvalidClient(_)) {
                    // A rejected client is no use to the login that follows either.
                    let _ =
                        std::fs::remove_file(login::registration_path(&self.cache_dir(), self.sso));
                }
                login::oidc_error(&e, self.sso)
            })?;
        vlog!(
            "refreshed the SSO token in {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let mut token = old.clone();
        token.access_token = new.access_token;
        token.expires_at = timefmt::format_rfc3339(issued_at + new.expires_in);
        // Refresh tokens rotate; keep the old one only if the service sent none.
        if let Some(r) = new.refresh_token {
            token.refresh_token = Some(r);
        }
        self.save(&token)?;
        Ok(token)
    }

    fn save(&self, token: &CachedToken) -> Result<(), Error> {
        let path = self.token_path();
        token_cache::write(&path, token).map_err(|e| {
            Error::new(
                Exit::Io,
                format!("cannot write {}: {e}", self.env.tilde(&path)),
            )
        })
    }

    fn login_or_fail(&self, rt: &tokio::runtime::Runtime, why: &str) -> Result<CachedToken, Error> {
        match self.policy {
            LoginPolicy::Never { reason } => Err(Error::new(
                Exit::NoPerm,
                format!(
                    "login needed for {}: {why} ({reason}, so ssox did not start a login)",
                    describe(self.sso)
                ),
            )
            .hint(format!("run `{}`", login_command(self.sso)))),
            LoginPolicy::Allowed(opts) => {
                notice!("login needed for {}: {why}", describe(self.sso));
                self.login(rt, opts)
            }
        }
    }

    /// Runs the interactive login and caches the result. Callers hold the lock.
    fn login(
        &self,
        rt: &tokio::runtime::Runtime,
        opts: &LoginOptions,
    ) -> Result<CachedToken, Error> {
        let oidc = self.oidc();
        let token = rt.block_on(login::login(
            self.env,
            &self.cache_dir(),
            self.sso,
            &oidc,
            opts,
        ))?;
        self.save(&token)?;
        vlog!("SSO token cached in {}", self.env.tilde(&self.token_path()));
        Ok(token)
    }

    /// `ssox login`: always a new token, under the same lock as refreshes.
    pub fn force_login(
        &self,
        rt: &tokio::runtime::Runtime,
        opts: &LoginOptions,
    ) -> Result<CachedToken, Error> {
        let what = format!("is logging in for {}", describe(self.sso));
        let _guard = lock::acquire(
            &token_cache::lock_path(&self.token_path()),
            &what,
            Instant::now() + opts.timeout,
            |holder| {
                notice!("waiting for {holder}");
            },
        )
        .map_err(|e| Error::new(Exit::TempFail, e.to_string()))?;
        self.login(rt, opts)
    }
}
