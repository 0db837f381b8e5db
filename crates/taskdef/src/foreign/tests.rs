//! Unit tests of finding other tools' placeholders.

use serde_json::json;

use super::*;

fn definition() -> TaskDefinition {
    TaskDefinition::from_value(
        json!({
            "family": "app",
            "executionRoleArn": "{{ exec_role }}",
            "containerDefinitions": [
                {"name": "web", "image": "<IMAGE1_NAME>",
                 "environment": [{"name": "URL", "value": "https://$$$HOST$$$/x"}, {"name": "HOME", "value": "${HOME_DIR}"}],
                 "command": ["sh", "-c", "echo ${HOME} {{shell}}"],
                 "healthCheck": {"command": ["CMD-SHELL", "test -d ${HOME}"]}},
                {"name": "plain", "image": "nginx:1", "environment": [{"name": "A", "value": "<b>not</b> a <placeholder> $$ {x} $${ESCAPED}"}]},
            ],
        }),
        "t.json",
    )
    .unwrap()
}

fn listed(found: &[Foreign]) -> Vec<String> {
    found
        .iter()
        .map(|f| format!("{:?} {f}", f.container))
        .collect()
}

#[test]
fn other_tools_syntaxes_with_container_and_field() {
    assert_eq!(
        listed(&find(&definition(), Syntaxes::OtherTools)),
        [
            "None {{ exec_role }} in executionRoleArn",
            "Some(\"web\") <IMAGE1_NAME> in containerDefinitions[web].image",
            "Some(\"web\") $$$HOST$$$ in containerDefinitions[web].environment[URL].value",
            "Some(\"web\") {{shell}} in containerDefinitions[web].command[2]",
        ]
    );
}

#[test]
fn registration_adds_dollar_brace_outside_the_shells_fields() {
    let found = listed(&find(&definition(), Syntaxes::All));
    assert!(
        found.contains(
            &"Some(\"web\") ${HOME_DIR} in containerDefinitions[web].environment[HOME].value"
                .to_owned()
        )
    );
    assert_eq!(found.len(), 5, "{found:?}");
}

#[test]
fn placeholder_text() {
    assert!(is_placeholder_text("arn:aws:iam::{{account}}:role/x"));
    assert!(is_placeholder_text("${ROLE}"));
    assert!(!is_placeholder_text("nginx:1.27"));
    assert!(!is_placeholder_text("<lower>"));
}
