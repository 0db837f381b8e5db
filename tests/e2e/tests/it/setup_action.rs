//! The setup action's installer against a local HTTP server that serves
//! release archives: a good archive installs (and is cached), a tampered
//! one is refused and nothing is installed, a failed request is retried;
//! prebuilt binaries from bin-dir are used as they are; a branch ref, or a
//! version with no release, is built from source with cargo.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use portfolio_testkit::{ChildGuard, free_port, wait_for_port};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub(crate) const TOOLS: [&str; 5] = [
    "build-push-image",
    "render-taskdef",
    "ecs-rolling-deploy",
    "ecr-lifecycle",
    "terraform-runner",
];
pub(crate) const VERSION: &str = "v1.2.3";
const TARGET: &str = "x86_64-unknown-linux-musl";

pub(crate) struct Release {
    root: TempDir,
    _server: ChildGuard,
    pub(crate) url: String,
}

/// A static file server that answers the first `FAIL_FIRST` requests with
/// 503 and logs `CODE PATH` per request to `requests.log` in its directory.
const SERVER: &str = r#"
import http.server, os, sys
failures = int(os.environ.get("FAIL_FIRST", "0"))
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        global failures
        code = 200
        if failures > 0:
            failures -= 1
            code = 503
        with open("requests.log", "a") as log:
            log.write(f"{code} {self.path}\n")
        if code == 503:
            self.send_error(503)
        else:
            super().do_GET()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"#;

fn archive_name() -> String {
    format!("portfolio-ci-{VERSION}-{TARGET}.tar.gz")
}

/// Builds a release directory `<root>/<version>/` with an archive of five
/// tiny executables (each prints `TOOL VERSION`) and its SHA256SUMS, and
/// serves `<root>` over HTTP, failing the first `fail_first` requests.
pub(crate) fn serve_release(tamper: bool, fail_first: u32) -> Release {
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
        .args(["-c", SERVER, &port.to_string()])
        .env("FAIL_FIRST", fail_first.to_string())
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
        self.install_from(url, "")
    }

    fn install_from(&self, url: &str, bin_dir: &str) -> Output {
        Command::new("bash")
            .arg(e2e::repo_root().join("actions/setup/install.sh"))
            .env("INPUT_VERSION", VERSION)
            .env("INPUT_BIN_DIR", bin_dir)
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
    let release = serve_release(false, 0);
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
    let release = serve_release(true, 0);
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
    let release = serve_release(false, 0);
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

#[test]
fn a_failed_download_is_retried() {
    let release = serve_release(false, 1);
    let runner = Runner::new();
    let output = runner.install(&release.url);
    assert!(output.status.success(), "{}", text(&output));
    assert!(runner.tool_cache().join(installed_dir()).is_dir());
    let requests = fs::read_to_string(release.root.path().join("requests.log")).unwrap();
    let archive = format!("/{VERSION}/{}", archive_name());
    let lines: Vec<&str> = requests.lines().collect();
    assert_eq!(
        lines[..2],
        [format!("503 {archive}"), format!("200 {archive}")],
        "{requests}"
    );
}

/// A directory with the five tools, each printing `TOOL prebuilt`.
fn prebuilt(tools: &[&str]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for tool in tools {
        let path = dir.path().join(tool);
        fs::write(&path, format!("#!/bin/sh\necho {tool} prebuilt\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn prebuilt_binaries_from_bin_dir_are_used_without_a_download() {
    let bins = prebuilt(&TOOLS);
    let runner = Runner::new();
    // Nothing listens on the discard port: a download would fail.
    let output = runner.install_from("http://127.0.0.1:9", bins.path().to_str().unwrap());
    assert!(output.status.success(), "{}", text(&output));
    let dir = bins.path().canonicalize().unwrap();
    assert_eq!(runner.read("github_path").trim(), dir.to_str().unwrap());
    let outputs = runner.read("github_output");
    assert!(outputs.contains("version=prebuilt"), "{outputs}");
    assert!(
        outputs.contains(&format!("bin-dir={}", dir.display())),
        "{outputs}"
    );
    assert!(!runner.tool_cache().exists(), "nothing was downloaded");
}

#[test]
fn a_bin_dir_missing_a_tool_is_refused() {
    let bins = prebuilt(&TOOLS[..4]);
    let runner = Runner::new();
    let output = runner.install_from("http://127.0.0.1:9", bins.path().to_str().unwrap());
    assert!(!output.status.success());
    let log = text(&output);
    assert!(log.contains("terraform-runner is missing"), "{log}");
    assert_eq!(runner.read("github_path"), "");
}

/// A checkout of a tiny workspace with the five tools as binaries (each
/// prints `TOOL source`), laid out like this repository: the installer
/// builds from `<ACTION_PATH>/../..`.
fn source_checkout() -> TempDir {
    let root = tempfile::tempdir().unwrap();
    let mut manifest = String::from(
        "[package]\nname = \"tools\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    );
    fs::create_dir_all(root.path().join("src")).unwrap();
    for tool in TOOLS {
        let file = format!("src/{tool}.rs");
        manifest.push_str(&format!(
            "\n[[bin]]\nname = \"{tool}\"\npath = \"{file}\"\n"
        ));
        fs::write(
            root.path().join(&file),
            format!("fn main() {{\n    println!(\"{tool} source\");\n}}\n"),
        )
        .unwrap();
    }
    fs::write(root.path().join("Cargo.toml"), manifest).unwrap();
    let setup = root.path().join("actions/setup");
    fs::create_dir_all(&setup).unwrap();
    fs::copy(
        e2e::repo_root().join("actions/setup/install.sh"),
        setup.join("install.sh"),
    )
    .unwrap();
    let status = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(root.path())
        .status()
        .unwrap();
    assert!(status.success());
    root
}

#[test]
fn a_branch_ref_or_a_version_without_a_release_is_built_from_source() {
    let checkout = source_checkout();
    let release = serve_release(false, 0);
    let runner = Runner::new();
    for (version, dir) in [("main", "source-main"), ("v9.9.9", "source-v9.9.9")] {
        let output = Command::new("bash")
            .arg(checkout.path().join("actions/setup/install.sh"))
            .env("INPUT_VERSION", version)
            .env("INPUT_BIN_DIR", "")
            .env_remove("PORTFOLIO_CI_BIN_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .env("INPUT_DOWNLOAD_URL", &release.url)
            .env("ACTION_PATH", checkout.path().join("actions/setup"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", runner.tool_cache())
            .env("GITHUB_PATH", runner.dir.path().join("github_path"))
            .env("GITHUB_OUTPUT", runner.dir.path().join("github_output"))
            .output()
            .unwrap();
        let log = text(&output);
        assert!(output.status.success(), "{version}: {log}");
        assert!(log.contains("building from source"), "{version}: {log}");
        let dest = runner
            .tool_cache()
            .join("portfolio-ci")
            .join(dir)
            .join(TARGET);
        for tool in TOOLS {
            let run = Command::new(dest.join(tool)).output().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&run.stdout).trim(),
                format!("{tool} source")
            );
        }
        assert!(runner.read("github_output").contains("version=source"));
    }
    // The v9.9.9 archive was asked for first, and was not there.
    let requests = fs::read_to_string(release.root.path().join("requests.log")).unwrap();
    assert!(
        requests.contains("/v9.9.9/portfolio-ci-v9.9.9-x86_64-unknown-linux-musl.tar.gz"),
        "{requests}"
    );
}
