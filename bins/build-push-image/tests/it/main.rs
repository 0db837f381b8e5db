//! Integration tests: the real binary against moto (ECR), the
//! distribution registry with htpasswd auth (user AWS, moto's ECR token as
//! password) and the real builders (buildah, the Docker engine).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod avoidance;
mod build;
mod dockerignore;
mod errors;
mod harness;
mod inputs;
mod login;
mod logins;
mod mutability;
mod output;
mod promote;
mod registry;
mod scan;
mod secrets;
mod signals;
