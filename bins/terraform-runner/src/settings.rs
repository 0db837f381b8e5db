//! The one resolution step: flags (and their `PORTFOLIO_CI_*` variables),
//! the GitHub context and portfolio-ci.yaml become the [`Settings`] of one
//! run: what to do ([`Operation`]) and where ([`Target`]: the binary, the
//! root module, var files, backend config and lock timeout of one
//! environment). Every local input is checked here, before terraform runs,
//! so bad input ends with exit 2 and nothing changed. The run code never
//! sees the clap types.

use std::path::{Path, PathBuf};
use std::time::Duration;

use portfolio_core::github::GitHub;
use portfolio_core::{Config, InvalidInput};

use crate::cli::{ApplyArgs, DestroyArgs, PlanArgs, RunCommand, TargetArgs};
use crate::comment::PullRequest;
use crate::error::Error;

/// Programs tried, in order, when no binary is configured.
const BINARIES: [&str; 2] = ["terraform", "tofu"];

/// The protected environment that destroy also needs `--allow-prod` for.
const PROD: &str = "prod";

/// Everything one run needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where terraform runs.
    pub target: Target,
    /// What it does.
    pub operation: Operation,
    /// The workflow run's page (the full log), under GitHub Actions.
    pub log_url: Option<String>,
}

/// The operation and its own inputs.
#[derive(Debug, Clone)]
pub enum Operation {
    /// Plan into a file, summarise, optionally comment on the pull request.
    Plan {
        /// The plan file to write (absolute).
        plan_file: PathBuf,
        /// Plan the destruction of everything.
        destroy: bool,
        /// The pull request comment to upsert, with `--pr-comment`.
        comment: Option<Box<PrComment>>,
    },
    /// Apply a saved plan, or plan and apply (`--auto-approve`: `None`).
    Apply {
        /// The verified plan file, when one was given.
        plan: Option<SavedPlan>,
    },
    /// Destroy (confirmed): a saved destroy plan, or plan and destroy (`None`).
    Destroy {
        /// The verified destroy plan, when one was given.
        plan: Option<SavedPlan>,
    },
}

/// A plan file made earlier by `plan`, to verify before it is applied.
#[derive(Debug, Clone)]
pub struct SavedPlan {
    /// The plan file (absolute; it exists).
    pub file: PathBuf,
    /// `--plan-sha256`, else PATH.sha256 is the expected checksum.
    pub sha256: Option<String>,
}

/// Where the plan summary is commented.
#[derive(Debug, Clone)]
pub struct PrComment {
    /// The pull request.
    pub pull_request: PullRequest,
    /// The GitHub context and client.
    pub github: GitHub,
}

impl Settings {
    /// Resolves an operation's command line against the GitHub context and `config`:
    /// first the operation's own flags (confirmations), then the
    /// environment, its files and the binary, then the plan file.
    pub fn resolve(
        command: RunCommand,
        github: &GitHub,
        config: &Config,
    ) -> Result<Settings, Error> {
        let log_url = github.run_url();
        let (target, operation) = match command {
            RunCommand::Plan(args) => plan(&args, github, config)?,
            RunCommand::Apply(args) => apply(args, config)?,
            RunCommand::Destroy(args) => destroy(args, config)?,
        };
        Ok(Settings {
            target,
            operation,
            log_url,
        })
    }
}

fn plan(args: &PlanArgs, github: &GitHub, config: &Config) -> Result<(Target, Operation), Error> {
    let target = Target::resolve(&args.target, config)?;
    let comment = if args.pr_comment {
        Some(Box::new(PrComment {
            pull_request: PullRequest::from_context(github, args.pr)?,
            github: github.clone(),
        }))
    } else {
        None
    };
    let plan_file = match &args.plan_file {
        Some(file) => absolute(file)?,
        None => target.dir.join(format!("{}.tfplan", target.env)),
    };
    let operation = Operation::Plan {
        plan_file,
        destroy: args.destroy,
        comment,
    };
    Ok((target, operation))
}

fn apply(args: ApplyArgs, config: &Config) -> Result<(Target, Operation), Error> {
    if args.plan_file.is_none() && !args.auto_approve {
        return Err(InvalidInput::new(
            "--plan-file",
            "apply needs a plan file from terraform-runner plan, or --auto-approve to plan and apply in one go",
        )
        .into());
    }
    let target = Target::resolve(&args.target, config)?;
    let plan = saved_plan(args.plan_file.as_deref(), args.plan_sha256)?;
    Ok((target, Operation::Apply { plan }))
}

fn destroy(args: DestroyArgs, config: &Config) -> Result<(Target, Operation), Error> {
    let env = args.target.env.name();
    if args.confirm.as_deref() != Some(env) {
        return Err(InvalidInput::new(
            "--confirm",
            format!(
                "destroy needs --confirm {env} (the environment's name) to go ahead; got {}",
                args.confirm
                    .as_deref()
                    .map_or("nothing".to_owned(), |c| format!("'{c}'"))
            ),
        )
        .into());
    }
    if env == PROD && !args.allow_prod {
        return Err(
            InvalidInput::new("--allow-prod", "destroying prod also needs --allow-prod").into(),
        );
    }
    let target = Target::resolve(&args.target, config)?;
    let plan = saved_plan(args.plan_file.as_deref(), args.plan_sha256)?;
    Ok((target, Operation::Destroy { plan }))
}

/// `--plan-file` of apply and destroy: it must exist.
fn saved_plan(file: Option<&Path>, sha256: Option<String>) -> Result<Option<SavedPlan>, Error> {
    let Some(file) = file else {
        return Ok(None);
    };
    let file = absolute(file)?;
    if !file.is_file() {
        return Err(InvalidInput::new(
            "--plan-file",
            format!("{} does not exist: expected a plan file", file.display()),
        )
        .into());
    }
    Ok(Some(SavedPlan { file, sha256 }))
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(Error::io("cannot resolve", path))
}

/// One environment of one root module, ready to run.
#[derive(Debug, Clone)]
pub struct Target {
    /// The environment.
    pub env: String,
    /// The root module (absolute).
    pub dir: PathBuf,
    /// The root module as the user wrote it (for messages and reports).
    pub dir_label: String,
    /// terraform or tofu (absolute).
    pub program: PathBuf,
    /// Var files (absolute), in order.
    pub var_files: Vec<PathBuf>,
    /// Backend config file for init (absolute).
    pub backend_config: Option<PathBuf>,
    /// `-lock-timeout` value.
    pub lock_timeout: String,
    /// Time terraform gets after a second signal.
    pub grace_period: Duration,
}

impl Target {
    /// Resolves `target` against `config`.
    pub fn resolve(target: &TargetArgs, config: &Config) -> Result<Target, Error> {
        let env = target.env.name().to_owned();
        let environment = config.environment(&env)?;
        let cwd = std::env::current_dir().map_err(Error::io("cannot read", "."))?;
        let source = || {
            config
                .source
                .clone()
                .unwrap_or_else(|| "built-in defaults".into())
        };
        let (dir, dir_label) = match &target.dir {
            Some(dir) => (cwd.join(dir), dir.display().to_string()),
            None => (
                config.resolve(&config.terraform.dir),
                config.terraform.dir.display().to_string(),
            ),
        };
        if !dir.is_dir() {
            let field = if target.dir.is_some() {
                "--dir"
            } else {
                "terraform.dir"
            };
            return Err(InvalidInput::in_file(
                source(),
                field,
                format!(
                    "{} is not a directory: expected a terraform root module",
                    dir.display()
                ),
            )
            .into());
        }
        let var_files = if target.var_files.is_empty() {
            let mut files = Vec::new();
            for (i, template) in config.terraform.var_files.iter().enumerate() {
                let key = format!("terraform.var_files[{i}]");
                let name = config.name(&key, template, &env, None)?;
                files.push((dir.join(name), key));
            }
            for (i, file) in environment.var_files.iter().enumerate() {
                files.push((dir.join(file), format!("environments.{env}.var_files[{i}]")));
            }
            existing(files, &source())?
        } else {
            let files = target
                .var_files
                .iter()
                .map(|f| (cwd.join(f), "--var-file".to_owned()))
                .collect();
            existing(files, Path::new("command line"))?
        };
        let backend_config = match (&target.backend_config, &config.terraform.backend_config) {
            (Some(file), _) => Some((
                cwd.join(file),
                "--backend-config".to_owned(),
                PathBuf::from("command line"),
            )),
            (None, Some(template)) => {
                let key = "terraform.backend_config".to_owned();
                let name = config.name(&key, template, &env, None)?;
                Some((dir.join(name), key, source()))
            }
            (None, None) => None,
        };
        let backend_config = match backend_config {
            Some((path, field, from)) => existing(vec![(path, field)], &from)?.pop(),
            None => None,
        };
        let lock_timeout = target
            .lock_timeout
            .clone()
            .unwrap_or_else(|| config.terraform.lock_timeout.clone());
        if humantime::parse_duration(&lock_timeout).is_err() {
            let (from, field) = match &target.lock_timeout {
                Some(_) => (PathBuf::from("command line"), "--lock-timeout"),
                None => (source(), "terraform.lock_timeout"),
            };
            return Err(InvalidInput::in_file(
                from,
                field,
                format!("'{lock_timeout}' is not a duration such as 0s, 90s or 5m"),
            )
            .into());
        }
        let program = find_program(target.binary.as_deref(), config, &cwd, source())?;
        Ok(Target {
            env,
            dir,
            dir_label,
            program,
            var_files,
            backend_config,
            lock_timeout,
            grace_period: target.grace_period,
        })
    }

    /// terraform's data directory for this environment: init state and
    /// modules are kept per environment so that environments never share a
    /// backend by accident and each is initialised once.
    pub fn data_dir(&self) -> PathBuf {
        self.dir
            .join(".terraform")
            .join("portfolio-ci")
            .join(&self.env)
    }
}

fn existing(files: Vec<(PathBuf, String)>, source: &Path) -> Result<Vec<PathBuf>, Error> {
    files
        .into_iter()
        .map(|(path, field)| {
            if path.is_file() {
                Ok(path)
            } else {
                Err(InvalidInput::in_file(
                    source,
                    field,
                    format!("{} does not exist: expected a file", path.display()),
                )
                .into())
            }
        })
        .collect()
}

/// The binary: a bare name looked up on PATH, a path (which must exist and
/// be executable), or the first of terraform and tofu on PATH. A flag wins
/// over terraform.binary.
fn find_program(
    flag: Option<&str>,
    config: &Config,
    cwd: &Path,
    source: PathBuf,
) -> Result<PathBuf, Error> {
    // What was asked for, and where: a flag, or a key of the config file.
    let (wanted, file, field) = match (flag, config.terraform.binary.as_deref()) {
        (Some(name), _) => (name, None, "--binary"),
        (None, Some(name)) => (name, Some(source), "terraform.binary"),
        (None, None) => {
            return BINARIES
                .iter()
                .find_map(|name| which::which(name).ok())
                .ok_or_else(|| Error::BinaryNotFound {
                    wanted: BINARIES.join(" or "),
                });
        }
    };
    if !wanted.contains(std::path::MAIN_SEPARATOR) {
        return which::which(wanted).map_err(|_| Error::BinaryNotFound {
            wanted: wanted.to_owned(),
        });
    }
    let path = cwd.join(wanted);
    let problem = match std::fs::metadata(&path) {
        Err(_) => "does not exist",
        Ok(meta) if !meta.is_file() => "is not a file",
        Ok(meta) if !is_executable(&meta) => "is not executable",
        Ok(_) => return Ok(path),
    };
    let reason = format!(
        "{wanted} {problem}: expected the path of terraform or tofu (a bare name is looked up on PATH)"
    );
    Err(match file {
        Some(file) => InvalidInput::in_file(file, field, reason),
        None => InvalidInput::new(field, reason),
    }
    .into())
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}
