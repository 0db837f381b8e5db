//! Unit tests of the plan summariser: real terraform output, a generated
//! 10,000-change plan, and masking as a property.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

fn change(address: &str, actions: &[&str], before: Value, after: Value) -> Value {
    let sensitive = |value: &Value| {
        if value.is_null() {
            json!(false)
        } else {
            json!({"input": true})
        }
    };
    let mut change = json!({
        "actions": actions,
        "after_unknown": {"output": true},
        "before_sensitive": sensitive(&before),
        "after_sensitive": sensitive(&after),
    });
    change["before"] = before;
    change["after"] = after;
    json!({
        "address": address,
        "mode": "managed",
        "type": "terraform_data",
        "change": change,
    })
}

/// The shape `terraform show -json` gives for the example stack (trimmed).
fn small_plan() -> Value {
    json!({
        "format_version": "1.2",
        "variables": {"db_password": {"value": "hunter2-in-variables"}},
        "prior_state": {"values": {"outputs": {"pw": {"value": "hunter2-in-prior-state"}}}},
        "resource_changes": [
            {"address": "terraform_data.cluster", "change": {
                "actions": ["update"],
                "before": {"id": "1", "input": "portfolio-dev", "output": "portfolio-dev", "triggers_replace": null},
                "after": {"id": "1", "input": "portfolio-dev2", "triggers_replace": null},
                "after_unknown": {"output": true},
                "before_sensitive": {}, "after_sensitive": {}}},
            {"address": "terraform_data.database", "change": {
                "actions": ["create"],
                "before": null,
                "after": {"input": {"name": "db", "password": "hunter2"}, "triggers_replace": null},
                "after_unknown": {"id": true, "output": true},
                "before_sensitive": false, "after_sensitive": {"input": {"password": true}}}},
            {"address": "terraform_data.old", "change": {
                "actions": ["delete"], "before": {"id": "2", "input": "x"}, "after": null,
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}},
            {"address": "terraform_data.same", "change": {
                "actions": ["no-op"], "before": {"id": "3"}, "after": {"id": "3"},
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}
        ],
        "output_changes": {
            "cluster": {"actions": ["update"], "before": "portfolio-dev", "after": "portfolio-dev2",
                        "after_unknown": false, "before_sensitive": false, "after_sensitive": false},
            "db_password": {"actions": ["create"], "before": null, "after": "hunter2",
                            "after_unknown": false, "before_sensitive": false, "after_sensitive": true},
            "unchanged": {"actions": ["no-op"], "before": "a", "after": "a",
                          "after_unknown": false, "before_sensitive": false, "after_sensitive": false}
        }
    })
}

#[test]
fn summarises_counts_resources_and_outputs() {
    let summary = analyze(small_plan().to_string().as_bytes())
        .unwrap()
        .summary;
    assert!(summary.has_changes);
    assert_eq!(
        summary.counts,
        Counts {
            add: 1,
            change: 1,
            destroy: 1,
            replace: 0,
            forget: 0
        }
    );
    let order: Vec<_> = summary
        .resources
        .iter()
        .map(|r| (r.action, r.address.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (Action::Delete, "terraform_data.old"),
            (Action::Update, "terraform_data.cluster"),
            (Action::Create, "terraform_data.database"),
        ]
    );
    let cluster = &summary.resources[1];
    let names: Vec<_> = cluster.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["input", "output"]);
    assert_eq!(cluster.attributes[0].after, Some(json!("portfolio-dev2")));
    assert_eq!(cluster.attributes[1].after, Some(json!(UNKNOWN)));
    let database = &summary.resources[2];
    let input = database
        .attributes
        .iter()
        .find(|a| a.name == "input")
        .unwrap();
    assert_eq!(
        input.after,
        Some(json!({"name": "db", "password": SENSITIVE}))
    );
    let outputs: Vec<_> = summary.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(outputs, ["cluster", "db_password"]);
    assert!(summary.outputs[1].sensitive);
    assert_eq!(summary.outputs[1].after, Some(json!(SENSITIVE)));
    let all = serde_json::to_string(&summary).unwrap();
    assert!(!all.contains("hunter2"), "{all}");
}

#[test]
fn no_changes() {
    let plan = json!({"resource_changes": [
        {"address": "a.b", "change": {"actions": ["no-op"], "before": {}, "after": {}}}
    ]});
    let summary = analyze(plan.to_string().as_bytes()).unwrap().summary;
    assert!(!summary.has_changes);
    assert_eq!(summary.counts, Counts::default());
    assert!(summary.resources.is_empty());
}

#[test]
fn replace_from_either_order() {
    for actions in [["delete", "create"], ["create", "delete"]] {
        let actions: Vec<String> = actions.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(Action::from_actions(&actions), Action::Replace);
    }
}

#[test]
fn ten_thousand_changes() {
    let kinds: [(&[&str], Action); 4] = [
        (&["create"], Action::Create),
        (&["update"], Action::Update),
        (&["delete"], Action::Delete),
        (&["delete", "create"], Action::Replace),
    ];
    let mut changes = Vec::new();
    for i in 0..10_000 {
        let (actions, action) = kinds[i % 4];
        let before = if action == Action::Create {
            Value::Null
        } else {
            json!({"id": format!("id-{i}"), "input": format!("secret-before-{i}")})
        };
        let after = if action == Action::Delete {
            Value::Null
        } else {
            json!({"id": format!("id-{i}"), "input": format!("secret-after-{i}")})
        };
        changes.push(change(
            &format!("terraform_data.r[{i}]"),
            actions,
            before,
            after,
        ));
    }
    let plan = json!({"resource_changes": changes, "output_changes": {}});
    let summary = analyze(plan.to_string().as_bytes()).unwrap().summary;
    assert_eq!(
        summary.counts,
        Counts {
            add: 2500,
            change: 2500,
            destroy: 2500,
            replace: 2500,
            forget: 0
        }
    );
    assert_eq!(summary.resources.len(), 10_000);
    for (action, count) in [
        (Action::Create, 2500),
        (Action::Update, 2500),
        (Action::Delete, 2500),
        (Action::Replace, 2500),
    ] {
        let with: Vec<_> = summary.with_action(action).collect();
        assert_eq!(with.len(), count);
        assert!(with.windows(2).all(|w| w[0].address < w[1].address));
        for resource in with {
            let i: usize = resource.address["terraform_data.r[".len()..resource.address.len() - 1]
                .parse()
                .unwrap();
            assert_eq!(kinds[i % 4].1, action, "{}", resource.address);
        }
    }
    let text = serde_json::to_string(&summary).unwrap();
    assert!(!text.contains("secret-"), "a sensitive value leaked");
}

fn secret_tree() -> impl Strategy<Value = (Value, Value)> {
    let leaf = prop_oneof![
        "[a-z]{1,8}".prop_map(|s| (json!(format!("public-{s}")), Value::Null)),
        "[a-z]{1,8}".prop_map(|s| (json!(format!("SECRET-{s}")), json!(true))),
        any::<i64>().prop_map(|n| (json!(n), Value::Null)),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|items| {
                let (values, marks): (Vec<_>, Vec<_>) = items.into_iter().unzip();
                (Value::Array(values), Value::Array(marks))
            }),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..6).prop_map(|entries| {
                let mut values = serde_json::Map::new();
                let mut marks = serde_json::Map::new();
                for (k, (v, m)) in entries {
                    values.insert(k.clone(), v);
                    marks.insert(k, m);
                }
                (Value::Object(values), Value::Object(marks))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn mask_hides_every_marked_value((value, marks) in secret_tree()) {
        let masked = mask(&value, &marks);
        let text = masked.to_string();
        prop_assert!(!text.contains("SECRET-"), "{}", text);
        let public_before = value.to_string().matches("public-").count();
        prop_assert_eq!(text.matches("public-").count(), public_before);
    }

    #[test]
    fn whole_value_marked_is_one_placeholder((value, _marks) in secret_tree()) {
        prop_assert_eq!(mask(&value, &json!(true)), json!(SENSITIVE));
    }
}

/// terraform leaves the `output` copy of a sensitive `input` unmarked.
#[test]
fn unmarked_copies_are_redacted() {
    let plan = json!({
        "variables": {"db_password": {"value": "rotated-pw"}, "region": {"value": "us-east-1"}},
        "configuration": {"root_module": {"variables": {
            "db_password": {"sensitive": true}, "region": {}
        }}},
        "resource_changes": [{"address": "terraform_data.database", "change": {
            "actions": ["update"],
            "before": {"id": "1", "input": {"password": "old-pw", "user": "app"},
                       "output": {"password": "old-pw", "user": "app"}},
            "after": {"id": "1", "input": {"password": "rotated-pw", "user": "app"}},
            "after_unknown": {"input": {}, "output": true},
            "before_sensitive": {"input": {"password": true}, "output": {}},
            "after_sensitive": {"input": {"password": true}, "output": {}}
        }}]
    });
    let analysis = analyze(plan.to_string().as_bytes()).unwrap();
    let text = serde_json::to_string(&analysis.summary).unwrap();
    assert!(!text.contains("old-pw"), "{text}");
    assert!(!text.contains("rotated-pw"), "{text}");
    assert!(text.contains("\"user\":\"app\""), "{text}");
    let secrets: Vec<_> = analysis.secrets.strings().collect();
    assert_eq!(secrets, ["old-pw", "rotated-pw"]);
}

#[test]
fn a_plan_destroys_everything_only_when_no_managed_resource_survives() {
    let mut data = change(
        "data.terraform_remote_state.net",
        &["read"],
        Value::Null,
        Value::Null,
    );
    data["mode"] = json!("data");
    let gone = |address: &str| change(address, &["delete"], json!({"input": "x"}), Value::Null);
    let kept = change(
        "terraform_data.b",
        &["no-op"],
        json!({"input": "x"}),
        json!({"input": "x"}),
    );
    let plan = |changes: Vec<Value>| json!({"resource_changes": changes}).to_string();
    let everything = |changes| {
        analyze(plan(changes).as_bytes())
            .unwrap()
            .summary
            .destroys_everything
    };

    assert!(everything(vec![
        gone("terraform_data.a"),
        gone("terraform_data.b"),
        data.clone()
    ]));
    assert!(!everything(vec![gone("terraform_data.a"), kept]));
    assert!(
        !everything(vec![data]),
        "nothing managed: nothing destroyed"
    );
    assert!(!everything(vec![]));
}
