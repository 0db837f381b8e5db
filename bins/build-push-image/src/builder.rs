//! The builders: finding one, and the commands that build and push.
//!
//! - docker with buildx: one `docker buildx build --push` (provenance off
//!   unless asked);
//! - docker without buildx: `docker build`, then `docker push` per tag;
//! - podman and buildah: `build`, then `push` per tag (buildah with chroot
//!   isolation unless `BUILDAH_ISOLATION` says otherwise).
//!
//! Credentials reach docker through `DOCKER_CONFIG` and podman/buildah
//! through `--authfile`, both pointing into the private [`AuthDir`]; the
//! commands themselves never carry a secret, so they are printed as run.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::auth::AuthDir;
use crate::build_files::BuildFiles;
use crate::build_options::BuildOptions;
use crate::error::Error;

/// Which builder runs the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuilderChoice {
    /// The first available of docker (engine running), podman, buildah
    Auto,
    /// docker buildx, or the classic `docker build` + `docker push`
    Docker,
    /// podman build + podman push
    Podman,
    /// buildah build + buildah push (daemonless, chroot isolation)
    Buildah,
}

/// Lines of builder output kept for the error message.
const TAIL_LINES: usize = 30;

/// How long a probe (`docker version`) may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// A builder that was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// docker with the buildx plugin.
    DockerBuildx,
    /// docker without buildx: the classic builder.
    DockerClassic,
    /// podman.
    Podman,
    /// buildah.
    Buildah,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::DockerBuildx => "docker buildx",
            Kind::DockerClassic => "docker",
            Kind::Podman => "podman",
            Kind::Buildah => "buildah",
        })
    }
}

/// A builder and the program that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builder {
    /// Which builder.
    pub kind: Kind,
    /// Its executable, found with `which`.
    pub program: PathBuf,
}

/// Finds the builder `choice` asks for; `auto` takes the first of docker
/// (with a running engine), podman, buildah.
pub async fn detect(choice: BuilderChoice) -> Result<Builder, Error> {
    let candidates: &[&str] = match choice {
        BuilderChoice::Auto => &["docker", "podman", "buildah"],
        BuilderChoice::Docker => &["docker"],
        BuilderChoice::Podman => &["podman"],
        BuilderChoice::Buildah => &["buildah"],
    };
    let mut reasons = Vec::new();
    for name in candidates {
        let Ok(program) = which::which(name) else {
            reasons.push(format!("{name} is not installed"));
            continue;
        };
        let kind = match *name {
            "docker" => {
                if !probe(&program, &["version", "--format", "{{.Server.Version}}"]).await {
                    reasons.push("docker is installed but its engine does not answer".into());
                    continue;
                }
                if probe(&program, &["buildx", "version"]).await {
                    Kind::DockerBuildx
                } else {
                    Kind::DockerClassic
                }
            }
            "podman" => Kind::Podman,
            _ => Kind::Buildah,
        };
        return Ok(Builder { kind, program });
    }
    Err(Error::NoBuilder(reasons.join("; ")))
}

/// Whether `program args` succeeds in time.
async fn probe(program: &Path, args: &[&str]) -> bool {
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, status).await,
        Ok(Ok(status)) if status.success()
    )
}

/// What to build and where to push it.
#[derive(Debug, Clone)]
pub struct BuildSpec {
    /// Build context directory.
    pub context: PathBuf,
    /// Dockerfile.
    pub dockerfile: PathBuf,
    /// Build args.
    pub build_args: Vec<(String, String)>,
    /// Target stage.
    pub target: Option<String>,
    /// Platform(s).
    pub platform: Option<String>,
    /// Labels (OCI and user).
    pub labels: Vec<(String, String)>,
    /// Every image reference to push, `host/repo:tag`; the first is built.
    pub images: Vec<String>,
    /// Attach provenance attestations (buildx).
    pub provenance: bool,
    /// The registry speaks plain HTTP.
    pub insecure: bool,
    /// Push the images (false: build only, `--no-push`).
    pub push: bool,
    /// Cache, secrets, SSH, build contexts, annotations, outputs, ...
    pub options: BuildOptions,
}

/// One command to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `docker build`, `buildah push`, ... for messages.
    pub name: String,
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Extra environment.
    pub env: Vec<(String, OsString)>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.env {
            write!(f, "{key}={} ", value.to_string_lossy())?;
        }
        write!(f, "{}", self.program.display())?;
        for arg in &self.args {
            write!(f, " {}", arg.to_string_lossy())?;
        }
        Ok(())
    }
}

/// The commands that build `spec` and push every image (unless
/// `spec.push` is off), with credentials from `auth` and the private files
/// (secrets, image id) of `files`.
pub fn plan(builder: &Builder, spec: &BuildSpec, auth: &AuthDir, files: &BuildFiles) -> Vec<Step> {
    let step = |name: &str, args: Vec<OsString>, env: Vec<(String, OsString)>| Step {
        name: name.to_owned(),
        program: builder.program.clone(),
        args,
        env,
    };
    let docker_env = vec![(
        "DOCKER_CONFIG".to_owned(),
        auth.docker_config().as_os_str().to_owned(),
    )];
    let mut build_env = docker_env.clone();
    if builder.kind == Kind::DockerClassic && spec.options.needs_buildkit() {
        build_env.push(("DOCKER_BUILDKIT".to_owned(), "1".into()));
    }
    let common = || -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--iidfile".into(), files.iidfile().into()];
        args.extend(
            spec.options
                .args(builder.kind, &|id: &str| files.secret(id)),
        );
        args
    };
    let authfile = || -> Vec<OsString> { vec!["--authfile".into(), auth.auth_file().into()] };
    let tls = || -> Vec<OsString> {
        if spec.insecure {
            vec!["--tls-verify=false".into()]
        } else {
            Vec::new()
        }
    };
    let push_each = |name: &str, prefix: &[&str], extra: Vec<OsString>, remote: bool| {
        spec.images
            .iter()
            .map(|image| {
                let mut args: Vec<OsString> = prefix.iter().map(OsString::from).collect();
                args.extend(extra.iter().cloned());
                if remote {
                    // Built once under the first name, pushed under each.
                    args.push(spec.images[0].clone().into());
                    args.push(format!("docker://{image}").into());
                } else {
                    args.push(image.into());
                }
                step(
                    name,
                    args,
                    if builder.kind == Kind::DockerClassic {
                        docker_env.clone()
                    } else {
                        Vec::new()
                    },
                )
            })
            .collect::<Vec<_>>()
    };
    match builder.kind {
        Kind::DockerBuildx => {
            let mut args = vec!["buildx".into(), "build".into()];
            args.extend(build_flags(spec, true));
            args.extend(common());
            args.push(format!("--provenance={}", spec.provenance).into());
            if !spec.push {
                // Built into the build cache only, as build-push-action
                // without push or load.
            } else if spec.insecure {
                // The tags name the images; a builder in a container does
                // not share the engine's loopback insecure range.
                args.push("--output".into());
                args.push("type=registry,registry.insecure=true".into());
            } else {
                args.push("--push".into());
            }
            args.push(spec.context.clone().into());
            vec![step("docker buildx build", args, docker_env)]
        }
        Kind::DockerClassic => {
            let mut args = vec!["build".into()];
            args.extend(build_flags(spec, true));
            args.extend(common());
            args.push(spec.context.clone().into());
            let mut steps = vec![step("docker build", args, build_env)];
            if spec.push {
                steps.extend(push_each("docker push", &["push"], Vec::new(), false));
            }
            steps
        }
        Kind::Podman | Kind::Buildah => {
            let tool = if builder.kind == Kind::Podman {
                "podman"
            } else {
                "buildah"
            };
            let mut args: Vec<OsString> = vec!["build".into()];
            if builder.kind == Kind::Buildah && std::env::var_os("BUILDAH_ISOLATION").is_none() {
                args.push("--isolation".into());
                args.push("chroot".into());
            }
            args.extend(authfile());
            args.extend(tls());
            // Without a push every name is a local tag.
            args.extend(build_flags(spec, !spec.push));
            args.extend(common());
            args.push(spec.context.clone().into());
            let mut steps = vec![step(&format!("{tool} build"), args, Vec::new())];
            if spec.push {
                let mut extra = authfile();
                extra.extend(tls());
                steps.extend(push_each(&format!("{tool} push"), &["push"], extra, true));
            }
            steps
        }
    }
}

/// `--file`, `--tag`s, `--build-arg`s, `--label`s, `--target`, `--platform`.
/// Docker's classic builder and buildx tag every image at build time;
/// podman and buildah tag the first and push it under every name.
fn build_flags(spec: &BuildSpec, tag_all: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["--file".into(), spec.dockerfile.clone().into()];
    let tagged = if tag_all { spec.images.len() } else { 1 };
    for image in spec.images.iter().take(tagged) {
        args.push("--tag".into());
        args.push(image.into());
    }
    for (key, value) in &spec.build_args {
        args.push("--build-arg".into());
        args.push(format!("{key}={value}").into());
    }
    for (key, value) in &spec.labels {
        args.push("--label".into());
        args.push(format!("{key}={value}").into());
    }
    if let Some(target) = &spec.target {
        args.push("--target".into());
        args.push(target.into());
    }
    if let Some(platform) = &spec.platform {
        args.push("--platform".into());
        args.push(platform.into());
    }
    args
}

/// Runs `step`, passing its output through `sink` line by line; on failure
/// the error carries the last lines of output (the builder's own error).
pub async fn run(step: &Step, sink: &(dyn Fn(&str) + Sync)) -> Result<(), Error> {
    let spawn_err = |source| Error::Spawn {
        program: step.program.display().to_string(),
        source,
    };
    let mut child = Command::new(&step.program)
        .args(&step.args)
        .envs(step.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(spawn_err)?;
    let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL_LINES);
    let mut keep = |line: String| {
        sink(&line);
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    };
    if let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) {
        let mut out = BufReader::new(stdout).lines();
        let mut err = BufReader::new(stderr).lines();
        let (mut out_open, mut err_open) = (true, true);
        while out_open || err_open {
            tokio::select! {
                line = out.next_line(), if out_open => match line {
                    Ok(Some(line)) => keep(line),
                    _ => out_open = false,
                },
                line = err.next_line(), if err_open => match line {
                    Ok(Some(line)) => keep(line),
                    _ => err_open = false,
                },
            }
        }
    }
    let status = child.wait().await.map_err(spawn_err)?;
    if status.success() {
        return Ok(());
    }
    Err(Error::Builder {
        step: step.name.clone(),
        status: status.to_string(),
        output: tail.into_iter().collect::<Vec<_>>().join("\n"),
    })
}

#[cfg(test)]
mod tests;
