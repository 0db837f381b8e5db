//! State shared by the HTTP handlers, the ticker and the [`crate::RunningSim`] handle.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc::UnboundedSender;

use crate::clock::SimClock;
use crate::model::Model;
use crate::plane::DataPlane;

/// A request to the server loop.
#[derive(Debug)]
pub enum Control {
    /// Close the listener for this long; the sender (if any) hears once it is closed.
    Pause(Duration, Option<std::sync::mpsc::Sender<()>>),
    /// Stop serving.
    Shutdown,
}

/// Everything the server's parts share.
#[derive(Debug)]
pub struct Shared {
    model: Mutex<Model>,
    /// Simulated time.
    pub clock: SimClock,
    throttle_bits: AtomicU64,
    throttle_rng: Mutex<StdRng>,
    requests: AtomicU64,
    /// Requests to the server loop.
    pub control: UnboundedSender<Control>,
    /// The data plane tasks are handed to, if any.
    pub plane: Option<Arc<dyn DataPlane>>,
}

impl Shared {
    /// Shared state around `model`.
    #[must_use]
    pub fn new(
        model: Model,
        clock: SimClock,
        throttle_rate: f64,
        seed: u64,
        control: UnboundedSender<Control>,
        plane: Option<Arc<dyn DataPlane>>,
    ) -> Self {
        let shared = Self {
            model: Mutex::new(model),
            clock,
            throttle_bits: AtomicU64::new(0),
            throttle_rng: Mutex::new(StdRng::seed_from_u64(seed ^ 0x7412_0771_e000_0000)),
            requests: AtomicU64::new(0),
            control,
            plane,
        };
        shared.set_throttle_rate(throttle_rate);
        shared
    }

    /// The model, locked (a poisoned lock is recovered: the model stays usable).
    pub fn lock(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Set the share (clamped to 0..=1) of calls answered with ThrottlingException.
    pub fn set_throttle_rate(&self, rate: f64) {
        let rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.throttle_bits.store(rate.to_bits(), Ordering::Relaxed);
    }

    /// The current throttle rate.
    #[must_use]
    pub fn throttle_rate(&self) -> f64 {
        f64::from_bits(self.throttle_bits.load(Ordering::Relaxed))
    }

    /// Counts one API request (throttled or not).
    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// API requests received so far.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether this call is throttled.
    pub fn should_throttle(&self) -> bool {
        let rate = self.throttle_rate();
        if rate <= 0.0 {
            return false;
        }
        if rate >= 1.0 {
            return true;
        }
        let mut rng = self
            .throttle_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        rng.random::<f64>() < rate
    }
}
