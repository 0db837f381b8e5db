//! The command line: every flag with the help text it shows, and the
//! examples and exit codes printed by `--help`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use portfolio_core::cli::{AwsArgs, EnvArg, GlobalArgs, ServicesArg};
use portfolio_taskdef::edits::{self, Target};

use crate::error::EXIT_CODES;

const DEFAULTS: &str = "\
Defaults come from portfolio-ci.yaml (or the built-in architecture): cluster portfolio-<env>,
the service's task definition template, timeout 30m, and a smoke check of
https://<domain><health path> when the environment names a domain. The service's own deployment
configuration (percentages, circuit breaker) is left as it is unless a flag or the file's
`deployment` section sets a field. Without --service, the definition is only registered.";

/// The examples of `--help`; each runs against the example application
/// (examples/portfolio) and the local stack (a test runs them).
pub const EXAMPLES: &str = "\
Examples:
  # Local: deploy the dev backend from its template in portfolio-ci.yaml
  cd examples/portfolio
  ecs-rolling-deploy --service backend \\
      --var EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/portfolio-dev-ecs-task-execution

  # CI: both prod services from their templates, followed concurrently, rolled back on cancel
  ecs-rolling-deploy --env prod --service backend --service frontend \\
      --var EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/portfolio-prod-ecs-task-execution \\
      --timeout 15m --rollback-on-cancel

  # A rendered definition (render-taskdef --output taskdef.json) in a named cluster
  ecs-rolling-deploy --cluster portfolio-dev --service backend --task-definition taskdef.json

  # The live definition with a new image, as `aws ecs update-service` + wait would
  ecs-rolling-deploy --env prod --service frontend \\
      --image frontend=123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-prod-frontend:v1.4.0";

/// The text after the flags: defaults, examples and the exit codes (from
/// [`EXIT_CODES`], the table the code uses).
fn after_help() -> String {
    format!(
        "{DEFAULTS}\n\n{EXAMPLES}\n\n{}",
        portfolio_core::exit::help_text(EXIT_CODES)
    )
}

/// Register a task definition, update ECS services and follow OUR deployment
/// to COMPLETED, FAILED or rolled back, explaining failures.
///
/// Unlike `aws ecs wait services-stable`, it follows the deployment id that
/// its own UpdateService created: a circuit-breaker rollback is a failure
/// (exit 3) noticed as soon as ECS marks the deployment FAILED, and the
/// report shows why tasks stopped, their exit codes and their last log lines.
#[derive(Debug, Clone, Parser)]
#[command(name = "ecs-rolling-deploy", version, after_help = after_help(), max_term_width = 100)]
pub struct Cli {
    /// Global flags.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// AWS flags.
    #[command(flatten)]
    pub aws: AwsArgs,

    /// `--service` (repeatable: several deploy and are followed
    /// concurrently; at least one).
    #[command(flatten)]
    pub services: ServicesArg,

    /// `--env`: the environment whose names and defaults apply.
    #[command(flatten)]
    pub env: EnvArg,

    /// ECS cluster [default: the environment's cluster in portfolio-ci.yaml, portfolio-<env>]
    #[arg(long, env = "PORTFOLIO_CI_CLUSTER", value_name = "NAME")]
    pub cluster: Option<String>,

    /// Task definition file to register as written (JSON or YAML, e.g. from
    /// render-taskdef; `${...}` is not expanded) [default: the service's template
    /// in portfolio-ci.yaml; with --image only, the live definition]
    #[arg(long, value_name = "FILE", conflicts_with = "template")]
    pub task_definition: Option<PathBuf>,

    /// Task definition template to render (${NAME} placeholders, --var) and
    /// register, instead of the service's template in portfolio-ci.yaml
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// Deploy this registered task definition (ARN or family:revision)
    /// without registering one
    #[arg(long, value_name = "ARN", value_parser = crate::settings::parse_task_definition_arn,
          conflicts_with_all = ["task_definition", "template", "images", "vars"])]
    pub task_definition_arn: Option<String>,

    /// New image for a container (repeatable); without --task-definition the
    /// service's live definition is edited
    #[arg(long = "image", value_name = "[CONTAINER=]URI", value_parser = edits::parse_image)]
    pub images: Vec<Target<String>>,

    /// Value for a ${NAME} placeholder of a template (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = edits::parse_pair)]
    pub vars: Vec<edits::Pair>,

    /// Tag on the registered task definition (repeatable), added to the
    /// portfolio-ci:project, env, service and deployed-by tags and the
    /// release's commit, commit-time, run-id and run-url
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = edits::parse_pair)]
    pub tags: Vec<edits::Pair>,

    /// Keys whose empty values (null, "", [], {}) are registered as they
    /// are; every other empty value is dropped before registering
    /// (comma-separated, repeatable; as amazon-ecs-deploy-task-definition)
    #[arg(long, value_name = "KEY[,KEY...]")]
    pub keep_null_value_keys: Vec<String>,

    /// Set the service's desired count (otherwise left alone, never fighting auto-scaling)
    #[arg(long, value_name = "N")]
    pub desired_count: Option<i32>,

    /// Start a new deployment even when the task definition did not change
    #[arg(long)]
    pub force_new_deployment: bool,

    /// Set deploymentConfiguration.maximumPercent [default: config, else the service's own]
    #[arg(long, value_name = "PERCENT")]
    pub maximum_percent: Option<i32>,

    /// Set deploymentConfiguration.minimumHealthyPercent [default: config, else the service's own]
    #[arg(long, value_name = "PERCENT")]
    pub minimum_healthy_percent: Option<i32>,

    /// Turn the deployment circuit breaker on or off [default: config, else the service's own]
    #[arg(long, value_name = "BOOL")]
    pub circuit_breaker: Option<bool>,

    /// Let the circuit breaker roll back or not [default: config, else the service's own]
    #[arg(long, value_name = "BOOL")]
    pub rollback: Option<bool>,

    /// Set the service's enableECSManagedTags [default: the service's own]
    #[arg(long, value_name = "BOOL")]
    pub enable_ecs_managed_tags: Option<bool>,

    /// Set the service's propagateTags [default: the service's own]
    #[arg(long, value_name = "FROM", value_parser = ["SERVICE", "TASK_DEFINITION", "NONE"])]
    pub propagate_tags: Option<String>,

    /// Deploy even when the service runs or is deploying a release from a
    /// newer commit (a deliberate rollback); without it such a run is
    /// superseded (exit 6) and changes nothing
    #[arg(long)]
    pub allow_older: bool,

    /// Register and update, print the deployment id, and exit 0 without
    /// following the deployment
    #[arg(long)]
    pub no_wait: bool,

    /// Longest pause between two polls while following (the pace is about 1 s
    /// while the deployment moves, up to 3 s idle and 8 s after errors)
    #[arg(long, value_name = "DURATION", value_parser = portfolio_core::cli::parse_duration)]
    pub max_poll_interval: Option<Duration>,

    /// How long to follow the deployment, e.g. 90s, 10m [default: config, 30m]
    #[arg(long, env = "PORTFOLIO_CI_DEPLOY_TIMEOUT", value_name = "DURATION", value_parser = portfolio_core::cli::parse_duration)]
    pub timeout: Option<Duration>,

    /// After a circuit-breaker failure, also wait until the previous version is stable again
    #[arg(long)]
    pub wait_for_rollback: bool,

    /// On --timeout, roll the deployment back (StopServiceDeployment ROLLBACK) before exiting
    #[arg(long)]
    pub rollback_on_timeout: bool,

    /// On SIGINT/SIGTERM, roll the deployment back before exiting
    #[arg(long)]
    pub rollback_on_cancel: bool,

    /// When the smoke check fails, roll back: StopServiceDeployment ROLLBACK, or,
    /// when ECS refuses it for a COMPLETED deployment, an update back to the
    /// previous task definition, followed until it completes
    #[arg(long)]
    pub rollback_on_failure: bool,

    /// URL that must answer 2xx after COMPLETED [default: https://<domain><health path>
    /// when the environment names a domain]
    #[arg(long, env = "PORTFOLIO_CI_HEALTH_URL", value_name = "URL")]
    pub health_url: Option<String>,

    /// How long the smoke check may take
    #[arg(long, default_value = "2m", value_name = "DURATION", value_parser = portfolio_core::cli::parse_duration)]
    pub health_timeout: Duration,

    /// Skip the smoke check even when the configuration implies one
    #[arg(long, conflicts_with = "health_url")]
    pub no_health_check: bool,

    /// Log lines of each failed container shown in the failure report
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub log_lines: u32,

    /// Create a GitHub Deployment for the environment and set its status
    /// (needs GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA; GITHUB_API_URL honoured)
    #[arg(long)]
    pub github_deployment: bool,

    /// `--run-task` and its flags.
    #[command(flatten)]
    pub run_task: crate::run_task::RunTaskArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_repeated_services_images_and_durations() {
        let cli = Cli::try_parse_from([
            "ecs-rolling-deploy",
            "--service",
            "backend",
            "-s",
            "frontend",
            "--image",
            "web=repo/web:1",
            "--timeout",
            "90s",
        ])
        .unwrap();
        assert_eq!(cli.services.services, ["backend", "frontend"]);
        assert_eq!(cli.images[0].container.as_deref(), Some("web"));
        assert_eq!(cli.timeout, Some(Duration::from_secs(90)));
        assert_eq!(cli.env.name(), "dev");
    }

    #[test]
    fn rejects_a_bad_duration() {
        let err = Cli::try_parse_from(["x", "--service", "a", "--timeout", "soon"]).unwrap_err();
        assert!(err.to_string().contains("not a duration"), "{err}");
    }
}
