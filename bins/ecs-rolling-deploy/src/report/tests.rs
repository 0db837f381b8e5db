use super::*;
use crate::tasks::ContainerInfo;
use crate::view::{DeploymentView, EventView};

fn task(id: &str, code: &str, reason: &str, exit: Option<i32>, logs: &[&str]) -> TaskInfo {
    TaskInfo {
        id: id.into(),
        last_status: "STOPPED".into(),
        health: None,
        created_at: Some(10.0),
        started_at: Some(12.0),
        stopped_at: Some(15.0),
        stop_code: Some(code.into()),
        stopped_reason: Some(reason.into()),
        containers: vec![ContainerInfo {
            name: "app".into(),
            exit_code: exit,
            reason: None,
            health: None,
            logs: logs.iter().map(|s| (*s).to_owned()).collect(),
            log_stream: Some("/ecs/g / ecs/app/t".into()),
        }],
    }
}

fn view() -> ServiceView {
    ServiceView {
        deployments: vec![DeploymentView {
            id: "ecs-svc/1".into(),
            status: "ACTIVE".into(),
            task_definition: "td:2".into(),
            desired: 2,
            pending: 0,
            running: 0,
            failed_tasks: 3,
            rollout_state: "FAILED".into(),
            rollout_reason: "ECS deployment circuit breaker: tasks failed to start.".into(),
            created_at: Some(5.0),
            updated_at: Some(40.0),
        }],
        events: vec![
            EventView {
                id: "e2".into(),
                created_at: Some(30.0),
                message: "(service s) is unable to consistently start tasks successfully.".into(),
            },
            EventView {
                id: "e1".into(),
                created_at: Some(1.0),
                message: "(service s) failed long before this deployment.".into(),
            },
        ],
        ..ServiceView::default()
    }
}

#[test]
fn groups_failed_tasks_and_keeps_the_explanations() {
    let tasks = [
        task(
            "t1",
            "EssentialContainerExited",
            "Essential container in task exited",
            Some(1),
            &["boom: db down"],
        ),
        task(
            "t2",
            "EssentialContainerExited",
            "Essential container in task exited",
            Some(1),
            &[],
        ),
        task(
            "t3",
            "ServiceSchedulerInitiated",
            "Scaling activity",
            Some(0),
            &[],
        ),
    ];
    let report = build("ecs-svc/1", Some(&view()), &tasks);
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].tasks, ["t1", "t2"]);
    assert_eq!(report.failed_tasks.len(), 2);
    // Only events since our deployment started.
    assert_eq!(report.events.len(), 1);
    let text = report.text("backend");
    assert!(
        text.contains("circuit breaker: tasks failed to start"),
        "{text}"
    );
    assert!(
        text.contains("2 task(s) stopped: EssentialContainerExited"),
        "{text}"
    );
    assert!(text.contains("container app: exit code 1"), "{text}");
    assert!(text.contains("| boom: db down"), "{text}");
    let md = report.markdown();
    assert!(md.contains("| 2 | `EssentialContainerExited` |"), "{md}");
    assert!(md.contains("boom: db down"), "{md}");
    assert_eq!(
        report.annotations("backend"),
        [
            "backend: 2 task(s) stopped: EssentialContainerExited: Essential container in task exited"
        ]
    );
}

#[test]
fn without_failed_tasks_the_rollout_reason_is_the_annotation() {
    let report = build("ecs-svc/1", Some(&view()), &[]);
    assert!(report.groups.is_empty());
    assert_eq!(
        report.annotations("api"),
        ["api: ECS deployment circuit breaker: tasks failed to start."]
    );
}

#[test]
fn markdown_cells_are_escaped() {
    assert_eq!(md_escape("a|b\nc"), "a\\|b c");
}

#[test]
fn identical_log_tails_are_shown_once() {
    let exited = |id: &str, logs: &[&str]| {
        task(
            id,
            "EssentialContainerExited",
            "Essential container in task exited",
            Some(1),
            logs,
        )
    };
    let tasks = [
        exited("t1", &["start", "boom: db down"]),
        exited("t2", &["start", "boom: db down"]),
        exited("t3", &["start", "other"]),
    ];
    let text = build("ecs-svc/1", Some(&view()), &tasks).text("backend");
    assert_eq!(text.matches("| boom: db down").count(), 1, "{text}");
    assert!(
        text.contains("log lines of app in task t2: the same as in task t1"),
        "{text}"
    );
    assert!(text.contains("| other"), "{text}");
}

/// The report of a rolled-back deployment as it is printed on stderr and
/// written to the job summary, whole, from fixed inputs: two crashed
/// tasks with their logs (the same tail once), one that failed its health
/// check, and the breaker's events.
#[test]
fn the_report_of_a_rolled_back_deployment_whole() {
    let mut unhealthy = task(
        "3c1d9e2f",
        "TaskFailedToStart",
        "Task failed container health checks",
        None,
        &[],
    );
    unhealthy.health = Some("UNHEALTHY".into());
    unhealthy.containers[0].health = Some("UNHEALTHY".into());
    unhealthy.containers[0].reason = Some("health check failed 3 times".into());
    let log = [
        "INFO starting portfolio backend on :8000",
        "ERROR cannot connect to the database at db:5432",
        "ConnectionRefusedError: [Errno 111] Connection refused",
    ];
    let tasks = [
        task(
            "9f2b7c41",
            "EssentialContainerExited",
            "Essential container in task exited",
            Some(1),
            &log,
        ),
        task(
            "a07e55d0",
            "EssentialContainerExited",
            "Essential container in task exited",
            Some(1),
            &log,
        ),
        unhealthy,
    ];
    let report = build("ecs-svc/1", Some(&view()), &tasks);
    insta::assert_snapshot!("failure_report_text", report.text("backend"));
    insta::assert_snapshot!("failure_report_markdown", report.markdown());
}
