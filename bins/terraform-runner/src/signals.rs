//! SIGINT and SIGTERM for the whole run, counted.
//!
//! The handlers are installed once at start and stay, so no signal is lost
//! between two terraform commands. The first signal asks terraform to stop
//! gracefully; a second one starts the grace period after which terraform
//! is killed (see `terraform.rs`).

use portfolio_core::signal::Signal;
use tokio::sync::watch;

/// The signals received so far: how many, and the first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Received {
    /// Number of signals.
    pub count: u32,
    /// The first one.
    pub first: Option<Signal>,
}

/// A view of the signals received by this process.
#[derive(Debug, Clone)]
pub struct Signals {
    rx: watch::Receiver<Received>,
}

impl Signals {
    /// Installs the handlers and starts counting.
    pub fn install() -> Signals {
        let (tx, rx) = watch::channel(Received::default());
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
                        tx.send_modify(|r| {
                            r.count += 1;
                            r.first.get_or_insert(signal);
                        });
                    }
                });
            }
        }
        Signals { rx }
    }

    /// What was received so far.
    pub fn received(&self) -> Received {
        *self.rx.borrow()
    }

    /// Waits for the next signal and returns the totals.
    pub async fn next(&mut self) -> Received {
        if self.rx.changed().await.is_err() {
            // The handler task is gone (no handlers): no signal will come.
            std::future::pending::<()>().await;
        }
        *self.rx.borrow_and_update()
    }
}
