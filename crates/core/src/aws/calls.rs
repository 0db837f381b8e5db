//! A counter of the AWS calls a run makes: every HTTP request (retries
//! included), and every call by operation (`ecs:DescribeServices`), for the
//! `--json` results and the call budgets the benchmarks check.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Default)]
struct Counts {
    requests: AtomicU64,
    operations: Mutex<BTreeMap<String, u64>>,
}

/// Counts the calls of every client it is attached to; clones share counts.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Counts>);

impl CallCounter {
    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u64 {
        self.0.requests.load(Ordering::Relaxed)
    }

    /// Calls made so far by operation in IAM form (`ecr:DescribeImages`),
    /// each counted once however often it was retried.
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
        self.0
            .operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Records one call of `operation` made outside an SDK client.
    pub fn record(&self, operation: &str) {
        let mut operations = self
            .0
            .operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *operations.entry(operation.to_owned()).or_default() += 1;
    }
}

/// `ecs:DescribeServices` from the operation's metadata: the IAM service
/// prefix (Service Authorization Reference) for the SDK's service name.
fn operation_name(metadata: &Metadata) -> String {
    let service = metadata
        .service()
        .to_ascii_lowercase()
        .replace([' ', '-'], "");
    let prefix = match service.as_str() {
        "cloudwatchlogs" => "logs",
        "ecrpublic" => "ecr-public",
        other => other,
    };
    format!("{prefix}:{}", metadata.name())
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Once per call, before the attempts: the operation's metadata is in
    // the bag by then (it is not yet when a client-level interceptor's
    // `read_before_execution` runs).
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            self.record(&operation_name(metadata));
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
