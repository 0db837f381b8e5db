//! Integration tests of ecs-rolling-deploy: the real binary against ecs-sim
//! (started in-process on a free loopback port, sped up), and a local fake
//! GitHub API (wiremock) for `--github-deployment`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cancel;
mod definitions;
mod deploy;
mod examples;
mod faults;
mod github;
mod harness;
mod health;
mod input;
mod lag;
mod order;
mod region;
mod run_task;
mod settings;
mod text;
