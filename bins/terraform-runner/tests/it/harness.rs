//! The test stack: moto with a state bucket, a private copy of the example
//! terraform root module with a backend config pointing at moto, a
//! portfolio-ci.yaml, and the real terraform-runner binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use portfolio_testkit::Run;
use portfolio_testkit::{Moto, terraform as tk};
use tempfile::TempDir;

/// The state bucket in moto.
pub const BUCKET: &str = "portfolio-tfstate";
/// The sensitive value every stack is given (`db_password`).
pub const SECRET: &str = "s3cr3t-Zq8vK2-never-shown";
/// How long a test waits for something that should happen soon.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Variables of the host (or of a CI job running these tests) that would
/// change the runner's behaviour: removed from every run.
const GITHUB_VARS: [&str; 12] = [
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_EVENT_PATH",
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_API_URL",
    "GITHUB_SERVER_URL",
    "GITHUB_RUN_ID",
    "PORTFOLIO_CI_CONFIG",
    "PORTFOLIO_CI_ENV",
    "PORTFOLIO_CI_LOCK_TIMEOUT",
];

/// One isolated stack.
pub struct Stack {
    pub moto: Moto,
    pub root: TempDir,
}

impl Stack {
    /// moto, the bucket, the root module copy and the configuration.
    pub fn new() -> Stack {
        let moto = Moto::start().expect("moto_server starts");
        tk::create_bucket(moto.endpoint(), BUCKET).expect("state bucket");
        let root = tempfile::tempdir().unwrap();
        let tf = root.path().join("terraform");
        copy_dir(&fixture(), &tf);
        for env in ["dev", "prod"] {
            std::fs::write(
                tf.join(format!("backend/{env}.hcl")),
                tk::s3_backend_config(moto.endpoint(), BUCKET, &state_key(env)),
            )
            .unwrap();
        }
        std::fs::write(
            root.path().join("portfolio-ci.yaml"),
            "terraform:\n  dir: terraform\n  backend_config: backend/{env}.hcl\n  lock_timeout: 0s\n",
        )
        .unwrap();
        Stack { moto, root }
    }

    /// Path inside the stack's directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    /// Writes a var file (relative to the stack's directory).
    pub fn var_file(&self, relative: &str, text: &str) -> String {
        std::fs::write(self.path(relative), text).unwrap();
        relative.to_owned()
    }

    /// The runner, in the stack's directory, with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = runner(self.root.path(), args);
        command
            .envs(self.moto.env())
            .env("TF_VAR_db_password", SECRET);
        command
    }

    /// Runs the runner to its end.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// The stored state of `env`, if any.
    pub fn state(&self, env: &str) -> Option<serde_json::Value> {
        tk::get_object(self.moto.endpoint(), BUCKET, &state_key(env))
            .unwrap()
            .map(|bytes| serde_json::from_slice(&bytes).expect("state is JSON"))
    }

    /// The managed resources in the state of `env`, as addresses.
    pub fn resources(&self, env: &str) -> Vec<String> {
        let Some(state) = self.state(env) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in state["resources"].as_array().unwrap() {
            for instance in r["instances"].as_array().unwrap() {
                let key = match &instance["index_key"] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(k) => format!("[\"{k}\"]"),
                    other => format!("[{other}]"),
                };
                out.push(format!(
                    "{}.{}{key}",
                    r["type"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                ));
            }
        }
        out.sort();
        out
    }

    /// Whether someone holds the state lock of `env`.
    pub fn locked(&self, env: &str) -> bool {
        tk::object_exists(self.moto.endpoint(), BUCKET, &tk::lock_key(&state_key(env))).unwrap()
    }
}

/// The runner in `dir`, with a clean environment and no stand-ins (for
/// runs that end before terraform starts).
pub fn runner(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_terraform-runner"));
    command
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env_remove("TF_LOG")
        .env_remove("PORTFOLIO_CI_TERRAFORM_BINARY")
        .stdin(Stdio::null());
    for var in GITHUB_VARS {
        command.env_remove(var);
    }
    command
}

/// The state key of `env` in the bucket.
pub fn state_key(env: &str) -> String {
    format!("{env}/terraform.tfstate")
}

/// A runner started in the background whose stderr is read line by line.
pub struct Background {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Background {
    pub fn start(mut command: Command) -> Background {
        let mut child = command
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Background {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until a stderr line contains `text`.
    pub fn wait_for_line(&mut self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!(
            "no line with {text:?}; stderr so far:\n{}",
            self.seen.join("\n")
        );
    }

    /// Waits for the end and returns the exit code and the whole stderr.
    pub fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code().unwrap_or(-1), self.seen.join("\n"))
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/portfolio/terraform")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".terraform" || name.to_string_lossy().ends_with(".tfplan") {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
