//! How much of the machine one scan may use, and a way to stop it: a
//! long-running service runs many scans side by side and must be able to
//! bound each one and cancel it (a request that went away, a shutdown).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The threads a scan may run and its cancellation flag. Clones share the
/// flag: cancelling one cancels the scan everywhere it is being read.
#[derive(Debug, Clone, Default)]
pub struct ScanBudget {
    threads: usize,
    cancelled: Arc<AtomicBool>,
}

/// The threads a scan runs when the budget does not say: the cores, at most four.
fn automatic_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).clamp(1, 4)
}

impl ScanBudget {
    /// A budget of `threads` worker threads per parallel step (0: automatic).
    pub fn with_threads(threads: usize) -> ScanBudget {
        ScanBudget { threads, cancelled: Arc::default() }
    }

    /// The worker threads a parallel step may run: at least one.
    pub fn threads(&self) -> usize {
        if self.threads == 0 { automatic_threads() } else { self.threads }
    }

    /// Asks every step of the scan to stop as soon as it can.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether the scan was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Budgets are equal when they allow the same threads and share one flag.
impl PartialEq for ScanBudget {
    fn eq(&self, other: &ScanBudget) -> bool {
        self.threads == other.threads && Arc::ptr_eq(&self.cancelled, &other.cancelled)
    }
}

impl Eq for ScanBudget {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_cancellation() {
        let budget = ScanBudget::with_threads(2);
        let clone = budget.clone();
        assert_eq!(clone.threads(), 2);
        assert!(!budget.is_cancelled());
        clone.cancel();
        assert!(budget.is_cancelled());
        assert!(ScanBudget::default().threads() >= 1);
    }
}
