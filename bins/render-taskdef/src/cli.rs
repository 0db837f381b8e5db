//! The command line: every flag, its help text, and the examples and exit
//! codes shown by `--help`.

use std::path::PathBuf;

use std::ffi::OsString;

use clap::{ArgGroup, Parser};
use portfolio_core::cli::{AwsArgs, EnvArg, GlobalArgs, ServiceArg};
use portfolio_taskdef::edits::{self, Pair, Target};
use portfolio_taskdef::placeholders::BUILT_IN_NAMES;

use crate::error::EXIT_CODES;

const EXAMPLES: &str = "\
Examples:
  # The backend template of the example application, for dev, with a new image
  cd examples/portfolio
  render-taskdef --service backend --env dev \\
      --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:v1.2.3 \\
      --var EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/portfolio-dev-ecs-execution

  # The live definition of a service, a new image, an env var and a secret
  render-taskdef --from-service portfolio-dev/backend \\
      --image backend=123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:v1.2.4 \\
      --env-var backend:LOG_LEVEL=debug \\
      --secret backend:DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:db \\
      --output taskdef.json --diff

  # A file (such as the one above), as aws-actions/amazon-ecs-render-task-definition would
  render-taskdef --task-definition taskdef.json --image backend=portfolio-dev-backend:v1.2.5";

/// The text after the flags: containers, placeholders, examples and the
/// exit codes, the last two generated from the code's own lists.
fn after_help() -> String {
    format!(
        "CONTAINER defaults to each --container, else the only container, or the service's\n\
         container in portfolio-ci.yaml.\n\n\
         Placeholders ${{NAME}} in a template take their value from --var or from the built-ins\n\
         (all with --service, the first four with --env alone):\n  {}\n\
         $${{ is a literal ${{. Registered definitions (--from-service, --family) are not templates:\n\
         their text is kept as it is. A ${{NAME}} without a value, {{{{x}}}}, <IMAGE1_NAME> and $$$X$$$ are\n\
         left for another step: a warning each (--strict: exit 2). Empty values (null, \"\", [], {{}})\n\
         are kept; ecs-rolling-deploy drops them when it registers.\n\n{EXAMPLES}\n\n{}",
        BUILT_IN_NAMES.join(", "),
        portfolio_core::exit::help_text(EXIT_CODES)
    )
}

/// Render an ECS task definition: images per container, env, secrets,
/// logs, labels, cpu/memory, from a template, a file or the live service.
///
/// The result is validated before anything is written, keeps every field
/// it does not edit where it was, and registers as it is (read-only fields
/// are stripped). It goes to --output, to a file under $RUNNER_TEMP in
/// GitHub Actions (step output `task-definition` = its path), or to stdout.
#[derive(Debug, Parser)]
#[command(name = "render-taskdef", version, after_help = after_help(), max_term_width = 100)]
#[command(group(ArgGroup::new("source").args(["task_definition", "from_service", "family"])))]
pub struct Cli {
    /// Global flags.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// AWS flags (--from-service and --family read ECS).
    #[command(flatten)]
    pub aws: AwsArgs,

    /// `--env`: the environment of portfolio-ci.yaml.
    #[command(flatten, next_help_heading = "Source")]
    pub env: EnvArg,

    /// `--service`: its template (the source when no other is given),
    /// container, log group and names.
    #[command(flatten, next_help_heading = "Source")]
    pub service: ServiceArg,

    /// Task definition file, JSON or YAML (`-`: stdin). A DescribeTaskDefinition
    /// response is accepted too
    #[arg(long, short = 't', value_name = "FILE", help_heading = "Source")]
    pub task_definition: Option<PathBuf>,

    /// The live definition of a service, tags included [CLUSTER: the
    /// environment's cluster, else `default`; no value: the --service of
    /// portfolio-ci.yaml]
    #[arg(long, value_name = "[CLUSTER/]SERVICE", num_args = 0..=1, default_missing_value = "", help_heading = "Source")]
    pub from_service: Option<String>,

    /// A registered revision (the latest ACTIVE one without REVISION), tags included
    #[arg(long, value_name = "FAMILY[:REVISION]", help_heading = "Source")]
    pub family: Option<String>,

    /// The containers that edits without a CONTAINER name apply to, each of
    /// them (comma-separated, as the peer's `container-name`) [default: the
    /// only container, or the service's container in portfolio-ci.yaml]
    #[arg(long, value_name = "NAME[,NAME...]", value_delimiter = ',', value_parser = edits::parse_container, help_heading = "Edits")]
    pub container: Vec<String>,

    /// Image of a container (repeatable: one per container)
    #[arg(long, value_name = "[CONTAINER=]URI", value_parser = edits::parse_image, help_heading = "Edits")]
    pub image: Vec<Target<String>>,

    /// An S3 object ECS reads variables from when the task starts
    /// (`environmentFiles`, type s3); the ones given replace the container's
    #[arg(long, value_name = "[CONTAINER:]ARN", value_parser = edits::parse_s3_environment_file, help_heading = "Edits")]
    pub environment_file: Vec<Target<String>>,

    /// Environment variables from a local dotenv file, written into
    /// `environment` (applied before --env-var)
    #[arg(long, value_name = "[CONTAINER:]FILE", value_parser = edits::parse_env_file, help_heading = "Edits")]
    pub env_file: Vec<Target<String>>,

    /// An environment variable to set (repeatable)
    #[arg(long, value_name = "[CONTAINER:]NAME=VALUE", value_parser = edits::parse_container_pair, help_heading = "Edits")]
    pub env_var: Vec<Target<Pair>>,

    /// Remove an environment variable or secret
    #[arg(long, value_name = "[CONTAINER:]NAME", value_parser = edits::parse_container_name, help_heading = "Edits")]
    pub unset_env: Vec<Target<String>>,

    /// A secret from Secrets Manager or SSM Parameter Store (valueFrom)
    #[arg(long, value_name = "[CONTAINER:]NAME=ARN", value_parser = edits::parse_container_pair, help_heading = "Edits")]
    pub secret: Vec<Target<Pair>>,

    /// A Docker label
    #[arg(long, value_name = "[CONTAINER:]KEY=VALUE", value_parser = edits::parse_container_pair, help_heading = "Edits")]
    pub docker_label: Vec<Target<Pair>>,

    /// The container's command: words as a shell splits them, or a JSON array
    #[arg(long, value_name = "[CONTAINER:]COMMAND", value_parser = edits::parse_command, help_heading = "Edits")]
    pub command: Vec<Target<Vec<String>>>,

    /// A log driver option (awslogs-group, region and stream prefix default
    /// from portfolio-ci.yaml with --service)
    #[arg(long, value_name = "[CONTAINER:]KEY=VALUE", value_parser = edits::parse_container_pair, help_heading = "Edits")]
    pub log_option: Vec<Target<Pair>>,

    /// The log driver (`logConfiguration.logDriver`): awslogs, awsfirelens,
    /// fluentd, gelf, journald, json-file, logentries, splunk or syslog
    #[arg(long, value_name = "[CONTAINER:]DRIVER", value_parser = edits::parse_log_driver, help_heading = "Edits")]
    pub log_driver: Vec<Target<String>>,

    /// Task CPU units (`256`, or `0.25 vCPU`)
    #[arg(long, value_name = "UNITS", help_heading = "Edits")]
    pub cpu: Option<String>,

    /// Task memory in MiB (`512`, or `1 GB`)
    #[arg(long, value_name = "MIB", help_heading = "Edits")]
    pub memory: Option<String>,

    /// IAM role the containers use
    #[arg(long, value_name = "ARN", help_heading = "Edits")]
    pub task_role_arn: Option<String>,

    /// IAM role ECS uses to pull images and write logs
    #[arg(long, value_name = "ARN", help_heading = "Edits")]
    pub execution_role_arn: Option<String>,

    /// A tag of the task definition
    #[arg(long, value_name = "KEY=VALUE", value_parser = edits::parse_pair, help_heading = "Edits")]
    pub tag: Vec<Pair>,

    /// Value of a ${KEY} placeholder in the template
    #[arg(long, value_name = "KEY=VALUE", value_parser = edits::parse_pair, help_heading = "Edits")]
    pub var: Vec<Pair>,

    /// Write the result to FILE (atomically) [default: a file under
    /// $RUNNER_TEMP in GitHub Actions, else stdout]
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Show what changes against the source (unified diff on stderr and in
    /// the job summary)
    #[arg(long, help_heading = "Output")]
    pub diff: bool,

    /// Refuse (exit 2) placeholders left for another step ({{x}},
    /// <IMAGE1_NAME>, $$$X$$$, ${X} without a value) instead of warning
    #[arg(long, help_heading = "Output")]
    pub strict: bool,
}

/// The spelling `--env [CONTAINER:]NAME=VALUE` of releases before
/// `--env-var`: still accepted, rewritten to `--env-var` with a warning.
/// `--env NAME` (no `=`) is the environment, as in every tool.
pub fn rewrite_deprecated(
    args: impl IntoIterator<Item = OsString>,
) -> (Vec<OsString>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let mut args = args.into_iter().peekable();
    let deprecated = |value: &str| {
        format!("--env {value}: setting a variable with --env is deprecated, use --env-var {value}")
    };
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        if text == "--" {
            out.push(arg);
            out.extend(args.by_ref());
            break;
        }
        if let Some(value) = text.strip_prefix("--env=").filter(|v| v.contains('=')) {
            warnings.push(deprecated(value));
            out.push(format!("--env-var={value}").into());
            continue;
        }
        let next_is_variable = args
            .peek()
            .is_some_and(|next| next.to_string_lossy().contains('='));
        if (text == "--env" || text == "-e") && next_is_variable {
            if let Some(value) = args.next() {
                warnings.push(deprecated(&value.to_string_lossy()));
                out.push("--env-var".into());
                out.push(value);
            }
            continue;
        }
        out.push(arg);
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(args: &[&str]) -> (Vec<String>, usize) {
        let (out, warnings) = rewrite_deprecated(args.iter().map(OsString::from));
        (
            out.iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            warnings.len(),
        )
    }

    #[test]
    fn env_with_a_variable_becomes_env_var_with_a_warning() {
        assert_eq!(
            rewrite(&[
                "r",
                "--env",
                "dev",
                "--env",
                "web:A=1",
                "--env=B=2",
                "-e",
                "C=3"
            ]),
            (
                [
                    "r",
                    "--env",
                    "dev",
                    "--env-var",
                    "web:A=1",
                    "--env-var=B=2",
                    "--env-var",
                    "C=3"
                ]
                .map(String::from)
                .to_vec(),
                3
            )
        );
    }

    #[test]
    fn arguments_after_double_dash_are_left_alone() {
        assert_eq!(
            rewrite(&["r", "--", "--env", "A=1"]),
            (["r", "--", "--env", "A=1"].map(String::from).to_vec(), 0)
        );
    }
}
