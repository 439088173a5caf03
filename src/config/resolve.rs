//! Resolves a profile into the chain of providers that yields its credentials, by the AWS
//! SDKs' rules (the cross-SDK `assume-role-tests.json` vectors): a base (static keys, SSO,
//! an `aws login` session, web identity, `credential_process`, or a named source) and then zero or more roles to
//! assume, innermost first. Pure: it reads the merged [`ConfigSet`] and nothing else.

use super::{ConfigSet, FilePaths, Origin, ProfileSource, Section};
use crate::env::Env;
use crate::error::{Error, Exit, NAME_IN_MESSAGE, clip};
use crate::secret::Secret;

/// The credential source at the root of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    AccessKey {
        profile: String,
        access_key_id: Secret,
        secret_access_key: Secret,
        session_token: Option<Secret>,
        account_id: Option<String>,
    },
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    NamedSource {
        profile: String,
        source: CredentialSource,
    },
    WebIdentity {
        profile: String,
        role_arn: String,
        token_file: String,
        session_name: Option<String>,
    },
    Sso(SsoProfile),
    /// `login_session = ARN`: a console sign-in by `aws login` (or `ssox login`).
    Login(LoginProfile),
    Process {
        profile: String,
        command: String,
        /// The profile's `aws_account_id`, for output that names no AccountId.
        account_id: Option<String>,
    },
}

/// The three values `credential_source` may have; anything else is refused when the profile
/// is resolved, as botocore does, so `doctor` and `profiles` see the error a run would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    Environment,
    Ec2InstanceMetadata,
    EcsContainer,
}

impl CredentialSource {
    const ALL: [(&'static str, Self); 3] = [
        ("Environment", Self::Environment),
        ("Ec2InstanceMetadata", Self::Ec2InstanceMetadata),
        ("EcsContainer", Self::EcsContainer),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }

    fn parse(profile: &Section) -> Result<Self, ResolveError> {
        let value = profile.get("credential_source").unwrap_or_default();
        if let Some((_, s)) = Self::ALL.iter().find(|(n, _)| *n == value) {
            return Ok(*s);
        }
        let names = Self::ALL.map(|(n, _)| n);
        let near = super::similar(value, names.iter().copied());
        let guess = near
            .first()
            .map(|n| format!("did you mean {n}? "))
            .unwrap_or_default();
        Err(invalid(
            profile,
            "credential_source",
            format!(
                "profile `{}` sets credential_source = {}, which is not a credential source; {guess}it takes Environment, Ec2InstanceMetadata or EcsContainer",
                profile.name,
                clip(value, NAME_IN_MESSAGE)
            ),
        ))
    }
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An SSO profile's settings, with the sso-session (if any) already looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfile {
    pub profile: String,
    /// `Some` for `sso_session` profiles, `None` for legacy ones.
    pub session_name: Option<String>,
    pub start_url: String,
    pub region: String,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    /// `sso_registration_scopes`, split on commas; empty when unset.
    pub registration_scopes: Vec<String>,
    pub registration_scopes_set: bool,
    /// `sso_use_device_code = true` in the profile or its sso-session.
    pub use_device_code: bool,
}

impl SsoProfile {
    /// The SSO token cache key input: the session name, or the start URL for legacy profiles.
    pub fn token_cache_input(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }

    /// How messages name this SSO login: its sso-session, or a legacy profile and its URL.
    pub fn describe(&self) -> String {
        match &self.session_name {
            // A session on its own (`ssox login --sso-session`, `ssox configure`) has no profile.
            Some(s) if self.account_id.is_none() && self.profile == *s => {
                format!("sso-session `{s}`")
            }
            Some(s) => format!("sso-session `{s}` (profile `{}`)", self.profile),
            None => format!("profile `{}` ({})", self.profile, self.start_url),
        }
    }

    /// The command that logs this profile in.
    pub fn login_command(&self) -> String {
        match &self.session_name {
            Some(s) if self.account_id.is_none() => format!("ssox login --sso-session {s}"),
            _ => format!("ssox login -p {}", self.profile),
        }
    }
}

/// A `login_session` profile: an `aws login` session, cached under the session's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProfile {
    pub profile: String,
    /// The `login_session` value: the ARN of the signed-in IAM user or role.
    pub session: String,
    /// The profile's own `region`, where the session's cache does not name one.
    pub region: Option<String>,
}

impl LoginProfile {
    /// The command that signs this profile in again.
    pub fn login_command(&self) -> String {
        format!("ssox login -p {}", self.profile)
    }

    /// The same, for those who use the AWS CLI.
    pub fn aws_login_command(&self) -> String {
        format!("aws login --profile {}", self.profile)
    }

    /// How messages name the session.
    pub fn describe(&self) -> String {
        format!(
            "the aws login session of profile `{}` ({})",
            self.profile,
            clip(&crate::error::escaped(&self.session), NAME_IN_MESSAGE)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    /// The profile that names this role.
    pub profile: String,
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<String>,
    pub mfa_serial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub base: Base,
    /// Roles to assume in order: `roles[0]` with the base's credentials, and so on.
    pub roles: Vec<AssumeRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("No profiles were defined")]
    NoProfiles { name: String },
    #[error("profile `{name}` not found")]
    ProfileNotFound { name: String },
    #[error("could not find source profile {source_name} referenced from {from}")]
    SourceNotFound {
        from: String,
        source_name: String,
        origin: Origin,
    },
    #[error("profile formed an infinite loop: {}", path.join(" -> "))]
    InfiniteLoop { path: Vec<String>, origin: Origin },
    #[error("{message}")]
    Invalid {
        profile: String,
        message: String,
        origin: Origin,
    },
    #[error("profile `{profile}` did not contain credential information")]
    NoCredentials { profile: String, origin: Origin },
    #[error("sso-session named `{session}` (referenced by profile `{profile}`) was not found")]
    SessionNotFound {
        profile: String,
        session: String,
        origin: Origin,
    },
}

impl ResolveError {
    /// The file position the error is about, where there is one.
    pub fn origin(&self) -> Option<Origin> {
        match self {
            Self::NoProfiles { .. } | Self::ProfileNotFound { .. } => None,
            Self::SourceNotFound { origin, .. }
            | Self::InfiniteLoop { origin, .. }
            | Self::Invalid { origin, .. }
            | Self::NoCredentials { origin, .. }
            | Self::SessionNotFound { origin, .. } => Some(*origin),
        }
    }
}

fn invalid(section: &Section, key: &str, message: String) -> ResolveError {
    ResolveError::Invalid {
        profile: section.name.clone(),
        message,
        origin: section.origin_of(key),
    }
}

/// Walks from `selected` through `source_profile` links to a base provider.
pub fn resolve_chain(set: &ConfigSet, selected: &str) -> Result<Chain, ResolveError> {
    if set.profiles.is_empty() {
        return Err(ResolveError::NoProfiles {
            name: selected.to_string(),
        });
    }
    let mut visited: Vec<String> = Vec::new();
    let mut roles: Vec<AssumeRole> = Vec::new();
    let mut name = selected.to_string();
    let mut from: Option<&Section> = None;
    let base = loop {
        let Some(profile) = set.profile(&name) else {
            return Err(match from {
                None => ResolveError::ProfileNotFound { name },
                Some(f) => ResolveError::SourceNotFound {
                    from: f.name.clone(),
                    source_name: name,
                    origin: f.origin_of("source_profile"),
                },
            });
        };
        if visited.contains(&name) {
            let mut path = visited.clone();
            path.push(name);
            return Err(ResolveError::InfiniteLoop {
                path,
                origin: profile.origin,
            });
        }
        visited.push(name.clone());
        // Past the first profile, static keys end the chain even beside a role_arn (the SDK
        // rule), except in an SSO profile: there they are what `ssox -c` wrote last time, and
        // stale keys must not shadow fresh SSO credentials (botocore resolves SSO first too).
        if visited.len() > 1
            && SSO_KEYS.iter().all(|k| profile.get(k).is_none())
            && let Ok(base) = static_keys(profile)
        {
            break base;
        }
        match role_of(profile) {
            None => {
                break base_provider(set, profile).map_err(|e| match e {
                    ResolveError::NoCredentials { profile: p, origin } if visited.len() > 1 => {
                        ResolveError::Invalid {
                            profile: p.clone(),
                            message: format!(
                                "could not load source profile: profile `{p}` did not contain credential information"
                            ),
                            origin,
                        }
                    }
                    other => other,
                })?;
            }
            Some(role) => {
                roles.push(role);
                source_gives_credentials(set, profile)?;
                let source = profile.get("source_profile");
                let named = profile.get("credential_source");
                match (source, named) {
                    (None, None) => {
                        return Err(invalid(
                            profile,
                            "role_arn",
                            format!(
                                "profile `{}` sets role_arn, so the profile must contain `source_profile` (or `credential_source`)",
                                profile.name
                            ),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(invalid(
                            profile,
                            "credential_source",
                            format!(
                                "profile `{}`: profile contained both source_profile and credential_source; keep one",
                                profile.name
                            ),
                        ));
                    }
                    (Some(src), None) if src == profile.name => {
                        // Self reference: this profile's own keys are the base.
                        break base_provider(set, profile)?;
                    }
                    (Some(src), None) => {
                        name = src.to_string();
                        from = Some(profile);
                    }
                    (None, Some(_)) => {
                        break Base::NamedSource {
                            profile: profile.name.clone(),
                            source: CredentialSource::parse(profile)?,
                        };
                    }
                }
            }
        }
    };
    roles.reverse();
    Ok(Chain { base, roles })
}

/// A role's source must give credentials: an SSO login without a role cannot. Refused here,
/// naming the source's own section, rather than when a run reaches it.
fn source_gives_credentials(set: &ConfigSet, profile: &Section) -> Result<(), ResolveError> {
    if let Some(src) = profile.get("source_profile")
        && src != profile.name
        && let Some(source) = set.profile(src)
        && role_of(source).is_none()
        && let Ok(Some(sso)) = sso_profile(set, source)
        && sso.account_id.is_none()
    {
        return Err(ResolveError::Invalid {
            profile: source.name.clone(),
            message: format!(
                "profile `{}` (the source_profile of `{}`) names an SSO login but no role: it needs sso_account_id and sso_role_name",
                source.name, profile.name
            ),
            origin: source.origin,
        });
    }
    Ok(())
}

/// A `role_arn` makes a profile a chain link, unless it is a web-identity profile (whose
/// `role_arn` belongs to the base provider).
fn role_of(profile: &Section) -> Option<AssumeRole> {
    if profile.get("web_identity_token_file").is_some() {
        return None;
    }
    let opt = |k: &str| profile.get_nonempty(k).map(str::to_string);
    Some(AssumeRole {
        profile: profile.name.clone(),
        role_arn: profile.get("role_arn")?.to_string(),
        external_id: opt("external_id"),
        session_name: opt("role_session_name"),
        duration_seconds: opt("duration_seconds"),
        mfa_serial: opt("mfa_serial"),
    })
}

fn base_provider(set: &ConfigSet, profile: &Section) -> Result<Base, ResolveError> {
    if profile.get("credential_source").is_some() {
        return Ok(Base::NamedSource {
            profile: profile.name.clone(),
            source: CredentialSource::parse(profile)?,
        });
    }
    if let Some(token_file) = profile.get("web_identity_token_file") {
        let role_arn = profile.get("role_arn").ok_or_else(|| {
            invalid(
                profile,
                "web_identity_token_file",
                format!(
                    "profile `{}` sets web_identity_token_file but `role_arn` was missing",
                    profile.name
                ),
            )
        })?;
        return Ok(Base::WebIdentity {
            profile: profile.name.clone(),
            role_arn: role_arn.to_string(),
            token_file: token_file.to_string(),
            session_name: profile
                .get_nonempty("role_session_name")
                .map(str::to_string),
        });
    }
    if let Some(sso) = sso_profile(set, profile)? {
        return Ok(Base::Sso(sso));
    }
    // After SSO and before credential_process, as botocore's chain has it.
    if let Some(session) = profile.get_nonempty("login_session") {
        return Ok(Base::Login(LoginProfile {
            profile: profile.name.clone(),
            session: session.to_string(),
            region: profile.get_nonempty("region").map(str::to_string),
        }));
    }
    if let Some(command) = profile.get("credential_process") {
        return Ok(Base::Process {
            profile: profile.name.clone(),
            command: command.to_string(),
            account_id: profile.get_nonempty("aws_account_id").map(str::to_string),
        });
    }
    static_keys(profile)
}

fn static_keys(profile: &Section) -> Result<Base, ResolveError> {
    let key = profile.get("aws_access_key_id");
    let secret = profile.get("aws_secret_access_key");
    match (key, secret) {
        (None, None) => Err(ResolveError::NoCredentials {
            profile: profile.name.clone(),
            origin: profile.origin,
        }),
        (Some(_), None) => Err(invalid(
            profile,
            "aws_access_key_id",
            format!(
                "profile `{}` is incomplete: profile missing aws_secret_access_key",
                profile.name
            ),
        )),
        (None, Some(_)) => Err(invalid(
            profile,
            "aws_secret_access_key",
            format!(
                "profile `{}` is incomplete: profile missing aws_access_key_id",
                profile.name
            ),
        )),
        (Some(k), Some(s)) => Ok(Base::AccessKey {
            profile: profile.name.clone(),
            access_key_id: Secret::new(k),
            secret_access_key: Secret::new(s),
            session_token: profile.get_nonempty("aws_session_token").map(Secret::new),
            account_id: profile.get_nonempty("aws_account_id").map(str::to_string),
        }),
    }
}

const SSO_KEYS: [&str; 5] = [
    "sso_account_id",
    "sso_region",
    "sso_role_name",
    "sso_start_url",
    "sso_session",
];

/// The SSO settings of a profile, `None` when it has no `sso_*` key at all.
pub fn sso_profile(set: &ConfigSet, profile: &Section) -> Result<Option<SsoProfile>, ResolveError> {
    if SSO_KEYS.iter().all(|k| profile.get(k).is_none()) {
        return Ok(None);
    }
    let name = &profile.name;
    let mut start_url = profile.get("sso_start_url");
    let mut region = profile.get("sso_region");
    // Legacy profiles never register with scopes (the AWS CLI's registration key says null).
    let mut scopes = None;
    let mut device = profile.get("sso_use_device_code");
    let session_name = profile.get("sso_session");
    if let Some(session_name) = session_name {
        for key in ["sso_region", "sso_start_url"] {
            if profile.get(key).is_some() {
                return Err(invalid(
                    profile,
                    key,
                    format!(
                        "profile `{name}`: `{key}` can only be specified in the [sso-session] config when a session name is given; move it to [sso-session {session_name}] or remove it"
                    ),
                ));
            }
        }
        let session =
            set.sso_sessions
                .get(session_name)
                .ok_or_else(|| ResolveError::SessionNotFound {
                    profile: name.clone(),
                    session: session_name.to_string(),
                    origin: profile.origin_of("sso_session"),
                })?;
        start_url = session.get("sso_start_url");
        region = session.get("sso_region");
        scopes = session.get("sso_registration_scopes");
        device = device.or_else(|| session.get("sso_use_device_code"));
        for (key, value) in [("sso_start_url", start_url), ("sso_region", region)] {
            if value.is_none_or(str::is_empty) {
                return Err(ResolveError::Invalid {
                    profile: name.clone(),
                    message: format!(
                        "sso-session `{session_name}` (used by profile `{name}`) is missing `{key}`"
                    ),
                    origin: session.origin,
                });
            }
        }
    }
    let (account_id, role_name) = role_pair(profile)?;
    let missing = |key: &str| {
        invalid(
            profile,
            key,
            format!("profile `{name}` is an SSO profile but is missing `{key}`"),
        )
    };
    let start_url = start_url
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("sso_start_url"))?;
    let region = region
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("sso_region"))?;
    let registration_scopes = scopes
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(SsoProfile {
        profile: name.clone(),
        session_name: session_name.map(str::to_string),
        start_url: start_url.to_string(),
        region: region.to_string(),
        account_id: account_id.map(str::to_string),
        role_name: role_name.map(str::to_string),
        registration_scopes,
        registration_scopes_set: scopes.is_some(),
        use_device_code: device.is_some_and(|v| v.eq_ignore_ascii_case("true")),
    }))
}

/// An `[sso-session NAME]` on its own (for `ssox login --sso-session NAME`).
pub fn sso_session_profile(set: &ConfigSet, name: &str) -> Result<SsoProfile, ResolveError> {
    let mut section = Section::new(
        name,
        super::Origin {
            file: super::FileKind::Config,
            line: 0,
        },
    );
    if let Some(session) = set.sso_sessions.get(name) {
        section.origin = session.origin;
    }
    section.props.insert(
        "sso_session".into(),
        super::Prop {
            value: name.to_string(),
            origin: section.origin,
        },
    );
    sso_profile(set, &section)?.ok_or(ResolveError::ProfileNotFound {
        name: name.to_string(),
    })
}

/// `sso_account_id` and `sso_role_name` come together or not at all.
fn role_pair(profile: &Section) -> Result<(Option<&str>, Option<&str>), ResolveError> {
    let name = &profile.name;
    let account_id = profile.get_nonempty("sso_account_id");
    let role_name = profile.get_nonempty("sso_role_name");
    match (account_id, role_name) {
        (Some(_), None) => Err(invalid(
            profile,
            "sso_account_id",
            format!(
                "profile `{name}`: if `sso_account_id` is set, then `sso_role_name` must also be set"
            ),
        )),
        (None, Some(_)) => Err(invalid(
            profile,
            "sso_role_name",
            format!(
                "profile `{name}`: if `sso_role_name` is set, then `sso_account_id` must also be set"
            ),
        )),
        _ => Ok((account_id, role_name)),
    }
}

/// The kind of a profile, what it signs in as, and where a role's source credentials come from.
pub fn what_it_is(set: &ConfigSet, chain: &Chain) -> (&'static str, String, Option<String>) {
    if let Some(role) = chain.roles.last() {
        let p = set.profile(&role.profile);
        let source = p.and_then(|p| {
            p.get("source_profile").map(str::to_string).or_else(|| {
                p.get("credential_source")
                    .map(|s| format!("credential_source {s}"))
            })
        });
        ("role", role.role_arn.clone(), source)
    } else {
        match &chain.base {
            Base::Sso(s) => (
                if s.session_name.is_some() {
                    "sso"
                } else {
                    "sso-legacy"
                },
                match (&s.account_id, &s.role_name) {
                    (Some(a), Some(r)) => format!("{a}/{r}"),
                    _ => "(login only)".into(),
                },
                s.session_name.as_ref().map(|n| format!("sso-session {n}")),
            ),
            Base::AccessKey { session_token, .. } => (
                "static",
                if session_token.is_some() {
                    "session keys".into()
                } else {
                    "long-term keys".into()
                },
                None,
            ),
            Base::Login(l) => ("login", l.session.clone(), None),
            Base::Process { command, .. } => ("process", command.clone(), None),
            Base::WebIdentity { role_arn, .. } => ("web-identity", role_arn.clone(), None),
            Base::NamedSource { source, .. } => ("source", source.to_string(), None),
        }
    }
}

/// The profile names for a hint: the first eight, and how many more.
fn some_names(set: &ConfigSet) -> String {
    let names: Vec<String> = set
        .profiles
        .keys()
        .take(8)
        .map(|n| clip(n, NAME_IN_MESSAGE))
        .collect();
    let more = set.profiles.len().saturating_sub(names.len());
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

/// No profile was named (no `-p`, no `AWS_PROFILE`), there is no `[default]`, and no one is
/// at a terminal to pick one.
pub fn no_profile_named(set: &ConfigSet, env: &Env, paths: &FilePaths) -> Error {
    Error::new(
        Exit::Config,
        format!(
            "no profile given (no -p, no AWS_PROFILE) and no [default] profile in {}",
            env.tilde(&paths.config)
        ),
    )
    .hint(format!(
        "name one with -p NAME or AWS_PROFILE=NAME; profiles: {}",
        some_names(set)
    ))
}

/// A resolution failure phrased for the person who has to fix it: the files, the line, and
/// what to change. `source` says where the profile's name came from.
pub fn explain(
    e: &ResolveError,
    set: &ConfigSet,
    env: &Env,
    paths: &FilePaths,
    source: ProfileSource,
) -> Error {
    let files = format!(
        "{} or {}",
        env.tilde(&paths.config),
        env.tilde(&paths.credentials)
    );
    let at = |origin: Option<Origin>| {
        origin.map_or_else(String::new, |o| {
            format!("{} line {}: ", env.tilde(paths.path(o.file)), o.line)
        })
    };
    let from = match source {
        ProfileSource::AwsProfile | ProfileSource::AwsDefaultProfile => {
            format!(" ({})", source.describe())
        }
        _ => String::new(),
    };
    match e {
        ResolveError::NoProfiles { .. } => {
            let missing = if set.found.is_empty() {
                " (neither file exists)"
            } else {
                ""
            };
            Error::new(
                Exit::Config,
                format!("no profiles found in {files}{missing}"),
            )
            .hint(
                "write them with `ssox configure --start-url URL --sso-region REGION` (your AWS access portal's URL and region)",
            )
        }
        ResolveError::ProfileNotFound { name } => {
            let shown = clip(name, NAME_IN_MESSAGE);
            if let Some((_, origin)) = set.ignored.iter().find(|(h, o)| h == name && o.file == super::FileKind::Config) {
                return Error::new(
                    Exit::Config,
                    format!(
                        "{}[{shown}] is not a profile: in the config file a profile's section is written [profile {shown}]",
                        at(Some(*origin))
                    ),
                )
                .hint(format!("rename the section to [profile {shown}]"));
            }
            let msg = format!("profile `{shown}`{from} not found in {files}");
            let near = set.similar_profiles(name);
            let fix_source = match source {
                ProfileSource::AwsProfile => " (fix or unset AWS_PROFILE)",
                ProfileSource::AwsDefaultProfile => " (fix or unset AWS_DEFAULT_PROFILE)",
                _ => "",
            };
            if near.is_empty() {
                Error::new(Exit::Config, msg)
                    .hint(format!("existing profiles: {}{fix_source}", some_names(set)))
            } else {
                let near: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
                Error::new(Exit::Config, msg)
                    .hint(format!("did you mean {}?{fix_source}", near.join(" or ")))
            }
        }
        ResolveError::SourceNotFound { source_name, .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(e.origin())))
                .hint(format!("define [profile {source_name}] or fix source_profile"))
        }
        ResolveError::InfiniteLoop { .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(e.origin()))).hint(
                "one of these profiles must have credentials of its own instead of a source_profile",
            )
        }
        ResolveError::NoCredentials { profile, .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(e.origin()))).hint(format!(
                "give [profile {profile}] sso_session (or sso_start_url), sso_account_id and sso_role_name, or keys"
            ))
        }
        ResolveError::Invalid { .. } => Error::new(Exit::Config, format!("{}{e}", at(e.origin()))),
        ResolveError::SessionNotFound { session, .. } => {
            let names = set.sso_sessions.keys().map(String::as_str);
            let unquoted = session.trim_matches(['"', '\'']);
            let hint = if unquoted != session && set.sso_sessions.contains_key(unquoted) {
                format!(
                    "quotes are part of the value in AWS config files: write sso_session = {unquoted}"
                )
            } else if let Some(near) = super::similar(session, names).first() {
                format!("did you mean sso_session = {near}?")
            } else if set.sso_sessions.is_empty() {
                format!(
                    "add an [sso-session {}] section, or write one with `ssox configure --sso-session {} --start-url URL --sso-region REGION`",
                    clip(session, NAME_IN_MESSAGE),
                    clip(session, NAME_IN_MESSAGE)
                )
            } else {
                format!(
                    "existing sessions: {}",
                    set.sso_sessions.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            Error::new(Exit::Config, format!("{}{e}", at(e.origin()))).hint(hint)
        }
    }
}

/// The SSO settings `ssox login`/`logout` act on: a named sso-session, or the SSO base of
/// the profile's chain.
pub fn sso_target(
    set: &ConfigSet,
    env: &Env,
    paths: &FilePaths,
    (profile, source): (&str, ProfileSource),
    session: Option<&str>,
) -> Result<SsoProfile, Error> {
    if let Some(name) = session {
        if !set.sso_sessions.contains_key(name) {
            let names: Vec<&str> = set.sso_sessions.keys().map(String::as_str).collect();
            return Err(Error::new(
                Exit::Config,
                format!(
                    "no [sso-session {}] in {}",
                    clip(name, NAME_IN_MESSAGE),
                    env.tilde(&paths.config)
                ),
            )
            .hint(match super::similar(name, names.iter().copied()).first() {
                Some(near) => format!("did you mean `--sso-session {near}`?"),
                None if names.is_empty() => {
                    "write one with `ssox configure --start-url URL --sso-region REGION`"
                        .to_string()
                }
                None => format!("existing sessions: {}", names.join(", ")),
            }));
        }
        return sso_session_profile(set, name)
            .map_err(|e| explain(&e, set, env, paths, ProfileSource::Flag));
    }
    let chain = resolve_chain(set, profile).map_err(|e| explain(&e, set, env, paths, source))?;
    match chain.base {
        Base::Sso(sso) => Ok(sso),
        _ => Err(Error::new(
            Exit::Config,
            format!("profile `{profile}` does not use IAM Identity Center (SSO); there is nothing to log in to"),
        )
        .hint("give the profile sso_session (or sso_start_url and sso_region)")),
    }
}
