//! Unit tests of `validate`: the Fargate table, sizes and each refusal.

use serde_json::{Value, json};

use super::*;

fn fargate(mut patch: Value) -> TaskDefinition {
    let mut doc = json!({
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [
            {"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "busybox", "essential": false},
        ],
    });
    if let (Some(doc), Some(patch)) = (doc.as_object_mut(), patch.as_object_mut()) {
        doc.append(patch);
    }
    TaskDefinition::from_value(doc, "t.json").unwrap()
}

fn refusal(definition: &TaskDefinition) -> String {
    validate(definition).unwrap_err().to_string()
}

#[test]
fn a_good_definition_passes() {
    validate(&fargate(json!({}))).unwrap();
    validate(&fargate(json!({"cpu": "1 vCPU", "memory": "3 GB"}))).unwrap();
}

#[test]
fn fargate_table() {
    let allowed = |cpu, mem| fargate_memory(cpu).is_some_and(|sizes| sizes.contains(mem));
    assert!(allowed(256, 512) && allowed(256, 2048) && !allowed(256, 3072));
    assert!(allowed(512, 1024) && allowed(512, 4096) && !allowed(512, 512) && !allowed(512, 1536));
    assert!(allowed(1024, 8192) && !allowed(1024, 9216));
    assert!(allowed(4096, 30720) && !allowed(4096, 31744));
    assert!(allowed(8192, 20480) && !allowed(8192, 17408));
    assert!(allowed(16384, 122_880) && !allowed(16384, 36864));
    assert!(fargate_memory(384).is_none());
}

#[test]
fn sizes_parse_units() {
    assert_eq!(parse_cpu("256"), Some(256));
    assert_eq!(parse_cpu(".25 vCPU"), Some(256));
    assert_eq!(parse_cpu("2 vcpu"), Some(2048));
    assert_eq!(parse_memory("0.5GB"), Some(512));
    assert_eq!(parse_memory("1 GiB"), Some(1024));
    assert_eq!(parse_cpu("0.1 vCPU"), None);
    assert_eq!(parse_memory("lots"), None);
    assert_eq!(parse_memory("0"), None);
}

#[test]
fn each_problem_names_its_field() {
    let cases = [
        (
            json!({"memory": "1024", "cpu": "512", "networkMode": "bridge"}),
            "t.json: networkMode: Fargate requires awsvpc, found 'bridge'",
        ),
        (
            json!({"memory": "4096"}),
            "t.json: memory: 4096 MiB is not valid with cpu 256 on Fargate (allowed: 512, 1024, 2048)",
        ),
        (
            json!({"cpu": "300"}),
            "t.json: cpu: 300 is not a Fargate CPU size",
        ),
        (
            json!({"cpu": 256}),
            "t.json: cpu: expected a string, found a number",
        ),
        (
            json!({"cpu": null}),
            "t.json: cpu: Fargate requires task-level cpu and memory",
        ),
        (
            json!({"family": "a b"}),
            "t.json: family: 'a b' is not valid",
        ),
        (json!({"family": null}), "t.json: family: missing"),
        (
            json!({"executionRoleArn": "arn:aws:iam::123:role/x"}),
            "t.json: executionRoleArn: 'arn:aws:iam::123:role/x': account '123' is not 12 digits",
        ),
        (
            json!({"containerDefinitions": []}),
            "t.json: containerDefinitions: at least one container definition is required",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]}),
            "t.json: containerDefinitions[1].name: duplicate container name 'a' (also containerDefinitions[0])",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x", "essential": false}]}),
            "t.json: containerDefinitions[*].essential: no essential container",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "bad/Image"}]}),
            "t.json: containerDefinitions[a].image: uppercase letter 'I'",
        ),
        (
            json!({"containerDefinitions": [{"name": "a"}]}),
            "t.json: containerDefinitions[a].image: missing",
        ),
        (
            json!({"containerDefinitions": [{"image": "x"}]}),
            "t.json: containerDefinitions[0].name: missing",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x", "secrets": [{"name": "S", "valueFrom": "arn:aws:s3:::b"}]}]}),
            "t.json: containerDefinitions[a].secrets[0].valueFrom: 'arn:aws:s3:::b' is a s3 ARN",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x", "environment": [{"name": "N", "value": 1}]}]}),
            "t.json: containerDefinitions[a].environment[0].value: expected a string value",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x", "portMappings": [{"containerPort": 80, "hostPort": 8080}]}]}),
            "t.json: containerDefinitions[a].portMappings[0].hostPort: 8080 differs from containerPort 80",
        ),
        (
            json!({"containerDefinitions": [
            {"name": "a", "image": "x", "portMappings": [{"containerPort": 80}]},
            {"name": "b", "image": "y", "portMappings": [{"containerPort": 80, "protocol": "tcp"}]}]}),
            "t.json: containerDefinitions[b].portMappings[0]: port 80/tcp is already mapped by containerDefinitions[a].portMappings[0] (awsvpc mode)",
        ),
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x", "portMappings": [{"containerPort": 70000}]}]}),
            "containerPort: 70000 is not a port",
        ),
    ];
    for (patch, expected) in cases {
        let message = refusal(&fargate(patch.clone()));
        assert!(
            message.contains(expected),
            "{patch}\n got: {message}\nwant: {expected}"
        );
    }
}

#[test]
fn bridge_mode_conflicts_on_host_ports_only() {
    let containers = json!([
        {"name": "a", "image": "x", "portMappings": [{"containerPort": 80, "hostPort": 0}, {"containerPort": 81, "hostPort": 8080}]},
        {"name": "b", "image": "y", "portMappings": [{"containerPort": 80, "hostPort": 0}, {"containerPort": 82, "hostPort": 8080, "protocol": "udp"}]},
    ]);
    let ec2 = json!({"requiresCompatibilities": ["EC2"], "networkMode": "bridge", "containerDefinitions": containers});
    validate(&fargate(ec2.clone())).unwrap();
    let mut clash = ec2;
    clash["containerDefinitions"][1]["portMappings"][1]["protocol"] = json!("tcp");
    assert!(refusal(&fargate(clash)).contains(
        "port 8080/tcp is already mapped by containerDefinitions[a].portMappings[1] (bridge mode)"
    ));
}

#[test]
fn empty_values_count_as_absent() {
    let definition = TaskDefinition::from_value(
        json!({
            "family": "web", "taskRoleArn": "", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512", "volumes": [], "placementConstraints": null,
            "containerDefinitions": [{"name": "web", "image": "nginx:1", "secrets": null, "environment": null,
                "ulimits": [], "portMappings": null, "essential": null, "mountPoints": [], "dockerLabels": {}}],
        }),
        "t.json",
    )
    .unwrap();
    validate(&definition).unwrap();
}

#[test]
fn values_left_for_another_step_are_not_checked() {
    validate(&fargate(json!({
        "family": "{{family}}",
        "cpu": "{{cpu}}",
        "executionRoleArn": "arn:aws:iam::$$$ACCOUNT$$$:role/exec",
        "containerDefinitions": [
            {"name": "web", "image": "<IMAGE1_NAME>", "portMappings": [{"containerPort": "${PORT}"}],
             "secrets": [{"name": "DB", "valueFrom": "{{db_secret}}"}]},
        ],
    })))
    .unwrap();
}
