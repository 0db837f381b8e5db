//! Integration tests: the real ecr-lifecycle binary against moto_server
//! (ECR) and ecs-sim (ECS) on free loopback ports, and offline snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
mod lint;
mod moto;
mod offline;
mod output;
mod protection;
