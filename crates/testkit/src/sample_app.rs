//! The sample application (examples/portfolio) as containers in the Docker
//! engine: its services' ports, health paths and settings, the lines its
//! start-up scripts print, and images and containers that are removed with
//! their handles.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::{TestkitError, base_image};

/// The backend's required setting: without it the container exits 1.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// The port the server listens on (both services).
pub const PORT: &str = "PORT";

/// What the backend prints on stderr, before exiting 1, without
/// [`DATABASE_URL`].
pub const BACKEND_FATAL_LINE: &str = "fatal: DATABASE_URL is not set";

/// A service of the sample application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Its name: the build context and template under examples/portfolio.
    pub name: &'static str,
    /// The container port.
    pub port: u16,
    /// The path its health check GETs.
    pub health_path: &'static str,
}

/// The backend: `/api/v1/health` on 8000.
pub const BACKEND: Service = Service {
    name: "backend",
    port: 8000,
    health_path: "/api/v1/health",
};

/// The frontend: `/` on 3000.
pub const FRONTEND: Service = Service {
    name: "frontend",
    port: 3000,
    health_path: "/",
};

impl Service {
    /// The line its start-up script prints on stdout before serving on
    /// `port` (the backend names its `ENVIRONMENT`, `unset` without one).
    #[must_use]
    pub fn started_line(&self, port: u16, environment: Option<&str>) -> String {
        let line = format!("portfolio-{}: starting on port {port}", self.name);
        if self.name == BACKEND.name {
            format!("{line} (environment {})", environment.unwrap_or("unset"))
        } else {
            line
        }
    }

    /// Its build context, examples/portfolio/<name>.
    #[must_use]
    pub fn context(&self) -> PathBuf {
        example_dir().join(self.name)
    }

    /// The shell command of its task definition template's `healthCheck`
    /// (`CMD-SHELL`), with the template's `${PORT}` and `${HEALTH_PATH}`
    /// filled in as render-taskdef fills them.
    pub fn health_check_command(&self) -> Result<String, TestkitError> {
        let path = example_dir().join(format!("taskdef/{}.json", self.name));
        let text = std::fs::read_to_string(&path).map_err(|source| TestkitError::Io {
            program: path.display().to_string(),
            source,
        })?;
        let template: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| TestkitError::Failed {
                program: path.display().to_string(),
                detail: e.to_string(),
            })?;
        let command = template
            .pointer("/containerDefinitions/0/healthCheck/command")
            .and_then(serde_json::Value::as_array);
        match command.map(Vec::as_slice) {
            Some([kind, shell]) if kind == "CMD-SHELL" => Ok(shell
                .as_str()
                .unwrap_or_default()
                .replace("${PORT}", &self.port.to_string())
                .replace("${HEALTH_PATH}", self.health_path)),
            _ => Err(TestkitError::Failed {
                program: path.display().to_string(),
                detail: "the first container has no [\"CMD-SHELL\", COMMAND] healthCheck"
                    .to_owned(),
            }),
        }
    }

    /// Builds its image in the Docker engine on the local base image
    /// ([`base_image::docker`]), as `portfolio-ci-test/<name>:<unique>`.
    pub fn build(&self) -> Result<Image, TestkitError> {
        static BUILDS: AtomicUsize = AtomicUsize::new(0);
        let base = base_image::docker()?;
        let reference = format!(
            "portfolio-ci-test/{}:{}-{}",
            self.name,
            std::process::id(),
            BUILDS.fetch_add(1, Ordering::Relaxed)
        );
        docker(&[
            "build",
            "--quiet",
            "--build-arg",
            &base_image::build_arg(&base),
            "--tag",
            &reference,
            &self.context().display().to_string(),
        ])?;
        Ok(Image { reference })
    }
}

/// examples/portfolio of this checkout.
#[must_use]
pub fn example_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/portfolio"
    ))
}

/// An image in the Docker engine, removed when dropped.
#[derive(Debug)]
pub struct Image {
    /// Its reference.
    pub reference: String,
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "--force", &self.reference]);
    }
}

/// How to run a container of an [`Image`].
#[derive(Debug, Clone, Default)]
pub struct RunSpec<'a> {
    /// Environment variables.
    pub env: Vec<(&'a str, &'a str)>,
    /// The container port published on a free loopback port.
    pub port: Option<u16>,
    /// A `CMD-SHELL` health check Docker runs (every second, so that tests
    /// need not wait ECS's 30 s), three retries.
    pub health_cmd: Option<String>,
}

impl Image {
    /// Starts a detached container.
    pub fn run(&self, spec: &RunSpec<'_>) -> Result<Container, TestkitError> {
        let mut args: Vec<String> = vec!["run".into(), "--detach".into()];
        for (name, value) in &spec.env {
            args.push("--env".into());
            args.push(format!("{name}={value}"));
        }
        if let Some(port) = spec.port {
            args.push("--publish".into());
            args.push(format!("127.0.0.1::{port}"));
        }
        if let Some(cmd) = &spec.health_cmd {
            args.extend(
                [
                    "--health-cmd",
                    cmd,
                    "--health-interval",
                    "1s",
                    "--health-timeout",
                    "5s",
                    "--health-retries",
                    "3",
                ]
                .map(str::to_owned),
            );
        }
        args.push(self.reference.clone());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let id = docker(&refs)?.trim().to_owned();
        // The guard first, so that a failure below still removes it.
        let mut container = Container { id, address: None };
        if let Some(port) = spec.port {
            let published = docker(&["port", &container.id, &format!("{port}/tcp")])?;
            let address = published
                .lines()
                .find_map(|l| l.trim().parse::<SocketAddr>().ok())
                .ok_or_else(|| TestkitError::Failed {
                    program: "docker port".to_owned(),
                    detail: format!("no loopback address in {published:?}"),
                })?;
            container.address = Some(address);
        }
        Ok(container)
    }
}

/// A container, removed (with its anonymous volumes) when dropped.
#[derive(Debug)]
pub struct Container {
    /// Its id.
    pub id: String,
    /// Where its port is published on loopback.
    pub address: Option<SocketAddr>,
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "--force", "--volumes", &self.id]);
    }
}

impl Container {
    /// What it printed so far: stdout, then stderr.
    pub fn logs(&self) -> Result<(String, String), TestkitError> {
        let output = Command::new("docker")
            .args(["logs", &self.id])
            .stdin(Stdio::null())
            .output()
            .map_err(|source| TestkitError::Io {
                program: "docker logs".to_owned(),
                source,
            })?;
        Ok((
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ))
    }

    /// `docker inspect` of one field (a Go template).
    fn inspect(&self, format: &str) -> Result<String, TestkitError> {
        Ok(docker(&["inspect", "--format", format, &self.id])?
            .trim()
            .to_owned())
    }

    /// Its exit code once it has exited, waiting up to `timeout`; `None`
    /// when it still runs then.
    pub fn wait_exit(&self, timeout: Duration) -> Result<Option<i32>, TestkitError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.inspect("{{.State.Status}}")? == "exited" {
                let code = self.inspect("{{.State.ExitCode}}")?;
                return Ok(code.parse().ok());
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Docker's health status (`starting`, `healthy`, `unhealthy`) once it
    /// is not `starting` any more, waiting up to `timeout`.
    pub fn wait_health(&self, timeout: Duration) -> Result<String, TestkitError> {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.inspect("{{if .State.Health}}{{.State.Health.Status}}{{end}}")?;
            if status != "starting" || Instant::now() >= deadline {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `GET path` on the published port, retried until it answers or
    /// `timeout` passes: the status code and the body.
    pub fn get(&self, path: &str, timeout: Duration) -> Result<(u16, String), TestkitError> {
        let address = self.address.ok_or_else(|| TestkitError::Failed {
            program: "GET".to_owned(),
            detail: "the container publishes no port".to_owned(),
        })?;
        let deadline = Instant::now() + timeout;
        loop {
            match http_get(address, path) {
                Ok(answer) => return Ok(answer),
                Err(source) if Instant::now() >= deadline => {
                    return Err(TestkitError::Io {
                        program: format!("GET http://{address}{path}"),
                        source,
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// One HTTP/1.0 GET: the status code and the body.
fn http_get(address: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, response.clone());
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(bad)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    Ok((status, body.to_owned()))
}

/// Runs docker with `args`; its stdout, or its stderr as the error.
fn docker(args: &[&str]) -> Result<String, TestkitError> {
    let output = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| TestkitError::Io {
            program: "docker".to_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(TestkitError::Failed {
            program: format!("docker {}", args.first().copied().unwrap_or_default()),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
