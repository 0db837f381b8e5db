use std::path::Path;

use super::*;

fn parse(yaml: &str) -> Result<Config, ConfigError> {
    Config::from_yaml(
        yaml,
        Path::new("/repo/portfolio-ci.yaml"),
        Path::new("/repo"),
    )
}

#[test]
fn defaults_reproduce_the_spec() {
    let config = Config::default();
    let backend = config.service("backend", "dev").unwrap();
    assert_eq!(backend.cluster, "portfolio-dev");
    assert_eq!(backend.service, "backend");
    assert_eq!(backend.repository, "portfolio-dev-backend");
    assert_eq!(backend.log_group, "/ecs/portfolio-dev/backend");
    assert_eq!(backend.family, "portfolio-dev-backend");
    assert_eq!(backend.port, 8000);
    assert_eq!(backend.health_path, "/api/v1/health");
    assert_eq!((backend.cpu, backend.memory), (256, 512));
    let frontend = config.service("frontend", "prod").unwrap();
    assert_eq!(frontend.port, 3000);
    assert_eq!(frontend.health_path, "/");
    assert_eq!(frontend.cluster, "portfolio-prod");
    // The deployment configuration is the service's own unless the file sets it.
    assert_eq!(config.deployment.maximum_percent, None);
    assert_eq!(config.deployment.minimum_healthy_percent, None);
    assert_eq!(config.deployment.circuit_breaker, None);
    assert_eq!(config.deployment.rollback, None);
}

#[test]
fn deployment_fields_are_set_only_where_the_file_sets_them() {
    let config = parse("deployment: {rollback: false, maximum_percent: 150}").unwrap();
    assert_eq!(config.deployment.maximum_percent, Some(150));
    assert_eq!(config.deployment.rollback, Some(false));
    assert_eq!(config.deployment.minimum_healthy_percent, None);
    assert_eq!(config.deployment.circuit_breaker, None);
}

#[test]
fn empty_file_is_the_defaults() {
    let config = parse("{}").unwrap();
    assert_eq!(config.project, "portfolio");
    assert_eq!(config.service_names(), ["backend", "frontend"]);
}

#[test]
fn file_values_override_defaults_and_paths_resolve() {
    let config = parse(
        "project: shop\nregion: eu-west-1\nenvironments:\n  staging: {domain: staging.example.com}\nservices:\n  backend:\n    task_definition: taskdef/backend.json\n",
    )
    .unwrap();
    let backend = config.service("backend", "staging").unwrap();
    assert_eq!(backend.cluster, "shop-staging");
    assert_eq!(backend.region.as_deref(), Some("eu-west-1"));
    assert_eq!(backend.port, 8000, "built-in default kept for unset fields");
    assert_eq!(
        backend.task_definition.as_deref(),
        Some(Path::new("/repo/taskdef/backend.json"))
    );
    assert_eq!(
        backend.health_url.as_deref(),
        Some("https://staging.example.com/api/v1/health")
    );
}

#[test]
fn unknown_key_names_path_and_line() {
    let err = parse("services:\n  backend:\n    prot: 8000\n").unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        "/repo/portfolio-ci.yaml:3: services.backend: unknown field `prot`, expected one of \
         `port`, `health_path`, `cpu`, `memory`, `container`, `task_definition`, `context`, \
         `dockerfile`"
    );
    assert_eq!(crate::exit::Failure::exit_code(&err), 2);
}

#[test]
fn wrong_type_names_key() {
    let err = parse("deployment:\n  maximum_percent: lots\n").unwrap_err();
    assert!(
        err.to_string().contains("deployment.maximum_percent"),
        "{err}"
    );
}

#[test]
fn invalid_values_are_rejected_with_key() {
    for (yaml, key) in [
        (
            "deployment: {maximum_percent: 50}",
            "deployment.maximum_percent",
        ),
        ("deployment: {timeout: soon}", "deployment.timeout"),
        ("names: {cluster: '{project}-{region}'}", "names.cluster"),
        ("names: {cluster: '{service}'}", "names.cluster"),
        ("ecr: {tag_mutability: SOMETIMES}", "ecr.tag_mutability"),
        ("services: {worker: {cpu: 256}}", "services.worker.port"),
        (
            "services: {backend: {health_path: health}}",
            "services.backend.health_path",
        ),
        ("environments: {}", "environments"),
        ("project: ''", "project"),
    ] {
        let err = parse(yaml).unwrap_err();
        assert!(err.to_string().contains(key), "{yaml}: {err}");
    }
}

#[test]
fn unknown_environment_and_service_list_the_known_ones() {
    let config = Config::default();
    let err = config.service("backend", "qa").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown environment 'qa' (configured: dev, prod)"
    );
    let err = config.service("worker", "dev").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown service 'worker' (configured: backend, frontend)"
    );
}

#[test]
fn found_upward_from_a_subdirectory() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(dir.path().join(FILE_NAME), "project: up\n").unwrap();
    let found = find_upward(&nested).unwrap();
    assert_eq!(found, dir.path().join(FILE_NAME));
    let config = Config::from_file(&found).unwrap();
    assert_eq!(config.project, "up");
    assert_eq!(config.base_dir, dir.path());
}

#[test]
fn missing_file_is_a_read_error() {
    let err = Config::from_file(Path::new("/nonexistent/portfolio-ci.yaml")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read /nonexistent/portfolio-ci.yaml")
    );
}
