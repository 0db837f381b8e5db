//! Every example of `--help` runs, as printed, against the example
//! application (examples/portfolio: its portfolio-ci.yaml and templates)
//! and the local stack: ecs-sim with the dev and prod clusters and both
//! services. `taskdef.json`, which the help says render-taskdef wrote, is
//! the test's own rendered definition.

use std::path::Path;

use aws_sdk_ecs::types::LaunchType;
use portfolio_taskdef::TaskDefinition;

use crate::harness::{SCALE, World, breaker, finish, offline, run_offline, taskdef};

/// The commands of the `Examples:` section, continuation lines joined, and
/// the directory each runs in (after `cd`).
fn examples(help: &str) -> Vec<(Option<String>, Vec<String>)> {
    let section = help
        .split_once("Examples:\n")
        .and_then(|(_, rest)| rest.split_once("\n\nExit codes:"))
        .map(|(examples, _)| examples)
        .expect("an Examples section before the exit codes");
    let mut commands = Vec::new();
    let mut cwd = None;
    let mut current = String::new();
    for line in section.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(dir) = line.strip_prefix("cd ") {
            cwd = Some(dir.to_owned());
            continue;
        }
        current.push_str(line.trim_end_matches('\\'));
        current.push(' ');
        if !line.ends_with('\\') {
            let words: Vec<String> = current.split_whitespace().map(str::to_owned).collect();
            assert_eq!(words[0], "ecs-rolling-deploy", "{current}");
            commands.push((cwd.clone(), words[1..].to_vec()));
            current.clear();
        }
    }
    commands
}

/// Copies the example application's configuration and templates to `to`.
fn copy_example_application(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/portfolio");
    std::fs::copy(from.join("portfolio-ci.yaml"), to.join("portfolio-ci.yaml")).unwrap();
    std::fs::create_dir_all(to.join("taskdef")).unwrap();
    for entry in std::fs::read_dir(from.join("taskdef")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join("taskdef").join(path.file_name().unwrap())).unwrap();
    }
}

/// Clusters portfolio-dev and portfolio-prod, each with backend and
/// frontend running a first definition.
async fn example_stack(world: &World) {
    world
        .ecs
        .create_cluster()
        .cluster_name("portfolio-prod")
        .send()
        .await
        .unwrap();
    for env in ["dev", "prod"] {
        for service in ["backend", "frontend"] {
            let family = format!("portfolio-{env}-{service}");
            let mut value = taskdef(&family, service, "healthy");
            value["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"] =
                serde_json::json!(format!("/ecs/portfolio-{env}/{service}"));
            let definition = TaskDefinition::from_value(value, "setup").unwrap();
            let arn = portfolio_taskdef::live::register_task_definition(
                &world.ecs,
                &definition,
                &portfolio_taskdef::KeepKeys::none(),
            )
            .await
            .unwrap();
            world
                .ecs
                .create_service()
                .cluster(format!("portfolio-{env}"))
                .service_name(service)
                .task_definition(&arn)
                .desired_count(2)
                .launch_type(LaunchType::Fargate)
                .deployment_configuration(breaker(true, true))
                .send()
                .await
                .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_help_example_runs_against_the_example_application() {
    let world = World::new(SCALE).await;
    let help = run_offline(&mut offline(world.path(), &["--help"]));
    let commands = examples(&help.stdout);
    assert_eq!(
        commands.len(),
        help.stdout.matches("\n  ecs-rolling-deploy ").count(),
        "{commands:?}"
    );
    assert!(
        commands
            .iter()
            .all(|(cwd, _)| cwd.as_deref() == Some("examples/portfolio")),
        "{commands:?}"
    );
    copy_example_application(world.path());
    world.file(
        "taskdef.json",
        &taskdef("portfolio-dev-backend", "backend", "healthy"),
    );
    example_stack(&world).await;
    for (_, args) in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = finish(world.command(&args).spawn().unwrap()).await;
        assert_eq!(run.code, 0, "ecs-rolling-deploy {args:?}\n{}", run.stderr);
    }
}
