//! The sample application's images really run: a server answers the health
//! path over a published loopback port, the task definition's healthCheck
//! passes inside the container (Docker's own health status), and a missing
//! setting is a real crash (exit code 1 and the fatal line).

use std::time::Duration;

use portfolio_testkit::sample_app::{
    BACKEND, BACKEND_FATAL_LINE, DATABASE_URL, FRONTEND, RunSpec, Service,
};

const WAIT: Duration = Duration::from_secs(60);
const DB: &str = "postgresql://portfolio@db:5432/portfolio";

/// Builds `service`, runs it with `env` and its template's healthCheck, and
/// returns its health path's answer, Docker's health status and stdout.
fn serve(service: Service, env: &[(&str, &str)]) -> ((u16, String), String, String) {
    let image = service.build().unwrap();
    let container = image
        .run(&RunSpec {
            env: env.to_vec(),
            port: Some(service.port),
            health_cmd: Some(service.health_check_command().unwrap()),
        })
        .unwrap();
    let answer = container.get(service.health_path, WAIT).unwrap();
    let health = container.wait_health(WAIT).unwrap();
    let (stdout, _) = container.logs().unwrap();
    (answer, health, stdout)
}

#[test]
fn the_backend_serves_its_health_document_and_docker_finds_it_healthy() {
    let ((status, body), health, stdout) =
        serve(BACKEND, &[(DATABASE_URL, DB), ("ENVIRONMENT", "dev")]);
    assert_eq!(status, 200, "{body}");
    let health_json = std::fs::read_to_string(BACKEND.context().join("health.json")).unwrap();
    assert_eq!(body, health_json);
    assert_eq!(health, "healthy");
    assert_eq!(
        stdout.lines().next(),
        Some(BACKEND.started_line(8000, Some("dev")).as_str()),
        "{stdout}"
    );
}

#[test]
fn the_frontend_serves_its_page_and_docker_finds_it_healthy() {
    let ((status, body), health, stdout) = serve(FRONTEND, &[]);
    assert_eq!(status, 200, "{body}");
    let page = std::fs::read_to_string(FRONTEND.context().join("index.html")).unwrap();
    assert_eq!(body, page);
    assert_eq!(health, "healthy");
    assert_eq!(
        stdout.lines().next(),
        Some(FRONTEND.started_line(3000, None).as_str()),
        "{stdout}"
    );
}

#[test]
fn the_health_check_fails_when_nothing_answers_the_health_path() {
    // The same command against a port nothing listens on: the check can
    // fail, so a pass above means the server answered.
    let image = BACKEND.build().unwrap();
    let command = BACKEND
        .health_check_command()
        .unwrap()
        .replace(":8000", ":8001");
    let container = image
        .run(&RunSpec {
            env: vec![(DATABASE_URL, DB)],
            port: None,
            health_cmd: Some(command),
        })
        .unwrap();
    assert_eq!(container.wait_health(WAIT).unwrap(), "unhealthy");
}

#[test]
fn the_backend_without_its_database_url_exits_1_with_the_fatal_line() {
    let image = BACKEND.build().unwrap();
    let container = image
        .run(&RunSpec {
            env: vec![("ENVIRONMENT", "dev")],
            ..RunSpec::default()
        })
        .unwrap();
    assert_eq!(container.wait_exit(WAIT).unwrap(), Some(1));
    let (stdout, stderr) = container.logs().unwrap();
    assert_eq!(stdout, "");
    assert_eq!(stderr, format!("{BACKEND_FATAL_LINE}\n"));
}

#[test]
fn a_port_that_is_not_a_number_is_fatal_for_both_services() {
    for service in [BACKEND, FRONTEND] {
        let image = service.build().unwrap();
        let container = image
            .run(&RunSpec {
                env: vec![(DATABASE_URL, DB), ("PORT", "http")],
                ..RunSpec::default()
            })
            .unwrap();
        assert_eq!(container.wait_exit(WAIT).unwrap(), Some(1), "{service:?}");
        let (_, stderr) = container.logs().unwrap();
        assert_eq!(
            stderr, "fatal: PORT must be a port number, got 'http'\n",
            "{service:?}"
        );
    }
}
