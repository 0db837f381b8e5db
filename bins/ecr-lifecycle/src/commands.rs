//! The four subcommands, one module each; [`crate::run`] dispatches to
//! them with the resolved settings and the AWS clients.

pub mod apply;
pub mod enforce;
pub mod lint;
pub mod preview;
