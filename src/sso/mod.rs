//! Everything IAM Identity Center: the token cache shared with the AWS CLI, and the SSO
//! portal's GetRoleCredentials.

pub mod portal;
pub mod token_cache;

use std::path::PathBuf;

use crate::env::Env;

/// `~/.aws/sso/cache`; like the AWS CLI, not configurable.
pub fn cache_dir(env: &Env) -> PathBuf {
    env.home_dir().join(".aws").join("sso").join("cache")
}
