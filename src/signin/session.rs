//! An `aws login` session's lifecycle: use the cached credentials while they last; else,
//! under ssox's cross-process lock, re-read the cache (another process may just have
//! refreshed), refresh with the rotating refresh token and the session's DPoP key, and
//! write the result back in the AWS CLI's format; only then sign in again, and only where a
//! person can answer. The AWS CLI and the SDKs take no lock of ours: a refresh that loses a
//! race with one of them (its refresh token already rotated away) re-reads the cache and
//! uses the winner's result.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::aws::Net;
use crate::config::resolve::LoginProfile;
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::lock;
use crate::log::{notice, vlog};
use crate::settings::{LoginOptions, LoginPolicy};
use crate::signin::cache::{self, AccessToken, LoginFile, LoginState};
use crate::signin::dpop::DpopKey;
use crate::signin::flow;
use crate::signin::oauth::{Grant, OauthError, SignIn};
use crate::term;
use crate::timefmt;

pub struct LoginSession<'a> {
    pub env: &'a Env,
    pub login: &'a LoginProfile,
    pub net: &'a Net,
    pub policy: &'a LoginPolicy,
    /// The run's region (`--region`, `AWS_REGION`, the selected profile's), used for the
    /// Sign-In endpoint where the cache names no sign-in region.
    pub run_region: Option<&'a str>,
}

/// Why a refresh did not give credentials.
enum Failed {
    /// The service refused the refresh token: the session ended, or another program
    /// rotated the token first.
    Refused(OauthError),
    Other(Error),
}

impl LoginSession<'_> {
    pub fn path(&self) -> PathBuf {
        cache::path(self.env, &self.login.session)
    }

    fn read(&self) -> Result<Option<LoginFile>, Error> {
        cache::read(&self.path()).or_else(|e| match e {
            cache::FileError::Read { .. } => Err(Error::new(Exit::Io, e.to_string())),
            // A corrupt file is no login; a new sign-in replaces it.
            cache::FileError::Corrupt { .. } => {
                vlog!("{e}; treating it as absent");
                Ok(None)
            }
        })
    }

    /// The region whose Sign-In endpoint serves this session.
    pub fn region(&self, file: Option<&LoginFile>) -> Result<String, Error> {
        file.and_then(LoginFile::sign_in_region)
            .or(self.run_region)
            .or(self.login.region.as_deref())
            .map(str::to_string)
            .ok_or_else(|| {
                Error::new(
                    Exit::Config,
                    format!(
                        "{} has no region, and the AWS Sign-In service needs one",
                        self.login.describe()
                    ),
                )
                .hint(format!(
                    "add `region = us-east-1` (or your region) to [profile {}], or set AWS_REGION",
                    self.login.profile
                ))
            })
    }

    /// Credentials that last at least `need` seconds; `force` refreshes even if they do.
    pub fn credentials(
        &self,
        rt: &tokio::runtime::Runtime,
        need: i64,
        force: bool,
    ) -> Result<Credentials, Error> {
        let path = self.path();
        vlog!(
            "aws login cache: {} (sha256 of {:?})",
            self.env.tilde(&path),
            self.login.session
        );
        let before = self.read()?;
        let usable = |f: &LoginFile| {
            matches!(
                LoginState::classify(&Ok(Some(f.clone())), need, timefmt::now()),
                LoginState::Valid { .. }
            )
        };
        if !force && let Some(f) = before.as_ref().filter(|f| usable(f)) {
            return f
                .credentials()
                .ok_or_else(|| Error::new(Exit::Internal, "valid login without credentials"));
        }
        let wait = match self.policy {
            LoginPolicy::Allowed(o) => o.timeout,
            LoginPolicy::Never { .. } => self.net.timeout() * 6,
        };
        let what = format!("is refreshing {}", self.login.describe());
        let _guard = lock::acquire(
            &lock::path(self.env, "login", &path),
            &what,
            Instant::now() + wait,
            |holder| {
                if term::interactive() {
                    notice!("waiting for {holder}");
                }
            },
        )
        .map_err(|e| e.to_error())?;
        let current = self.read()?;
        let rotated_meanwhile = |f: &LoginFile| {
            before.as_ref().and_then(|b| b.refresh_token.as_ref()) != f.refresh_token.as_ref()
        };
        if let Some(f) = current
            .as_ref()
            .filter(|f| usable(f) && (!force || rotated_meanwhile(f)))
        {
            vlog!("another process refreshed the aws login session while we waited");
            return f
                .credentials()
                .ok_or_else(|| Error::new(Exit::Internal, "valid login without credentials"));
        }
        let Some(file) = current.clone().filter(|f| f.missing().is_empty()) else {
            let state = LoginState::classify(&Ok(current), need, timefmt::now());
            return self.login_or_fail(rt, &state.summary(timefmt::now()));
        };
        match self.refresh(rt, &file) {
            Ok(creds) => Ok(creds),
            Err(Failed::Other(e)) => Err(e),
            Err(Failed::Refused(e)) => {
                vlog!("refresh refused: {e}");
                // Another program may have used the same refresh token first: then its
                // result is in the cache now, or its new refresh token is.
                if let Some(newer) = self
                    .read()?
                    .filter(|n| n.refresh_token != file.refresh_token)
                {
                    if usable(&newer) {
                        vlog!(
                            "another program refreshed the aws login session meanwhile; using its result"
                        );
                        return newer.credentials().ok_or_else(|| {
                            Error::new(Exit::Internal, "valid login without credentials")
                        });
                    }
                    if newer.missing().is_empty() {
                        match self.refresh(rt, &newer) {
                            Ok(creds) => return Ok(creds),
                            Err(Failed::Other(e)) => return Err(e),
                            Err(Failed::Refused(e)) => {
                                return self.login_or_fail(rt, &e.to_string());
                            }
                        }
                    }
                }
                match e {
                    OauthError::SessionEnded(_) => self.login_or_fail(rt, &e.to_string()),
                    e => Err(e.to_error(&self.login.describe(), &self.login.login_command())),
                }
            }
        }
    }

    /// One refresh of `file`, written back before the credentials are returned: the old
    /// refresh token is spent once the service answers.
    fn refresh(
        &self,
        rt: &tokio::runtime::Runtime,
        file: &LoginFile,
    ) -> Result<Credentials, Failed> {
        let path = self.path();
        let dpop = file
            .dpop_key
            .as_ref()
            .map_or(Err(crate::signin::dpop::KeyError::NotPem), |k| {
                DpopKey::from_pem(k.expose())
            });
        let key = Arc::new(dpop.map_err(|e| {
            Failed::Other(
                Error::new(
                    Exit::NoPerm,
                    format!(
                        "the login cache file {} is unusable: {e}",
                        self.env.tilde(&path)
                    ),
                )
                .hint(format!(
                    "sign in again with `{}` (or `{}`)",
                    self.login.login_command(),
                    self.login.aws_login_command()
                )),
            )
        })?);
        // Checked first: a refresh whose result cannot be written loses the session.
        crate::fsutil::check_writable(&path).map_err(|e| {
            Failed::Other(Error::new(
                Exit::Io,
                format!(
                    "cannot write the login cache file {}: {e}",
                    self.env.tilde(&path)
                ),
            ))
        })?;
        let region = self.region(Some(file)).map_err(Failed::Other)?;
        let service = SignIn::new(self.net, &region).map_err(Failed::Other)?;
        let (Some(client_id), Some(refresh_token)) = (&file.client_id, &file.refresh_token) else {
            return Err(Failed::Other(Error::new(
                Exit::Internal,
                "no refresh material",
            )));
        };
        let started = Instant::now();
        let issued_at = timefmt::now();
        let new = rt
            .block_on(service.create_token(
                &key,
                Grant::Refresh {
                    client_id,
                    refresh_token,
                },
            ))
            .map_err(|e| match e {
                OauthError::SessionEnded(_) => Failed::Refused(e),
                e => Failed::Other(e.to_error(&self.login.describe(), &self.login.login_command())),
            })?;
        vlog!(
            "refreshed the aws login session at {} in {:.1} ms",
            service.target().describe(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        let mut updated = file.clone();
        let old = file.access_token.as_ref();
        updated.access_token = Some(AccessToken {
            access_key_id: new.access_key_id,
            secret_access_key: new.secret_access_key,
            session_token: new.session_token,
            // As the SDKs: the account is the session's, kept from the sign-in.
            account_id: old.and_then(|t| t.account_id.clone()),
            expires_at: timefmt::format_rfc3339(issued_at + new.expires_in),
            extra: old.map(|t| t.extra.clone()).unwrap_or_default(),
        });
        updated.refresh_token = Some(new.refresh_token);
        self.save(&updated).map_err(Failed::Other)?;
        updated.credentials().ok_or_else(|| {
            Failed::Other(Error::new(
                Exit::Internal,
                "refreshed login without credentials",
            ))
        })
    }

    fn save(&self, file: &LoginFile) -> Result<(), Error> {
        let path = self.path();
        cache::write(&path, file).map_err(|e| {
            Error::new(
                Exit::Io,
                format!("cannot write {}: {e}", self.env.tilde(&path)),
            )
        })
    }

    fn login_or_fail(&self, rt: &tokio::runtime::Runtime, why: &str) -> Result<Credentials, Error> {
        match self.policy {
            LoginPolicy::Never { reason } => Err(Error::new(
                Exit::NoPerm,
                format!(
                    "sign-in needed for {}: {why} ({reason}, so ssox did not start one)",
                    self.login.describe()
                ),
            )
            .hint(format!(
                "run `{}` (or `{}`)",
                self.login.login_command(),
                self.login.aws_login_command()
            ))),
            LoginPolicy::Allowed(opts) => {
                notice!("sign-in needed for {}: {why}", self.login.describe());
                let file = self.sign_in(rt, opts)?;
                file.credentials()
                    .ok_or_else(|| Error::new(Exit::Internal, "new login without credentials"))
            }
        }
    }

    /// The browser sign-in, its result cached. Callers hold the lock. The session must be
    /// this profile's: a sign-in as someone else is refused, not cached under this name.
    fn sign_in(
        &self,
        rt: &tokio::runtime::Runtime,
        opts: &LoginOptions,
    ) -> Result<LoginFile, Error> {
        let region = self.region(None)?;
        let service = SignIn::new(self.net, &region)?;
        let (mut file, session) =
            rt.block_on(flow::sign_in(self.env, &service, &self.login.profile, opts))?;
        file.extra
            .insert("signInRegion".into(), serde_json::Value::String(region));
        if session != self.login.session {
            return Err(Error::new(
                Exit::NoPerm,
                format!(
                    "signed in as {}, but profile `{}` uses the session {}",
                    crate::error::escaped(&session),
                    self.login.profile,
                    crate::error::escaped(&self.login.session)
                ),
            )
            .hint(format!(
                "sign in as that identity, or run `{}` to switch the profile to the new one",
                self.login.login_command()
            )));
        }
        self.save(&file)?;
        Ok(file)
    }
}
