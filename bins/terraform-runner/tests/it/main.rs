//! Integration tests: the real terraform-runner binary driving the real
//! terraform (builtin terraform_data only) with its S3 backend on moto
//! (`use_lockfile = true`), and a local fake GitHub API (wiremock).
//! Helpers panic on failure like the tests themselves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod comment;
mod destroy;
mod diagnostics;
mod harness;
mod inputs;
mod install;
mod integrity;
mod locking;
mod roundtrip;
mod secrets;
mod snapshots;
