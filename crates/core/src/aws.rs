//! AWS client setup shared by every tool.
//!
//! The standard credential chain and environment (`AWS_REGION`,
//! `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
//! honoured by aws-config itself; this module adds the region fallback from
//! the configuration, the standard retry mode, per-attempt timeouts and a
//! counter of every call ([`Aws`]). The service clients a tool needs are
//! behind this crate's features (`ecs`, `ecr`, `sts`, `logs`).

use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

mod calls;

pub use calls::CallCounter;

/// Region used when neither a flag, the AWS environment nor the
/// configuration names one: the architecture spec's region.
pub const FALLBACK_REGION: &str = "us-east-1";

/// The region chain every tool uses, for its clients and for anything it
/// writes (log configuration, `${REGION}`): `explicit` (a flag), then
/// `AWS_REGION` / `AWS_DEFAULT_REGION`, then the AWS profile, then
/// `configured` (portfolio-ci.yaml), then [`FALLBACK_REGION`].
///
/// Instance metadata is not asked: a file that names a region is the
/// user's choice and beats a guess from the machine the job runs on, and a
/// laptop does not wait for a metadata endpoint that is not there.
pub fn region_chain(explicit: Option<String>, configured: Option<String>) -> RegionProviderChain {
    let fallback = configured.unwrap_or_else(|| FALLBACK_REGION.to_owned());
    RegionProviderChain::first_try(explicit.map(Region::new))
        .or_else(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::new())
        .or_else(Region::new(fallback))
}

/// The region [`region_chain`] settles on.
pub async fn region(explicit: Option<String>, configured: Option<String>) -> String {
    region_chain(explicit, configured)
        .region()
        .await
        .map_or_else(|| FALLBACK_REGION.to_owned(), |region| region.to_string())
}

/// How long one attempt of a call may take before it is retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What a run asks of AWS: the resolved AWS flags plus the region that
/// portfolio-ci.yaml names for the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `--region`, when given.
    pub region: Option<String>,
    /// The environment's region in portfolio-ci.yaml, when it names one.
    pub configured_region: Option<String>,
    /// Attempts per call, retries included (at least 1).
    pub max_attempts: u32,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
}

impl Default for AwsSettings {
    fn default() -> Self {
        Self {
            region: None,
            configured_region: None,
            max_attempts: 5,
            attempt_timeout: ATTEMPT_TIMEOUT,
        }
    }
}

/// The AWS side of one run: the SDK configuration every client is built
/// from, the region it settled on, and the counter of every call made.
#[derive(Debug, Clone)]
pub struct Aws {
    sdk: SdkConfig,
    region: String,
    calls: CallCounter,
}

impl Aws {
    /// Loads the SDK configuration: [`region_chain`] for the region, the
    /// standard retry mode with `max_attempts` attempts, a connect timeout
    /// and a per-attempt timeout. Loading asks no AWS service; credentials
    /// are resolved at the first call.
    pub async fn connect(settings: &AwsSettings) -> Aws {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(settings.attempt_timeout)
            .build();
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(region_chain(
                settings.region.clone(),
                settings.configured_region.clone(),
            ))
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)))
            .timeout_config(timeouts)
            .load()
            .await;
        let region = sdk
            .region()
            .map_or_else(|| FALLBACK_REGION.to_owned(), ToString::to_string);
        Aws {
            sdk,
            region,
            calls: CallCounter::default(),
        }
    }

    /// The region the clients use.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The shared SDK configuration.
    pub fn sdk(&self) -> &SdkConfig {
        &self.sdk
    }

    /// The calls made so far by every client built here.
    pub fn calls(&self) -> &CallCounter {
        &self.calls
    }

    /// The same configuration in another region (a tool that works across
    /// regions); the call counter is shared.
    pub fn in_region(&self, region: &str) -> Aws {
        Aws {
            sdk: self
                .sdk
                .to_builder()
                .region(Region::new(region.to_owned()))
                .build(),
            region: region.to_owned(),
            calls: self.calls.clone(),
        }
    }
}

/// One method per service client, each counted.
macro_rules! clients {
    ($($feature:literal $name:ident $sdk:ident $doc:literal;)*) => {
        impl Aws {
            $(
                #[cfg(feature = $feature)]
                #[doc = $doc]
                pub fn $name(&self) -> $sdk::Client {
                    let config = $sdk::config::Builder::from(&self.sdk)
                        .interceptor(self.calls.clone())
                        .build();
                    $sdk::Client::from_conf(config)
                }
            )*
        }
    };
}

clients! {
    "ecs" ecs aws_sdk_ecs "An ECS client.";
    "ecr" ecr aws_sdk_ecr "An ECR client.";
    "sts" sts aws_sdk_sts "An STS client.";
    "logs" logs aws_sdk_cloudwatchlogs "A CloudWatch Logs client (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS honoured).";
}
