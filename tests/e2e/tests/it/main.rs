//! End-to-end tests of what users consume: the setup action's installer,
//! the composite actions and the workflows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions_contract;
mod actions_run;
mod actions_shellcheck;
mod demo;
mod examples;
mod iam_policies;
mod oidc_trust;
mod path_filters;
mod release;
mod setup_action;
mod supply_chain;
mod workflow_contract;
mod workflow_uses;
mod workflows;
