//! `ecs-sim`: a local ECS control plane that models rolling deployments, for tests.
//!
//! moto answers the ECS API but never moves a deployment. This crate serves the ECS API
//! (AWS JSON 1.1, as the SDKs and the AWS CLI send it) on loopback and models what ECS
//! does during a rolling deployment: tasks going PROVISIONING -> PENDING -> RUNNING ->
//! HEALTHY, old tasks drained within `maximumPercent` / `minimumHealthyPercent`, the
//! circuit breaker with rollback, service events, service deployments, and the
//! CloudWatch Logs lines tasks print. What a task does is chosen by the docker label
//! `ecs-sim.behavior` (see [`Behavior`]).
//!
//! Start it in-process with [`start`]; it runs on its own thread (with its own tokio
//! runtime), so it works from sync tests and from any runtime, and stops when the
//! [`RunningSim`] is dropped.
//!
//! ```no_run
//! let sim = ecs_sim::start(ecs_sim::SimConfig { time_scale: 50.0, ..Default::default() })?;
//! let endpoint = sim.endpoint(); // "http://127.0.0.1:PORT"
//! # Ok::<(), ecs_sim::Error>(())
//! ```

#![deny(missing_docs)]

pub mod admin;
pub mod api;
pub mod behavior;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod logs;
pub mod model;
pub mod plane;
pub mod server;
pub mod shared;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use behavior::Behavior;
pub use config::{SimConfig, Span, TargetHealthCheck, Timings};
pub use error::Error;

use clock::SimClock;
use model::Model;
use shared::{Control, Shared};

/// A simulator serving on loopback. Dropping it shuts the server down.
#[derive(Debug)]
pub struct RunningSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Start a simulator on its own thread. It is ready (accepting connections) on return.
///
/// # Errors
/// [`Error::Config`] for an invalid time scale or throttle rate, [`Error::Bind`] when the
/// address cannot be bound, [`Error::Runtime`] when the thread or runtime cannot start.
pub fn start(config: SimConfig) -> Result<RunningSim, Error> {
    if !(config.time_scale.is_finite() && config.time_scale > 0.0) {
        return Err(Error::Config(format!(
            "time scale must be a positive number, not {}",
            config.time_scale
        )));
    }
    if !(0.0..=1.0).contains(&config.throttle_rate) {
        return Err(Error::Config(format!(
            "throttle rate must be between 0 and 1, not {}",
            config.throttle_rate
        )));
    }
    check_delay(config.consistency_delay)?;
    let wanted = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(wanted).map_err(|source| Error::Bind {
        addr: wanted,
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| Error::Bind {
            addr: wanted,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: wanted,
        source,
    })?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let clock = SimClock::new(config.time_scale);
    let mut model = Model::new(config.seed, config.timings);
    model.plane = config.plane.as_ref().map(|p| model::PlaneMode {
        runs_containers: p.runs_containers(),
    });
    model.lag.delay = config.consistency_delay;
    let shared = Arc::new(Shared::new(
        model,
        clock,
        config.throttle_rate,
        config.seed,
        tx,
        config.plane,
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let for_thread = Arc::clone(&shared);
    let tick = config.tick;
    let thread = std::thread::Builder::new()
        .name("ecs-sim".into())
        .spawn(move || runtime.block_on(server::run(for_thread, listener, rx, tick)))
        .map_err(Error::Runtime)?;
    Ok(RunningSim {
        addr,
        shared,
        thread: Some(thread),
    })
}

/// A consistency delay must be a finite number of seconds, 0 or more.
fn check_delay(seconds: f64) -> Result<(), Error> {
    match seconds.is_finite() && seconds >= 0.0 {
        true => Ok(()),
        false => Err(Error::Config(format!(
            "consistency delay must be 0 or more seconds, not {seconds}"
        ))),
    }
}

impl RunningSim {
    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:43210`, for `endpoint_url` /
    /// `AWS_ENDPOINT_URL_ECS` / `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Close the listener for `duration` (real time): connections are refused until it
    /// reopens on the same address. Returns once the listener is closed.
    ///
    /// # Errors
    /// [`Error::Stopped`] when the server no longer runs.
    pub fn pause(&self, duration: Duration) -> Result<(), Error> {
        let (ack_tx, ack_rx) = std::sync::mpsc::channel();
        self.shared
            .control
            .send(Control::Pause(duration, Some(ack_tx)))
            .map_err(|_| Error::Stopped)?;
        ack_rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| Error::Stopped)
    }

    /// From now on, tasks that launch with the image reference `image` (exactly as written
    /// in the task definition) report `digest` as their container's `imageDigest`, as ECS
    /// does once it has resolved the tag. Tasks already launched keep the digest they
    /// resolved then, so moving a tag leaves running tasks on the old image.
    ///
    /// # Errors
    /// [`Error::ImageDigest`] for an empty image or a digest that is not
    /// `sha256:<64 lowercase hex digits>`.
    pub fn set_image_digest(&self, image: &str, digest: &str) -> Result<(), Error> {
        Ok(self.shared.lock().image_digests.register(image, digest)?)
    }

    /// From now on, deployments started by UpdateService show in DescribeServices,
    /// ListServiceDeployments and DescribeServiceDeployments only `seconds` simulated
    /// seconds after they started (see [`SimConfig::consistency_delay`]).
    ///
    /// # Errors
    /// [`Error::Config`] for a negative or non-finite delay.
    pub fn set_consistency_delay(&self, seconds: f64) -> Result<(), Error> {
        check_delay(seconds)?;
        self.shared.lock().lag.delay = seconds;
        Ok(())
    }

    /// Answer this share (clamped to 0..=1) of API calls with ThrottlingException.
    pub fn set_throttle_rate(&self, rate: f64) {
        self.shared.set_throttle_rate(rate);
    }

    /// API requests (ECS and Logs) received so far, throttled ones included: lets a
    /// test see that a client has started talking.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.shared.requests()
    }

    /// The time scale (simulated seconds per real second).
    #[must_use]
    pub fn time_scale(&self) -> f64 {
        self.shared.clock.scale()
    }

    /// Stop serving and wait for the server thread to end.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.shared.control.send(Control::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.stop();
    }
}
