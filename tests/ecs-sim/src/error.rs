//! Errors of the simulator library (starting, binding, pausing, registering digests).

use std::net::SocketAddr;

/// What can go wrong starting or controlling a simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The background runtime could not be created.
    #[error("cannot start the simulator runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The simulator thread has already stopped.
    #[error("the simulator is no longer running")]
    Stopped,
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An image digest registration was refused.
    #[error("invalid image digest registration: {0}")]
    ImageDigest(#[from] crate::model::image::InvalidDigest),
}
