//! The release recipe end to end: `scripts/release pack` packs the test
//! build's multi-call binary as the release workflow packs the release
//! build, a loopback HTTP server serves the output as GitHub serves release
//! assets (`<base>/<version>/<archive>`), and the setup action installs it
//! as a runner would; every installed tool then answers `--version`. The
//! archive itself is deterministic and laid out as documented.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use portfolio_testkit::{ChildGuard, free_port, wait_for_port};
use tempfile::TempDir;

use crate::actions_run::{Job, bin_dir};
use crate::setup_action::TOOLS;

/// The target the setup action asks for on a Linux X64 runner (what
/// `Job` presents itself as).
const TARGET: &str = "x86_64-unknown-linux-musl";
const VERSION: &str = "v1.4.2";
const MAJOR: &str = "v1";

/// `scripts/release ARGS`, with a fixed SOURCE_DATE_EPOCH; panics with
/// its output when it fails.
fn release(args: &[&str]) {
    let output = Command::new(e2e::repo_root().join("scripts/release"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "scripts/release {args:?}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `dir` served over HTTP on a loopback port.
struct Server {
    _child: ChildGuard,
    url: String,
}

fn serve(dir: &Path) -> Server {
    let port = free_port().unwrap();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .arg("--directory")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(wait_for_port(addr, &mut child.0, Duration::from_secs(20)));
    Server {
        _child: child,
        url: format!("http://{addr}"),
    }
}

/// The test build's binaries: the multi-call one the release packs.
fn built() -> PathBuf {
    let dir = bin_dir();
    assert!(
        dir.join("portfolio-ci").is_file(),
        "portfolio-ci is not built in {}: run `cargo build --bins`",
        dir.display()
    );
    dir
}

/// Every tool in `dir` answers `--version` with its name and this
/// workspace's version.
fn assert_every_tool_runs(dir: &Path) {
    for tool in TOOLS {
        let output = Command::new(dir.join(tool))
            .arg("--version")
            .output()
            .unwrap();
        assert!(output.status.success(), "{tool} --version: {output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            format!("{tool} {}", env!("CARGO_PKG_VERSION")),
            "{tool} --version"
        );
    }
}

#[test]
fn a_packed_release_installs_through_the_setup_action_and_every_tool_runs() {
    let bins = built();
    let downloads = tempfile::tempdir().unwrap();
    let out = downloads.path().join(VERSION);
    release(&[
        "pack",
        "--version",
        VERSION,
        "--target",
        TARGET,
        "--bin-dir",
        bins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let server = serve(downloads.path());
    let workdir = tempfile::tempdir().unwrap();

    // One runner: its tool cache is kept from one install to the next.
    let job = Job::new();
    for version in [VERSION, MAJOR] {
        if version == MAJOR {
            // The moving major release carries the same archives under its
            // name (packed and installed first, so that an archive the
            // installer cannot use fails there, not here).
            release(&[
                "alias",
                "--version",
                VERSION,
                "--as",
                MAJOR,
                "--from",
                out.to_str().unwrap(),
                "--out",
                downloads.path().join(MAJOR).to_str().unwrap(),
            ]);
        }
        let run = job.run(
            "setup",
            &[("version", version), ("download-url", &server.url)],
            workdir.path(),
        );
        assert!(run.success, "{version}: {}", run.log);
        assert!(run.log.contains("Verified"), "{version}: {}", run.log);
        assert_eq!(run.outputs["version"], version, "{}", run.log);
        let installed = PathBuf::from(&run.outputs["bin-dir"]);
        assert_eq!(run.github_path.lines().last(), installed.to_str());
        assert_every_tool_runs(&installed);
    }

    let install = |version: &str, url: &str| {
        let run = job.run(
            "setup",
            &[("version", version), ("download-url", url)],
            workdir.path(),
        );
        assert!(run.success, "{version}: {}", run.log);
        run
    };

    // The moving release, again while it has not moved: from the tool
    // cache, once its SHA256SUMS still lists the cached archive.
    let again = install(MAJOR, &server.url);
    assert!(again.log.contains("cached"), "{}", again.log);
    assert!(!again.log.contains("Verified"), "{}", again.log);
    assert_every_tool_runs(&PathBuf::from(&again.outputs["bin-dir"]));

    // Once it moves (another build under the same name), the runner's cache
    // is refreshed.
    let moved = tempfile::tempdir().unwrap();
    pack(fake_build().path(), TARGET, moved.path());
    fs::remove_dir_all(downloads.path().join(MAJOR)).unwrap();
    release(&[
        "alias",
        "--version",
        VERSION,
        "--as",
        MAJOR,
        "--from",
        moved.path().to_str().unwrap(),
        "--out",
        downloads.path().join(MAJOR).to_str().unwrap(),
    ]);
    let refreshed = install(MAJOR, &server.url);
    assert!(refreshed.log.contains("Verified"), "{}", refreshed.log);
    let binary = PathBuf::from(&refreshed.outputs["bin-dir"]).join("portfolio-ci");
    let output = Command::new(binary).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "portfolio-ci"
    );

    // An exact release never moves: a warm runner installs it from its tool
    // cache with no server at all.
    drop(server);
    let offline = install(VERSION, "http://127.0.0.1:9");
    assert!(offline.log.contains("cached"), "{}", offline.log);
    assert_every_tool_runs(&PathBuf::from(&offline.outputs["bin-dir"]));
}

/// A stand-in for the multi-call binary: packing does not look inside it.
fn fake_build() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("portfolio-ci");
    fs::write(&binary, "#!/bin/sh\necho portfolio-ci\n").unwrap();
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

fn pack(bins: &Path, target: &str, out: &Path) {
    release(&[
        "pack",
        "--version",
        VERSION,
        "--target",
        target,
        "--bin-dir",
        bins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
}

/// `tar -tv` of an archive without the sizes (README.md changes): mode,
/// owner, time, name and link target per entry, in archive order.
fn listing(archive: &Path) -> String {
    let output = Command::new("tar")
        .args([
            "--list",
            "--verbose",
            "--numeric-owner",
            "--full-time",
            "-zf",
        ])
        .arg(archive)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let mut kept = vec![fields[0], fields[1]];
            kept.extend(&fields[3..]);
            kept.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn two_packs_are_byte_identical_and_laid_out_as_the_installer_expects() {
    let bins = fake_build();
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    pack(bins.path(), TARGET, first.path());
    // Other permissions change nothing (nor does the time of the copy
    // each pack makes).
    fs::set_permissions(
        bins.path().join("portfolio-ci"),
        fs::Permissions::from_mode(0o775),
    )
    .unwrap();
    pack(bins.path(), TARGET, second.path());
    let name = format!("portfolio-ci-{VERSION}-{TARGET}.tar.gz");
    assert_eq!(
        fs::read(first.path().join(&name)).unwrap(),
        fs::read(second.path().join(&name)).unwrap(),
        "two packs of the same binary differ"
    );
    insta::assert_snapshot!(listing(&first.path().join(&name)));
}

#[test]
fn sha256sums_covers_every_archive_of_the_output_directory() {
    let bins = fake_build();
    let out = tempfile::tempdir().unwrap();
    pack(bins.path(), TARGET, out.path());
    pack(bins.path(), "aarch64-apple-darwin", out.path());
    let sums = fs::read_to_string(out.path().join("SHA256SUMS")).unwrap();
    let names: Vec<&str> = sums
        .lines()
        .map(|line| line.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        names,
        [
            format!("portfolio-ci-{VERSION}-aarch64-apple-darwin.tar.gz"),
            format!("portfolio-ci-{VERSION}-{TARGET}.tar.gz"),
        ]
    );
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(out.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
}
