//! The browser sign-in of an `aws login` session, as the AWS CLI does it
//! (`awscli/customizations/login`): `/v1/authorize` with PKCE at the Sign-In service, the
//! redirect back to a listener on 127.0.0.1 (same device), or a code the user pastes from
//! the browser (cross-device: `--use-device-code`, or no browser here); then the
//! `authorization_code` grant, signed with a new P-256 key that the session keeps. The
//! session is the ARN in the ID token's `sub`; the account is that ARN's.

use std::sync::Arc;

use base64::Engine;
use tokio::signal::unix::SignalKind;
use tokio::time::Instant;

use crate::browser;
use crate::env::Env;
use crate::error::{Error, Exit, escaped};
use crate::log::{notice, vlog};
use crate::secret::Secret;
use crate::settings::LoginOptions;
use crate::signin::cache::{AccessToken, LoginFile};
use crate::signin::dpop::{DpopKey, uuid4};
use crate::signin::oauth::{CROSS_DEVICE, Grant, SAME_DEVICE, SignIn};
use crate::sso::login::{
    Waits, accept_callback, percent_encode, pkce_challenge, pkce_verifier, redirect_listener,
};
use crate::term::{self, Spinner};
use crate::timefmt;

/// Whether this sign-in can use the redirect to 127.0.0.1, and why not.
pub fn same_device(env: &Env, opts: &LoginOptions) -> Result<(), &'static str> {
    if opts.use_device_code {
        Err("--use-device-code was given")
    } else if !opts.no_browser && !browser::available(env) {
        Err("no browser can be opened here: no $BROWSER and no display")
    } else {
        Ok(())
    }
}

/// Signs in at `service` for `profile` (named in the hints only). Returns the cache file
/// to write and the session's ARN.
pub async fn sign_in(
    env: &Env,
    service: &SignIn<'_>,
    profile: &str,
    opts: &LoginOptions,
) -> Result<(LoginFile, String), Error> {
    let mut interrupt = tokio::signal::unix::signal(SignalKind::interrupt())
        .map_err(|e| Error::new(Exit::Internal, format!("cannot watch for Ctrl-C: {e}")))?;
    let mut waits = Waits {
        interrupt: &mut interrupt,
        deadline: Instant::now() + opts.timeout,
        opts,
        again: format!("ssox login -p {profile}"),
    };
    let key = Arc::new(
        DpopKey::generate()
            .map_err(|e| Error::new(Exit::Internal, format!("cannot make a signing key: {e}")))?,
    );
    let verifier = pkce_verifier()?;
    let state = uuid4().map_err(|e| Error::new(Exit::Internal, e.to_string()))?;
    let same = same_device(env, opts);
    vlog!(
        "sign-in flow: {} at {}",
        match same {
            Ok(()) => "same device (redirect to 127.0.0.1)".to_string(),
            Err(why) => format!("cross-device ({why})"),
        },
        service.target().describe()
    );
    let authorize = Authorize {
        base: service.target().origin(),
        state: &state,
        challenge: pkce_challenge(&verifier),
    };
    let mut spinner = Spinner::new(
        "waiting for the sign-in in the browser",
        waits.deadline.into_std(),
    );
    let (client_id, code, redirect_uri) = if same.is_ok() {
        same_device_code(env, &authorize, profile, &mut waits, &mut spinner).await?
    } else {
        cross_device_code(&authorize, profile, &waits)?
    };
    let deadline = waits.deadline;
    let issued_at = timefmt::now();
    let new = waits
        .wait(
            service.create_token(
                &key,
                Grant::Code {
                    client_id,
                    code: &code,
                    verifier: &verifier,
                    redirect_uri: &redirect_uri,
                },
            ),
            &mut spinner,
            deadline,
        )
        .await
        .map_err(|e| waits.error(&e))?
        .map_err(|e| e.to_error(&format!("signing in for profile `{profile}`"), &waits.again))?;
    spinner.clear();
    let id_token = new.id_token.ok_or_else(|| {
        Error::new(
            Exit::Unavailable,
            "the AWS Sign-In service's answer had no idToken",
        )
    })?;
    let (session, account) = session_of(&id_token)?;
    let file = LoginFile {
        access_token: Some(AccessToken {
            access_key_id: new.access_key_id,
            secret_access_key: new.secret_access_key,
            session_token: new.session_token,
            account_id: Some(account),
            expires_at: timefmt::format_rfc3339(issued_at + new.expires_in),
            extra: serde_json::Map::new(),
        }),
        token_type: Some(new.token_type),
        client_id: Some(client_id.to_string()),
        refresh_token: Some(new.refresh_token),
        id_token: Some(id_token),
        dpop_key: Some(key.to_pem()),
        extra: serde_json::Map::new(),
    };
    notice!("signed in as {session}");
    Ok((file, session))
}

/// What the `/v1/authorize` URL of one sign-in carries.
struct Authorize<'a> {
    base: String,
    state: &'a str,
    challenge: String,
}

impl Authorize<'_> {
    fn url(&self, client_id: &str, redirect_uri: &str) -> String {
        format!(
            "{}/v1/authorize?response_type=code&client_id={}&state={}&code_challenge_method=SHA-256&scope=openid&redirect_uri={}&code_challenge={}",
            self.base,
            percent_encode(client_id),
            percent_encode(self.state),
            percent_encode(redirect_uri),
            self.challenge,
        )
    }
}

/// The same-device flow: the browser comes back to a listener on 127.0.0.1 with the code.
async fn same_device_code(
    env: &Env,
    authorize: &Authorize<'_>,
    profile: &str,
    waits: &mut Waits<'_>,
    spinner: &mut Spinner,
) -> Result<(&'static str, Secret, String), Error> {
    let opts = waits.opts;
    let (listener, redirect_uri) = redirect_listener(opts, "sign-in")?;
    let url = authorize.url(SAME_DEVICE, &redirect_uri);
    notice!(
        "signing in to AWS for profile `{profile}`; sign in with your console credentials in the browser."
    );
    match (!opts.no_browser)
        .then(|| browser::open(env, &url))
        .flatten()
    {
        Some(o) => notice!(
            "opened the sign-in page with {}; if it did not appear, open:\n  {url}",
            o.name
        ),
        None => notice!("open this URL in a browser on this machine:\n  {url}"),
    }
    let deadline = waits.deadline;
    let code = waits
        .wait(
            accept_callback(listener, authorize.state.to_string()),
            spinner,
            deadline,
        )
        .await
        .map_err(|e| waits.error(&e))??;
    spinner.clear();
    Ok((SAME_DEVICE, code, redirect_uri))
}

/// The cross-device flow: the user signs in anywhere and pastes the code the page shows.
fn cross_device_code(
    authorize: &Authorize<'_>,
    profile: &str,
    waits: &Waits<'_>,
) -> Result<(&'static str, Secret, String), Error> {
    let redirect_uri = format!("{}/v1/sessions/confirmation", authorize.base);
    let url = authorize.url(CROSS_DEVICE, &redirect_uri);
    notice!(
        "to sign in to AWS for profile `{profile}`, open this URL in a browser on any device, sign in with your console credentials, and paste the code it shows:\n  {url}"
    );
    let left = waits.deadline.saturating_duration_since(Instant::now());
    let pasted = term::prompt("authorization code: ", left)
        .map_err(|e| Error::new(Exit::TempFail, format!("no authorization code: {e}")))?;
    let code = pasted_code(pasted.trim(), authorize.state)?;
    Ok((CROSS_DEVICE, code, redirect_uri))
}

/// The code the cross-device page shows: base64 of `state=…&code=…`, whose state must be
/// this sign-in's.
fn pasted_code(pasted: &str, state: &str) -> Result<Secret, Error> {
    let bad = |why: &str| {
        Error::new(
            Exit::NoPerm,
            format!("that is not the authorization code of this sign-in ({why})"),
        )
        .hint("copy the whole code the browser shows after signing in, and paste it once")
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(pasted.as_bytes())
        .map_err(|_| bad("not base64"))?;
    let mut got_state = None;
    let mut code = None;
    for (k, v) in form_urlencoded::parse(&decoded) {
        match &*k {
            "state" => got_state = Some(v.into_owned()),
            "code" => code = Some(v.into_owned()),
            _ => {}
        }
    }
    if got_state.as_deref() != Some(state) {
        return Err(bad("its state is another sign-in's"));
    }
    code.filter(|c| !c.is_empty())
        .map(Secret::new)
        .ok_or_else(|| bad("it carries no code"))
}

/// The session ARN (the ID token's `sub`) and its account. The token comes from the
/// service over TLS; its signature is not checked (the AWS CLI does not either), but what
/// is taken from it is checked to be an IAM ARN before it names a file or a profile.
pub fn session_of(id_token: &Secret) -> Result<(String, String), Error> {
    let bad = |why: &str| {
        Error::new(
            Exit::Unavailable,
            format!("the AWS Sign-In service's ID token is unusable: {why}"),
        )
    };
    let payload = id_token
        .expose()
        .split('.')
        .nth(1)
        .ok_or_else(|| bad("not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('=').as_bytes())
        .map_err(|_| bad("not a JWT"))?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad("not a JWT"))?;
    let sub = claims
        .get("sub")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| bad("no sub"))?;
    let account = arn_account(sub).ok_or_else(|| {
        bad(&format!(
            "sub `{}` is not an IAM or STS ARN",
            crate::error::clip(&escaped(sub), 120)
        ))
    })?;
    Ok((sub.to_string(), account))
}

/// The account of `arn:PARTITION:iam|sts::ACCOUNT:…`, for an ARN with nothing a file or a
/// terminal should not see.
fn arn_account(arn: &str) -> Option<String> {
    if arn.len() > 2048 || arn.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam" | "sts", "", account, resource]
            if partition.starts_with("aws")
                && crate::config::generate::is_account_id(account)
                && !resource.is_empty() =>
        {
            Some((*account).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &serde_json::Value) -> Secret {
        let e = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        Secret::new(format!(
            "{}.{}.sig",
            e(b"{}"),
            e(claims.to_string().as_bytes())
        ))
    }

    #[test]
    fn the_session_is_the_id_tokens_sub_and_must_be_an_iam_arn() {
        let (s, a) = session_of(&jwt(
            &serde_json::json!({"sub": "arn:aws:iam::123456789012:user/dev"}),
        ))
        .unwrap();
        assert_eq!(
            (s.as_str(), a.as_str()),
            ("arn:aws:iam::123456789012:user/dev", "123456789012")
        );
        assert!(
            session_of(&jwt(
                &serde_json::json!({"sub": "arn:aws:sts::123456789012:assumed-role/r/s"})
            ))
            .is_ok()
        );
        for bad in [
            "arn:aws:iam::1234:user/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:user/a\nb",
            "x",
        ] {
            let e = session_of(&jwt(&serde_json::json!({"sub": bad}))).unwrap_err();
            assert!(!e.message.contains('\n'), "{}", e.message);
        }
        assert!(session_of(&Secret::new("nope")).is_err());
    }

    #[test]
    fn a_pasted_code_must_carry_this_sign_ins_state() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(
            pasted_code(&b64("state=abc&code=xyz"), "abc")
                .unwrap()
                .expose(),
            "xyz"
        );
        assert!(pasted_code(&b64("state=other&code=xyz"), "abc").is_err());
        assert!(pasted_code(&b64("state=abc"), "abc").is_err());
        assert!(pasted_code("%%%", "abc").is_err());
    }
}
