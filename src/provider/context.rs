//! What every leg of the provider shares: the [`Context`] of a command (its files,
//! settings and login policy, the network and runtime made on first use), and the rules for
//! the role cache around a fetch (reuse, single flight across processes, saving) and for
//! credentials that come back already expired. The legs (`sso`, `sts`, `process`) and the
//! walk in `provider` all use this module; it uses none of them.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use crate::aws::Net;
use crate::config::region::{self, RegionChoice};
use crate::config::{ConfigSet, Section};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::vlog;
use crate::provider::role_cache;
use crate::settings::{Fetch, LoginPolicy};
use crate::timefmt;

/// What the provider legs may consult; built once per command.
pub struct Context<'a> {
    pub env: &'a Env,
    pub set: &'a ConfigSet,
    /// The profile the user selected (endpoint settings come from it, as in botocore).
    pub selected: &'a Section,
    pub policy: &'a LoginPolicy,
    pub fetch: &'a Fetch,
    net: OnceLock<Net>,
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl<'a> Context<'a> {
    pub fn new(
        env: &'a Env,
        set: &'a ConfigSet,
        selected: &'a Section,
        policy: &'a LoginPolicy,
        fetch: &'a Fetch,
    ) -> Self {
        Self {
            env,
            set,
            selected,
            policy,
            fetch,
            net: OnceLock::new(),
            runtime: OnceLock::new(),
        }
    }

    /// The network settings, read on the first network call.
    pub fn net(&self) -> Result<&Net, Error> {
        if let Some(n) = self.net.get() {
            return Ok(n);
        }
        let n = Net::new(self.env, self.set, Some(self.selected))?;
        Ok(self.net.get_or_init(|| n))
    }

    /// The region of ssox's own STS calls (the run's region, else us-east-1).
    pub fn sts_region(&self) -> RegionChoice {
        region::for_sts(self.fetch.region.as_deref(), self.env, Some(self.selected))
    }

    /// The runtime for the network legs, built on the first network call.
    pub fn runtime(&self) -> Result<&tokio::runtime::Runtime, Error> {
        if let Some(r) = self.runtime.get() {
            return Ok(r);
        }
        let r = crate::aws::runtime()?;
        Ok(self.runtime.get_or_init(|| r))
    }
}

/// One fetch at a time per cache file, across processes: the first waits on the service,
/// the others wait for it and then use what it cached (`make -j8` costs one call, not
/// eight). The wait is as long as a login may take where one may start, else six calls.
pub fn single_flight(ctx: &Context<'_>, cache: &Path) -> Result<crate::lock::LockGuard, Error> {
    let wait = match ctx.policy {
        LoginPolicy::Allowed(o) => o.timeout,
        LoginPolicy::Never { .. } => crate::aws::call_timeout(ctx.env) * 6,
    };
    let path = crate::lock::path(ctx.env, "role", cache);
    crate::lock::acquire(
        &path,
        "is fetching role credentials",
        Instant::now() + wait,
        |holder| {
            if crate::term::interactive() {
                crate::log::notice!("waiting for {holder}");
            }
        },
    )
    .map_err(|e| e.to_error())
}

/// Under the fetch lock: what another process cached while we waited, unless `--refresh`.
pub fn cached_meanwhile(ctx: &Context<'_>, path: &Path, need: i64) -> Option<Credentials> {
    if ctx.fetch.refresh {
        return None;
    }
    let c = cached_for(ctx, path, need)?;
    vlog!("another process fetched them while we waited");
    Some(c)
}

/// Cached credentials at `path` that last at least `need` seconds.
pub fn cached_for(ctx: &Context<'_>, path: &Path, need: i64) -> Option<Credentials> {
    let c = role_cache::read(path)?;
    let left = c.expiration.map_or(0, |e| e - timefmt::now());
    if left >= need {
        vlog!(
            "cached credentials in {} valid for {}",
            ctx.env.tilde(path),
            timefmt::human_duration(left)
        );
        Some(c)
    } else {
        vlog!(
            "cached credentials in {} have {} left, less than {}",
            ctx.env.tilde(path),
            timefmt::human_duration(left),
            timefmt::human_duration(need)
        );
        None
    }
}

/// Cached credentials for a leg that caches, unless `--refresh` said not to.
pub fn reuse(ctx: &Context<'_>, path: &Path, need: i64) -> Option<Credentials> {
    if ctx.fetch.refresh {
        vlog!("--refresh: not using {}", ctx.env.tilde(path));
        return None;
    }
    cached_for(ctx, path, need)
}

pub fn save(ctx: &Context<'_>, path: &Path, result: std::io::Result<()>) {
    match result {
        Ok(()) => vlog!("cached credentials in {}", ctx.env.tilde(path)),
        // Not fatal: the credentials are good, only the next run will be slower.
        Err(e) => vlog!(
            "could not cache credentials in {}: {e}",
            ctx.env.tilde(path)
        ),
    }
}

/// Milliseconds since `started`, for `-v`.
pub fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// Credentials that have already expired are an error, never handed to PROGRAM or printed.
pub fn not_expired(c: &Credentials, source: impl FnOnce() -> String) -> Result<(), Error> {
    match c.expiration {
        Some(e) if e <= timefmt::now() => Err(Error::new(
            Exit::Unavailable,
            format!(
                "{} gave credentials that expired at {} ({} ago)",
                source(),
                timefmt::format_rfc3339(e),
                timefmt::human_duration(timefmt::now() - e)
            ),
        )
        .hint("renew them at their source; ssox hands out only credentials that are still valid")),
        _ => Ok(()),
    }
}
