//! Cancellation: SIGINT and SIGTERM for the whole run, counted.
//!
//! A cancelled workflow sends SIGINT, then SIGTERM, then kills the process.
//! [`Cancel::install`] installs the handlers once, at the start of a run, so
//! no signal is lost between two steps. The first signal asks the tool to
//! stop gracefully ([`Cancel::cancelled`]): stop following, finish the
//! current batch, let terraform release its lock. A second signal escalates
//! ([`Cancel::escalated`]): stop waiting for the graceful end.
//!
//! Every tool holds one [`Cancel`] and clones it where it waits; tests make
//! one with [`Cancel::manual`] and fire it with the [`Trigger`].

use std::fmt;
use std::future::Future;

use tokio::sync::watch;

use crate::error::Error;

/// The signal that asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C, or a cancelled workflow's first signal).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        })
    }
}

/// The signals received so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Received {
    /// How many arrived.
    pub count: u32,
    /// The first one.
    pub first: Option<Signal>,
}

/// A view of the signals this run received; cheap to clone.
#[derive(Debug, Clone)]
pub struct Cancel {
    rx: watch::Receiver<Received>,
}

/// Fires a [`Cancel`] made by [`Cancel::manual`] (tests, and callers that
/// cancel for their own reasons).
#[derive(Debug, Clone)]
pub struct Trigger {
    tx: watch::Sender<Received>,
}

impl Trigger {
    /// Delivers `signal` as if the process had received it.
    pub fn fire(&self, signal: Signal) {
        self.tx.send_modify(|received| {
            received.count += 1;
            received.first.get_or_insert(signal);
        });
    }
}

impl Cancel {
    /// Installs the SIGINT and SIGTERM handlers and starts counting. Call it
    /// once, first thing, inside the tokio runtime. Where the handlers
    /// cannot be installed no signal is ever seen and the default (being
    /// killed) stays.
    pub fn install() -> Cancel {
        let (trigger, cancel) = Cancel::manual();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let (Ok(mut interrupt), Ok(mut terminate)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                tokio::spawn(async move {
                    loop {
                        let signal = tokio::select! {
                            _ = interrupt.recv() => Signal::Interrupt,
                            _ = terminate.recv() => Signal::Terminate,
                        };
                        trigger.fire(signal);
                    }
                });
            }
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                trigger.fire(Signal::Interrupt);
            }
        });
        cancel
    }

    /// A cancellation that only its [`Trigger`] fires.
    pub fn manual() -> (Trigger, Cancel) {
        let (tx, rx) = watch::channel(Received::default());
        (Trigger { tx }, Cancel { rx })
    }

    /// What was received so far.
    pub fn received(&self) -> Received {
        *self.rx.borrow()
    }

    /// The first signal, if one came; never waits.
    pub fn signal(&self) -> Option<Signal> {
        self.received().first
    }

    /// Waits until at least `count` signals arrived; returns the first.
    async fn at_least(&self, count: u32) -> Signal {
        let mut rx = self.rx.clone();
        let first = rx
            .wait_for(|r| r.count >= count)
            .await
            .map(|received| received.first.unwrap_or(Signal::Interrupt));
        match first {
            Ok(signal) => signal,
            // The sender is gone (no handlers): no signal will come.
            Err(_) => std::future::pending().await,
        }
    }

    /// Resolves with the first signal (at once if it already came): stop
    /// gracefully.
    pub async fn cancelled(&self) -> Signal {
        self.at_least(1).await
    }

    /// Resolves once a second signal came: stop waiting for the graceful
    /// end. Returns the first signal.
    pub async fn escalated(&self) -> Signal {
        self.at_least(2).await
    }

    /// Runs `work` until it ends or the first signal comes; a signal drops
    /// `work` (its guards clean up) and ends in [`Error::Interrupted`].
    pub async fn guard<T, E>(&self, work: impl Future<Output = Result<T, E>>) -> Result<T, E>
    where
        E: From<Error>,
    {
        if let Some(signal) = self.signal() {
            return Err(Error::Interrupted(signal).into());
        }
        tokio::select! {
            result = work => result,
            signal = self.cancelled() => Err(Error::Interrupted(signal).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_signal_cancels_and_the_second_escalates() {
        let (trigger, cancel) = Cancel::manual();
        assert_eq!(cancel.signal(), None);
        let escalated = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.escalated().await }
        });
        trigger.fire(Signal::Terminate);
        assert_eq!(cancel.cancelled().await, Signal::Terminate);
        assert!(!escalated.is_finished());
        trigger.fire(Signal::Interrupt);
        assert_eq!(escalated.await.ok(), Some(Signal::Terminate));
        assert_eq!(cancel.received().count, 2);
    }

    #[tokio::test]
    async fn guard_drops_the_work_and_reports_the_signal() {
        let (trigger, cancel) = Cancel::manual();
        trigger.fire(Signal::Interrupt);
        let result: Result<(), Error> = cancel.guard(std::future::pending()).await;
        assert!(matches!(result, Err(Error::Interrupted(Signal::Interrupt))));
        let (_trigger, calm) = Cancel::manual();
        let done: Result<u8, Error> = calm.guard(async { Ok(7) }).await;
        assert_eq!(done.ok(), Some(7));
    }
}
