//! The `docker` command line, run through `tokio::process` with a private
//! `DOCKER_CONFIG` (registry logins never touch the user's `~/.docker`).

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// A docker command that could not run or failed.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The `docker` program could not be started.
    #[error("cannot run docker: {0}")]
    Spawn(#[from] std::io::Error),
    /// The command ran and failed; `stderr` is what it said.
    #[error("docker {command} failed: {stderr}")]
    Failed {
        /// The docker subcommand.
        command: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
}

impl DockerError {
    /// What docker said (its standard error), or the I/O error.
    #[must_use]
    pub fn detail(&self) -> String {
        match self {
            DockerError::Spawn(e) => format!("cannot run docker: {e}"),
            DockerError::Failed { stderr, .. } => stderr.clone(),
        }
    }
}

/// The docker client of one data plane.
#[derive(Debug)]
pub struct Docker {
    config_dir: tempfile::TempDir,
}

impl Docker {
    /// A client with an empty private configuration directory.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn new() -> std::io::Result<Docker> {
        Ok(Docker {
            config_dir: tempfile::Builder::new()
                .prefix("ecs-sim-docker-")
                .tempdir()?,
        })
    }

    /// `docker ARGS...`, with no standard input, killed when dropped.
    #[must_use]
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new("docker");
        command
            .args(args)
            .env("DOCKER_CONFIG", self.config_dir.path())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Run `docker ARGS...` and return its standard output, trimmed.
    ///
    /// # Errors
    /// [`DockerError`] when docker cannot run or fails.
    pub async fn run<I, S>(&self, args: I) -> Result<String, DockerError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let command = self.command(args);
        output(command).await
    }

    /// `docker login HOST` with `password` on standard input (never on a command line).
    ///
    /// # Errors
    /// [`DockerError`] when the login fails.
    pub async fn login(&self, host: &str, user: &str, password: &str) -> Result<(), DockerError> {
        let mut command = self.command(["login", "--username", user, "--password-stdin", host]);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(password.as_bytes()).await?;
        }
        let out = child.wait_with_output().await?;
        check("login", &out)?;
        Ok(())
    }
}

/// Run `command` and return its standard output, trimmed.
///
/// # Errors
/// [`DockerError`] when it cannot run or fails.
pub async fn output(mut command: Command) -> Result<String, DockerError> {
    let what = command
        .as_std()
        .get_args()
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let out = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await?;
    check(&what, &out)?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn check(command: &str, out: &std::process::Output) -> Result<(), DockerError> {
    if out.status.success() {
        return Ok(());
    }
    Err(DockerError::Failed {
        command: command.to_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    })
}

/// Whether a Docker engine answers (`docker info`); `Err` holds why not.
///
/// # Errors
/// What docker said when it does not.
pub fn engine_available() -> Result<(), String> {
    let out = std::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}
