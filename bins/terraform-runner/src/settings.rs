//! Flags, environment and portfolio-ci.yaml resolved into what one run
//! needs: the binary, the root module, var files, backend config and lock
//! timeout of one environment. Everything is checked here, before terraform
//! runs, so bad input ends with exit 2 and nothing changed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use portfolio_core::{Config, InvalidInput};

use crate::cli::TargetArgs;
use crate::error::RunnerError;

/// Programs tried, in order, when no binary is configured.
const BINARIES: [&str; 2] = ["terraform", "tofu"];

/// One environment of one root module, ready to run.
#[derive(Debug, Clone)]
pub struct Settings {
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

impl Settings {
    /// Resolves `target` against `config`.
    pub fn resolve(target: &TargetArgs, config: &Config) -> Result<Settings, RunnerError> {
        let env = target.env.clone();
        let environment = config.environment(&env)?;
        let cwd = std::env::current_dir().map_err(RunnerError::io("cannot read", "."))?;
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
        let program = find_program(
            target
                .binary
                .as_deref()
                .or(config.terraform.binary.as_deref()),
        )?;
        Ok(Settings {
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

fn existing(files: Vec<(PathBuf, String)>, source: &Path) -> Result<Vec<PathBuf>, RunnerError> {
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

/// The binary: a path, a name on PATH, or the first of terraform and tofu.
fn find_program(wanted: Option<&str>) -> Result<PathBuf, RunnerError> {
    match wanted {
        Some(name) => which::which(name).map_err(|_| RunnerError::BinaryNotFound {
            wanted: name.to_owned(),
        }),
        None => BINARIES
            .iter()
            .find_map(|name| which::which(name).ok())
            .ok_or_else(|| RunnerError::BinaryNotFound {
                wanted: BINARIES.join(" or "),
            }),
    }
}
