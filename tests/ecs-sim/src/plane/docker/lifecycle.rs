//! One task's life in the Docker engine: checks, pull, network, containers, then
//! Docker's events (health, exits), log streaming and target health until the model
//! orders a stop; then stop, remove and release.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Inner;
use super::cli::{self, DockerError};
use super::probe::{self, ProbeTimings, TargetState};
use super::spec::{self, ContainerSpec};
use crate::model::task::Health;
use crate::plane::{LaunchOrder, Report, Reporter};

/// How long a stopped task's log lines may take to arrive.
const LOG_DRAIN: Duration = Duration::from_secs(10);

/// ECS's reason for a container the kernel killed for its memory.
pub const OUT_OF_MEMORY: &str = "OutOfMemoryError: Container killed due to memory usage";

/// Run task `order` until it is stopped, reporting to `reporter`.
pub(super) async fn run(
    inner: Arc<Inner>,
    order: LaunchOrder,
    reporter: Reporter,
    stop: watch::Receiver<bool>,
) {
    let mut task = TaskRun {
        inner: Arc::clone(&inner),
        order,
        reporter,
        stop,
        images: Vec::new(),
        network: None,
        containers: Vec::new(),
        background: JoinSet::new(),
        followers: JoinSet::new(),
    };
    match task.launch().await {
        Ok(events) => task.watch(events).await,
        Err(Abort::Failed { container, reason }) => {
            task.report(Report::StartFailed { container, reason });
        }
        Err(Abort::Stopped) => {}
    }
    task.clean_up().await;
    inner.lock_tasks().remove(&task.order.task);
}

/// Why a launch did not get to running containers.
enum Abort {
    /// The task cannot start, for ECS's `reason`.
    Failed {
        container: Option<String>,
        reason: String,
    },
    /// The model stopped it first.
    Stopped,
}

struct Created {
    spec: ContainerSpec,
    id: String,
    exit_reported: bool,
}

struct TaskRun {
    inner: Arc<Inner>,
    order: LaunchOrder,
    reporter: Reporter,
    stop: watch::Receiver<bool>,
    images: Vec<String>,
    network: Option<String>,
    containers: Vec<Created>,
    /// Target health probes.
    background: JoinSet<()>,
    /// Log followers.
    followers: JoinSet<()>,
}

impl TaskRun {
    fn report(&self, report: Report) {
        self.reporter
            .report(&self.order.cluster, &self.order.task, report);
    }

    fn stopped(&self) -> Result<(), Abort> {
        if *self.stop.borrow() {
            Err(Abort::Stopped)
        } else {
            Ok(())
        }
    }

    /// Checks, pull, network, containers; returns Docker's event stream of them.
    async fn launch(&mut self) -> Result<Child, Abort> {
        let prepared = self
            .inner
            .checks
            .prepare(&self.order)
            .await
            .map_err(|f| Abort::Failed {
                container: f.container,
                reason: f.reason,
            })?;
        self.stopped()?;
        let specs = spec::containers(&self.order, &prepared.secrets);
        if let Some(auth) = &prepared.registry_auth {
            self.inner.login(auth).await.map_err(|e| Abort::Failed {
                container: None,
                reason: format!(
                    "ResourceInitializationError: unable to pull secrets or registry auth: {}",
                    e.detail()
                ),
            })?;
        }
        for spec in &specs {
            if self.images.contains(&spec.image) {
                continue;
            }
            self.stopped()?;
            self.inner
                .acquire_image(&spec.image)
                .await
                .map_err(|e| Abort::Failed {
                    container: Some(spec.name.clone()),
                    reason: format!("CannotPullContainerError: {}", e.detail()),
                })?;
            self.images.push(spec.image.clone());
        }
        let mut digests = prepared.digests.clone();
        for spec in &specs {
            if !digests.iter().any(|(c, _)| *c == spec.name)
                && let Some(digest) = self.repo_digest(&spec.image).await
            {
                digests.push((spec.name.clone(), digest));
            }
        }
        self.report(Report::Ready { digests });
        self.stopped()?;
        let labels = self.inner.labels(&self.order.task);
        let network = format!("ecs-sim-{}-{}", self.inner.owner, self.order.task);
        let mut args = vec!["network".to_owned(), "create".to_owned()];
        for label in &labels {
            args.extend(["--label".to_owned(), label.clone()]);
        }
        args.push(network.clone());
        self.inner
            .docker
            .run(&args)
            .await
            .map_err(|e| internal(&e))?;
        self.network = Some(network.clone());
        for spec in specs {
            let name = format!("{network}-{}", spec.name);
            let mut command = self.inner.docker.command(["create"]);
            command.args(spec.create_args(&name, &network, &labels));
            command.envs(spec.env.iter().map(|(k, v)| (k, v)));
            let id = cli::output(command).await.map_err(|e| Abort::Failed {
                container: Some(spec.name.clone()),
                reason: format!("CannotCreateContainerError: {}", e.detail()),
            })?;
            self.containers.push(Created {
                spec,
                id,
                exit_reported: false,
            });
        }
        let events = self.events()?;
        for c in &self.containers {
            self.inner
                .docker
                .run(["start", &c.id])
                .await
                .map_err(|e| Abort::Failed {
                    container: Some(c.spec.name.clone()),
                    reason: format!("CannotStartContainerError: {}", e.detail()),
                })?;
        }
        self.report(Report::Running);
        self.follow_logs();
        self.probe_targets().await;
        Ok(events)
    }

    /// `sha256:...` of `image` as its registry named it, from the engine.
    async fn repo_digest(&self, image: &str) -> Option<String> {
        let listed = self
            .inner
            .docker
            .run([
                "image",
                "inspect",
                "--format",
                "{{json .RepoDigests}}",
                image,
            ])
            .await
            .ok()?;
        let digests: Vec<String> = serde_json::from_str(&listed).ok()?;
        let repository = image.split('@').next().unwrap_or(image);
        let repository = match repository.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => repo,
            _ => repository,
        };
        digests
            .iter()
            .filter_map(|d| d.split_once('@'))
            .find(|(repo, _)| *repo == repository)
            .or_else(|| digests.iter().find_map(|d| d.split_once('@')))
            .map(|(_, digest)| digest.to_owned())
    }

    /// `docker events` of the task's containers since just before they start.
    fn events(&self) -> Result<Child, Abort> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs().saturating_sub(1));
        let mut command = self.inner.docker.command([
            "events",
            "--since",
            &since.to_string(),
            "--format",
            "{{json .}}",
        ]);
        for c in &self.containers {
            command.args(["--filter", &format!("container={}", c.id)]);
        }
        command.stdout(Stdio::piped()).stderr(Stdio::null());
        command
            .spawn()
            .map_err(|e| internal(&DockerError::Spawn(e)))
    }

    /// Report health changes and exits from Docker's events until a stop is ordered.
    async fn watch(&mut self, mut events: Child) {
        let Some(stdout) = events.stdout.take() else {
            return;
        };
        let mut lines = BufReader::new(stdout).lines();
        let mut stop = self.stop.clone();
        loop {
            let line = tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                line = lines.next_line() => line,
            };
            if let Ok(Some(line)) = line {
                self.on_event(&line).await;
            } else {
                tracing::warn!("docker events ended for task {}", self.order.task);
                let _ = stop.wait_for(|s| *s).await;
                return;
            }
        }
    }

    async fn on_event(&mut self, line: &str) {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            return;
        };
        let id = event
            .pointer("/Actor/ID")
            .or_else(|| event.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(index) = self.containers.iter().position(|c| c.id == id) else {
            return;
        };
        let action = event
            .get("Action")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = self
            .containers
            .get(index)
            .map(|c| c.spec.name.clone())
            .unwrap_or_default();
        if let Some(status) = action.strip_prefix("health_status:") {
            let health = match status.trim() {
                "healthy" => Health::Healthy,
                "unhealthy" => Health::Unhealthy,
                _ => return,
            };
            self.report(Report::Health {
                container: name,
                health,
            });
        } else if action == "die" {
            self.report_exit(index).await;
        }
    }

    /// Report the exit code (and an out-of-memory kill) of container `index`, once.
    async fn report_exit(&mut self, index: usize) {
        let Some(c) = self.containers.get(index) else {
            return;
        };
        if c.exit_reported {
            return;
        }
        let Ok(state) = self
            .inner
            .docker
            .run([
                "container",
                "inspect",
                "--format",
                "{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}}",
                &c.id,
            ])
            .await
        else {
            return;
        };
        let mut fields = state.split_whitespace();
        if fields.next() != Some("false") {
            return;
        }
        let code = fields.next().and_then(|c| c.parse().ok()).unwrap_or(-1);
        let reason = (fields.next() == Some("true")).then(|| OUT_OF_MEMORY.to_owned());
        let container = c.spec.name.clone();
        if let Some(c) = self.containers.get_mut(index) {
            c.exit_reported = true;
        }
        self.report(Report::Exited {
            container,
            code,
            reason,
        });
    }

    /// Stream each container's output to its awslogs stream.
    fn follow_logs(&mut self) {
        for c in &self.containers {
            let Some((_, group, stream)) = self
                .order
                .log_streams
                .iter()
                .find(|(name, _, _)| *name == c.spec.name)
                .cloned()
            else {
                continue;
            };
            let mut command = self.inner.docker.command(["logs", "--follow", &c.id]);
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
            let Ok(mut child) = command.spawn() else {
                continue;
            };
            let reporter = self.reporter.clone();
            self.followers.spawn(async move {
                let out = child.stdout.take().map(BufReader::new);
                let err = child.stderr.take().map(BufReader::new);
                tokio::join!(
                    forward(out, &reporter, &group, &stream),
                    forward(err, &reporter, &group, &stream),
                );
                let _ = child.wait().await;
            });
        }
    }

    /// Check each load balancer's target (containerName/containerPort) over HTTP.
    async fn probe_targets(&mut self) {
        let timings = ProbeTimings::scaled(self.order.time_scale);
        for lb in &self.order.load_balancers {
            let (Some(container), Some(port)) = (
                lb.get("containerName").and_then(Value::as_str),
                lb.get("containerPort")
                    .and_then(Value::as_u64)
                    .and_then(|p| u16::try_from(p).ok()),
            ) else {
                continue;
            };
            let arn = lb
                .get("targetGroupArn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let Some(c) = self.containers.iter().find(|c| c.spec.name == container) else {
                continue;
            };
            let Some(addr) = self.published(&c.id, port).await else {
                tracing::warn!("{container}:{port} is not published: no target health");
                continue;
            };
            let path = self.inner.target_health_path.clone();
            let reporter = self.reporter.clone();
            let (cluster, task) = (self.order.cluster.clone(), self.order.task.clone());
            let container = container.to_owned();
            self.background.spawn(async move {
                let mut state = TargetState::default();
                let mut interval = tokio::time::interval(timings.interval);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    let result = probe::check(addr, &path, timings.timeout).await;
                    if let Some((healthy, reason)) = state.record(result) {
                        reporter.report(
                            &cluster,
                            &task,
                            Report::TargetHealth {
                                container: container.clone(),
                                port,
                                target_group_arn: arn.clone(),
                                healthy,
                                reason,
                            },
                        );
                    }
                }
            });
        }
    }

    /// The 127.0.0.1 address container `id`'s `port` is published on.
    async fn published(&self, id: &str, port: u16) -> Option<SocketAddr> {
        let out = self
            .inner
            .docker
            .run(["port", id, &format!("{port}/tcp")])
            .await
            .ok()?;
        out.lines()
            .filter_map(|l| l.trim().parse::<SocketAddr>().ok())
            .find(SocketAddr::is_ipv4)
    }

    /// Stop the containers (each with its stop timeout), report their exit codes, let
    /// their last lines reach the logs, then remove them, the network and the images.
    async fn clean_up(&mut self) {
        self.background.abort_all();
        let mut stops = JoinSet::new();
        for c in &self.containers {
            let command = self.inner.docker.command([
                "stop",
                "--time",
                &c.spec.stop_timeout_secs.to_string(),
                &c.id,
            ]);
            stops.spawn(cli::output(command));
        }
        while let Some(done) = stops.join_next().await {
            if let Ok(Err(e)) = done {
                tracing::warn!("stopping a container of task {}: {e}", self.order.task);
            }
        }
        for index in 0..self.containers.len() {
            self.report_exit(index).await;
        }
        let drained = tokio::time::timeout(LOG_DRAIN, async {
            while self.followers.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            self.followers.abort_all();
        }
        if !self.containers.is_empty() {
            let mut args = vec!["rm", "--force", "--volumes"];
            args.extend(self.containers.iter().map(|c| c.id.as_str()));
            if let Err(e) = self.inner.docker.run(args).await {
                tracing::warn!("removing the containers of task {}: {e}", self.order.task);
            }
        }
        if let Some(network) = self.network.take()
            && let Err(e) = self.inner.docker.run(["network", "rm", &network]).await
        {
            tracing::warn!("removing network {network}: {e}");
        }
        for image in std::mem::take(&mut self.images) {
            self.inner.release_image(&image).await;
        }
    }
}

/// Send each line read from `reader` to `group`/`stream`.
async fn forward<R: AsyncBufRead + Unpin>(
    reader: Option<R>,
    reporter: &Reporter,
    group: &str,
    stream: &str,
) {
    let Some(mut reader) = reader else {
        return;
    };
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\n', '\r']);
                if !reporter.log(group, stream, text) {
                    return;
                }
            }
        }
    }
}

/// A Docker failure that is not the task's fault, reported as ECS reports an agent's.
fn internal(e: &DockerError) -> Abort {
    Abort::Failed {
        container: None,
        reason: format!("ResourceInitializationError: {}", e.detail()),
    }
}
