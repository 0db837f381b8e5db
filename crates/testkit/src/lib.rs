//! Test support: real local stand-ins for AWS on free loopback ports.
//!
//! Each stand-in is started by the test that needs it, waited for until it
//! answers, and stopped when its handle drops. Nothing here fakes a
//! response: tests talk to moto_server and the other real components. The
//! one exception is [`ecr_public`], a small server for a service nothing
//! local implements (ECR Public's login), held to the service's protocol.

#![deny(missing_docs)]

pub mod base_image;
pub mod ecr_public;
pub mod git;
pub mod iam;
pub mod moto;
pub mod process;
pub mod registry;
pub mod run;
pub mod sample_app;
pub mod terraform;

pub use moto::Moto;
pub use process::{ChildGuard, free_port, wait_for_port};
pub use run::Run;

use std::time::Duration;

/// Credentials and region that every local stand-in accepts.
pub const TEST_REGION: &str = "us-east-1";

/// Environment for a child process (a tool under test) that talks to the
/// stand-in at `endpoint`: dummy credentials, the test region, the endpoint,
/// and no shared config or credentials files from the host.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_SESSION_TOKEN", "testing".to_owned()),
        ("AWS_REGION", TEST_REGION.to_owned()),
        ("AWS_DEFAULT_REGION", TEST_REGION.to_owned()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
}

/// SDK configuration for in-process clients talking to `endpoint`.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    let credentials =
        aws_credential_types::Credentials::new("testing", "testing", None, None, "testkit");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(TEST_REGION))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .load()
        .await
}

/// A stand-in could not be started.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// The program is not installed.
    #[error("{program} is not installed ({hint}); run scripts/test, which installs it")]
    NotInstalled {
        /// The program looked for.
        program: String,
        /// Where it comes from.
        hint: String,
    },
    /// The program started but did not answer in time.
    #[error("{program} did not answer on {addr} within {secs} s")]
    NotReady {
        /// The program.
        program: String,
        /// Where it should have answered.
        addr: String,
        /// How long we waited.
        secs: u64,
    },
    /// Spawning or talking to it failed.
    #[error("{program}: {source}")]
    Io {
        /// The program.
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A command ran and failed.
    #[error("{program} failed: {detail}")]
    Failed {
        /// The command.
        program: String,
        /// What it said.
        detail: String,
    },
}
