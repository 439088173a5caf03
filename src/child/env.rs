//! The environment PROGRAM runs with: the parent's, minus every inherited AWS credential or
//! profile selector (so nothing stale can shadow what ssox resolved), plus the new
//! credentials, the region and `SSOX_PROFILE`. Pure: env in, env out.

use std::ffi::OsString;

use crate::credentials::Credentials;
use crate::env::Env;
use crate::timefmt;

/// Variables that select a profile or carry credentials; a child must not inherit them.
pub const REMOVED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CREDENTIAL_FILE",
    "AWS_SDK_LOAD_CONFIG",
    // Older SDK aliases of the key variables.
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    // Account of inherited credentials; wrong for ours.
    "AWS_ACCOUNT_ID",
    // Other credential sources an SDK would try; ours must be the only one.
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "SSOX_PROFILE",
    crate::provider::process::CHAIN_VAR,
];

/// What the child gets besides the inherited variables.
pub enum Injected<'a> {
    /// Static credentials in `AWS_*` variables (exec mode).
    Keys(&'a Credentials),
    /// The container credentials endpoint (`--server`), and no static keys.
    Container {
        url: &'a str,
        token: &'a crate::secret::Secret,
    },
}

/// Builds the child's environment: each variable once, inherited order kept, ours last.
pub fn build(
    parent: &Env,
    injected: &Injected<'_>,
    region: Option<&str>,
    profile: &str,
) -> Vec<(OsString, OsString)> {
    let mut out: Vec<(OsString, OsString)> = Vec::with_capacity(parent.vars().len() + 8);
    let region_set = region.is_some();
    for (k, v) in parent.vars() {
        let drop = k.to_str().is_some_and(|k| {
            REMOVED.contains(&k) || (region_set && (k == "AWS_REGION" || k == "AWS_DEFAULT_REGION"))
        });
        // A raw environ can hold a name twice; getenv sees the first, so keep that one.
        if !drop && !out.iter().any(|(seen, _)| seen == k) {
            out.push((k.clone(), v.clone()));
        }
    }
    let mut set = |k: &str, v: &str| out.push((k.into(), v.into()));
    match injected {
        Injected::Keys(c) => {
            set("AWS_ACCESS_KEY_ID", c.access_key_id.expose());
            set("AWS_SECRET_ACCESS_KEY", c.secret_access_key.expose());
            if let Some(t) = &c.session_token {
                set("AWS_SESSION_TOKEN", t.expose());
            }
            if let Some(e) = c.expiration {
                set("AWS_CREDENTIAL_EXPIRATION", &timefmt::format_rfc3339(e));
            }
        }
        Injected::Container { url, token } => {
            set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
            set("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.expose());
        }
    }
    if let Some(r) = region {
        set("AWS_REGION", r);
        set("AWS_DEFAULT_REGION", r);
    }
    set("SSOX_PROFILE", profile);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: Secret::new("AKID"),
            secret_access_key: Secret::new("SECRET"),
            session_token: Some(Secret::new("TOKEN")),
            expiration: Some(1_704_139_200),
            account_id: None,
        }
    }

    fn get<'a>(env: &'a [(OsString, OsString)], k: &str) -> Vec<&'a str> {
        env.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.to_str().unwrap())
            .collect()
    }

    #[test]
    fn replaces_inherited_credentials_and_profile_selectors() {
        let parent = Env::from_pairs([
            ("PATH", "/bin"),
            ("AWS_PROFILE", "old"),
            ("AWS_ACCESS_KEY_ID", "OLDKEY"),
            ("AWS_SECURITY_TOKEN", "OLD"),
            ("AWS_SDK_LOAD_CONFIG", "1"),
            ("SSOX_PROFILE", "outer"),
            ("PATH", "/second"),
        ]);
        let c = creds();
        let env = build(&parent, &Injected::Keys(&c), None, "dev");
        assert_eq!(get(&env, "PATH"), ["/bin"]);
        assert!(get(&env, "AWS_PROFILE").is_empty());
        assert!(get(&env, "AWS_SECURITY_TOKEN").is_empty());
        assert!(get(&env, "AWS_SDK_LOAD_CONFIG").is_empty());
        assert_eq!(get(&env, "AWS_ACCESS_KEY_ID"), ["AKID"]);
        assert_eq!(get(&env, "AWS_SESSION_TOKEN"), ["TOKEN"]);
        assert_eq!(
            get(&env, "AWS_CREDENTIAL_EXPIRATION"),
            ["2024-01-01T20:00:00Z"]
        );
        assert_eq!(get(&env, "SSOX_PROFILE"), ["dev"]);
    }

    #[test]
    fn region_overrides_both_variables_or_leaves_them_alone() {
        let parent = Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-2"),
        ]);
        let c = creds();
        let env = build(&parent, &Injected::Keys(&c), Some("us-west-2"), "p");
        assert_eq!(get(&env, "AWS_REGION"), ["us-west-2"]);
        assert_eq!(get(&env, "AWS_DEFAULT_REGION"), ["us-west-2"]);
        let env = build(&parent, &Injected::Keys(&c), None, "p");
        assert_eq!(get(&env, "AWS_REGION"), ["eu-west-1"]);
        assert_eq!(get(&env, "AWS_DEFAULT_REGION"), ["eu-west-2"]);
    }
}
