//! Adaptive polling: about once a second while the deployment moves, a
//! slower pace while nothing changes, and longer pauses after throttling or
//! an unreachable endpoint. Never the SDK waiter (first poll after 15 s).

use std::time::Duration;

/// The fastest pace, right after a change.
pub const FAST: Duration = Duration::from_secs(1);
/// The slowest pace while nothing changes.
pub const IDLE: Duration = Duration::from_secs(3);
/// The longest pause after errors.
pub const BACKOFF: Duration = Duration::from_secs(8);

/// What the last poll saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Something changed (counts, state, a new event).
    Change,
    /// Nothing changed.
    Same,
    /// The call failed transiently (throttled, connection refused, 5xx).
    Error,
}

/// The delay before the next poll.
#[derive(Debug, Clone)]
pub struct Pace {
    delay: Duration,
    cap: Option<Duration>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            delay: FAST,
            cap: None,
        }
    }
}

impl Pace {
    /// A pace whose delays never exceed `cap` (`--max-poll-interval`), when given.
    pub fn with_cap(cap: Option<Duration>) -> Self {
        Pace {
            cap,
            ..Pace::default()
        }
    }

    /// Records what the last poll saw and returns the delay before the next.
    pub fn next(&mut self, seen: Seen) -> Duration {
        self.delay = match seen {
            Seen::Change => FAST,
            Seen::Same => self.delay.mul_f64(1.25).clamp(FAST, IDLE),
            Seen::Error => self.delay.mul_f64(2.0).clamp(FAST, BACKOFF),
        };
        self.cap.map_or(self.delay, |cap| self.delay.min(cap))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn fast_after_change_slower_when_idle() {
        let mut pace = Pace::default();
        assert_eq!(pace.next(Seen::Change), FAST);
        let idle: Vec<_> = (0..10).map(|_| pace.next(Seen::Same)).collect();
        assert!(idle.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(idle.last(), Some(&IDLE));
        assert_eq!(pace.next(Seen::Change), FAST);
    }

    proptest! {
        #[test]
        fn a_cap_bounds_every_delay(
            seen in prop::collection::vec(0u8..3, 1..60),
            cap_ms in 1u64..10_000,
        ) {
            let cap = Duration::from_millis(cap_ms);
            let mut pace = Pace::with_cap(Some(cap));
            for s in seen {
                let seen = match s { 0 => Seen::Change, 1 => Seen::Same, _ => Seen::Error };
                let delay = pace.next(seen);
                prop_assert!(delay <= cap && delay <= BACKOFF);
                prop_assert!(delay >= FAST.min(cap));
            }
        }

        #[test]
        fn delay_stays_within_bounds(seen in prop::collection::vec(0u8..3, 1..60)) {
            let mut pace = Pace::default();
            for s in seen {
                let seen = match s { 0 => Seen::Change, 1 => Seen::Same, _ => Seen::Error };
                let delay = pace.next(seen);
                prop_assert!(delay >= FAST && delay <= BACKOFF);
                if seen == Seen::Change {
                    prop_assert_eq!(delay, FAST);
                }
            }
        }
    }
}
