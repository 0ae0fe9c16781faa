//! Runs independent network requests of one relayer step at the same time, at most `limit`
//! at once, and hands the results back in the order they were asked for.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How many requests one step has in flight at most (to validators, or to the destination
/// node).
pub(super) const IN_FLIGHT: usize = 32;

/// Runs every future as its own task, at most `limit` at a time, and returns their outputs
/// in input order. An output is `None` only if its task panicked or was cancelled.
pub(super) async fn bounded<T, F>(futures: Vec<F>, limit: usize) -> Vec<Option<T>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut tasks = JoinSet::new();
    let count = futures.len();
    for (index, future) in futures.into_iter().enumerate() {
        let permits = permits.clone();
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await.ok();
            (index, future.await)
        });
    }
    let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(count).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, value)) => {
                if let Some(slot) = out.get_mut(index) {
                    *slot = Some(value);
                }
            }
            Err(e) => tracing::warn!(error = %e, "a concurrent request task ended abnormally"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn keeps_input_order_and_the_bound() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = (0..20u64)
            .map(|i| {
                let running = running.clone();
                let peak = peak.clone();
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // Later inputs finish first.
                    tokio::time::sleep(Duration::from_millis(40 - 2 * i)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    i * 10
                }
            })
            .collect();
        let out = bounded(futures, 4).await;
        assert_eq!(out, (0..20u64).map(|i| Some(i * 10)).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert!(
            peak.load(Ordering::SeqCst) >= 2,
            "requests ran one at a time"
        );
    }
}
