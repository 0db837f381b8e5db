//! End-to-end tests of what users consume: the setup action's installer,
//! the composite actions and the workflows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions_contract;
mod actions_run;
mod actions_shellcheck;
mod demo;
mod examples;
mod release;
mod setup_action;
mod workflow_contract;
mod workflows;
