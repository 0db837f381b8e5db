//! Unit tests of `taskdef`: parsing with file and line, the
//! DescribeTaskDefinition shape, read-only fields and key order.

use serde_json::json;

use super::*;

fn keys(definition: &TaskDefinition) -> Vec<&str> {
    definition.as_map().keys().map(String::as_str).collect()
}

#[test]
fn json_error_names_file_and_line() {
    let text = "{\n  \"family\": \"web\",\n  oops\n}\n";
    let err = TaskDefinition::parse(text, "td.json").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Parse {
                line: Some(3),
                format: "JSON",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("td.json:3: cannot parse JSON"),
        "{err}"
    );
}

#[test]
fn yaml_error_names_file_and_line() {
    let text = "family: web\ncontainerDefinitions:\n  - name: web\n   image: [unclosed\n";
    let err = TaskDefinition::parse(text, "td.yaml").unwrap_err();
    let Error::Parse {
        line: Some(line),
        format: "YAML",
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!((3..=5).contains(&line), "line {line}");
}

#[test]
fn yaml_keeps_key_order_and_detects_format() {
    let text = "zeta: 1\nfamily: web\nalpha: [1, 2]\n";
    let definition = TaskDefinition::parse(text, "-").unwrap();
    assert_eq!(keys(&definition), ["zeta", "family", "alpha"]);
    assert_eq!(Format::detect("x.yml", "{"), Format::Yaml);
    assert_eq!(Format::detect("x", "  {\"a\":1}"), Format::Json);
}

#[test]
fn describe_response_becomes_registrable_with_tags() {
    let response = json!({
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
            "family": "web",
            "containerDefinitions": [{"name": "web", "image": "nginx"}],
            "revision": 3,
            "status": "ACTIVE",
            "restartPolicy": {"enabled": true},
            "compatibilities": ["EC2", "FARGATE"],
            "registeredAt": 1.7e9,
        },
        "tags": [{"key": "team", "value": "web"}],
    });
    let definition = TaskDefinition::from_value(response, "live").unwrap();
    assert_eq!(
        keys(&definition),
        ["family", "containerDefinitions", "restartPolicy", "tags"]
    );
    assert_eq!(
        definition.as_map()["tags"],
        json!([{"key": "team", "value": "web"}])
    );
}

#[test]
fn strip_read_only_keeps_the_order_of_the_rest() {
    let text = r#"{"revision": 1, "family": "f", "status": "ACTIVE", "cpu": "256", "registeredBy": "me", "memory": "512"}"#;
    let mut definition = TaskDefinition::parse(text, "f.json").unwrap();
    assert_eq!(
        definition.strip_read_only(),
        ["revision", "status", "registeredBy"]
    );
    assert_eq!(keys(&definition), ["family", "cpu", "memory"]);
    assert!(definition.to_json_string().ends_with("}\n"));
}

#[test]
fn a_document_that_is_not_an_object_is_refused() {
    let err = TaskDefinition::parse("[1, 2]", "list.json").unwrap_err();
    assert!(
        err.to_string()
            .contains("list.json: (document): expected a task definition object, found an array"),
        "{err}"
    );
}

#[test]
fn accessors_list_containers_and_images() {
    let definition = TaskDefinition::parse(
        r#"{"containerDefinitions": [{"name": "a", "image": "x"}, 7, {"name": "b"}]}"#,
        "c.json",
    )
    .unwrap();
    assert_eq!(definition.container_names(), ["a", "b"]);
    assert_eq!(
        definition.images(),
        [
            ("a".to_owned(), "x".to_owned()),
            ("b".to_owned(), String::new())
        ]
    );
    assert!(definition.container("b").is_some());
    assert!(definition.container("c").is_none());
}
