//! The setup action's installer against a local HTTP server that serves
//! release archives: a good archive installs (and is cached), a tampered
//! one is refused and nothing is installed.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use portfolio_testkit::{ChildGuard, free_port, wait_for_port};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const TOOLS: [&str; 5] = [
    "build-push-image",
    "render-taskdef",
    "ecs-rolling-deploy",
    "ecr-lifecycle",
    "terraform-runner",
];
const VERSION: &str = "v1.2.3";
const TARGET: &str = "x86_64-unknown-linux-musl";

struct Release {
    root: TempDir,
    _server: ChildGuard,
    url: String,
}

fn archive_name() -> String {
    format!("portfolio-ci-{VERSION}-{TARGET}.tar.gz")
}

/// Builds a release directory `<root>/<version>/` with an archive of five
/// tiny executables and its SHA256SUMS, and serves `<root>` over HTTP.
fn serve_release(tamper: bool) -> Release {
    let root = tempfile::tempdir().unwrap();
    let staging = root.path().join("staging/portfolio-ci");
    fs::create_dir_all(&staging).unwrap();
    for tool in TOOLS {
        let path = staging.join(tool);
        fs::write(&path, format!("#!/bin/sh\necho {tool} {VERSION}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let release = root.path().join(VERSION);
    fs::create_dir_all(&release).unwrap();
    let archive = release.join(archive_name());
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(root.path().join("staging"))
        .arg("portfolio-ci")
        .status()
        .unwrap();
    assert!(status.success());
    let digest = hex::encode(Sha256::digest(fs::read(&archive).unwrap()));
    fs::write(
        release.join("SHA256SUMS"),
        format!("{digest}  {}\n", archive_name()),
    )
    .unwrap();
    if tamper {
        let mut bytes = fs::read(&archive).unwrap();
        let last = bytes.len() - 10;
        bytes[last] ^= 0xff;
        fs::write(&archive, bytes).unwrap();
    }
    let port = free_port().unwrap();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(root.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = ChildGuard(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(wait_for_port(addr, &mut server.0, Duration::from_secs(20)));
    Release {
        root,
        _server: server,
        url: format!("http://{addr}"),
    }
}

struct Runner {
    dir: TempDir,
}

impl Runner {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for file in ["github_path", "github_output"] {
            fs::write(dir.path().join(file), "").unwrap();
        }
        Runner { dir }
    }

    fn tool_cache(&self) -> PathBuf {
        self.dir.path().join("toolcache")
    }

    fn install(&self, url: &str) -> Output {
        Command::new("bash")
            .arg(e2e::repo_root().join("actions/setup/install.sh"))
            .env("INPUT_VERSION", VERSION)
            .env("INPUT_BIN_DIR", "")
            .env_remove("PORTFOLIO_CI_BIN_DIR")
            .env("INPUT_DOWNLOAD_URL", url)
            .env("ACTION_PATH", e2e::repo_root().join("actions/setup"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.tool_cache())
            .env("RUNNER_TEMP", self.dir.path())
            .env("GITHUB_PATH", self.dir.path().join("github_path"))
            .env("GITHUB_OUTPUT", self.dir.path().join("github_output"))
            .output()
            .unwrap()
    }

    fn read(&self, file: &str) -> String {
        fs::read_to_string(self.dir.path().join(file)).unwrap()
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn installed_dir() -> PathBuf {
    Path::new("portfolio-ci").join(VERSION).join(TARGET)
}

#[test]
fn a_good_archive_installs_and_is_cached() {
    let release = serve_release(false);
    let runner = Runner::new();
    let output = runner.install(&release.url);
    assert!(output.status.success(), "{}", text(&output));
    let dest = runner.tool_cache().join(installed_dir());
    for tool in TOOLS {
        let run = Command::new(dest.join(tool)).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&run.stdout).trim(),
            format!("{tool} {VERSION}")
        );
    }
    assert_eq!(runner.read("github_path").trim(), dest.to_str().unwrap());
    let outputs = runner.read("github_output");
    assert!(outputs.contains(&format!("version={VERSION}")), "{outputs}");
    assert!(text(&output).contains("Verified"), "{}", text(&output));

    // A second run uses the tool cache even when the server is gone.
    let url = release.url.clone();
    drop(release);
    let again = runner.install(&url);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("cached"), "{}", text(&again));
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let release = serve_release(true);
    let runner = Runner::new();
    let output = runner.install(&release.url);
    assert!(!output.status.success());
    let log = text(&output);
    assert!(log.contains("::error"), "{log}");
    assert!(log.contains("checksum mismatch"), "{log}");
    assert!(!runner.tool_cache().join(installed_dir()).exists());
    assert_eq!(runner.read("github_path"), "");
}

#[test]
fn an_archive_missing_from_sha256sums_is_refused() {
    let release = serve_release(false);
    fs::write(
        release.root.path().join(VERSION).join("SHA256SUMS"),
        "0000  other-archive.tar.gz\n",
    )
    .unwrap();
    let runner = Runner::new();
    let output = runner.install(&release.url);
    assert!(!output.status.success());
    assert!(text(&output).contains("no entry for"), "{}", text(&output));
    assert!(!runner.tool_cache().join(installed_dir()).exists());
}
