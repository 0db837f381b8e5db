//! Unit and property tests of `render`: each edit, container resolution,
//! and the promises (deterministic, idempotent, key order kept, never a
//! panic on arbitrary JSON).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::validate::validate;

fn two_containers() -> TaskDefinition {
    TaskDefinition::from_value(
        json!({
            "family": "app",
            "containerDefinitions": [
                {"name": "web", "image": "nginx:1", "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "secrets": [{"name": "TOKEN", "valueFrom": "/app/token"}]},
                {"name": "worker", "image": "busybox", "logConfiguration": {"logDriver": "json-file"}},
            ],
            "versionConsistency": "disabled",
        }),
        "app.json",
    )
    .unwrap()
}

fn rendered(edits: &Edits, context: &Context) -> Result<TaskDefinition, Error> {
    let mut definition = two_containers();
    render(&mut definition, edits, context).map(|()| definition)
}

fn container<'a>(definition: &'a TaskDefinition, name: &str) -> &'a Map<String, Value> {
    definition.container(name).unwrap()
}

#[test]
fn edits_without_a_container_need_a_single_or_configured_one() {
    let edits = Edits::new().image("nginx:2");
    let err = rendered(&edits, &Context::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "app.json: --image: the definition has several containers (web, worker); name one as CONTAINER=URI"
    );
    let context = Context {
        default_container: Some("worker".into()),
        ..Context::default()
    };
    let definition = rendered(&edits, &context).unwrap();
    assert_eq!(container(&definition, "worker")["image"], "nginx:2");
    assert_eq!(container(&definition, "web")["image"], "nginx:1");
}

#[test]
fn an_unknown_container_lists_the_real_ones_and_changes_nothing() {
    let edits = Edits::new()
        .container_image("web", "nginx:2")
        .container_image("api", "x");
    let mut definition = two_containers();
    let err = render(&mut definition, &edits, &Context::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "app.json: --image: unknown container 'api' (containers: web, worker)"
    );
    assert_eq!(definition, two_containers());
}

#[test]
fn environment_and_secrets_replace_each_other_in_place() {
    let edits = Edits {
        env: vec![
            Target::container("web", Pair::new("A", "one")),
            Target::container("web", Pair::new("TOKEN", "plain")),
            Target::container("web", Pair::new("C", "3")),
        ],
        secrets: vec![Target::container(
            "web",
            Pair::new("B", "arn:aws:ssm:us-east-1:123456789012:parameter/b"),
        )],
        unset_env: vec![Target::container("web", "C".to_owned())],
        ..Edits::default()
    };
    let definition = rendered(&edits, &Context::default()).unwrap();
    let web = container(&definition, "web");
    assert_eq!(
        web["environment"],
        json!([{"name": "A", "value": "one"}, {"name": "TOKEN", "value": "plain"}])
    );
    assert_eq!(
        web["secrets"],
        json!([{"name": "B", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/b"}])
    );
}

#[test]
fn labels_command_logs_task_settings_and_tags() {
    let edits = Edits {
        docker_labels: vec![Target::container(
            "web",
            Pair::new("com.example.release", "v2"),
        )],
        commands: vec![Target::container(
            "worker",
            vec!["run".into(), "--fast".into()],
        )],
        log_options: vec![Target::container("worker", Pair::new("max-size", "10m"))],
        cpu: Some("512".into()),
        memory: Some("1 GB".into()),
        task_role_arn: Some("arn:aws:iam::123456789012:role/task".into()),
        execution_role_arn: Some("arn:aws:iam::123456789012:role/exec".into()),
        tags: vec![Pair::new("release", "v2"), Pair::new("release", "v3")],
        ..Edits::default()
    };
    let definition = rendered(&edits, &Context::default()).unwrap();
    assert_eq!(
        container(&definition, "web")["dockerLabels"],
        json!({"com.example.release": "v2"})
    );
    let worker = container(&definition, "worker");
    assert_eq!(worker["command"], json!(["run", "--fast"]));
    assert_eq!(
        worker["logConfiguration"],
        json!({"logDriver": "json-file", "options": {"max-size": "10m"}})
    );
    let task = definition.as_map();
    assert_eq!(
        (task["cpu"].as_str(), task["memory"].as_str()),
        (Some("512"), Some("1 GB"))
    );
    assert_eq!(task["tags"], json!([{"key": "release", "value": "v3"}]));
    assert_eq!(task["taskRoleArn"], "arn:aws:iam::123456789012:role/task");
}

#[test]
fn awslogs_defaults_fill_only_what_is_missing() {
    let defaults = LogDefaults {
        group: "/ecs/portfolio-dev/web".into(),
        region: "eu-west-1".into(),
        stream_prefix: "ecs".into(),
    };
    let context = Context {
        default_container: Some("web".into()),
        log_defaults: Some(defaults.clone()),
        vars: None,
    };
    let edits = Edits {
        log_options: vec![Target::default_container(Pair::new(
            "awslogs-region",
            "us-west-2",
        ))],
        ..Edits::default()
    };
    let definition = rendered(&edits, &context).unwrap();
    assert_eq!(
        container(&definition, "web")["logConfiguration"],
        json!({"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/portfolio-dev/web", "awslogs-region": "us-west-2", "awslogs-stream-prefix": "ecs"}})
    );
    // Another driver is the user's choice: left alone.
    let worker = Context {
        default_container: Some("worker".into()),
        log_defaults: Some(defaults),
        vars: None,
    };
    let definition = rendered(&Edits::new(), &worker).unwrap();
    assert_eq!(
        container(&definition, "worker")["logConfiguration"],
        json!({"logDriver": "json-file"})
    );
}

#[test]
fn yaml_numbers_become_the_strings_ecs_wants() {
    let mut definition = TaskDefinition::parse(
        "family: f\ncpu: 256\nmemory: 512\ncontainerDefinitions:\n  - name: a\n    image: x\n    environment:\n      - {name: PORT, value: 8000}\n      - {name: DEBUG, value: true}\n",
        "t.yaml",
    )
    .unwrap();
    render(&mut definition, &Edits::new(), &Context::default()).unwrap();
    let text = definition.to_json_string();
    assert!(
        text.contains("\"cpu\": \"256\"")
            && text.contains("\"value\": \"8000\"")
            && text.contains("\"value\": \"true\""),
        "{text}"
    );
}

#[test]
fn a_field_of_the_wrong_kind_is_an_error_not_a_rewrite() {
    let mut definition = TaskDefinition::from_value(
        json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "x", "environment": "A=1"}]}),
        "t.json",
    )
    .unwrap();
    let edits = Edits {
        env: vec![Target::default_container(Pair::new("B", "2"))],
        ..Edits::default()
    };
    let err = render(&mut definition, &edits, &Context::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.json: containerDefinitions[a].environment: expected an array, found a string"
    );
}

fn edits_strategy() -> impl Strategy<Value = Edits> {
    let name = "[A-Z][A-Z0-9_]{0,6}";
    let container = prop_oneof![Just("web".to_owned()), Just("worker".to_owned())];
    let pairs = |key: &'static str, value: &'static str| {
        prop::collection::vec((container.clone(), key, value), 0..3).prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(c, n, v)| Target::container(c, Pair::new(n, v)))
                .collect::<Vec<_>>()
        })
    };
    let sizes = prop_oneof![
        Just(None),
        Just(Some(("256", "512"))),
        Just(Some(("1 vCPU", "2 GB")))
    ];
    let role = prop::option::of("arn:aws:iam::123456789012:role/[a-z]{1,6}");
    (
        (
            prop::collection::vec((container.clone(), "[a-z]{1,8}(:[a-z0-9]{1,5})?"), 0..3),
            pairs(name, ".{0,8}"),
            prop::collection::vec((container.clone(), name), 0..3),
            pairs(name, "/[a-z]{1,8}"),
            prop::collection::vec(("[a-z]{1,5}", "[a-z0-9]{0,5}"), 0..3),
        ),
        (
            pairs("[a-z.]{1,8}", "[a-z0-9 ]{0,6}"),
            prop::collection::vec(
                (
                    container.clone(),
                    prop::collection::vec("[a-z-]{1,6}", 1..4),
                ),
                0..2,
            ),
            pairs("awslogs-[a-z]{1,6}", "[a-z0-9/]{1,8}"),
            sizes,
            role.clone(),
            role,
        ),
    )
        .prop_map(
            |(
                (images, env, unset, secrets, tags),
                (labels, commands, log_options, sizes, task_role, execution_role),
            )| Edits {
                images: images
                    .into_iter()
                    .map(|(c, i)| Target::container(c, i))
                    .collect(),
                env,
                unset_env: unset
                    .into_iter()
                    .map(|(c, n)| Target::container(c, n))
                    .collect(),
                secrets,
                docker_labels: labels,
                commands: commands
                    .into_iter()
                    .map(|(c, words)| Target::container(c, words))
                    .collect(),
                log_options,
                cpu: sizes.map(|(cpu, _)| cpu.to_owned()),
                memory: sizes.map(|(_, memory)| memory.to_owned()),
                task_role_arn: task_role,
                execution_role_arn: execution_role,
                tags: tags.into_iter().map(|(k, v)| Pair::new(k, v)).collect(),
                ..Edits::default()
            },
        )
}

/// A context as `--service` gives it: a default container, awslogs
/// defaults and (empty) template variables.
fn service_context() -> Context {
    Context {
        default_container: Some("web".into()),
        log_defaults: Some(LogDefaults {
            group: "/ecs/portfolio-dev/web".into(),
            region: "us-east-1".into(),
            stream_prefix: "ecs".into(),
        }),
        vars: Some(Vars::new()),
    }
}

fn json_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z${}]{0,6}".prop_map(Value::from),
        prop_oneof![Just("web"), Just("worker"), Just("name"), Just("image")].prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("name".to_owned()),
            Just("image".to_owned()),
            Just("containerDefinitions".to_owned()),
            Just("environment".to_owned()),
            Just("secrets".to_owned()),
            Just("logConfiguration".to_owned()),
            Just("tags".to_owned()),
            "[a-z]{1,4}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn rendering_is_deterministic_and_idempotent(edits in edits_strategy(), as_service in any::<bool>()) {
        let context = if as_service { service_context() } else { Context::default() };
        let once = rendered(&edits, &context);
        let again = rendered(&edits, &context);
        prop_assert_eq!(once.as_ref().ok(), again.as_ref().ok());
        if let Ok(once) = once {
            // The result is a definition, not a template: its values (an
            // --env value may hold `${`) are not placeholders any more.
            let again = Context { vars: None, ..context };
            let mut twice = once.clone();
            render(&mut twice, &edits, &again).unwrap();
            prop_assert_eq!(&twice, &once);
        }
    }

    #[test]
    fn key_order_is_kept(extra in prop::collection::vec(("[a-z]{1,10}", any::<u32>()), 0..8), image in "[a-z]{1,8}") {
        let mut doc = two_containers().into_value();
        for (key, value) in &extra {
            doc[key.as_str()] = json!(value);
            doc["containerDefinitions"][0][key.as_str()] = json!(value);
        }
        let original = TaskDefinition::from_value(doc, "o.json").unwrap();
        let mut definition = original.clone();
        let edits = Edits::new().container_image("web", image).container_image("worker", "x");
        render(&mut definition, &edits, &Context::default()).unwrap();
        let keys = |d: &TaskDefinition| d.as_map().keys().cloned().collect::<Vec<_>>();
        prop_assert_eq!(keys(&definition), keys(&original));
        let container_keys = |d: &TaskDefinition| container(d, "web").keys().cloned().collect::<Vec<_>>();
        prop_assert_eq!(container_keys(&definition), container_keys(&original));
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_strategy(), edits in edits_strategy()) {
        let text = value.to_string();
        if let Ok(mut definition) = TaskDefinition::parse(&text, "any.json")
            && render(&mut definition, &edits, &service_context()).is_ok()
        {
            let _ = validate(&definition);
            let _ = definition.to_json_string();
        }
        let _ = TaskDefinition::parse(&text, "any.yaml");
    }
}

#[test]
fn container_list_steers_every_edit_without_a_container_name() {
    let edits = Edits {
        containers: vec!["web".into(), "worker".into()],
        images: vec![Target::default_container("nginx:2".into())],
        env: vec![Target::default_container(Pair::new("LEVEL", "info"))],
        secrets: vec![Target::default_container(Pair::new("KEY", "/app/key"))],
        docker_labels: vec![Target::default_container(Pair::new("team", "web"))],
        commands: vec![Target::default_container(vec!["run".into()])],
        log_options: vec![Target::default_container(Pair::new("mode", "non-blocking"))],
        log_drivers: vec![Target::default_container("splunk".into())],
        environment_files: vec![Target::default_container("arn:aws:s3:::b/app.env".into())],
        ..Edits::default()
    };
    let definition = rendered(&edits, &Context::default()).unwrap();
    for name in ["web", "worker"] {
        let c = container(&definition, name);
        assert_eq!(c["image"], "nginx:2", "{name}");
        assert!(
            c["environment"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "LEVEL", "value": "info"}))
        );
        assert_eq!(
            c["secrets"].as_array().unwrap().last().unwrap(),
            &json!({"name": "KEY", "valueFrom": "/app/key"})
        );
        assert_eq!(c["dockerLabels"], json!({"team": "web"}));
        assert_eq!(c["command"], json!(["run"]));
        assert_eq!(
            c["logConfiguration"],
            json!({"logDriver": "splunk", "options": {"mode": "non-blocking"}})
        );
        assert_eq!(
            c["environmentFiles"],
            json!([{"value": "arn:aws:s3:::b/app.env", "type": "s3"}])
        );
    }
    let unknown = Edits {
        containers: vec!["web".into(), "api".into()],
        ..Edits::default()
    };
    assert_eq!(
        rendered(&unknown, &Context::default())
            .unwrap_err()
            .to_string(),
        "app.json: --container: unknown container 'api' (containers: web, worker)"
    );
}

#[test]
fn environment_files_replace_the_containers_own_as_the_peer() {
    let mut definition = TaskDefinition::from_value(
        json!({"family": "app", "containerDefinitions": [{"name": "web", "image": "nginx:1",
            "environmentFiles": [{"value": "arn:aws:s3:::old/a.env", "type": "s3"}]}]}),
        "app.json",
    )
    .unwrap();
    let edits = Edits {
        environment_files: vec![
            Target::default_container("arn:aws:s3:::new/a.env".into()),
            Target::container("web", "arn:aws:s3:::new/b.env".into()),
        ],
        ..Edits::default()
    };
    render(&mut definition, &edits, &Context::default()).unwrap();
    assert_eq!(
        container(&definition, "web")["environmentFiles"],
        json!([{"value": "arn:aws:s3:::new/a.env", "type": "s3"}, {"value": "arn:aws:s3:::new/b.env", "type": "s3"}])
    );
}

#[test]
fn null_and_empty_fields_are_edited_as_missing() {
    let mut definition = TaskDefinition::from_value(
        json!({"family": "app", "containerDefinitions": [{"name": "web", "image": "nginx:1",
            "environment": null, "secrets": "", "dockerLabels": null, "logConfiguration": null}]}),
        "app.json",
    )
    .unwrap();
    let edits = Edits {
        env: vec![Target::default_container(Pair::new("A", "1"))],
        secrets: vec![Target::default_container(Pair::new("S", "/s"))],
        docker_labels: vec![Target::default_container(Pair::new("l", "v"))],
        log_drivers: vec![Target::default_container("awslogs".into())],
        ..Edits::default()
    };
    render(&mut definition, &edits, &Context::default()).unwrap();
    let web = container(&definition, "web");
    assert_eq!(web["environment"], json!([{"name": "A", "value": "1"}]));
    assert_eq!(web["secrets"], json!([{"name": "S", "valueFrom": "/s"}]));
    assert_eq!(web["logConfiguration"], json!({"logDriver": "awslogs"}));
}
