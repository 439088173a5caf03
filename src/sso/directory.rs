//! What an SSO token can reach: every account (ListAccounts) and every role in each
//! (ListAccountRoles), pagination followed, listed a few accounts at a time. `ssox configure`
//! writes profiles from it; a refused role is explained with it.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

pub use crate::config::generate::Assignment;
use crate::secret::Secret;
use crate::sso::portal::{Account, Portal, PortalError};

/// How many ListAccountRoles calls run at once: enough to list a few hundred accounts in
/// seconds, few enough to stay clear of the portal's throttling (the SDK retries a throttle).
const AT_ONCE: usize = 8;

/// Every account and role the token may use, sorted by account name, account id and role.
pub async fn list(portal: &Portal<'_>, token: &Secret) -> Result<Vec<Assignment>, PortalError> {
    let accounts = portal.list_accounts(token).await?;
    let calls = accounts.iter().map(|a| async move {
        let roles = portal.list_account_roles(token, &a.id).await?;
        Ok::<_, PortalError>((a, roles))
    });
    let mut out = Vec::new();
    for result in bounded(calls, AT_ONCE).await {
        let (account, roles): (&Account, Vec<String>) = result?;
        out.extend(roles.into_iter().map(|role_name| Assignment {
            account_name: account.name.clone(),
            account_id: account.id.clone(),
            role_name,
        }));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Runs the futures with at most `limit` in flight; the results come back in input order.
/// (The futures borrow the portal, so they cannot be spawned as tasks.)
async fn bounded<F: Future>(futures: impl IntoIterator<Item = F>, limit: usize) -> Vec<F::Output> {
    let mut pending = futures.into_iter().enumerate();
    let mut running: Vec<(usize, Pin<Box<F>>)> = Vec::new();
    let mut done: Vec<(usize, F::Output)> = Vec::new();
    loop {
        while running.len() < limit.max(1) {
            match pending.next() {
                Some((i, f)) => running.push((i, Box::pin(f))),
                None => break,
            }
        }
        if running.is_empty() {
            break;
        }
        std::future::poll_fn(|cx| {
            let before = done.len();
            running.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
                Poll::Ready(out) => {
                    done.push((*i, out));
                    false
                }
                Poll::Pending => true,
            });
            if done.len() > before {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, out)| out).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn bounded_keeps_input_order_and_never_runs_more_than_the_limit() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let running = Cell::new(0usize);
        let peak = Cell::new(0usize);
        let futures = (0..20u64).map(|n| {
            let running = &running;
            let peak = &peak;
            async move {
                running.set(running.get() + 1);
                peak.set(peak.get().max(running.get()));
                // Later inputs finish first, so the order must be restored.
                tokio::time::sleep(std::time::Duration::from_millis(20 - n)).await;
                running.set(running.get() - 1);
                n
            }
        });
        let out = rt.block_on(bounded(futures, 3));
        assert_eq!(out, (0..20).collect::<Vec<_>>());
        assert_eq!(peak.get(), 3);
    }
}
