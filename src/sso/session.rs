//! An SSO session's token lifecycle: take the cached token when [`TokenState`] says it can be
//! used; otherwise, under a cross-process lock, re-read the cache (another process may just
//! have refreshed it), refresh with the refresh token (sso-session profiles), and only then
//! log in, and only when a login is allowed. The token file is rewritten atomically in the
//! AWS CLI v2's format, so `aws` and `ssox` share every refresh and every login.

use std::path::PathBuf;
use std::time::Instant;

use crate::aws::Net;
use crate::config::resolve::SsoProfile;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::lock;
use crate::log::{notice, vlog};
use crate::secret::Secret;
use crate::settings::{LoginOptions, LoginPolicy};
use crate::sso::login;
use crate::sso::oidc::{Grant, Oidc, OidcError};
use crate::sso::token_cache::{self, CachedToken, TokenAction, TokenFileError, TokenState};
use crate::term;
use crate::timefmt;

pub struct Session<'a> {
    pub env: &'a Env,
    pub sso: &'a SsoProfile,
    pub net: &'a Net,
    pub policy: &'a LoginPolicy,
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

    fn state(&self, token: Option<&CachedToken>, rejected: Option<&Secret>) -> TokenState {
        TokenState::classify(
            token,
            self.sso.session_name.is_some(),
            timefmt::now(),
            rejected,
        )
    }

    fn oidc(&self) -> Result<Oidc<'_>, Error> {
        Oidc::new(self.net, &self.sso.region)
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
        if let Some(t) = self.read()? {
            let state = self.state(Some(&t), rejected);
            if let TokenState::Valid { expires_at } = state {
                vlog!(
                    "SSO token valid for {}",
                    timefmt::human_duration(expires_at - timefmt::now())
                );
                return Ok(t);
            }
        }
        let wait = match self.policy {
            LoginPolicy::Allowed(o) => o.timeout,
            LoginPolicy::Never { .. } => self.net.timeout() * 6,
        };
        let what = format!("is refreshing or logging in for {}", self.sso.describe());
        let lock_path = lock::path(self.env, "token", &path);
        vlog!("waiting for the lock {}", self.env.tilde(&lock_path));
        let _guard = lock::acquire(&lock_path, &what, Instant::now() + wait, |holder| {
            if term::interactive() {
                notice!("waiting for {holder}");
            }
        })
        .map_err(|e| e.to_error())?;
        // Another process may have refreshed or logged in while we waited.
        let current = self.read()?;
        let state = self.state(current.as_ref(), rejected);
        let now = timefmt::now();
        match (state.action(), current) {
            (TokenAction::Use, Some(t)) => {
                if matches!(state, TokenState::Valid { .. }) {
                    vlog!("another process renewed the SSO token");
                } else {
                    vlog!(
                        "using the SSO token for its last {}",
                        timefmt::human_duration(t.expires_at().unwrap_or(0) - now)
                    );
                }
                Ok(t)
            }
            (TokenAction::Refresh, Some(t)) => match self.refresh(rt, &t) {
                Ok(new) => Ok(new),
                Err(e) => {
                    vlog!("refresh failed: {e}");
                    // Another program (the AWS CLI takes no lock of ours) may just have used
                    // the same refresh token: then its new token is in the cache now.
                    if let Some(newer) = self.read()?
                        && newer.access_token != t.access_token
                        && self.state(Some(&newer), rejected).action() == TokenAction::Use
                    {
                        vlog!("another program refreshed the SSO token meanwhile; using its token");
                        return Ok(newer);
                    }
                    if state.still_valid() {
                        vlog!(
                            "using the SSO token for its last {}",
                            timefmt::human_duration(t.expires_at().unwrap_or(0) - now)
                        );
                        return Ok(t);
                    }
                    self.login_or_fail(
                        rt,
                        &format!("{}, and refreshing it failed", state.reason(now)),
                    )
                }
            },
            _ => self.login_or_fail(rt, &state.reason(now)),
        }
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
        let oidc = self.oidc()?;
        let new = rt
            .block_on(oidc.create_token(client_id, secret, Grant::Refresh(refresh)))
            .map_err(|e| {
                if matches!(e, OidcError::InvalidClient(_))
                    && let Ok(p) = token_cache::registration_path(&self.cache_dir(), self.sso)
                {
                    // A rejected client is no use to the login that follows either.
                    let _ = std::fs::remove_file(p);
                }
                e.to_error(self.sso)
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
                    self.sso.describe()
                ),
            )
            .hint(format!("run `{}`", self.sso.login_command()))),
            LoginPolicy::Allowed(opts) => {
                notice!("login needed for {}: {why}", self.sso.describe());
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
        let oidc = self.oidc()?;
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
        let what = format!("is logging in for {}", self.sso.describe());
        let _guard = lock::acquire(
            &lock::path(self.env, "token", &self.token_path()),
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
