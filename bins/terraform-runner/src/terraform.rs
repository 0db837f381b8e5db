//! Running terraform: `init` once per root module and environment,
//! commands whose `-json` UI is streamed to the user, and commands whose
//! output is captured (`show -json`, `state pull`, `output -json`).
//!
//! terraform runs in its own process group, so a Ctrl-C in a terminal
//! reaches only the runner, which forwards it exactly once as SIGINT:
//! terraform then stops, releases the lock and persists the state. A second
//! signal starts the grace period, after which terraform is killed.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use nix::sys::signal::{Signal as NixSignal, kill, killpg};
use nix::unistd::Pid;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use portfolio_core::actions::Location;
use portfolio_core::{Cancel, Session};

use crate::error::Error;
use crate::lock::{LOCK_ERROR_SUMMARY, LockInfo};
use crate::settings::Target;
use crate::ui::{self, Diagnostic, UiEvent};

/// terraform's summary of the diagnostic for a stale saved plan.
const STALE_SUMMARY: &str = "Saved plan is stale";
/// The init marker, in the data directory: the hash of what init depends on.
const INIT_MARKER: &str = "portfolio-ci-init.sha256";

/// terraform for one root module and environment.
#[derive(Debug)]
pub struct Terraform {
    settings: Target,
    cancel: Cancel,
}

impl Terraform {
    /// terraform as `settings` says, with the signals of `cancel` forwarded to it.
    pub fn new(settings: Target, cancel: Cancel) -> Self {
        Self { settings, cancel }
    }

    /// The resolved target.
    pub fn settings(&self) -> &Target {
        &self.settings
    }

    /// The program's file name (`terraform`, `tofu`).
    pub fn program_name(&self) -> String {
        self.settings.program.file_name().map_or_else(
            || "terraform".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// The command that removes a stale lock, as the user would type it.
    pub fn force_unlock_command(&self, id: &str) -> String {
        format!(
            "TF_DATA_DIR={} {} -chdir={} force-unlock {id}",
            self.settings.data_dir().display(),
            self.program_name(),
            self.settings.dir.display()
        )
    }

    fn command(&self, args: &[OsString]) -> Command {
        let mut command = Command::new(&self.settings.program);
        command
            .args(args)
            .current_dir(&self.settings.dir)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("TF_DATA_DIR", self.settings.data_dir())
            .stdin(Stdio::null())
            .process_group(0)
            .kill_on_drop(false);
        command
    }

    fn spawn(&self, command: &mut Command) -> Result<Child, Error> {
        command.spawn().map_err(|source| Error::Spawn {
            program: self.settings.program.display().to_string(),
            source,
        })
    }

    /// Runs `terraform init` unless it already ran for this environment with
    /// the same backend config, lock file and binary. Returns whether it ran.
    pub async fn init(&self, session: &Session) -> Result<bool, Error> {
        let data_dir = self.settings.data_dir();
        let marker = data_dir.join(INIT_MARKER);
        let key = self.init_key()?;
        if std::fs::read_to_string(&marker).is_ok_and(|k| k.trim() == key) {
            session
                .progress
                .status(&format!("{}: initialised (cached)", self.settings.env));
            return Ok(false);
        }
        session
            .progress
            .status(&format!("{}: terraform init", self.settings.env));
        let mut args: Vec<OsString> = ["init", "-input=false", "-reconfigure", "-no-color"]
            .map(OsString::from)
            .to_vec();
        args.push(format!("-lock-timeout={}", self.settings.lock_timeout).into());
        if let Some(file) = &self.settings.backend_config {
            let mut arg = OsString::from("-backend-config=");
            arg.push(file);
            args.push(arg);
        }
        let output = self.capture(&args).await?;
        if !output.status.success() {
            let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&output.stderr));
            return Err(Error::Init {
                output: text.trim().to_owned(),
            });
        }
        std::fs::create_dir_all(&data_dir).map_err(Error::io("cannot create", &data_dir))?;
        std::fs::write(&marker, format!("{key}\n")).map_err(Error::io("cannot write", &marker))?;
        Ok(true)
    }

    /// What init depends on: the binary, the backend config (path and
    /// content) and the dependency lock file.
    fn init_key(&self) -> Result<String, Error> {
        let mut hash = Sha256::new();
        hash.update(self.settings.program.as_os_str().as_encoded_bytes());
        hash.update([0]);
        if let Some(file) = &self.settings.backend_config {
            hash.update(file.as_os_str().as_encoded_bytes());
            hash.update([0]);
            hash.update(std::fs::read(file).map_err(Error::io("cannot read", file))?);
        }
        hash.update([0]);
        let lock_file = self.settings.dir.join(".terraform.lock.hcl");
        if let Ok(bytes) = std::fs::read(&lock_file) {
            hash.update(bytes);
        }
        Ok(hex::encode(hash.finalize()))
    }

    /// `-lock-timeout` and the var files, for plan.
    pub fn plan_args(&self, plan_file: &Path, destroy: bool) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["plan".into(), "-input=false".into()];
        args.push(format!("-lock-timeout={}", self.settings.lock_timeout).into());
        if destroy {
            args.push("-destroy".into());
        }
        for file in &self.settings.var_files {
            let mut arg = OsString::from("-var-file=");
            arg.push(file);
            args.push(arg);
        }
        let mut out = OsString::from("-out=");
        out.push(plan_file);
        args.push(out);
        args
    }

    /// `apply PLAN` with the lock timeout.
    pub fn apply_args(&self, plan_file: &Path) -> Vec<OsString> {
        vec![
            "apply".into(),
            "-input=false".into(),
            format!("-lock-timeout={}", self.settings.lock_timeout).into(),
            plan_file.as_os_str().to_owned(),
        ]
    }

    /// Runs a command with `-json`, streaming its UI to the session, and
    /// turns failures into the matching error (lock held: exit 4, stale
    /// plan: exit 3, signal: 130). Returns the non-sensitive root outputs
    /// that terraform reported (after apply).
    pub async fn stream(
        &mut self,
        args: Vec<OsString>,
        session: &Session,
    ) -> Result<BTreeMap<String, Value>, Error> {
        self.check_signals()?;
        let subcommand = args
            .first()
            .map_or_else(String::new, |a| a.to_string_lossy().into_owned());
        let mut args = args;
        args.insert(1, "-json".into());
        let mut command = self.command(&args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.spawn(&mut command)?;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        let stderr = child.stderr.take().map(|err| {
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                let mut kept = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    kept.push(line);
                }
                kept
            })
        });
        let mut errors = Vec::new();
        let mut outputs = BTreeMap::new();
        let mut lock = None;
        let mut stale = false;
        let mut kill_at: Option<tokio::time::Instant> = None;
        // Where the signals got to: terraform was asked to stop (first), the
        // grace period started (second).
        let (mut stopping, mut escalated) = (false, false);
        let cancel = self.cancel.clone();
        if let Some(out) = child.stdout.take() {
            let mut lines = BufReader::new(out).lines();
            loop {
                tokio::select! {
                    line = lines.next_line() => {
                        let Ok(Some(line)) = line else { break };
                        match ui::parse_line(&line) {
                            UiEvent::Diagnostic(d) if d.is_error() && d.summary == LOCK_ERROR_SUMMARY => {
                                lock = LockInfo::parse(&d.detail);
                                errors.push(d.summary);
                            }
                            UiEvent::Diagnostic(d) => {
                                stale |= d.summary == STALE_SUMMARY;
                                if d.is_error() {
                                    errors.push(d.headline());
                                }
                                show_diagnostic(session, &d, &self.settings.dir_label);
                            }
                            UiEvent::Outputs(values) => outputs = values,
                            UiEvent::Status(text) => session.progress.status(&text),
                            UiEvent::Line(text) => session.progress.line(&text),
                            UiEvent::Quiet => {}
                        }
                    }
                    signal = cancel.cancelled(), if !stopping => {
                        stopping = true;
                        session.progress.line(&format!("{signal}: stopping terraform gracefully (SIGINT); waiting for it to release the lock and save the state"));
                        signal_process(pid, NixSignal::SIGINT);
                    }
                    _ = cancel.escalated(), if stopping && !escalated => {
                        escalated = true;
                        session.progress.line(&format!("second signal: terraform gets {} more to finish, then it is killed", humantime::format_duration(self.settings.grace_period)));
                        kill_at = Some(tokio::time::Instant::now() + self.settings.grace_period);
                    }
                    () = sleep_until(kill_at) => {
                        session.progress.line("grace period over: killing terraform and its provisioners (the state may keep a lock: see force-unlock)");
                        kill_group(pid);
                        kill_at = None;
                    }
                }
            }
        }
        let status = wait(&mut child, &self.settings.program).await?;
        if let Some(task) = stderr {
            for line in task.await.unwrap_or_default() {
                session.progress.line(&line);
            }
        }
        if stopping {
            session
                .progress
                .line(&format!("terraform was stopped ({})", describe(status)));
        }
        self.check_signals()?;
        if status.success() {
            return Ok(outputs);
        }
        if let Some(info) = lock {
            let force_unlock = self.force_unlock_command(&info.id);
            return Err(Error::Locked {
                info: Box::new(info),
                force_unlock,
            });
        }
        if stale {
            return Err(Error::StalePlan {
                plan: args.last().map(PathBuf::from).unwrap_or_default(),
                reason: "terraform reports that the state changed after the plan was made".into(),
            });
        }
        Err(Error::Terraform {
            command: subcommand,
            status: describe(status),
            errors,
        })
    }

    /// Runs a command to completion and returns its output, which may hold
    /// sensitive values: callers must not print it.
    pub async fn capture(&self, args: &[OsString]) -> Result<std::process::Output, Error> {
        let mut command = self.command(args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = self.spawn(&mut command)?;
        child
            .wait_with_output()
            .await
            .map_err(|source| Error::Spawn {
                program: self.settings.program.display().to_string(),
                source,
            })
    }

    /// Like [`Terraform::capture`] for commands that must succeed; returns stdout.
    pub async fn capture_ok(&self, args: &[&str]) -> Result<Vec<u8>, Error> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let output = self.capture(&args).await?;
        self.check_signals()?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        Err(Error::Terraform {
            command: args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            status: describe(output.status),
            errors: String::from_utf8_lossy(&output.stderr)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }

    /// Ends the run if a signal arrived.
    pub fn check_signals(&self) -> Result<(), Error> {
        match self.cancel.signal() {
            Some(signal) => Err(portfolio_core::Error::Interrupted(signal).into()),
            None => Ok(()),
        }
    }
}

/// A terraform diagnostic: a log line, and an annotation pointing at the
/// file and line (relative to the repository, through `dir`).
fn show_diagnostic(session: &Session, diagnostic: &Diagnostic, dir: &str) {
    let mut text = format!("{}: {}", diagnostic.severity, diagnostic.headline());
    if !diagnostic.detail.is_empty() {
        text.push_str("\n  ");
        text.push_str(&diagnostic.detail.replace('\n', "\n  "));
    }
    session.progress.line(&text);
    let file = diagnostic
        .file
        .as_ref()
        .map(|f| format!("{}/{f}", dir.trim_end_matches('/')));
    let at = file.as_deref().map(|file| Location {
        file,
        line: diagnostic.line,
    });
    let message = format!("{}: {}", diagnostic.summary, diagnostic.detail);
    if diagnostic.is_error() {
        session.actions.error(message.trim_end_matches(": "), at);
    } else {
        session.actions.warning(message.trim_end_matches(": "), at);
    }
}

fn signal_process(pid: Option<Pid>, signal: NixSignal) {
    if let Some(pid) = pid {
        // The child may have exited already; nothing to do then.
        let _ = kill(pid, signal);
    }
}

/// SIGKILL to terraform's process group (it runs in one of its own), so
/// that no provisioner it started outlives it.
fn kill_group(pid: Option<Pid>) {
    if let Some(pid) = pid {
        // The group may be gone already; nothing to do then.
        let _ = killpg(pid, NixSignal::SIGKILL);
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn wait(child: &mut Child, program: &Path) -> Result<ExitStatus, Error> {
    child.wait().await.map_err(|source| Error::Spawn {
        program: program.display().to_string(),
        source,
    })
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}
