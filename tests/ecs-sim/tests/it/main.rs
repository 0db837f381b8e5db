//! Integration tests of `ecs-sim`: the simulator runs in-process (or as the binary) on a
//! free loopback port, sped up, and is driven through the Rust SDK and the AWS CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod aws_wait;
mod binary;
mod breaker;
mod checks;
mod cli;
mod consistency;
mod deploy;
mod digests;
mod docker;
mod faults;
mod harness;
mod health;
mod limits;
mod peer_action;
mod run_task;
