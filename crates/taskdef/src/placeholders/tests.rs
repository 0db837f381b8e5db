//! Unit tests of `placeholders`.

use serde_json::json;

use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn expands_escapes_and_leaves_plain_dollars() {
    let vars = vars(&[("ENV", "dev"), ("A_1", "x")]);
    assert_eq!(
        expand("/ecs/p-${ENV}/${A_1}", &vars).unwrap(),
        "/ecs/p-dev/x"
    );
    assert_eq!(
        expand("echo $${HOME} $HOME $", &vars).unwrap(),
        "echo ${HOME} $HOME $"
    );
    assert_eq!(
        expand("${MISSING}-${ENV}-${OTHER}", &vars).unwrap_err(),
        ["MISSING", "OTHER"]
    );
    assert_eq!(expand("${HOME:-x}", &vars).unwrap_err(), ["HOME:-x"]);
    assert_eq!(
        expand("a ${ENV", &vars).unwrap_err(),
        ["ENV (no closing brace)"]
    );
}

#[test]
fn names() {
    assert!(is_name("EXECUTION_ROLE_ARN") && is_name("_x1"));
    assert!(!is_name("1A") && !is_name("") && !is_name("A-B"));
}

#[test]
fn unresolved_placeholders_name_their_fields_and_change_nothing() {
    let source = json!({
        "family": "${FAMILY}",
        "containerDefinitions": [{"name": "web", "image": "${IMAGE}", "environment": [{"name": "E", "value": "${ENV}"}]}],
    });
    let mut definition = TaskDefinition::from_value(source, "t.json").unwrap();
    let before = definition.clone();
    let err = resolve(&mut definition, &vars(&[("FAMILY", "f")])).unwrap_err();
    let Error::Unresolved { placeholders, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        placeholders,
        &[
            (
                "IMAGE".to_owned(),
                "containerDefinitions[web].image".to_owned()
            ),
            (
                "ENV".to_owned(),
                "containerDefinitions[web].environment[E].value".to_owned()
            ),
        ]
    );
    assert!(
        err.to_string()
            .contains("${IMAGE} in containerDefinitions[web].image"),
        "{err}"
    );
    assert_eq!(definition, before);
    resolve(
        &mut definition,
        &vars(&[("FAMILY", "f"), ("IMAGE", "nginx"), ("ENV", "dev")]),
    )
    .unwrap();
    assert_eq!(definition.family(), Some("f"));
}

#[test]
fn the_listed_built_ins_are_exactly_the_ones_set_for_a_service() {
    let config = Config::default();
    let service = config.service("backend", "dev").unwrap();
    let vars = built_ins(&config, "dev", "us-east-1", Some(&service));
    let mut set: Vec<&str> = vars.keys().map(String::as_str).collect();
    let mut listed = BUILT_IN_NAMES.to_vec();
    set.sort_unstable();
    listed.sort_unstable();
    assert_eq!(set, listed);
}

#[test]
fn fill_keeps_what_has_no_value_and_reports_it() {
    let mut definition = TaskDefinition::from_value(
        serde_json::json!({"family": "${FAMILY}", "containerDefinitions": [
            {"name": "web", "image": "nginx:${TAG}", "command": ["sh", "-c", "echo $${HOME} ${LATER}"]}]}),
        "t.json",
    )
    .unwrap();
    let vars = Vars::from([("FAMILY".to_owned(), "app".to_owned())]);
    let left: Vec<String> = fill(&mut definition, &vars)
        .iter()
        .map(|f| format!("{:?} {f}", f.container))
        .collect();
    assert_eq!(
        left,
        [
            "Some(\"web\") ${TAG} in containerDefinitions[web].image",
            "Some(\"web\") ${LATER} in containerDefinitions[web].command[2]",
        ]
    );
    assert_eq!(
        definition.into_value(),
        serde_json::json!({"family": "app", "containerDefinitions": [
            {"name": "web", "image": "nginx:${TAG}", "command": ["sh", "-c", "echo ${HOME} ${LATER}"]}]})
    );
}
