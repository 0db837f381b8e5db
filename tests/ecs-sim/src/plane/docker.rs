//! `--runtime docker`: each task is real containers in the local Docker engine.
//!
//! For each [`Order::Launch`] the [`DockerPlane`] runs the [`Checks`] (registry auth,
//! images, secrets), logs in to the registry with the ECR token and pulls the images,
//! creates a network for the task, then creates and starts its containers with the
//! definition's environment, command, health check (run by Docker, timings divided by
//! the time scale) and ports published on 127.0.0.1. It reports
//! [`Report::Running`], Docker's health changes, the containers' real exit codes, the
//! load balancer's target health (an HTTP GET of the health path), and streams the
//! containers' output to their awslogs streams. An [`Order::Stop`] stops the
//! containers with the definition's `stopTimeout` and removes them, the network and
//! the images it pulled. Everything it creates carries the labels `ecs-sim.owner`
//! (unique per data plane) and `ecs-sim.task`, so [`DataPlane::shutdown`] can sweep
//! whatever is left.

pub mod cli;
mod lifecycle;
pub mod probe;
pub mod spec;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::plane::checks::{Checks, ChecksConfig, RegistryAccess};
use crate::plane::{DataPlane, Order, PlaneFuture, Reporter};
use cli::Docker;

/// The label holding the data plane's unique id on everything it creates.
pub const OWNER_LABEL: &str = "ecs-sim.owner";
/// The label holding the task id on everything it creates.
pub const TASK_LABEL: &str = "ecs-sim.task";

/// How long [`DataPlane::shutdown`] waits for tasks to stop before it sweeps.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(60);

/// How the Docker data plane is set up.
#[derive(Debug, Clone)]
pub struct DockerConfig {
    /// Registry and AWS endpoint for the checks (ECR token, secrets).
    pub checks: ChecksConfig,
    /// The path the load balancer's health check requests (default `/`).
    pub target_health_path: String,
}

impl Default for DockerConfig {
    fn default() -> Self {
        Self {
            checks: ChecksConfig::default(),
            target_health_path: "/".to_owned(),
        }
    }
}

/// Runs each task as real containers (see the module documentation).
#[derive(Debug)]
pub struct DockerPlane {
    inner: Arc<Inner>,
}

/// What the data plane and its tasks share.
#[derive(Debug)]
struct Inner {
    docker: Docker,
    checks: Checks,
    registry: Option<RegistryAccess>,
    owner: String,
    target_health_path: String,
    tasks: Mutex<HashMap<String, TaskEntry>>,
    images: Mutex<HashMap<String, ImageUse>>,
    login: tokio::sync::Mutex<Option<(String, String)>>,
}

#[derive(Debug)]
struct TaskEntry {
    stop: watch::Sender<bool>,
    handle: Option<JoinHandle<()>>,
}

/// Live tasks using an image, and whether this data plane pulled it (then it removes
/// it when the last one stops).
#[derive(Debug, Default)]
struct ImageUse {
    users: usize,
    pulled: bool,
}

impl DockerPlane {
    /// A data plane on the local Docker engine.
    ///
    /// # Errors
    /// [`crate::Error::Config`] when no Docker engine answers; the checks' errors.
    pub fn new(config: DockerConfig) -> Result<DockerPlane, crate::Error> {
        cli::engine_available().map_err(|why| {
            crate::Error::Config(format!(
                "the docker runtime needs a Docker engine, and `docker info` failed: {why}"
            ))
        })?;
        let docker = Docker::new().map_err(crate::Error::Runtime)?;
        let registry = config.checks.registry.clone();
        Ok(DockerPlane {
            inner: Arc::new(Inner {
                docker,
                checks: Checks::new(config.checks)?,
                registry,
                owner: unique_owner(),
                target_health_path: config.target_health_path,
                tasks: Mutex::new(HashMap::new()),
                images: Mutex::new(HashMap::new()),
                login: tokio::sync::Mutex::new(None),
            }),
        })
    }

    /// The value of the `ecs-sim.owner` label on everything this data plane creates.
    #[must_use]
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }
}

impl DataPlane for DockerPlane {
    fn runs_containers(&self) -> bool {
        true
    }

    fn submit(&self, order: Order, reporter: Reporter) {
        match order {
            Order::Launch(order) => {
                let (stop, stopped) = watch::channel(false);
                let task = order.task.clone();
                let inner = Arc::clone(&self.inner);
                let handle = tokio::spawn(lifecycle::run(inner, order, reporter, stopped));
                self.inner.lock_tasks().insert(
                    task,
                    TaskEntry {
                        stop,
                        handle: Some(handle),
                    },
                );
            }
            Order::Stop { task, .. } => {
                if let Some(entry) = self.inner.lock_tasks().get(&task) {
                    let _ = entry.stop.send(true);
                }
            }
        }
    }

    fn shutdown(&self) -> PlaneFuture<'_> {
        Box::pin(async move {
            let handles: Vec<JoinHandle<()>> = self
                .inner
                .lock_tasks()
                .values_mut()
                .filter_map(|entry| {
                    let _ = entry.stop.send(true);
                    entry.handle.take()
                })
                .collect();
            let waited = tokio::time::timeout(SHUTDOWN_WAIT, async {
                for handle in handles {
                    let _ = handle.await;
                }
            })
            .await;
            if waited.is_err() {
                tracing::warn!("tasks still stopping after {SHUTDOWN_WAIT:?}: removing them");
            }
            self.inner.sweep().await;
        })
    }
}

impl Inner {
    fn lock_tasks(&self) -> std::sync::MutexGuard<'_, HashMap<String, TaskEntry>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_images(&self) -> std::sync::MutexGuard<'_, HashMap<String, ImageUse>> {
        self.images.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The labels of everything created for task `task`.
    fn labels(&self, task: &str) -> Vec<String> {
        vec![
            format!("{OWNER_LABEL}={}", self.owner),
            format!("{TASK_LABEL}={task}"),
        ]
    }

    /// Log in to the registry with `auth` unless already logged in with it.
    async fn login(&self, auth: &(String, String)) -> Result<(), cli::DockerError> {
        let Some(registry) = &self.registry else {
            return Ok(());
        };
        let mut current = self.login.lock().await;
        if current.as_ref() != Some(auth) {
            self.docker.login(&registry.host, &auth.0, &auth.1).await?;
            *current = Some(auth.clone());
        }
        Ok(())
    }

    /// Pull `image` for a task (unless the engine has it) and count the task as a user.
    async fn acquire_image(&self, image: &str) -> Result<(), cli::DockerError> {
        let present = self
            .docker
            .run(["image", "inspect", "--format", "{{.Id}}", image])
            .await
            .is_ok();
        {
            let mut images = self.lock_images();
            let entry = images.entry(image.to_owned()).or_default();
            entry.users += 1;
            entry.pulled |= !present;
        }
        if present {
            return Ok(());
        }
        let pulled = self.docker.run(["pull", "--quiet", image]).await;
        if pulled.is_err() {
            self.release_image(image).await;
        }
        pulled.map(|_| ())
    }

    /// A task no longer uses `image`: remove it when it was pulled here and no live
    /// task uses it.
    async fn release_image(&self, image: &str) {
        let remove = {
            let mut images = self.lock_images();
            let Some(entry) = images.get_mut(image) else {
                return;
            };
            entry.users = entry.users.saturating_sub(1);
            if entry.users > 0 {
                return;
            }
            images.remove(image).is_some_and(|e| e.pulled)
        };
        if remove {
            let _ = self.docker.run(["image", "rm", image]).await;
        }
    }

    /// Remove every container and network labelled with this data plane's owner, and
    /// the images it pulled.
    async fn sweep(&self) {
        let owner = format!("label={OWNER_LABEL}={}", self.owner);
        if let Ok(ids) = self
            .docker
            .run(["ps", "--all", "--quiet", "--filter", &owner])
            .await
            && !ids.is_empty()
        {
            let mut args = vec!["rm", "--force", "--volumes"];
            args.extend(ids.lines());
            if let Err(e) = self.docker.run(args).await {
                tracing::warn!("removing containers: {e}");
            }
        }
        if let Ok(ids) = self
            .docker
            .run(["network", "ls", "--quiet", "--filter", &owner])
            .await
            && !ids.is_empty()
        {
            let mut args = vec!["network", "rm"];
            args.extend(ids.lines());
            if let Err(e) = self.docker.run(args).await {
                tracing::warn!("removing networks: {e}");
            }
        }
        let pulled: Vec<String> = self
            .lock_images()
            .drain()
            .filter(|(_, u)| u.pulled)
            .map(|(image, _)| image)
            .collect();
        for image in pulled {
            let _ = self.docker.run(["image", "rm", &image]).await;
        }
    }
}

/// An id unique to this data plane: the process id, the time and a counter.
fn unique_owner() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:x}-{:x}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
