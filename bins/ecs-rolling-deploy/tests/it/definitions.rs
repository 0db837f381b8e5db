//! Where the definition comes from: a file is registered as written (the
//! chain render-taskdef -> ecs-rolling-deploy keeps `${...}` shell text), a
//! template is rendered, a registered revision is deployed as it is, and
//! without a service the definition is only registered.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::{SCALE, World, offline, run_offline, taskdef};

/// render-taskdef, built next to this test binary (`cargo build -p render-taskdef`).
fn render_taskdef() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .join("render-taskdef");
    assert!(
        bin.is_file(),
        "{} is not built: run `cargo build -p render-taskdef` (scripts/test builds every binary)",
        bin.display()
    );
    bin
}

/// The registered definition `arn` as DescribeTaskDefinition returns it.
async fn registered(world: &World, arn: &str) -> Value {
    let described = world
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .unwrap();
    let definition = described.task_definition().unwrap();
    let containers: Vec<Value> = definition
        .container_definitions()
        .iter()
        .map(|c| {
            json!({
                "name": c.name(),
                "image": c.image(),
                "entryPoint": c.entry_point(),
                "command": c.command(),
                "logGroup": c.log_configuration()
                    .and_then(|l| l.options())
                    .and_then(|o| o.get("awslogs-group")),
            })
        })
        .collect();
    json!({"family": definition.family(), "containers": containers})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rendered_file_is_registered_exactly_as_rendered() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut template = taskdef("portfolio-${ENV}-backend", "backend", "healthy");
    template["containerDefinitions"][0]["entryPoint"] =
        json!(["sh", "-c", "cd $${HOME} && exec \"$0\" \"$@\""]);
    world.file("template.json", &template);
    let render = std::process::Command::new(render_taskdef())
        .current_dir(world.path())
        .args([
            "--task-definition",
            "template.json",
            "--var",
            "ENV=dev",
            "--command",
            "backend:sh -c 'echo ${GREETING} && exec /app'",
            "--output",
            "rendered.json",
        ])
        .env_remove("PORTFOLIO_CI_CONFIG")
        .output()
        .unwrap();
    assert!(render.status.success(), "{render:?}");
    let rendered: Value =
        serde_json::from_str(&std::fs::read_to_string(world.path().join("rendered.json")).unwrap())
            .unwrap();
    let container = &rendered["containerDefinitions"][0];
    assert_eq!(
        container["entryPoint"],
        json!(["sh", "-c", "cd ${HOME} && exec \"$0\" \"$@\""])
    );
    assert_eq!(
        container["command"],
        json!(["sh", "-c", "echo ${GREETING} && exec /app"])
    );
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--task-definition",
            "rendered.json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let arn = run.json()["services"][0]["task_definition_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        registered(&world, &arn).await,
        json!({"family": rendered["family"], "containers": [{
            "name": "backend",
            "image": container["image"],
            "entryPoint": container["entryPoint"],
            "command": container["command"],
            "logGroup": container["logConfiguration"]["options"]["awslogs-group"],
        }]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_flag_renders_and_var_with_a_definition_file_is_refused() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut template = taskdef("portfolio-${ENV}-backend", "backend", "healthy");
    template["containerDefinitions"][0]["command"] = json!(["serve", "${GREETING}"]);
    world.file("template.json", &template);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--template",
            "template.json",
            "--var",
            "GREETING=hello",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let arn = run.json()["services"][0]["task_definition_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let described = registered(&world, &arn).await;
    assert_eq!(described["family"], "portfolio-dev-backend");
    assert_eq!(
        described["containers"][0]["command"],
        json!(["serve", "hello"])
    );
    // --var with a definition file would do nothing: refused before any AWS call.
    let refused = run_offline(&mut offline(
        world.path(),
        &[
            "--service",
            "backend",
            "--task-definition",
            "template.json",
            "--var",
            "GREETING=hello",
        ],
    ));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(
            "--var: template.json is a task definition, registered as written: --var only fills \
             the ${NAME} placeholders of a template (give it as --template FILE)"
        ),
        "{}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_service_the_definition_is_only_registered() {
    let world = World::new(SCALE).await;
    let live = world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let output = world.path().join("output");
    let mut command = world.command(&["--json", "--task-definition", file.to_str().unwrap()]);
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", world.path().join("summary.md"));
    let run = crate::harness::finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "registered");
    let arn = json["task_definition_arn"].as_str().unwrap();
    assert!(
        arn.ends_with(":task-definition/portfolio-dev-backend:2"),
        "{arn}"
    );
    assert!(
        run.stderr.contains(&format!("registered {arn}")),
        "{}",
        run.stderr
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(
        outputs.contains(&format!("task-definition-arn={arn}\n")),
        "{outputs}"
    );
    assert!(outputs.contains("outcome=registered\n"), "{outputs}");
    // The service was not touched.
    let now = world.wait("backend", "describe", |_| true).await;
    assert_eq!(now.task_definition(), Some(live.as_str()));
    assert_eq!(now.deployments().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_revision_is_deployed_without_registering() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let definition = portfolio_taskdef::TaskDefinition::from_value(
        taskdef("portfolio-dev-backend", "backend", "healthy"),
        "setup",
    )
    .unwrap();
    let second = portfolio_taskdef::live::register_task_definition(
        &world.ecs,
        &definition,
        &portfolio_taskdef::KeepKeys::none(),
    )
    .await
    .unwrap();
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--task-definition-arn",
            "portfolio-dev-backend:2",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["services"][0]["task_definition_arn"],
        json!(second)
    );
    assert!(!run.stderr.contains("registered "), "{}", run.stderr);
    assert_eq!(world.revisions("portfolio-dev-backend").await, 2);
    for bad in [
        "portfolio-dev-backend",
        "arn:aws:ecs:us-east-1:1:task-definition/x:1",
        "x:0",
    ] {
        let refused = run_offline(&mut offline(
            world.path(),
            &["--service", "backend", "--task-definition-arn", bad],
        ));
        assert_eq!(refused.code, 2, "{bad}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("is not a task definition ARN"),
            "{}",
            refused.stderr
        );
    }
}
