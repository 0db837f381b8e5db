//! The AWS clients of a run (ECS and CloudWatch Logs), with a per-attempt
//! timeout and a counter of every HTTP request sent (reported in `--json` and
//! used by the benchmark). Failed calls become `portfolio_core::AwsError`,
//! which classifies them (transient or not, hints).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ecs::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};

/// Counts HTTP requests (retries included).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<AtomicU64>);

impl CallCounter {
    /// Requests sent so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The clients a run uses.
#[derive(Debug, Clone)]
pub struct Clients {
    /// ECS.
    pub ecs: aws_sdk_ecs::Client,
    /// CloudWatch Logs (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS honoured).
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// Requests sent by both.
    pub calls: CallCounter,
}

/// How long one attempt of a call may take before it is retried.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

impl Clients {
    /// Builds the clients from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig) -> Self {
        let calls = CallCounter::default();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build();
        let ecs = aws_sdk_ecs::config::Builder::from(sdk)
            .timeout_config(timeouts.clone())
            .interceptor(calls.clone())
            .build();
        let logs = aws_sdk_cloudwatchlogs::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .interceptor(calls.clone())
            .build();
        Clients {
            ecs: aws_sdk_ecs::Client::from_conf(ecs),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(logs),
            calls,
        }
    }
}
