//! AWS client setup shared by every tool.
//!
//! The standard credential chain and environment (`AWS_REGION`,
//! `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
//! honoured by aws-config itself; this module settles the region (the
//! configuration before the AWS environment, see [`RegionChoice`]), and adds the standard retry mode, per-attempt timeouts and a
//! counter of every call ([`Aws`]). The service clients a tool needs are
//! behind this crate's features (`ecs`, `ecr`, `ecr-public`, `sts`, `logs`).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::output::Progress;

mod calls;
mod region;

pub use calls::CallCounter;
pub use region::{FALLBACK_REGION, RegionChoice, RegionSource};

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
    /// The region already settled (by a tool that needs it before it
    /// connects, for what it writes); `None`: settled at connect.
    pub chosen: Option<RegionChoice>,
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
            chosen: None,
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
    region: RegionChoice,
    calls: CallCounter,
}

impl Aws {
    /// Loads the SDK configuration: [`RegionChoice::resolve`] for the region
    /// (unless `settings` already chose one), the
    /// standard retry mode with `max_attempts` attempts, a connect timeout
    /// and a per-attempt timeout, and says on `progress` which region the
    /// run uses and why. Loading asks no AWS service; credentials are
    /// resolved at the first call.
    pub async fn connect(settings: &AwsSettings, progress: &Progress) -> Aws {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(settings.attempt_timeout)
            .build();
        let region = match &settings.chosen {
            Some(chosen) => chosen.clone(),
            None => {
                RegionChoice::resolve(settings.region.clone(), settings.configured_region.clone())
                    .await
            }
        };
        progress.line(&format!("region {region}"));
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.name.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)))
            .timeout_config(timeouts)
            .load()
            .await;
        Aws {
            sdk,
            region,
            calls: CallCounter::default(),
        }
    }

    /// The region the clients use.
    pub fn region(&self) -> &str {
        &self.region.name
    }

    /// The region the clients use and where it came from.
    pub fn region_choice(&self) -> &RegionChoice {
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
    pub fn in_region(&self, region: RegionChoice) -> Aws {
        Aws {
            sdk: self
                .sdk
                .to_builder()
                .region(Region::new(region.name.clone()))
                .build(),
            region,
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
    "ecr-public" ecr_public aws_sdk_ecrpublic "An ECR Public client (AWS_ENDPOINT_URL_ECR_PUBLIC honoured).";
    "sts" sts aws_sdk_sts "An STS client.";
    "logs" logs aws_sdk_cloudwatchlogs "A CloudWatch Logs client (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS honoured).";
}
