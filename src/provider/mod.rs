//! Walks a chain's [`Plan`] to credentials. Each kind of base has its own leg (SSO in
//! `sso`, `aws login` sessions in `login`, web identity and the role hops in `sts`, `credential_process` in `process`); every
//! leg that caches does so in the AWS CLI's role cache (`role_cache`). Errors are phrased for
//! the person who has to fix them: the profile, the file, the command to run.
//!
//! The warm path (cached credentials that last) reads one cache file and builds nothing:
//! the network settings and the async runtime in [`Context`] are made on first use.

pub mod context;
pub mod login;
pub mod outlook;
pub mod plan;
pub mod process;
pub mod role_cache;
pub mod sso;
pub mod sts;

use std::time::Instant;

use crate::config::resolve::{Base, Chain, CredentialSource};
use crate::config::{ConfigSet, Section};
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::log::vlog;
use crate::secret::Secret;
use crate::timefmt;

pub use context::Context;
use context::{cached_meanwhile, ms, not_expired, reuse, single_flight};
pub use outlook::{Outcome, Outlook};
pub use plan::Plan;

/// Executes the plan as its [`Outlook`] says: from the deepest cached credentials that
/// last, else from the base, then each remaining hop. A config error the outlook found
/// stops the run before any network call.
pub fn credentials(ctx: &Context<'_>, plan: &Plan<'_>) -> Result<Credentials, Error> {
    vlog!("chain: {}", plan.describe());
    let fetch = ctx.fetch;
    let outlook = Outlook::new(plan, ctx.env, fetch, timefmt::now());
    vlog!("next: {}", outlook.describe());
    if let Outcome::Config(e) = outlook.outcome {
        return Err(e);
    }
    let last = plan.hops.len();
    let (start, mut creds) = if let Some((level, c)) = outlook.warm {
        vlog!("cached credentials of level {level} last long enough");
        (level, c)
    } else {
        let need = match &plan.chain.base {
            Base::Login(_) => outlook::login_need(0, last, fetch),
            _ => outlook::need(0, last, fetch),
        };
        (0, base_credentials(ctx, plan, need)?)
    };
    for (i, hop) in plan.hops.iter().enumerate().skip(start) {
        creds = sts::assume(ctx, hop, &creds, outlook::need(i + 1, last, fetch))?;
    }
    Ok(creds)
}

/// Says so when the credentials will not last as long as the user asked (`--min-ttl`).
pub fn warn_if_short(creds: &Credentials, min_ttl: i64) {
    if let Some(exp) = creds.expiration {
        let left = exp - timefmt::now();
        if left < min_ttl {
            crate::log::notice!(
                "the credentials last only {}, less than the {} asked for (the permission set's session duration, or duration_seconds, sets this)",
                timefmt::human_duration(left),
                timefmt::human_duration(min_ttl)
            );
        }
    }
}

/// The credentials at the root of the chain.
fn base_credentials(
    ctx: &Context<'_>,
    plan: &Plan<'_>,
    min_ttl: i64,
) -> Result<Credentials, Error> {
    let cache = plan.base_cache.as_deref();
    match &plan.chain.base {
        Base::Sso(s) => sso::credentials(ctx, s, cache, min_ttl),
        Base::Login(l) => login::credentials(ctx, l, min_ttl),
        Base::AccessKey {
            access_key_id,
            secret_access_key,
            session_token,
            account_id,
            ..
        } => Ok(Credentials {
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.clone(),
            session_token: session_token.clone(),
            expiration: None,
            account_id: account_id.clone(),
        }),
        Base::Process {
            profile,
            command,
            account_id,
        } => {
            let started = Instant::now();
            let mut c = process::run(ctx.env, profile, command, ctx.fetch.process_timeout)
                .map_err(|e| e.to_error(profile))?;
            vlog!(
                "credential_process of profile {profile}: {:.1} ms",
                ms(started)
            );
            // As botocore and the Rust SDK: the profile's account where the output has none.
            if c.account_id.is_none() {
                c.account_id.clone_from(account_id);
            }
            not_expired(&c, || {
                format!("the credential_process of profile `{profile}`")
            })?;
            Ok(c)
        }
        Base::WebIdentity {
            profile,
            role_arn,
            token_file,
            session_name,
        } => {
            if let Some(path) = cache
                && let Some(c) = reuse(ctx, path, min_ttl)
            {
                return Ok(c);
            }
            let _flight = cache.map(|p| single_flight(ctx, p)).transpose()?;
            if let Some(path) = cache
                && let Some(c) = cached_meanwhile(ctx, path, min_ttl)
            {
                return Ok(c);
            }
            sts::web_identity(
                ctx,
                profile,
                role_arn,
                token_file,
                session_name.as_deref(),
                cache,
            )
        }
        Base::NamedSource { profile, source } => named_source(ctx, profile, *source),
    }
}

fn named_source(
    ctx: &Context<'_>,
    profile: &str,
    source: CredentialSource,
) -> Result<Credentials, Error> {
    outlook::named_source(profile, source, ctx.env)?;
    let (Some(key), Some(secret)) = (
        ctx.env.get("AWS_ACCESS_KEY_ID"),
        ctx.env.get("AWS_SECRET_ACCESS_KEY"),
    ) else {
        return Err(Error::new(
            Exit::Internal,
            "credential_source checked but not found",
        ));
    };
    let c = Credentials {
        access_key_id: Secret::new(key),
        secret_access_key: Secret::new(secret),
        session_token: ctx
            .env
            .get("AWS_SESSION_TOKEN")
            .or_else(|| ctx.env.get("AWS_SECURITY_TOKEN"))
            .map(Secret::new),
        expiration: ctx
            .env
            .get("AWS_CREDENTIAL_EXPIRATION")
            .and_then(timefmt::parse_rfc3339),
        account_id: None,
    };
    not_expired(&c, || {
        "the environment (AWS_CREDENTIAL_EXPIRATION)".to_string()
    })?;
    Ok(c)
}

/// The plan of `chain`, for this run.
/// The selected profile's chain and section, for a command that gets its credentials: a
/// credential_process loop is refused and a failure explained with where the name came from.
pub fn resolve<'s>(
    common: &crate::settings::Common,
    set: &'s ConfigSet,
) -> Result<(Chain, &'s Section), Error> {
    process::check_loop(&common.env, &common.profile)
        .map_err(|e| Error::new(Exit::Config, e.to_string()).hint(process::LOOP_HINT))?;
    let chain = crate::config::resolve::resolve_chain(set, &common.profile).map_err(|e| {
        // A message may want every name (did you mean): explain from a full load.
        let full = set
            .partial
            .then(|| ConfigSet::load(&common.paths).ok())
            .flatten();
        let (e, set) = match &full {
            Some(full) => match crate::config::resolve::resolve_chain(full, &common.profile) {
                Err(again) => (again, full),
                Ok(_) => (e, set),
            },
            None => (e, set),
        };
        crate::config::resolve::explain(&e, set, &common.env, &common.paths, common.profile_source)
    })?;
    let selected = set
        .profile(&common.profile)
        .ok_or_else(|| Error::new(Exit::Internal, "resolved profile vanished"))?;
    Ok((chain, selected))
}

pub fn plan<'c>(ctx: &Context<'_>, chain: &'c Chain) -> Result<Plan<'c>, Error> {
    Plan::new(chain, ctx.env, timefmt::now())
}
