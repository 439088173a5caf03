//! Where a service's calls go by the AWS endpoint rules: the SDK crate's own resolver for
//! each service (with FIPS and dual-stack), the partition's host for the federation endpoint.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use crate::config::endpoints::Service;

/// The URL the SDK's endpoint rules give `service` in `region`.
pub(super) fn default_url(
    service: Service,
    region: &str,
    fips: bool,
    dualstack: bool,
) -> Result<String, String> {
    let endpoint = match service {
        // No SDK serves the sign-in endpoint: its host is the partition's (no FIPS or
        // dual-stack variant exists).
        Service::Federation => {
            return crate::config::region::partition(region)
                .map(|p| p.signin.to_string())
                .ok_or_else(|| format!("`{region}` is in an isolated partition, which has no public sign-in endpoint"));
        }
        Service::Sso => {
            use aws_sdk_sso::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::SsoOidc => {
            use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::Signin => {
            use aws_sdk_signin::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            // CreateOAuth2Token's own context parameter, as the client sets it.
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
                .is_control_plane(false)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::Sts => {
            use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
    };
    match endpoint {
        Some(Ok(e)) => Ok(e.url().to_string()),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("the endpoint resolver did not answer at once".into()),
    }
}

/// The value of a future that is ready at once (the SDK's endpoint resolvers compute their
/// answer before they return it).
fn ready<T>(fut: impl Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
