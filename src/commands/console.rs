//! `ssox console`: the AWS web console as a profile. Credentials come exactly as for a run
//! (caches, refresh, a login on a terminal, every profile kind); the sign-in federation
//! endpoint trades them for a sign-in token; the login URL that carries it is printed
//! (`--url`) or opened in the browser.
//!
//! The URL signs in whoever has it for about 15 minutes, so it is never logged and never
//! handed to another program's argv: ssox serves it as a one-time redirect on 127.0.0.1
//! (the "secure redirect" the AWS documentation recommends) under a random path, and that
//! path reaches the browser only through a private file (0600, in ssox's own 0700
//! directory) that the browser is started on and that forwards it. Another local user sees
//! the file's name in the process list but cannot read it, and cannot guess the path, so
//! the sign-in URL goes to the user's browser alone (on Linux and macOS alike). The file is
//! removed once the browser has fetched the redirect, and whenever ssox ends.
//!
//! Long-term keys (an IAM user's) cannot sign in to the console: ssox first asks STS for a
//! federation token with them (GetFederationToken, as aws-vault does), with a session policy
//! that allows everything, so the user's own policies decide what the console may do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::browser;
use crate::cli::ConsoleCmd;
use crate::config::region;
use crate::config::resolve::{Base, Chain};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{Error, Exit, NAME_IN_MESSAGE, clip};
use crate::log::{notice, vlog};
use crate::loopback::{self, Head, Reply};
use crate::provider::{self, Context, sts};
use crate::secret::Secret;
use crate::settings;
use crate::signin::Federation;
use crate::term::Spinner;

/// The console session lengths AWS accepts: `SessionDuration` for role credentials, and
/// GetFederationToken's `DurationSeconds` for an IAM user's keys.
const ROLE_SESSION: (u64, u64, &str) = (15 * 60, 12 * 3600, "between 15m and 12h");
const FEDERATION_SESSION: (u64, u64, &str) = (
    15 * 60,
    36 * 3600,
    "between 15m and 36h for an IAM user's keys",
);
/// How long the browser has to fetch the one-time address.
const BROWSER_WAIT: Duration = Duration::from_mins(2);

/// Where the credentials come from, as far as the console cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An IAM user's long-term keys: GetFederationToken first.
    LongTermKeys,
    /// A role assumed with temporary credentials: AWS takes no session duration.
    RoleChain,
    /// Temporary credentials of any other kind (SSO, a role assumed with long-term keys,
    /// web identity, credential_process).
    Temporary,
}

fn kind(chain: &Chain, creds: &Credentials) -> Kind {
    let base_long_term = matches!(
        &chain.base,
        Base::AccessKey {
            session_token: None,
            ..
        }
    );
    if chain.roles.is_empty() && creds.session_token.is_none() {
        Kind::LongTermKeys
    } else if chain.roles.len() > 1 || (!chain.roles.is_empty() && !base_long_term) {
        Kind::RoleChain
    } else {
        Kind::Temporary
    }
}

pub fn run(cmd: &ConsoleCmd, env: Env) -> Result<i32, Error> {
    let mut settings = settings::Console::new(cmd, env);
    let set = crate::config::load_for(
        &settings.common.env,
        &settings.common.paths,
        &settings.common.profile,
    )?;
    settings::pick_profile(
        &mut settings.common,
        &set,
        settings.interactive,
        settings.fetch.prompt_timeout,
        Some("console"),
    )?;
    let settings = settings;
    let common = &settings.common;
    let (chain, selected) = provider::resolve(common, &set)?;
    let region = region::choose(
        settings.fetch.region.as_deref(),
        &common.env,
        Some(selected),
    )
    .map_or_else(|| "us-east-1".to_string(), |r| r.name);
    let partition = region::partition(&region).ok_or_else(|| {
        Error::new(
            Exit::Config,
            format!("region `{region}` is in an isolated AWS partition; ssox cannot sign in to its console"),
        )
    })?;
    let destination = destination(&settings, partition.console, &region)?;
    let ctx = Context::new(
        &common.env,
        &set,
        selected,
        &settings.policy,
        &settings.fetch,
    );
    let plan = provider::plan(&ctx, &chain)?;
    let mut creds = provider::credentials(&ctx, &plan)?;
    let asked = settings.duration.map(|d| d.as_secs());
    let session_duration = match kind(&chain, &creds) {
        Kind::LongTermKeys => {
            let seconds = asked.map(|s| in_range(s, FEDERATION_SESSION)).transpose()?;
            vlog!("long-term keys: asking STS for a federation token for the console");
            creds = sts::console_credentials(
                &ctx,
                &common.profile,
                &creds,
                seconds.map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
            )?;
            None
        }
        Kind::RoleChain => {
            if asked.is_some() {
                notice!(
                    "--duration is left out: AWS sets no console session length for credentials from a role chain (profile `{}` assumes a role with temporary credentials); the session lasts as long as the credentials",
                    common.profile
                );
            }
            None
        }
        Kind::Temporary => asked.map(|s| in_range(s, ROLE_SESSION)).transpose()?,
    };
    let federation = Federation::new(ctx.net()?, &region)?;
    vlog!(
        "getSigninToken at {} for the {} partition",
        federation.target().describe(),
        partition.name
    );
    let rt = ctx.runtime()?;
    let token = rt
        .block_on(federation.signin_token(&creds, session_duration))
        .map_err(|e| e.to_error(&common.profile))?;
    let url = federation.login_url(&token, &destination);
    if settings.print_url {
        crate::output::print(&format!("{}\n", url.expose()))?;
        notice!(
            "this URL signs in to the console as profile `{}` for about 15 minutes: keep it to yourself",
            common.profile
        );
        return Ok(0);
    }
    rt.block_on(open(&common.env, &url))?;
    notice!(
        "opened the AWS console ({region}) as profile `{}` in the browser",
        common.profile
    );
    Ok(0)
}

fn in_range(seconds: u64, (min, max, allowed): (u64, u64, &str)) -> Result<u64, Error> {
    if (min..=max).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Error::new(
            Exit::Usage,
            format!("--duration must be {allowed}"),
        ))
    }
}

/// Where the browser lands: `--destination`, else `--service`'s page, else the console home,
/// in `region`.
fn destination(settings: &settings::Console, console: &str, region: &str) -> Result<String, Error> {
    if let Some(d) = &settings.destination {
        let ok = (d.starts_with("https://") || d.starts_with("http://"))
            && !d.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(Error::new(
                Exit::Usage,
                format!("--destination `{}` is not a URL", clip(d, NAME_IN_MESSAGE)),
            )
            .hint(
                "give a console URL, like https://console.aws.amazon.com/ec2/home?region=eu-west-1",
            ));
        }
        return Ok(d.clone());
    }
    let region_query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("region", region)
        .finish();
    match &settings.service {
        Some(s) => {
            let ok = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(Error::new(
                    Exit::Usage,
                    format!(
                        "--service `{}` is not a console service name",
                        clip(s, NAME_IN_MESSAGE)
                    ),
                )
                .hint(
                    "give the name as in the console's address, like s3, ec2 or cloudformation",
                ));
            }
            Ok(format!("{console}/{s}/home?{region_query}"))
        }
        None => Ok(format!("{console}/console/home?{region_query}")),
    }
}

/// A private file (0600 in a 0700 directory of ssox's own) that forwards the browser to
/// `local`; removed when dropped.
fn forwarding_page(env: &Env, local: &str) -> Result<tempfile::NamedTempFile, Error> {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let io = |what: &str, e: std::io::Error| Error::new(Exit::Io, format!("{what}: {e}"));
    let dir = crate::lock::dir(env).with_file_name("console");
    crate::fsutil::create_private_dir(&dir)
        .map_err(|e| io(&format!("cannot create {}", env.tilde(&dir)), e))?;
    let meta = std::fs::symlink_metadata(&dir)
        .map_err(|e| io(&format!("cannot read {}", env.tilde(&dir)), e))?;
    if !meta.is_dir() || meta.uid() != nix::unistd::geteuid().as_raw() {
        return Err(Error::new(
            Exit::Io,
            format!("{} is not a directory of your own", env.tilde(&dir)),
        )
        .hint("remove it; ssox creates it again"));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io(&format!("cannot make {} private", env.tilde(&dir)), e))?;
    }
    let mut file = tempfile::Builder::new()
        .prefix("console-")
        .suffix(".html")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(|e| io(&format!("cannot write in {}", env.tilde(&dir)), e))?;
    let page = format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta http-equiv=\"refresh\" content=\"0;url={local}\">\n<title>ssox console</title>\n\
         <p>Signing in to the AWS console&hellip; <a href=\"{local}\">continue</a></p>\n"
    );
    file.write_all(page.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| io("cannot write the browser's page", e))?;
    Ok(file)
}

/// The `file://` URL of `path`, its bytes percent-encoded where a URL needs it.
fn file_url(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    format!(
        "file://{}",
        percent_encoding::percent_encode(path.as_os_str().as_bytes(), KEEP)
    )
}

/// Starts the browser on a private page that forwards it to a one-time loopback address,
/// which redirects to `url`, and waits until the browser has fetched it.
async fn open(env: &Env, url: &Secret) -> Result<(), Error> {
    let listener = loopback::listen(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .map_err(|e| Error::new(Exit::Io, format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::new(Exit::Io, format!("cannot read the listening port: {e}")))?
        .port();
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce)
        .map_err(|e| Error::new(Exit::Internal, format!("no random numbers: {e}")))?;
    let path = format!("/console/{}", crate::fsutil::hex(&nonce));
    let local = format!("http://127.0.0.1:{port}{path}");
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    let done = Arc::new(std::sync::Mutex::new(Some(tx)));
    let used = Arc::new(AtomicBool::new(false));
    let target = Arc::new(Secret::new(url.expose()));
    let server = tokio::spawn(loopback::serve(listener, move |head: Head| {
        let (done, used, target, path) = (done.clone(), used.clone(), target.clone(), path.clone());
        async move { redirect(&head, &path, &used, &target, &done) }
    }));
    let page = match forwarding_page(env, &local) {
        Ok(p) => p,
        Err(e) => {
            server.abort();
            return Err(e);
        }
    };
    let Some(opened) = browser::open(env, &file_url(page.path())) else {
        server.abort();
        return Err(Error::new(
            Exit::Unavailable,
            "no browser can be opened here (no $BROWSER, and no display or `open`)",
        )
        .hint("run it with --url and open the URL in a browser yourself"));
    };
    let how = opened.name.clone();
    vlog!("started {how} on a one-time address on 127.0.0.1:{port}");
    let deadline = Instant::now() + BROWSER_WAIT;
    let mut spinner = Spinner::new("waiting for the browser", deadline);
    let waited = tokio::time::timeout(BROWSER_WAIT, async {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                // A fetch that came before the opener failed still counts.
                biased;
                _ = &mut rx => return Ok(()),
                _ = tick.tick() => {
                    if let Some(status) = opened.failed() {
                        return Err(status);
                    }
                    spinner.tick();
                }
            }
        }
    })
    .await;
    spinner.clear();
    server.abort();
    drop(page);
    if let Ok(Err(status)) = waited {
        return Err(Error::new(
            Exit::Unavailable,
            format!("the browser command `{how}` failed ({status})"),
        )
        .hint("set BROWSER to a browser that works here, or run it with --url and open the URL yourself"));
    }
    waited.map(|_| ()).map_err(|_| {
        Error::new(
            Exit::TempFail,
            format!(
                "{how} did not open the console within {}",
                crate::timefmt::human_duration(i64::try_from(BROWSER_WAIT.as_secs()).unwrap_or(0))
            ),
        )
        .hint("run it with --url and open the URL in a browser yourself")
    })
}

/// The one-time address: the first request for `path` gets the redirect (and `done` is told
/// once it is written), any later one is told it was used.
fn redirect(
    head: &Head,
    path: &str,
    used: &AtomicBool,
    target: &Secret,
    done: &std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
) -> Reply {
    let page = |status, text: &str| Reply {
        status,
        content_type: "text/plain; charset=utf-8",
        body: format!("{text}\n"),
        headers: vec![("Cache-Control", "no-store".into())],
        sent: None,
    };
    if head.path() != path {
        return page("404 Not Found", "not found");
    }
    if used.swap(true, Ordering::SeqCst) {
        // Only the private page knew the path: a second ask is the same browser reloading,
        // or the page was read by someone it should not have been.
        notice!(
            "the one-time console address was asked for again after it was used; it answered \"used\""
        );
        return page(
            "410 Gone",
            "this address has been used; run ssox console again",
        );
    }
    Reply {
        status: "303 See Other",
        content_type: "text/plain; charset=utf-8",
        body: "signing in to the AWS console\n".into(),
        headers: vec![
            ("Location", target.expose().to_string()),
            ("Cache-Control", "no-store".into()),
            ("Referrer-Policy", "no-referrer".into()),
        ],
        // The wait ends once the browser has the redirect, not before it is written.
        sent: done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::resolve::AssumeRole;

    fn creds(token: bool) -> Credentials {
        Credentials {
            access_key_id: Secret::new("AKIA"),
            secret_access_key: Secret::new("s"),
            session_token: token.then(|| Secret::new("t")),
            expiration: None,
            account_id: None,
        }
    }

    fn role(n: usize) -> Vec<AssumeRole> {
        (0..n)
            .map(|i| AssumeRole {
                profile: format!("p{i}"),
                role_arn: format!("arn:aws:iam::123456789012:role/r{i}"),
                external_id: None,
                session_name: None,
                duration_seconds: None,
                mfa_serial: None,
            })
            .collect()
    }

    #[test]
    fn only_roles_assumed_with_temporary_credentials_count_as_a_chain() {
        let keys = Base::AccessKey {
            profile: "k".into(),
            access_key_id: Secret::new("AKIA"),
            secret_access_key: Secret::new("s"),
            session_token: None,
            account_id: None,
        };
        let process = Base::Process {
            profile: "p".into(),
            command: "x".into(),
            account_id: None,
        };
        let chain = |base: &Base, n| Chain {
            base: base.clone(),
            roles: role(n),
        };
        assert_eq!(kind(&chain(&keys, 0), &creds(false)), Kind::LongTermKeys);
        assert_eq!(kind(&chain(&keys, 1), &creds(true)), Kind::Temporary);
        assert_eq!(kind(&chain(&keys, 2), &creds(true)), Kind::RoleChain);
        assert_eq!(kind(&chain(&process, 0), &creds(true)), Kind::Temporary);
        assert_eq!(kind(&chain(&process, 1), &creds(true)), Kind::RoleChain);
    }
}
