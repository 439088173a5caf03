//! The environment PROGRAM runs with: the parent's, minus every inherited AWS credential or
//! profile selector (so nothing stale can shadow what ssox resolved), plus the new
//! credentials, the region, the profile's other settings as variables, and `SSOX_PROFILE`.
//! Pure: env in, env out.

use std::ffi::OsString;

use crate::config::region::{RegionChoice, Source};
use crate::credentials::Credentials;
use crate::env::Env;

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
    /// The container credentials endpoint (`--server`), and no static keys. With a token
    /// file (`--token-file`), PROGRAM gets its path instead of the token, so the token is
    /// in no environment.
    Container {
        url: &'a str,
        token: &'a crate::secret::Secret,
        token_file: Option<&'a std::path::Path>,
    },
}

/// Everything PROGRAM gets from ssox.
pub struct Additions<'a> {
    pub injected: Injected<'a>,
    pub region: Option<&'a RegionChoice>,
    /// The profile's settings as variables (`config::profile_env`).
    pub settings: &'a [(String, String)],
    pub profile: &'a str,
    /// The account of the credentials, for `AWS_ACCOUNT_ID` when PROGRAM gets no keys
    /// (`--server`; with keys it comes with them).
    pub account_id: Option<&'a str>,
    /// The CA bundle the run trusts (`AWS_CA_BUNDLE` or `ca_bundle`): Node.js ignores
    /// those, so it also becomes `NODE_EXTRA_CA_CERTS` unless that is set.
    pub ca_bundle: Option<&'a std::path::Path>,
}

/// The region variables PROGRAM gets: both, set to the run's region. `--region` replaces
/// what the user had; otherwise a variable the user set stays as it is (it is where the
/// region came from, or it comes first in the SDKs' order anyway).
fn region_variables(parent: &Env, region: Option<&RegionChoice>) -> Vec<(&'static str, String)> {
    let Some(r) = region else {
        return Vec::new();
    };
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .into_iter()
        .filter(|var| r.source == Source::Flag || parent.get(var).is_none())
        .map(|var| (var, r.name.clone()))
        .collect()
}

/// Builds the child's environment: each variable once, inherited order kept, ours last.
pub fn build(parent: &Env, add: &Additions<'_>) -> Vec<(OsString, OsString)> {
    let mut ours: Vec<(String, String)> = Vec::with_capacity(12);
    let mut set = |k: &str, v: &str| ours.push((k.to_string(), v.to_string()));
    match &add.injected {
        Injected::Keys(c) => {
            for (k, v) in c.variables() {
                set(k, &v);
            }
        }
        Injected::Container {
            url,
            token,
            token_file,
        } => {
            set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
            // `TokenFile::check` lets only a UTF-8 path through.
            match token_file.and_then(|p| p.to_str()) {
                Some(path) => set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path),
                None => set("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.expose()),
            }
            if let Some(a) = add.account_id {
                set("AWS_ACCOUNT_ID", a);
            }
        }
    }
    if let Some(ca) = add.ca_bundle.and_then(std::path::Path::to_str)
        && parent.get_os("NODE_EXTRA_CA_CERTS").is_none()
    {
        set("NODE_EXTRA_CA_CERTS", ca);
    }
    for (k, v) in region_variables(parent, add.region) {
        set(k, &v);
    }
    for (k, v) in add.settings {
        set(k, v);
    }
    set("SSOX_PROFILE", add.profile);
    let mut out: Vec<(OsString, OsString)> = Vec::with_capacity(parent.vars().len() + ours.len());
    for (k, v) in parent.vars() {
        let drop = k
            .to_str()
            .is_some_and(|k| REMOVED.contains(&k) || ours.iter().any(|(o, _)| o == k));
        // A raw environ can hold a name twice; getenv sees the first, so keep that one.
        if !drop && !out.iter().any(|(seen, _)| seen == k) {
            out.push((k.clone(), v.clone()));
        }
    }
    out.extend(ours.into_iter().map(|(k, v)| (k.into(), v.into())));
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
        let env = build(
            &parent,
            &Additions {
                injected: Injected::Keys(&c),
                region: None,
                settings: &[],
                profile: "dev",
                account_id: None,
                ca_bundle: None,
            },
        );
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
    fn the_account_and_a_ca_bundle_for_node_reach_the_child_unless_node_has_its_own() {
        let token = crate::secret::Secret::new("t");
        let ca = std::path::Path::new("/corp/ca.pem");
        let add = |injected| Additions {
            injected,
            region: None,
            settings: &[],
            profile: "p",
            account_id: Some("123456789012"),
            ca_bundle: Some(ca),
        };
        let mut c = creds();
        c.account_id = Some("123456789012".into());
        let keys = build(
            &Env::from_pairs([("AWS_ACCOUNT_ID", "999999999999")]),
            &add(Injected::Keys(&c)),
        );
        assert_eq!(get(&keys, "AWS_ACCOUNT_ID"), ["123456789012"]);
        assert_eq!(get(&keys, "NODE_EXTRA_CA_CERTS"), ["/corp/ca.pem"]);
        let served = build(
            &Env::from_pairs([("NODE_EXTRA_CA_CERTS", "/mine.pem")]),
            &add(Injected::Container {
                url: "http://127.0.0.1:1/",
                token: &token,
                token_file: None,
            }),
        );
        assert_eq!(get(&served, "AWS_ACCOUNT_ID"), ["123456789012"]);
        assert_eq!(get(&served, "NODE_EXTRA_CA_CERTS"), ["/mine.pem"]);
        // An account that is not 12 digits never reaches the child.
        let mut bad = creds();
        bad.account_id = Some("12\nX=1".into());
        let odd = build(
            &Env::default(),
            &Additions {
                account_id: None,
                ..add(Injected::Keys(&bad))
            },
        );
        assert!(get(&odd, "AWS_ACCOUNT_ID").is_empty());
    }

    fn with_region(parent: &Env, name: &str, source: Source) -> Vec<(OsString, OsString)> {
        let c = creds();
        let region = RegionChoice {
            name: name.into(),
            source,
        };
        build(
            parent,
            &Additions {
                injected: Injected::Keys(&c),
                region: Some(&region),
                settings: &[("AWS_DEFAULT_OUTPUT".into(), "json".into())],
                profile: "p",
                account_id: None,
                ca_bundle: None,
            },
        )
    }

    #[test]
    fn the_region_flag_replaces_both_variables_and_other_choices_fill_the_gaps() {
        let parent = Env::from_pairs([("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "")]);
        let env = with_region(&parent, "us-west-2", Source::Flag);
        assert_eq!(get(&env, "AWS_REGION"), ["us-west-2"]);
        assert_eq!(get(&env, "AWS_DEFAULT_REGION"), ["us-west-2"]);
        let env = with_region(&parent, "eu-west-1", Source::Env("AWS_REGION"));
        assert_eq!(get(&env, "AWS_REGION"), ["eu-west-1"]);
        assert_eq!(get(&env, "AWS_DEFAULT_REGION"), ["eu-west-1"]);
        let env = with_region(&Env::default(), "ap-south-1", Source::Profile("p".into()));
        assert_eq!(get(&env, "AWS_REGION"), ["ap-south-1"]);
        assert_eq!(get(&env, "AWS_DEFAULT_OUTPUT"), ["json"]);
    }
}
