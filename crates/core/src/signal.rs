//! SIGINT and SIGTERM as a future, for tools that must clean up when a
//! workflow is cancelled (GitHub sends SIGINT, then SIGTERM).

pub use crate::cancel::Signal;

/// Resolves when SIGINT or SIGTERM arrives. If the handlers cannot be
/// installed it never resolves (the default behaviour, being killed, stays).
pub async fn shutdown() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => Signal::Interrupt,
            _ = terminate.recv() => Signal::Terminate,
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}
