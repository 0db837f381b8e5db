//! Integration tests of `ecs-sim`: the simulator runs in-process (or as the binary) on a
//! free loopback port, sped up, and is driven through the Rust SDK and the AWS CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod breaker;
mod checks;
mod cli;
mod deploy;
mod digests;
mod docker;
mod faults;
mod harness;
mod run_task;
