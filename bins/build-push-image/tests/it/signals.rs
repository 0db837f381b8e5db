//! SIGINT and SIGTERM during a build: the builder is stopped, the private
//! auth directory removed, and the run ends with 130. The builder is a
//! stand-in `buildah` on PATH that records its pid and waits, so the signal
//! arrives while the build runs.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_ecr::types::ImageTagMutability;

use crate::harness::World;

const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `ready` until it holds or [`PATIENCE`] runs out.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether process `pid` is gone (or only a zombie waiting to be reaped).
fn gone(pid: &str) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Kills the stand-in builder if it outlives the test (a failing test must
/// not leave it behind).
struct Reap(String);

impl Drop for Reap {
    fn drop(&mut self) {
        if !gone(&self.0) {
            let _ = Command::new("kill").args(["-KILL", &self.0]).status();
        }
    }
}

fn interrupted_by(signal: &str, name: &str) {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("a.txt", signal)]);
    let bin = world.path("fake-bin");
    fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("buildah");
    fs::write(
        &fake,
        "#!/bin/sh\necho $$ > \"$FAKE_BUILDER_PID.tmp\"\nmv \"$FAKE_BUILDER_PID.tmp\" \"$FAKE_BUILDER_PID\"\nexec sleep 600\n",
    )
    .unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let marker = world.path("builder.pid");
    let runner_temp = world.path("runner/temp");
    fs::create_dir_all(&runner_temp).unwrap();
    let stderr = world.path("stderr.log");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut command = world.command();
    command
        .args(world.base_args("buildah", &context))
        .env("PATH", path)
        .env("FAKE_BUILDER_PID", &marker)
        .env("GITHUB_ACTIONS", "true")
        .env("RUNNER_TEMP", &runner_temp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&stderr).unwrap());
    let mut child = command.spawn().unwrap();
    wait_until("the builder to start", || marker.exists());
    let builder_pid = fs::read_to_string(&marker).unwrap().trim().to_owned();
    let _reap = Reap(builder_pid.clone());
    assert_eq!(
        fs::read_dir(&runner_temp).unwrap().count(),
        1,
        "the private auth directory exists while the builder runs"
    );

    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let log = fs::read_to_string(&stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(log.contains(&format!("interrupted by {name}")), "{log}");
    assert_eq!(
        fs::read_dir(&runner_temp).unwrap().count(),
        0,
        "the private auth directory is removed: {log}"
    );
    wait_until("the builder to stop", || gone(&builder_pid));
    assert!(!Path::new(&world.path("home/.docker")).exists());
}

#[test]
fn sigint_stops_the_builder_and_removes_the_auth_directory() {
    interrupted_by("-INT", "SIGINT");
}

#[test]
fn sigterm_stops_the_builder_and_removes_the_auth_directory() {
    interrupted_by("-TERM", "SIGTERM");
}
