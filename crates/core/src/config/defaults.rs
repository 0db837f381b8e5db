//! Built-in defaults: the architecture spec, as configuration.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::model::{Config, Deployment, Ecr, Environment, Names, ServiceEntry, Terraform};

/// Task CPU units of every service in the spec (0.25 vCPU).
pub const CPU: u32 = 256;
/// Task memory of every service in the spec (MiB).
pub const MEMORY: u32 = 512;

/// The built-in settings of a service the spec describes.
pub fn service(name: &str) -> Option<ServiceEntry> {
    let (port, health) = match name {
        "backend" => (8000, "/api/v1/health"),
        "frontend" => (3000, "/"),
        _ => return None,
    };
    Some(ServiceEntry {
        port: Some(port),
        health_path: Some(health.to_owned()),
        ..ServiceEntry::default()
    })
}

impl Default for Config {
    fn default() -> Self {
        let environments = ["dev", "prod"]
            .into_iter()
            .map(|name| (name.to_owned(), Environment::default()))
            .collect();
        let services: BTreeMap<String, ServiceEntry> = ["backend", "frontend"]
            .into_iter()
            .filter_map(|name| service(name).map(|entry| (name.to_owned(), entry)))
            .collect();
        Config {
            project: "portfolio".to_owned(),
            region: None,
            names: Names::default(),
            deployment: Deployment::default(),
            ecr: Ecr::default(),
            terraform: Terraform::default(),
            environments,
            services,
            source: None,
            base_dir: PathBuf::new(),
        }
    }
}

impl Default for Names {
    fn default() -> Self {
        Names {
            cluster: "{project}-{env}".to_owned(),
            service: "{service}".to_owned(),
            family: "{project}-{env}-{service}".to_owned(),
            container: "{service}".to_owned(),
            repository: "{project}-{env}-{service}".to_owned(),
            log_group: "/ecs/{project}-{env}/{service}".to_owned(),
            log_stream_prefix: "ecs".to_owned(),
        }
    }
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            maximum_percent: None,
            minimum_healthy_percent: None,
            circuit_breaker: None,
            rollback: None,
            timeout: "30m".to_owned(),
        }
    }
}

impl Default for Ecr {
    fn default() -> Self {
        Ecr {
            scan_on_push: true,
            encryption: "AES256".to_owned(),
            tag_mutability: "MUTABLE".to_owned(),
            lifecycle_policy: None,
        }
    }
}

impl Default for Terraform {
    fn default() -> Self {
        Terraform {
            dir: PathBuf::from("terraform"),
            binary: None,
            var_files: vec!["envs/{env}.tfvars".to_owned()],
            backend_config: None,
            lock_timeout: "5m".to_owned(),
        }
    }
}
