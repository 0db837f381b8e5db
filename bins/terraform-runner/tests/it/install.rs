//! `terraform-runner install` against a release server on loopback that
//! publishes this machine's real terraform binary, zipped, the way
//! HashiCorp and OpenTofu publish theirs: the release index, the archive
//! and SHA256SUMS. No terraform is on the runner's PATH, as on
//! ubuntu-24.04.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{Run, runner};

/// `os_arch` as the release file names spell this machine.
fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        arch => arch,
    };
    format!("{os}_{arch}")
}

/// The real terraform of this machine, and the version it reports.
fn real_terraform() -> (PathBuf, String) {
    let path = which::which("terraform").expect("terraform is installed on the test machine");
    let output = std::process::Command::new(&path)
        .args(["version", "-json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let version = report["terraform_version"].as_str().unwrap().to_owned();
    (path, version)
}

/// A zip holding the real terraform binary as `name` (stored, not
/// compressed: it is read, not shipped).
fn zip_of_terraform(name: &str) -> Vec<u8> {
    let (binary, _) = real_terraform();
    let bytes = std::fs::read(binary).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755)
        .large_file(true);
    zip.start_file(name, options).unwrap();
    zip.write_all(&bytes).unwrap();
    zip.finish().unwrap().into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A release server: each version's archive and SHA256SUMS (as `sums`
/// makes it from the archive's file name and sha256), and the index.
struct Releases {
    server: MockServer,
    archive_sha256: String,
}

impl Releases {
    /// terraform's layout: `/terraform/index.json`,
    /// `/terraform/<v>/terraform_<v>_<platform>.zip` and `..._SHA256SUMS`.
    async fn terraform(versions: &[&str], sums: impl Fn(&str, &str) -> String) -> Releases {
        let server = MockServer::start().await;
        let archive = zip_of_terraform("terraform");
        let archive_sha256 = sha256(&archive);
        let mut index = serde_json::Map::new();
        for v in versions {
            let file = format!("terraform_{v}_{}.zip", platform());
            let (os, arch) = platform()
                .split_once('_')
                .map(|(o, a)| (o.to_owned(), a.to_owned()))
                .unwrap();
            index.insert(
                (*v).to_owned(),
                json!({"name": "terraform", "version": v, "shasums": format!("terraform_{v}_SHA256SUMS"),
                       "builds": [{"name": "terraform", "version": v, "os": os, "arch": arch, "filename": file}]}),
            );
            mount(&server, &format!("/terraform/{v}/{file}"), archive.clone()).await;
            mount(
                &server,
                &format!("/terraform/{v}/terraform_{v}_SHA256SUMS"),
                sums(&file, &archive_sha256).into_bytes(),
            )
            .await;
        }
        let index = json!({"name": "terraform", "versions": index});
        mount(
            &server,
            "/terraform/index.json",
            index.to_string().into_bytes(),
        )
        .await;
        Releases {
            server,
            archive_sha256,
        }
    }

    /// OpenTofu's layout: `/api.json` (given as --index-url) and
    /// `/v<v>/tofu_<v>_<platform>.zip` and `/v<v>/tofu_<v>_SHA256SUMS`.
    async fn tofu(versions: &[&str]) -> Releases {
        let server = MockServer::start().await;
        let archive = zip_of_terraform("tofu");
        let archive_sha256 = sha256(&archive);
        let mut listed = Vec::new();
        for v in versions {
            let file = format!("tofu_{v}_{}.zip", platform());
            listed.push(json!({"id": v, "files": [file, format!("tofu_{v}_SHA256SUMS")]}));
            mount(&server, &format!("/v{v}/{file}"), archive.clone()).await;
            let sums = format!(
                "{}  tofu_{v}_darwin_arm64.zip\n{archive_sha256}  {file}\n",
                "0".repeat(64)
            );
            mount(
                &server,
                &format!("/v{v}/tofu_{v}_SHA256SUMS"),
                sums.into_bytes(),
            )
            .await;
        }
        let index = json!({"versions": listed});
        mount(&server, "/api.json", index.to_string().into_bytes()).await;
        Releases {
            server,
            archive_sha256,
        }
    }

    fn url(&self) -> String {
        self.server.uri()
    }

    /// How many times `path` was requested.
    async fn requests(&self, path: &str) -> usize {
        let received = self.server.received_requests().await.unwrap_or_default();
        received.iter().filter(|r| r.url.path() == path).count()
    }
}

async fn mount(server: &MockServer, at: &str, body: Vec<u8>) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
        .mount(server)
        .await;
}

/// SHA256SUMS as published: one line per platform, ours included.
fn honest_sums(file: &str, sha256: &str) -> String {
    let other = file.replace(&platform(), "darwin_arm64");
    format!("{}  {other}\n{sha256}  {file}\n", "1".repeat(64))
}

/// A runner job: a root module, a tool cache, the Actions files, and a
/// PATH without terraform.
struct Job {
    dir: TempDir,
    cache: TempDir,
}

impl Job {
    fn new(main_tf: &str) -> Job {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("terraform")).unwrap();
        std::fs::create_dir_all(dir.path().join("empty-path")).unwrap();
        std::fs::write(dir.path().join("terraform/main.tf"), main_tf).unwrap();
        std::fs::write(
            dir.path().join("portfolio-ci.yaml"),
            "terraform:\n  dir: terraform\n",
        )
        .unwrap();
        Job {
            dir,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn install(&self, releases: &Releases, args: &[&str]) -> Run {
        let mut command = runner(self.dir.path(), &["install", "--json"]);
        command
            .args(["--download-url", &releases.url()])
            .args(args)
            .env("PATH", self.file("empty-path"))
            .env("RUNNER_TOOL_CACHE", self.cache.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary"))
            .env("GITHUB_PATH", self.file("path"))
            .env_remove("PORTFOLIO_CI_TERRAFORM_VERSION")
            .env_remove("PORTFOLIO_CI_TERRAFORM_DOWNLOAD_URL")
            .env_remove("PORTFOLIO_CI_TERRAFORM_INDEX_URL")
            .env_remove("PORTFOLIO_CI_TOOL_CACHE");
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        Run::from(output)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    /// Every file under the tool cache, relative to it.
    fn cached_files(&self) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    out.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.cache.path(), self.cache.path(), &mut out);
        out.sort();
        out
    }
}

const NO_CONSTRAINT: &str = "terraform {\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_the_verified_archive_and_the_installed_terraform_runs() {
    let (_, version) = real_terraform();
    let releases = Releases::terraform(&[&version], honest_sums).await;
    let job = Job::new(NO_CONSTRAINT);
    let run = job
        .install(&releases, &["--terraform-version", &version])
        .await
        .exits(0);
    let result = run.json();
    assert_eq!(result["source"], "download");
    assert_eq!(result["version"], version.as_str());
    assert_eq!(result["sha256"], releases.archive_sha256.as_str());
    let installed = PathBuf::from(result["path"].as_str().unwrap());
    let platform_dir = job
        .cache
        .path()
        .join("terraform")
        .join(&version)
        .join(platform());
    assert_eq!(installed, platform_dir.join("terraform"));
    // An exact version needs no index.
    assert_eq!(releases.requests("/terraform/index.json").await, 0);

    // The installed program is terraform, and it runs.
    let out = std::process::Command::new(&installed)
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("Terraform v{version}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The job's later steps find it, and the outputs name it.
    assert_eq!(job.read("path"), format!("{}\n", platform_dir.display()));
    let outputs = job.read("output");
    assert!(
        outputs.contains(&format!("terraform-version={version}\n")),
        "{outputs}"
    );
    assert!(
        outputs.contains(&format!("terraform-path={}\n", installed.display())),
        "{outputs}"
    );
    let url = format!(
        "{}/terraform/{version}/terraform_{version}_{}.zip",
        releases.url(),
        platform()
    );
    assert!(
        run.stderr.contains(&format!(
            "installed terraform {version} from {url} (sha256 {}, verified against SHA256SUMS)",
            releases.archive_sha256
        )),
        "{}",
        run.stderr
    );
    assert!(job.read("summary").contains(&url));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_install_uses_the_cache_and_downloads_nothing() {
    let (_, version) = real_terraform();
    let releases = Releases::terraform(&[&version], honest_sums).await;
    let job = Job::new(NO_CONSTRAINT);
    let archive = format!(
        "/terraform/{version}/terraform_{version}_{}.zip",
        platform()
    );
    job.install(&releases, &["--terraform-version", &version])
        .await
        .exits(0);
    assert_eq!(releases.requests(&archive).await, 1);

    let again = job
        .install(&releases, &["--terraform-version", &version])
        .await
        .exits(0);
    assert_eq!(again.json()["source"], "cache");
    assert_eq!(
        releases.requests(&archive).await,
        1,
        "the archive was downloaded again"
    );
    assert!(
        again.stderr.contains(&format!(
            "terraform {version} from the tool cache, nothing downloaded"
        )),
        "{}",
        again.stderr
    );
    assert_eq!(again.json()["sha256"], releases.archive_sha256.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_whose_sha256_is_not_the_listed_one_is_refused_and_nothing_installed() {
    let (_, version) = real_terraform();
    let listed = "ab".repeat(32);
    let releases = Releases::terraform(&[&version], |file, _| format!("{listed}  {file}\n")).await;
    let job = Job::new(NO_CONSTRAINT);
    let run = job
        .install(&releases, &["--terraform-version", &version])
        .await
        .exits(3);
    let url = format!(
        "{}/terraform/{version}/terraform_{version}_{}.zip",
        releases.url(),
        platform()
    );
    let sums = format!(
        "{}/terraform/{version}/terraform_{version}_SHA256SUMS",
        releases.url()
    );
    assert!(
        run.stderr.contains(&format!(
            "{url} has sha256 {}, but {sums} lists {listed}: refusing to install it",
            releases.archive_sha256
        )),
        "{}",
        run.stderr
    );
    assert_eq!(job.cached_files(), Vec::<String>::new());
    assert_eq!(job.read("path"), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_missing_from_sha256sums_is_refused() {
    let (_, version) = real_terraform();
    let releases = Releases::terraform(&[&version], |file, sha| {
        format!("{sha}  {}\n", file.replace(&platform(), "darwin_arm64"))
    })
    .await;
    let job = Job::new(NO_CONSTRAINT);
    let run = job
        .install(&releases, &["--terraform-version", &version])
        .await
        .exits(3);
    assert!(
        run.stderr.contains(&format!(
            "terraform_{version}_SHA256SUMS lists no sha256 for terraform_{version}_{}.zip: \
             refusing to install an archive that cannot be verified",
            platform()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(job.cached_files(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_version_picks_the_newest_matching_stable_release_of_the_index() {
    let releases = Releases::terraform(
        &["1.8.5", "1.9.2", "1.9.7", "1.9.8-rc1", "1.10.0"],
        honest_sums,
    )
    .await;
    let job = Job::new("terraform {\n  required_version = \"~> 1.9.0\"\n}\n");
    let run = job.install(&releases, &[]).await.exits(0);
    let result = run.json();
    assert_eq!(result["version"], "1.9.7");
    assert_eq!(result["wanted"], "~> 1.9.0 (required_version in main.tf)");
    assert_eq!(releases.requests("/terraform/index.json").await, 1);
    assert_eq!(
        releases
            .requests(&format!(
                "/terraform/1.9.7/terraform_1.9.7_{}.zip",
                platform()
            ))
            .await,
        1
    );

    // A flag wins over required_version.
    let flagged = job
        .install(&releases, &["--terraform-version", ">= 1.9, < 1.10"])
        .await
        .exits(0);
    assert_eq!(flagged.json()["version"], "1.9.7");
    assert_eq!(flagged.json()["source"], "cache");

    // Nothing the index lists fits: refused before any download.
    let none = job
        .install(&releases, &["--terraform-version", "~> 2.0"])
        .await
        .exits(2);
    assert!(
        none.stderr
            .contains("satisfies ~> 2.0 (--terraform-version)"),
        "{}",
        none.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opentofu_is_found_and_named_as_opentofu_publishes_it() {
    let releases = Releases::tofu(&["1.9.0-beta1", "1.8.1", "1.8.0", "1.7.3"]).await;
    let job = Job::new(NO_CONSTRAINT);
    let index = format!("{}/api.json", releases.url());
    let run = job
        .install(
            &releases,
            &[
                "--engine",
                "tofu",
                "--index-url",
                &index,
                "--terraform-version",
                "~> 1.8",
            ],
        )
        .await
        .exits(0);
    let result = run.json();
    assert_eq!(result["program"], "tofu");
    assert_eq!(result["version"], "1.8.1");
    assert_eq!(
        PathBuf::from(result["path"].as_str().unwrap()),
        job.cache
            .path()
            .join("tofu/1.8.1")
            .join(platform())
            .join("tofu")
    );
    assert_eq!(
        releases
            .requests(&format!("/v1.8.1/tofu_1.8.1_{}.zip", platform()))
            .await,
        1
    );
    assert_eq!(releases.requests("/v1.8.1/tofu_1.8.1_SHA256SUMS").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_server_error_is_retried() {
    let (_, version) = real_terraform();
    let releases = Releases::terraform(&[&version], honest_sums).await;
    let sums = format!("/terraform/{version}/terraform_{version}_SHA256SUMS");
    // The first request for SHA256SUMS fails with 503, the next succeeds.
    Mock::given(method("GET"))
        .and(path(sums.as_str()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&releases.server)
        .await;
    let job = Job::new(NO_CONSTRAINT);
    let run = job
        .install(&releases, &["--terraform-version", &version])
        .await
        .exits(0);
    assert_eq!(run.json()["source"], "download");
    assert_eq!(releases.requests(&sums).await, 2);
}
