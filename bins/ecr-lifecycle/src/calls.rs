//! A counter of the AWS calls a run makes, per operation, reported in
//! `--json` as `apiCalls` so that the call budget can be checked.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Calls made so far, by operation name.
#[derive(Debug, Default)]
pub struct ApiCalls {
    counts: Mutex<BTreeMap<&'static str, u64>>,
}

impl ApiCalls {
    /// Records one call of `operation`.
    pub fn record(&self, operation: &'static str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry(operation).or_default() += 1;
    }

    /// Calls per operation.
    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
