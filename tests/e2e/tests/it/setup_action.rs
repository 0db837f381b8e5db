//! The setup action's installer against a local HTTP server that serves
//! release archives (download-url) and against a stand-in for GitHub's
//! releases API and downloads (tests/e2e/fixtures/github-stand-in): a good
//! archive installs (and is cached per exact version), a tampered one is
//! refused and nothing is installed, a failed request is retried; a fork
//! and a GitHub Enterprise Server get their own URLs, a private repository
//! installs through the API with the token, which is never printed nor in
//! an argument list; vX, vX.Y, vX.Y.Z and a commit SHA resolve to their
//! release, a moved vX refreshes the cache; prebuilt binaries from bin-dir
//! are used as they are; a branch ref fails clearly without cargo unless
//! build-from-source is true.

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
    archive_of(VERSION)
}

fn archive_of(version: &str) -> String {
    format!("portfolio-ci-{version}-{TARGET}.tar.gz")
}

/// Writes the release `version` into `dir`: an archive of five tiny
/// executables (each prints `TOOL VERSION`) under a top directory
/// `portfolio-ci/`, and its SHA256SUMS; tampered with after the sum when
/// `tamper`.
fn pack(dir: &Path, version: &str, tamper: bool) {
    let staging = tempfile::tempdir().unwrap();
    let tools = staging.path().join("portfolio-ci");
    fs::create_dir_all(&tools).unwrap();
    for tool in TOOLS {
        let path = tools.join(tool);
        fs::write(&path, format!("#!/bin/sh\necho {tool} {version}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::create_dir_all(dir).unwrap();
    let archive = dir.join(archive_of(version));
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(staging.path())
        .arg("portfolio-ci")
        .status()
        .unwrap();
    assert!(status.success());
    let digest = hex::encode(Sha256::digest(fs::read(&archive).unwrap()));
    fs::write(
        dir.join("SHA256SUMS"),
        format!("{digest}  {}\n", archive_of(version)),
    )
    .unwrap();
    if tamper {
        let mut bytes = fs::read(&archive).unwrap();
        let last = bytes.len() - 10;
        bytes[last] ^= 0xff;
        fs::write(&archive, bytes).unwrap();
    }
}

/// Builds a release directory `<root>/<version>/` (see [`pack`]) and serves
/// `<root>` over HTTP, failing the first `fail_first` requests.
pub(crate) fn serve_release(tamper: bool, fail_first: u32) -> Release {
    let root = tempfile::tempdir().unwrap();
    pack(&root.path().join(VERSION), VERSION, tamper);
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
        self.run(&[
            ("INPUT_VERSION", VERSION),
            ("INPUT_BIN_DIR", bin_dir),
            ("INPUT_DOWNLOAD_URL", url),
        ])
    }

    /// Runs this repository's installer with `env` over a runner's
    /// environment in which the GitHub server, its API and the action's
    /// repository and ref are unknown or unreachable (the discard port).
    fn run(&self, env: &[(&str, &str)]) -> Output {
        self.run_script(&e2e::repo_root().join("actions/setup"), "", env)
    }

    /// Runs `<setup>/install.sh` with ACTION_PATH `setup`, `path` before the
    /// system's PATH, and `env` over the defaults.
    fn run_script(&self, setup: &Path, path: &str, env: &[(&str, &str)]) -> Output {
        let system_path = std::env::var("PATH").unwrap_or_default();
        let mut command = Command::new("bash");
        command
            .arg(setup.join("install.sh"))
            .env_remove("PORTFOLIO_CI_BIN_DIR")
            .env_remove("PORTFOLIO_CI_DOWNLOAD_URL")
            .env_remove("CARGO_TARGET_DIR")
            .env(
                "PATH",
                if path.is_empty() {
                    system_path
                } else {
                    format!("{path}:{system_path}")
                },
            )
            .env("ACTION_PATH", setup)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.tool_cache())
            .env("RUNNER_TEMP", self.dir.path())
            .env("GITHUB_PATH", self.dir.path().join("github_path"))
            .env("GITHUB_OUTPUT", self.dir.path().join("github_output"));
        for (var, value) in [
            ("INPUT_VERSION", ""),
            ("INPUT_BIN_DIR", ""),
            ("INPUT_DOWNLOAD_URL", ""),
            ("INPUT_TOKEN", ""),
            ("INPUT_BUILD_FROM_SOURCE", "false"),
            ("ACTION_REF", ""),
            ("ACTION_REPOSITORY", ""),
            ("SERVER_URL", "http://127.0.0.1:9"),
            ("API_URL", "http://127.0.0.1:9"),
        ]
        .into_iter()
        .chain(env.iter().copied())
        {
            command.env(var, value);
        }
        command.output().unwrap()
    }

    /// The value of output `name` the last run wrote.
    fn output(&self, name: &str) -> String {
        let prefix = format!("{name}=");
        self.read("github_output")
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
            .unwrap_or_default()
    }

    /// What `render-taskdef` of the last installed directory prints.
    fn installed_tool(&self) -> String {
        let dir = self.output("bin-dir");
        let run = Command::new(Path::new(&dir).join("render-taskdef"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&run.stdout).trim().to_owned()
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
fn build_from_source_builds_a_branch_or_a_version_without_a_release() {
    let checkout = source_checkout();
    let release = serve_release(false, 0);
    let runner = Runner::new();
    let setup = checkout.path().join("actions/setup");
    for (version, dir) in [("main", "source-main"), ("v9.9.9", "source-v9.9.9")] {
        let output = runner.run_script(
            &setup,
            "",
            &[
                ("INPUT_VERSION", version),
                ("INPUT_DOWNLOAD_URL", &release.url),
                ("INPUT_BUILD_FROM_SOURCE", "true"),
            ],
        );
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
        assert_eq!(runner.output("version"), "source");
    }
    // Again: a branch moves, so it is built again; a version cannot, so its
    // build is reused from the tool cache.
    for (version, builds) in [("main", true), ("v9.9.9", false)] {
        let output = runner.run_script(
            &setup,
            "",
            &[
                ("INPUT_VERSION", version),
                ("INPUT_DOWNLOAD_URL", &release.url),
                ("INPUT_BUILD_FROM_SOURCE", "true"),
            ],
        );
        let log = text(&output);
        assert!(output.status.success(), "{version}: {log}");
        assert_eq!(
            log.contains("building from source"),
            builds,
            "{version}: {log}"
        );
    }
    // The v9.9.9 archive was asked for first, and was not there.
    let requests = fs::read_to_string(release.root.path().join("requests.log")).unwrap();
    assert!(
        requests.contains("/v9.9.9/portfolio-ci-v9.9.9-x86_64-unknown-linux-musl.tar.gz"),
        "{requests}"
    );
}

/// One release of the GitHub stand-in: its tag, whether it is a draft or a
/// prerelease, and whether it has assets (an archive and SHA256SUMS).
#[derive(Clone)]
pub(crate) struct Published {
    tag: String,
    draft: bool,
    prerelease: bool,
    assets: bool,
}

pub(crate) fn published(tag: &str) -> Published {
    Published {
        tag: tag.to_owned(),
        draft: false,
        prerelease: false,
        assets: true,
    }
}

/// A tag of the stand-in: name, the commit it points at, annotated or not.
pub(crate) type Tag = (&'static str, &'static str, bool);

/// The stand-in for GitHub's releases API and release downloads
/// (tests/e2e/fixtures/github-stand-in/server.py), serving one repository.
pub(crate) struct GitHub {
    root: TempDir,
    _server: ChildGuard,
    url: String,
    repo: &'static str,
    api_prefix: &'static str,
    token: Option<&'static str>,
}

impl GitHub {
    /// Serves `repo` with its API under `api_prefix` (empty as on
    /// github.com, `/api/v3` as on Enterprise Server), private when a
    /// `token` is given.
    pub(crate) fn start(
        repo: &'static str,
        api_prefix: &'static str,
        token: Option<&'static str>,
        releases: &[Published],
        tags: &[Tag],
    ) -> GitHub {
        let root = tempfile::tempdir().unwrap();
        let site = Site {
            root: root.path(),
            repo,
            api_prefix,
            token,
        };
        site.publish(releases, tags);
        let port = free_port().unwrap();
        let script = e2e::repo_root().join("tests/e2e/fixtures/github-stand-in/server.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .current_dir(root.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = ChildGuard(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        assert!(wait_for_port(addr, &mut server.0, Duration::from_secs(20)));
        GitHub {
            root,
            _server: server,
            url: format!("http://{addr}"),
            repo,
            api_prefix,
            token,
        }
    }

    /// Replaces the releases and tags the server answers with.
    fn publish(&self, releases: &[Published], tags: &[Tag]) {
        Site {
            root: self.root.path(),
            repo: self.repo,
            api_prefix: self.api_prefix,
            token: self.token,
        }
        .publish(releases, tags);
    }

    /// github.server_url of this stand-in.
    pub(crate) fn server_url(&self) -> String {
        self.url.clone()
    }

    /// github.api_url of this stand-in.
    pub(crate) fn api_url(&self) -> String {
        format!("{}{}", self.url, self.api_prefix)
    }

    /// The requests so far, one `CODE PATH auth=yes|no accept=ACCEPT` line each.
    pub(crate) fn requests(&self) -> String {
        fs::read_to_string(self.root.path().join("requests.log")).unwrap_or_default()
    }
}

/// What the stand-in serves, in its directory.
struct Site<'a> {
    root: &'a Path,
    repo: &'a str,
    api_prefix: &'a str,
    token: Option<&'a str>,
}

impl Site<'_> {
    /// Writes the releases and tags the server answers with (it reads them
    /// on every request), packing the assets of each release.
    fn publish(&self, releases: &[Published], tags: &[Tag]) {
        let mut listed = Vec::new();
        for (i, release) in releases.iter().enumerate() {
            let assets = if release.assets {
                let dir = self.root.join("files").join(&release.tag);
                if !dir.is_dir() {
                    pack(&dir, &release.tag, false);
                }
                vec![archive_of(&release.tag), "SHA256SUMS".to_owned()]
            } else {
                Vec::new()
            };
            listed.push(serde_json::json!({
                "id": i + 1,
                "tag": release.tag,
                "draft": release.draft,
                "prerelease": release.prerelease,
                "assets": assets,
            }));
        }
        let tags: Vec<_> = tags
            .iter()
            .map(|(name, commit, annotated)| {
                serde_json::json!({"name": name, "commit": commit, "annotated": annotated})
            })
            .collect();
        let state = serde_json::json!({
            "repo": self.repo,
            "api_prefix": self.api_prefix,
            "token": self.token,
            "releases": listed,
            "tags": tags,
        });
        let staged = self.root.join("github.json.new");
        fs::write(&staged, state.to_string()).unwrap();
        fs::rename(staged, self.root.join("github.json")).unwrap();
    }
}

/// A copy of the setup action where the runner puts a used action:
/// `<work>/_actions/<owner>/<repo>/<ref>/actions/setup`.
fn used_action(repo: &str, git_ref: &str) -> (TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let setup = work
        .path()
        .join("_actions")
        .join(repo)
        .join(git_ref)
        .join("actions/setup");
    fs::create_dir_all(&setup).unwrap();
    fs::copy(
        e2e::repo_root().join("actions/setup/install.sh"),
        setup.join("install.sh"),
    )
    .unwrap();
    (work, setup)
}

#[test]
fn a_fork_installs_from_its_own_repository_even_when_the_runner_leaves_the_context_empty() {
    let github = GitHub::start(
        "fork-owner/portfolio-ci",
        "",
        None,
        &[published(VERSION)],
        &[],
    );
    // github.action_repository and github.action_ref are empty in a nested
    // composite action: both come from the action's path.
    let (_work, setup) = used_action("fork-owner/portfolio-ci", VERSION);
    let runner = Runner::new();
    let output = runner.run_script(
        &setup,
        "",
        &[
            ("SERVER_URL", &github.server_url()),
            ("API_URL", &github.api_url()),
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(runner.output("version"), VERSION);
    assert_eq!(runner.installed_tool(), format!("render-taskdef {VERSION}"));
    let requests = github.requests();
    assert!(
        requests.contains(&format!(
            "302 /fork-owner/portfolio-ci/releases/download/{VERSION}/{} auth=no",
            archive_name()
        )),
        "{requests}"
    );
}

const TOKEN: &str = "ghs_installerTestToken0123456789";

/// A private repository on an Enterprise Server (API under /api/v3).
fn enterprise_server(tag: &'static str) -> GitHub {
    GitHub::start(
        "corp/portfolio-ci",
        "/api/v3",
        Some(TOKEN),
        &[published(tag)],
        &[],
    )
}

#[test]
fn a_private_repository_on_enterprise_server_installs_through_its_api_with_the_token() {
    let github = enterprise_server(VERSION);
    let (server, api) = (github.server_url(), github.api_url());
    let env = |token| {
        [
            ("ACTION_REPOSITORY", "corp/portfolio-ci"),
            ("ACTION_REF", VERSION),
            ("SERVER_URL", server.as_str()),
            ("API_URL", api.as_str()),
            ("INPUT_TOKEN", token),
        ]
    };

    // Without the token the server says 404, as GitHub does for a private
    // repository: a clear failure, nothing installed.
    let runner = Runner::new();
    let output = runner.run(&env(""));
    let log = text(&output);
    assert!(!output.status.success(), "{log}");
    assert!(log.contains("::error title=portfolio-ci setup::"), "{log}");
    assert!(log.contains("private repository"), "{log}");
    assert!(!runner.tool_cache().join(installed_dir()).exists());

    let output = runner.run(&env(TOKEN));
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(runner.installed_tool(), format!("render-taskdef {VERSION}"));
    let requests = github.requests();
    for expected in [
        format!(
            "200 /api/v3/repos/corp/portfolio-ci/releases/tags/{VERSION} auth=yes accept=application/vnd.github+json"
        ),
        // The archive and its sums, each through the API as octet-stream.
        "302 /api/v3/repos/corp/portfolio-ci/releases/assets/1000 auth=yes accept=application/octet-stream".to_owned(),
        "302 /api/v3/repos/corp/portfolio-ci/releases/assets/1001 auth=yes accept=application/octet-stream".to_owned(),
    ] {
        assert!(requests.contains(&expected), "{expected} in:\n{requests}");
    }
}

/// A directory of shims for the commands the installer hands data to,
/// each logging its argument list to `argv.log` before running the real one.
fn argv_recorders() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("argv.log");
    for name in ["curl", "jq", "tar", "awk", "sha256sum", "mktemp"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .unwrap();
        let real = String::from_utf8_lossy(&found.stdout).trim().to_owned();
        assert!(!real.is_empty(), "{name} is not installed");
        let shim = dir.path().join(name);
        fs::write(
            &shim,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"{name} $*\" >> '{}'\nexec '{real}' \"$@\"\n",
                log.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn the_token_is_masked_and_never_printed_nor_in_an_argument_list() {
    let github = enterprise_server("v1.4.2");
    let recorders = argv_recorders();
    let runner = Runner::new();
    let output = runner.run_script(
        &e2e::repo_root().join("actions/setup"),
        recorders.path().to_str().unwrap(),
        &[
            ("ACTION_REPOSITORY", "corp/portfolio-ci"),
            // v1 goes through the releases list too.
            ("ACTION_REF", "v1"),
            ("SERVER_URL", &github.server_url()),
            ("API_URL", &github.api_url()),
            ("INPUT_TOKEN", TOKEN),
        ],
    );
    let log = text(&output);
    assert!(output.status.success(), "{log}");
    assert_eq!(runner.output("version"), "v1.4.2");
    // The only line naming it is the command that masks it in the log.
    let mask = format!("::add-mask::{TOKEN}");
    assert_eq!(log.lines().filter(|l| *l == mask).count(), 1, "{log}");
    let printed: Vec<&str> = log
        .lines()
        .filter(|l| *l != mask && l.contains(TOKEN))
        .collect();
    assert!(printed.is_empty(), "{printed:?}");
    let argv = fs::read_to_string(recorders.path().join("argv.log")).unwrap();
    assert!(argv.lines().any(|l| l.starts_with("curl ")), "{argv}");
    assert!(
        !argv.contains(TOKEN),
        "the token is in an argument list:\n{argv}"
    );
    assert!(!runner.read("github_output").contains(TOKEN));
    assert!(github.requests().contains("auth=yes"));
}

/// Commits of the resolution tests' repository.
const C123: &str = "1230000000000000000000000000000000000123";
const C1210: &str = "1210000000000000000000000000000000001210";
const C130: &str = "1300000000000000000000000000000000000130";
const C200: &str = "2000000000000000000000000000000000000200";
const UNTAGGED: &str = "9990000000000000000000000000000000000999";

fn resolution_tags() -> Vec<Tag> {
    vec![
        ("v1.2.3", C123, true),
        ("v1.2.10", C1210, false),
        ("v1.3.0", C130, true),
        // The moving major tag points at the newest release's commit.
        ("v1", C130, false),
        ("v2.0.0", C200, true),
    ]
}

#[test]
fn major_minor_exact_and_commit_refs_resolve_to_their_release() {
    // Listed newest first as GitHub does: the moving v1 release (updated
    // last), a draft and a prerelease that must not count, then a full page
    // of older releases, so that v1.3.0 is only on the second page.
    let mut releases = vec![
        published("v1"),
        Published {
            draft: true,
            ..published("v1.9.0")
        },
        Published {
            prerelease: true,
            ..published("v1.8.0")
        },
        published("v2.0.0"),
        published("v1.2.10"),
    ];
    releases.extend((0..100).map(|n| Published {
        assets: false,
        ..published(&format!("v0.{n}.0"))
    }));
    releases.extend([published("v1.3.0"), published("v1.2.3")]);
    let github = GitHub::start("acme/portfolio-ci", "", None, &releases, &resolution_tags());
    for (git_ref, expected) in [
        ("v1", "v1.3.0"),
        ("v1.2", "v1.2.10"),
        ("v1.2.3", "v1.2.3"),
        ("v2", "v2.0.0"),
        (C123, "v1.2.3"),
        (C1210, "v1.2.10"),
        (C130, "v1.3.0"),
    ] {
        let runner = Runner::new();
        let output = runner.run(&[
            ("ACTION_REPOSITORY", "acme/portfolio-ci"),
            ("ACTION_REF", git_ref),
            ("SERVER_URL", &github.server_url()),
            ("API_URL", &github.api_url()),
        ]);
        let log = text(&output);
        assert!(output.status.success(), "{git_ref}: {log}");
        assert_eq!(runner.output("version"), expected, "{git_ref}: {log}");
        assert_eq!(
            runner.installed_tool(),
            format!("render-taskdef {expected}"),
            "{git_ref}"
        );
        assert!(
            runner
                .tool_cache()
                .join("portfolio-ci")
                .join(expected)
                .join(TARGET)
                .is_dir()
        );
    }
}

#[test]
fn a_moved_major_release_refreshes_the_cache_and_an_exact_one_is_reused_offline() {
    let github = GitHub::start(
        "acme/portfolio-ci",
        "",
        None,
        &[published("v1"), published("v1.2.3")],
        &[],
    );
    let runner = Runner::new();
    let install = |git_ref: &str| {
        let output = runner.run(&[
            ("ACTION_REPOSITORY", "acme/portfolio-ci"),
            ("ACTION_REF", git_ref),
            ("SERVER_URL", &github.server_url()),
            ("API_URL", &github.api_url()),
        ]);
        assert!(output.status.success(), "{git_ref}: {}", text(&output));
        text(&output)
    };
    install("v1");
    assert_eq!(runner.installed_tool(), "render-taskdef v1.2.3");

    // v1 moves to a new release: the same runner's cache is refreshed.
    github.publish(
        &[published("v1"), published("v1.3.0"), published("v1.2.3")],
        &[],
    );
    install("v1");
    assert_eq!(runner.output("version"), "v1.3.0");
    assert_eq!(runner.installed_tool(), "render-taskdef v1.3.0");
    let downloads = |requests: &str| requests.matches("/releases/download/").count();
    let before = downloads(&github.requests());

    // Asked again, v1 is looked up but nothing is downloaded.
    let log = install("v1");
    assert!(log.contains("Using cached portfolio-ci v1.3.0"), "{log}");
    assert_eq!(downloads(&github.requests()), before);

    // An exact version in the cache needs no server at all.
    drop(github);
    let runner_log = {
        let output = runner.run(&[
            ("ACTION_REPOSITORY", "acme/portfolio-ci"),
            ("ACTION_REF", "v1.2.3"),
        ]);
        assert!(output.status.success(), "{}", text(&output));
        text(&output)
    };
    assert!(
        runner_log.contains("Using cached portfolio-ci v1.2.3"),
        "{runner_log}"
    );
    assert_eq!(runner.installed_tool(), "render-taskdef v1.2.3");
}

/// A `cargo` that only records that it ran, first on PATH.
fn cargo_recorder() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shim = dir.path().join("cargo");
    fs::write(
        &shim,
        format!(
            "#!/bin/sh\ntouch '{}'\nexit 1\n",
            dir.path().join("cargo-ran").display()
        ),
    )
    .unwrap();
    fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[test]
fn a_branch_or_an_untagged_commit_fails_clearly_and_runs_no_cargo() {
    let github = GitHub::start(
        "acme/portfolio-ci",
        "",
        None,
        &[published("v1.2.3")],
        &resolution_tags(),
    );
    let cargo = cargo_recorder();
    for git_ref in ["main", UNTAGGED] {
        let (_work, setup) = used_action("acme/portfolio-ci", git_ref);
        let runner = Runner::new();
        let output = runner.run_script(
            &setup,
            cargo.path().to_str().unwrap(),
            &[
                ("SERVER_URL", &github.server_url()),
                ("API_URL", &github.api_url()),
            ],
        );
        let log = text(&output);
        assert!(!output.status.success(), "{git_ref}: {log}");
        let error = log
            .lines()
            .find(|l| l.starts_with("::error title=portfolio-ci setup::"))
            .unwrap_or_else(|| panic!("{git_ref}: no error annotation in {log}"));
        for advice in ["@v1", "bin-dir", "build-from-source: true"] {
            assert!(
                error.contains(advice),
                "{git_ref}: {advice} missing: {error}"
            );
        }
        assert!(error.contains(git_ref), "{error}");
        assert!(
            !cargo.path().join("cargo-ran").exists(),
            "{git_ref}: cargo ran"
        );
        assert!(
            !runner.tool_cache().exists(),
            "{git_ref}: something was installed"
        );
        assert_eq!(runner.read("github_path"), "");
    }
}
