//! The command line: every flag, its help text, and the examples and exit
//! codes shown by `--help`.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};
use portfolio_core::cli::{AwsArgs, GlobalArgs};

use crate::edits::{self, Pair, Target};

const AFTER_HELP: &str = "\
CONTAINER defaults to the only container, or the service's container in portfolio-ci.yaml.
Placeholders ${NAME} in a template take their value from --var, or from the built-in
ENV, SERVICE, PROJECT, CLUSTER, FAMILY, CONTAINER, REGION (with --service and an
environment); $${ is a literal ${. Registered definitions (--from-service, --family)
are not templates: their text is kept as it is.

Examples:
  # The backend template from portfolio-ci.yaml, for dev, with a new image
  render-taskdef --service backend --env dev \\
      --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:v1.2.3 \\
      --var EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/portfolio-dev-ecs-execution

  # The live definition of a service, two images, an env var and a secret
  render-taskdef --from-service portfolio-dev/backend \\
      --image backend=repo/backend:v2 --image nginx=repo/nginx:1.27 \\
      --env backend:LOG_LEVEL=debug \\
      --secret backend:DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:db \\
      --output taskdef.json --diff

  # A file, as aws-actions/amazon-ecs-render-task-definition would
  render-taskdef --task-definition task-definition.json --image web=nginx:1.27

Exit codes:
  0    rendered
  1    failed (an ECS call, writing the output)
  2    invalid input: a file, flag or the rendered definition (names file, container, field);
       nothing was written
  3    the service or task definition does not exist
  130  interrupted";

/// Render an ECS task definition: images per container, env, secrets,
/// logs, labels, cpu/memory, from a template, a file or the live service.
///
/// The result is validated before anything is written, keeps every field
/// it does not edit where it was, and registers as it is (read-only fields
/// are stripped). It goes to --output, to a file under $RUNNER_TEMP in
/// GitHub Actions (step output `task-definition` = its path), or to stdout.
#[derive(Debug, Parser)]
#[command(name = "render-taskdef", version, after_help = AFTER_HELP, max_term_width = 100)]
#[command(group(ArgGroup::new("source").args(["task_definition", "from_service", "family"])))]
pub struct Args {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

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

    /// Service of portfolio-ci.yaml: its template (the source when no other
    /// is given), container, log group and names
    #[arg(
        long,
        env = "PORTFOLIO_CI_SERVICE",
        value_name = "SERVICE",
        help_heading = "Source"
    )]
    pub service: Option<String>,

    /// An environment of portfolio-ci.yaml (`--env dev`, or
    /// $PORTFOLIO_CI_ENV), or, with `=`, an environment variable to set
    /// (repeatable)
    #[arg(long = "env", value_name = "ENV | [CONTAINER:]NAME=VALUE", value_parser = parse_env_arg, help_heading = "Source")]
    pub env: Vec<EnvArg>,

    /// Image of a container (repeatable: one per container)
    #[arg(long, value_name = "[CONTAINER=]URI", value_parser = edits::parse_image, help_heading = "Edits")]
    pub image: Vec<Target<String>>,

    /// Environment variables from a dotenv file (applied before --env)
    #[arg(long, value_name = "[CONTAINER:]FILE", value_parser = edits::parse_env_file, help_heading = "Edits")]
    pub env_file: Vec<Target<String>>,

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
}

/// One `--env` value: an environment of portfolio-ci.yaml, or a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvArg {
    /// `--env dev`.
    Environment(String),
    /// `--env [CONTAINER:]NAME=VALUE`.
    Variable(Target<Pair>),
}

fn parse_env_arg(text: &str) -> Result<EnvArg, String> {
    if text.contains('=') {
        edits::parse_container_pair(text).map(EnvArg::Variable)
    } else if edits::is_container_name(text) {
        Ok(EnvArg::Environment(text.to_owned()))
    } else {
        Err(format!(
            "expected an environment name (dev) or [CONTAINER:]NAME=VALUE, got '{text}'"
        ))
    }
}

impl Args {
    /// The environment named by `--env ENV`, else `$PORTFOLIO_CI_ENV`.
    /// More than one `--env ENV` is an error.
    pub fn environment(&self) -> Result<Option<String>, portfolio_core::InvalidInput> {
        let named: Vec<&String> = self
            .env
            .iter()
            .filter_map(|arg| match arg {
                EnvArg::Environment(name) => Some(name),
                EnvArg::Variable(_) => None,
            })
            .collect();
        match named.as_slice() {
            [] => Ok(std::env::var("PORTFOLIO_CI_ENV")
                .ok()
                .filter(|v| !v.is_empty())),
            [one] => Ok(Some((*one).clone())),
            several => Err(portfolio_core::InvalidInput::new(
                "--env",
                format!(
                    "several environments given ({}); set a variable with --env NAME=VALUE",
                    several
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The variables set with `--env NAME=VALUE`, in order.
    pub fn env_vars(&self) -> impl Iterator<Item = &Target<Pair>> {
        self.env.iter().filter_map(|arg| match arg {
            EnvArg::Variable(var) => Some(var),
            EnvArg::Environment(_) => None,
        })
    }
}
