//! Unit tests of dropping empty values, against the peer's documented rules.

use serde_json::json;

use super::*;

fn dropped(value: Value, keep: &str) -> Value {
    let Value::Object(mut doc) = value else {
        panic!("not an object")
    };
    drop_empty(&mut doc, &KeepKeys::parse(keep));
    Value::Object(doc)
}

#[test]
fn null_empty_strings_arrays_and_objects_go_at_any_depth() {
    let doc = json!({
        "family": "app",
        "taskRoleArn": "",
        "volumes": [],
        "placementConstraints": null,
        "cpu": "256",
        "containerDefinitions": [{
            "name": "web",
            "image": "nginx:1",
            "secrets": null,
            "ulimits": [],
            "dockerLabels": {},
            "linuxParameters": {"capabilities": {"add": [], "drop": [null, ""]}},
            "logConfiguration": {"logDriver": "awslogs", "options": {}, "secretOptions": []},
            "command": ["sh", "", "-c"],
            "essential": false,
            "cpu": 0,
        }],
    });
    assert_eq!(
        dropped(doc, ""),
        json!({
            "family": "app",
            "cpu": "256",
            "containerDefinitions": [{
                "name": "web",
                "image": "nginx:1",
                "logConfiguration": {"logDriver": "awslogs"},
                "command": ["sh", "-c"],
                "essential": false,
                "cpu": 0,
            }],
        })
    );
}

#[test]
fn kept_keys_stay_with_what_holds_them() {
    let doc = json!({
        "family": "app",
        "volumes": [],
        "containerDefinitions": [{
            "name": "web",
            "ulimits": [],
            "linuxParameters": {"capabilities": {"add": []}},
            "dockerLabels": {"team": "", "other": ""},
        }],
    });
    assert_eq!(
        dropped(doc, " ulimits , add,team,"),
        json!({
            "family": "app",
            "containerDefinitions": [{
                "name": "web",
                "ulimits": [],
                "linuxParameters": {"capabilities": {"add": []}},
                "dockerLabels": {"team": ""},
            }],
        })
    );
}

#[test]
fn an_empty_environment_value_and_proxy_properties_stay_strings() {
    let doc = json!({
        "family": "app",
        "proxyConfiguration": {"containerName": "envoy", "properties": [{"name": "AppPorts", "value": ""}]},
        "containerDefinitions": [{
            "name": "web",
            "environment": [{"name": "EMPTY", "value": ""}, {"name": "NULL", "value": null}, {"name": "", "value": ""}],
        }],
    });
    assert_eq!(
        dropped(doc, ""),
        json!({
            "family": "app",
            "proxyConfiguration": {"containerName": "envoy", "properties": [{"name": "AppPorts", "value": ""}]},
            "containerDefinitions": [{
                "name": "web",
                "environment": [{"name": "EMPTY", "value": ""}, {"name": "NULL", "value": ""}],
            }],
        })
    );
}

#[test]
fn keep_lists_parse_like_the_peer() {
    let mut keep = KeepKeys::parse("a, b,,");
    assert!(keep.contains("a") && keep.contains("b") && !keep.contains(""));
    keep.extend(["c", " d ,e"]);
    assert!(keep.contains("c") && keep.contains("d") && keep.contains("e"));
    assert!(!KeepKeys::none().contains("a"));
}
