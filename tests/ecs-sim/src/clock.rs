//! Simulated time.
//!
//! The model runs on a clock that starts at the real wall clock and then advances
//! `time_scale` times faster than real time. Every timestamp the API reports and every
//! delay of the model is in simulated seconds since the Unix epoch, as `f64`, which is
//! also how the AWS JSON protocol serialises timestamps.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A clock that runs `scale` times faster than real time, starting at the wall clock.
#[derive(Debug, Clone)]
pub struct SimClock {
    origin_real: Instant,
    origin_epoch: f64,
    scale: f64,
}

impl SimClock {
    /// A clock starting now at the wall-clock time, running `scale` times faster.
    #[must_use]
    pub fn new(scale: f64) -> Self {
        let origin_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Self {
            origin_real: Instant::now(),
            origin_epoch,
            scale: sanitize_scale(scale),
        }
    }

    /// The current simulated time in epoch seconds.
    #[must_use]
    pub fn now(&self) -> f64 {
        self.origin_epoch + self.origin_real.elapsed().as_secs_f64() * self.scale
    }

    /// The speed-up factor of this clock.
    #[must_use]
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// A positive, finite scale; anything else falls back to real time.
fn sanitize_scale(scale: f64) -> f64 {
    if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    }
}
