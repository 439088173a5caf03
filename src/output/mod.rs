//! What ssox prints and writes besides logs: credentials printed instead of exec'd (the env
//! formats of `aws configure export-credentials`, plus dotenv and fish, and credential_process
//! JSON), every command's stdout ([`print`]), and the credentials-file writer. Rendering is
//! pure: credentials in, text out. Values are quoted only where a value needs it, so both
//! `eval "$(ssox ... --env-export)"` and the older `export $(ssox ... --env-export)` work.

pub mod credentials_file;
pub mod diff;

use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::timefmt;

/// Writes the whole output to stdout; a closed pipe is not ssox's failure to report loudly.
pub fn print(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::new(Exit::Io, format!("cannot write to stdout: {e}"))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// credential_process JSON (Version 1)
    Process,
    /// `export KEY=value` lines for POSIX shells
    Env,
    /// `KEY=value` lines for POSIX shells
    EnvNoExport,
    /// `KEY=value` lines for .env files
    Dotenv,
    /// `$Env:KEY="value"` lines for PowerShell
    Powershell,
    /// `set KEY=value` lines for cmd.exe
    WindowsCmd,
    /// `set -gx KEY value` lines for fish
    Fish,
}

/// The variables in output order: credentials, region, then the profile's other settings
/// (`settings`, as `config::profile_env` gives them); empty ones are left out.
pub fn variables(
    creds: &Credentials,
    region: Option<&str>,
    settings: &[(String, String)],
) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = creds
        .variables()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if let Some(r) = region {
        vars.push(("AWS_REGION".into(), r.to_string()));
        vars.push(("AWS_DEFAULT_REGION".into(), r.to_string()));
    }
    vars.extend(settings.iter().cloned());
    vars
}

/// Characters that survive both `eval` and the word splitting of `export $(...)` unquoted.
fn shell_safe(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b))
}

fn sh_quote(v: &str) -> String {
    if shell_safe(v) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

fn dotenv_quote(v: &str) -> String {
    if shell_safe(v) {
        v.to_string()
    } else {
        format!(
            "\"{}\"",
            v.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        )
    }
}

fn fish_quote(v: &str) -> String {
    if shell_safe(v) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The whole output, ending in a newline.
pub fn render(
    format: Format,
    creds: &Credentials,
    region: Option<&str>,
    settings: &[(String, String)],
    pretty: bool,
) -> String {
    let line: fn(&str, &str) -> String = match format {
        Format::Process => return process_json(creds, pretty),
        Format::Env => |k, v| format!("export {k}={}", sh_quote(v)),
        Format::EnvNoExport => |k, v| format!("{k}={}", sh_quote(v)),
        Format::Dotenv => |k, v| format!("{k}={}", dotenv_quote(v)),
        Format::Powershell => |k, v| {
            format!(
                "$Env:{k}=\"{}\"",
                v.replace('`', "``").replace('"', "`\"").replace('$', "`$")
            )
        },
        Format::WindowsCmd => |k, v| format!("set {k}={v}"),
        Format::Fish => |k, v| format!("set -gx {k} {}", fish_quote(v)),
    };
    variables(creds, region, settings)
        .iter()
        .map(|(k, v)| line(k, v) + "\n")
        .collect()
}

/// credential_process output: `Version` 1 and the credentials, `Expiration` in RFC 3339 `Z`.
pub fn process_json(creds: &Credentials, pretty: bool) -> String {
    let mut m = json_fields(creds, "SessionToken");
    m.insert("Version".into(), 1.into());
    let v = serde_json::Value::Object(m);
    let mut s = if pretty {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    }
    .unwrap_or_default();
    s.push('\n');
    s
}

/// The credential fields every JSON consumer reads; only the session token's key differs
/// (`SessionToken` for credential_process, `Token` for the container endpoint).
pub fn json_fields(
    creds: &Credentials,
    token_key: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("AccessKeyId".into(), creds.access_key_id.expose().into());
    m.insert(
        "SecretAccessKey".into(),
        creds.secret_access_key.expose().into(),
    );
    if let Some(t) = &creds.session_token {
        m.insert(token_key.into(), t.expose().into());
    }
    if let Some(e) = creds.expiration {
        m.insert("Expiration".into(), timefmt::format_rfc3339(e).into());
    }
    if let Some(a) = &creds.account_id {
        m.insert("AccountId".into(), a.clone().into());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn creds(token: &str) -> Credentials {
        Credentials {
            access_key_id: Secret::new("ASIAXYZ"),
            secret_access_key: Secret::new("ab/cd+ef"),
            session_token: Some(Secret::new(token)),
            expiration: Some(1_704_139_200),
            account_id: None,
        }
    }

    #[test]
    fn env_values_are_quoted_only_when_needed() {
        let out = render(
            Format::Env,
            &creds("FwoG+/x=="),
            Some("us-west-2"),
            &[],
            false,
        );
        assert_eq!(
            out,
            "export AWS_ACCESS_KEY_ID=ASIAXYZ\nexport AWS_SECRET_ACCESS_KEY=ab/cd+ef\n\
             export AWS_SESSION_TOKEN=FwoG+/x==\nexport AWS_CREDENTIAL_EXPIRATION=2024-01-01T20:00:00Z\n\
             export AWS_REGION=us-west-2\nexport AWS_DEFAULT_REGION=us-west-2\n"
        );
        let out = render(Format::EnvNoExport, &creds("it's $x"), None, &[], false);
        assert!(out.contains("AWS_SESSION_TOKEN='it'\\''s $x'\n"), "{out}");
    }

    #[test]
    fn other_shells_get_their_own_syntax() {
        let c = creds("t$\"`");
        assert!(
            render(Format::Powershell, &c, None, &[], false)
                .contains("$Env:AWS_SESSION_TOKEN=\"t`$`\"``\"\n")
        );
        assert!(
            render(Format::WindowsCmd, &c, None, &[], false)
                .starts_with("set AWS_ACCESS_KEY_ID=ASIAXYZ\n")
        );
        assert!(
            render(Format::Fish, &c, None, &[], false)
                .contains("set -gx AWS_SESSION_TOKEN 't$\"`'\n")
        );
        assert!(
            render(Format::Dotenv, &c, None, &[], false)
                .contains("AWS_SESSION_TOKEN=\"t$\\\"`\"\n")
        );
    }

    #[test]
    fn process_json_is_version_1_with_a_z_expiration() {
        let v: serde_json::Value =
            serde_json::from_str(&render(Format::Process, &creds("t"), None, &[], true)).unwrap();
        assert_eq!(v["Version"], 1);
        assert_eq!(v["Expiration"], "2024-01-01T20:00:00Z");
        assert_eq!(v["SessionToken"], "t");
    }
}
