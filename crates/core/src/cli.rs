//! What every binary's `main` shares: the global flags, logging set-up and
//! the runtime that runs the tool's library.

use std::future::Future;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tracing_subscriber::EnvFilter;

use crate::aws::AwsSettings;
use crate::exit::{self, Exit, Failure};

/// Flags every tool accepts.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: portfolio-ci.yaml found upward from the
    /// working directory]
    #[arg(long, global = true, env = "PORTFOLIO_CI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print one JSON result object on stdout (progress stays on stderr)
    #[arg(long, global = true)]
    pub json: bool,

    /// More diagnostic output on stderr (-v: debug, -vv: trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// AWS flags of the tools that call AWS.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// AWS region [default: portfolio-ci.yaml, AWS_REGION, the profile, then us-east-1]
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Attempts per AWS call, retries included (standard retry mode; at least 1)
    #[arg(long, global = true, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,
}

impl AwsArgs {
    /// The resolved AWS settings: these flags plus the region that
    /// portfolio-ci.yaml names for the environment.
    pub fn settings(&self, configured_region: Option<String>) -> AwsSettings {
        AwsSettings {
            region: self.region.clone(),
            configured_region,
            max_attempts: self.max_attempts,
            ..AwsSettings::default()
        }
    }
}

/// `--env`/`-e`: the environment in portfolio-ci.yaml whose names and
/// defaults apply. The same flag, with the same meaning, in every tool.
#[derive(Debug, Clone, Default, Args)]
pub struct EnvArg {
    /// Environment in portfolio-ci.yaml whose names and defaults apply [default: dev]
    #[arg(long, short = 'e', env = "PORTFOLIO_CI_ENV", value_name = "ENV")]
    pub env: Option<String>,
}

impl EnvArg {
    /// The environment asked for, or `dev`.
    pub fn name(&self) -> &str {
        self.env.as_deref().unwrap_or(DEFAULT_ENV)
    }
}

/// The environment a tool works in when `--env` is not given.
pub const DEFAULT_ENV: &str = "dev";

/// `--service`/`-s`: one service in portfolio-ci.yaml.
#[derive(Debug, Clone, Default, Args)]
pub struct ServiceArg {
    /// Service in portfolio-ci.yaml (names its repository, cluster service and container)
    #[arg(long, short = 's', env = "PORTFOLIO_CI_SERVICE", value_name = "NAME")]
    pub service: Option<String>,
}

/// `--service`/`-s` of a tool that handles several services at once.
#[derive(Debug, Clone, Default, Args)]
pub struct ServicesArg {
    /// Service in portfolio-ci.yaml (repeatable, or comma-separated)
    #[arg(
        long = "service",
        short = 's',
        env = "PORTFOLIO_CI_SERVICE",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub services: Vec<String>,
}

/// `--repository`/`-r`: an ECR repository name.
#[derive(Debug, Clone, Default, Args)]
pub struct RepositoryArg {
    /// ECR repository [default: {project}-{env}-{service} from portfolio-ci.yaml]
    #[arg(
        long,
        short = 'r',
        env = "PORTFOLIO_CI_REPOSITORY",
        value_name = "NAME"
    )]
    pub repository: Option<String>,
}

/// Sends `tracing` diagnostics to stderr: `RUST_LOG` if set, else warnings,
/// or debug/trace with `-v`/`-vv`. Escape codes only in a terminal.
pub fn init_logging(verbose: u8) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(verbose)));
    // A second initialisation (tests) is harmless: keep the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// The log filter of a verbosity. Without `-v` the AWS SDK's own warnings
/// are silenced: a failed credential provider would otherwise print a raw
/// dump before the tool's own message, which already says what failed and
/// what to do (`-v` shows the SDK's detail).
fn default_filter(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn,aws_config=error,aws_smithy_runtime=error,aws_sdk_sts=error",
        1 => "debug",
        _ => "trace",
    }
}

/// Runs a tool's async entry point on a multi-threaded runtime and maps its
/// result to an exit code; the only place a tool's error is printed.
pub fn run<F, E>(tool: &str, future: F) -> ExitCode
where
    F: Future<Output = Result<Exit, E>>,
    E: Failure,
{
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => exit::finish(tool, runtime.block_on(future)),
        Err(err) => {
            eprintln!("{tool}: error: cannot start the async runtime: {err}");
            ExitCode::from(exit::FAILED)
        }
    }
}

/// Parses a duration flag such as `90s`, `10m` or `1h30m` (clap value parser
/// shared by every tool's duration flags).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|err| format!("'{text}' is not a duration such as 90s, 10m or 1h30m ({err})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[derive(Debug, clap::Parser)]
    struct WithAws {
        #[command(flatten)]
        aws: AwsArgs,
    }

    #[test]
    fn zero_attempts_are_refused() {
        use clap::Parser;
        let err = WithAws::try_parse_from(["t", "--max-attempts", "0"]).unwrap_err();
        assert!(err.to_string().contains("0 is not in 1.."), "{err}");
        let ok = WithAws::try_parse_from(["t", "--max-attempts", "50"]).unwrap();
        assert_eq!(ok.aws.max_attempts, 50);
    }

    #[test]
    fn durations_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        let err = parse_duration("ten minutes").unwrap_err();
        assert!(
            err.contains("'ten minutes'") && err.contains("90s"),
            "{err}"
        );
    }
}
