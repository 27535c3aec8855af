//! A short-lived memory of queue counts: how many cases match a user's queue filter.
//!
//! Counting a caseload is the one part of a queue page whose cost grows with the caseload (a
//! collector holding 7,429 open cases: 0.4 ms of index reads per page, most of the page's
//! database time). Paging through a queue, or refreshing it, asks the same count again and
//! again; this remembers it for [`TTL`]. Every state-changing request served by this process
//! forgets all counts (see [`forget_after_writes`]), so a user's own reassignment or contact is
//! reflected at once; a change made by another process (end-of-day) shows within [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// How long a count is reused.
pub const TTL: Duration = Duration::from_secs(2);

/// Counts kept at most; beyond it the expired ones are dropped first, then all.
const CAPACITY: usize = 4096;

/// Queue counts by user and filter (the key is built by the queue route).
#[derive(Debug, Default)]
pub struct QueueTotals {
    counts: Mutex<HashMap<String, (Instant, i64)>>,
}

impl QueueTotals {
    /// The count remembered for `key`, if it is younger than [`TTL`] at `now`.
    pub fn get(&self, key: &str, now: Instant) -> Option<i64> {
        let counts = self.counts.lock().ok()?;
        counts
            .get(key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < TTL)
            .map(|(_, total)| *total)
    }

    /// Remembers `total` for `key` as counted at `now`.
    pub fn put(&self, key: String, total: i64, now: Instant) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        if counts.len() >= CAPACITY {
            counts.retain(|_, (at, _)| now.saturating_duration_since(*at) < TTL);
            if counts.len() >= CAPACITY {
                counts.clear();
            }
        }
        counts.insert(key, (now, total));
    }

    /// Forgets every count.
    pub fn forget(&self) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.clear();
        }
    }
}

/// Middleware: after any request that may change data (anything but GET, HEAD and OPTIONS),
/// forget the remembered counts.
pub async fn forget_after_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if writes {
        state.queue_totals.forget();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_reused_within_the_ttl_and_not_after() {
        let totals = QueueTotals::default();
        let t0 = Instant::now();
        totals.put("u1|open".into(), 7429, t0);
        assert_eq!(
            totals.get("u1|open", t0 + Duration::from_millis(1999)),
            Some(7429)
        );
        assert_eq!(totals.get("u1|open", t0 + TTL), None);
        assert_eq!(totals.get("u2|open", t0), None);
    }

    #[test]
    fn forgetting_drops_every_count() {
        let totals = QueueTotals::default();
        let t0 = Instant::now();
        totals.put("a".into(), 1, t0);
        totals.put("b".into(), 2, t0);
        totals.forget();
        assert_eq!(totals.get("a", t0), None);
        assert_eq!(totals.get("b", t0), None);
    }

    #[test]
    fn a_full_memory_drops_expired_counts_first() {
        let totals = QueueTotals::default();
        let t0 = Instant::now();
        for i in 0..CAPACITY - 1 {
            totals.put(format!("old{i}"), 1, t0);
        }
        totals.put("fresh".into(), 2, t0 + TTL);
        let later = t0 + TTL + Duration::from_millis(1);
        totals.put("new".into(), 3, later);
        assert_eq!(totals.get("fresh", later), Some(2));
        assert_eq!(totals.get("new", later), Some(3));
        assert_eq!(totals.get("old0", t0), None);
    }
}
