//! Everything IAM Identity Center: the token and registration caches shared with the AWS
//! CLI, the token lifecycle (refresh, login, the cross-process lock), OIDC, the SSO portal,
//! and logout. Uses the config model, `aws` and the leaves; never a provider or a command.

pub mod directory;
pub mod login;
pub mod logout;
pub mod oidc;
pub mod portal;
pub mod session;
pub mod token_cache;

use std::path::PathBuf;

use crate::env::Env;

/// `~/.aws/sso/cache`; like the AWS CLI, not configurable.
pub fn cache_dir(env: &Env) -> PathBuf {
    env.home_dir().join(".aws").join("sso").join("cache")
}
