//! Every input of every composite action maps to a real flag of its binary
//! (read from clap's own definition), with the right kind (switch, value,
//! repeatable), and every output is one the binary writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clap::{ArgAction, Command, CommandFactory};
use serde_yaml_ng::Value;

/// Inputs that configure the step itself rather than a flag.
const STEP_INPUTS: &[&str] = &["working-directory"];

/// Inputs deliberately passed through the environment, never as a flag:
/// secrets stay out of argument lists.
const ENV_INPUTS: &[(&str, &str, &str)] = &[("terraform", "secret-vars", "export \"TF_VAR_")];

struct Action {
    name: &'static str,
    tool: &'static str,
    command: Command,
}

fn actions() -> Vec<Action> {
    vec![
        Action {
            name: "render-taskdef",
            tool: "render-taskdef",
            command: render_taskdef::cli::Args::command(),
        },
        Action {
            name: "build-push-image",
            tool: "build-push-image",
            command: build_push_image::Args::command(),
        },
        Action {
            name: "ecs-deploy",
            tool: "ecs-rolling-deploy",
            command: ecs_rolling_deploy::Cli::command(),
        },
        Action {
            name: "ecr-lifecycle",
            tool: "ecr-lifecycle",
            command: ecr_lifecycle::Cli::command(),
        },
        Action {
            name: "terraform",
            tool: "terraform-runner",
            command: terraform_runner::cli::Cli::command(),
        },
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    Switch,
    Each,
}

/// `(flag, kind, variables used on the line)` for each flag line of a run script.
fn flag_lines(script: &str) -> Vec<(String, Kind, BTreeSet<String>)> {
    let mut found = Vec::new();
    for line in script.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = tokens
            .iter()
            .position(|t| matches!(*t, "flag" | "switch" | "each"))
        else {
            continue;
        };
        let kind = match tokens[at] {
            "flag" => Kind::Flag,
            "switch" => Kind::Switch,
            _ => Kind::Each,
        };
        let flag = tokens
            .get(at + 1)
            .expect("a flag after the helper")
            .to_string();
        assert!(flag.starts_with("--"), "not a flag: {line}");
        found.push((flag, kind, variables(line)));
    }
    found
}

fn variables(text: &str) -> BTreeSet<String> {
    let mut vars = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = rest[at + 1..].trim_start_matches('{');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() {
            vars.insert(name);
        }
    }
    vars
}

/// Long flags of the command and all its subcommands, with their action.
fn clap_flags(command: &Command) -> BTreeMap<String, ArgAction> {
    let mut flags = BTreeMap::new();
    for arg in command.get_arguments() {
        if let Some(long) = arg.get_long() {
            flags.insert(format!("--{long}"), arg.get_action().clone());
        }
    }
    for sub in command.get_subcommands() {
        flags.extend(clap_flags(sub));
    }
    flags
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn rust_sources(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text.push_str(&rust_sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    text
}

#[test]
fn every_input_maps_to_a_real_flag_and_every_output_is_written() {
    let root = e2e::repo_root();
    for action in actions() {
        let file = root.join("actions").join(action.name).join("action.yml");
        let yaml: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let steps = yaml["runs"]["steps"].as_sequence().unwrap();
        let step = steps
            .iter()
            .find(|s| str_of(s, "id") == Some("run"))
            .unwrap_or_else(|| panic!("{}: no step with id run", action.name));
        let script = str_of(step, "run").unwrap();
        let flags = clap_flags(&action.command);

        // Environment variable -> input it carries.
        let mut var_of_input = BTreeMap::new();
        for (var, value) in step["env"].as_mapping().unwrap() {
            let expr = value.as_str().unwrap_or_default();
            if let Some(input) = expr
                .strip_prefix("${{ inputs.")
                .and_then(|e| e.strip_suffix(" }}"))
            {
                var_of_input.insert(input.to_owned(), var.as_str().unwrap().to_owned());
            }
        }

        let lines = flag_lines(script);
        for (flag, kind, _) in &lines {
            let what = format!("{}: {flag}", action.name);
            let clap_action = flags
                .get(flag)
                .unwrap_or_else(|| panic!("{what} is not a flag of {}", action.tool));
            match kind {
                Kind::Switch => assert!(
                    matches!(clap_action, ArgAction::SetTrue),
                    "{what} is used as a switch but takes a value"
                ),
                Kind::Each => assert!(
                    matches!(clap_action, ArgAction::Append),
                    "{what} is used once per line but is not repeatable"
                ),
                Kind::Flag => assert!(
                    matches!(clap_action, ArgAction::Set | ArgAction::Append),
                    "{what} is used with a value but takes none"
                ),
            }
        }

        let inputs = yaml["inputs"].as_mapping().unwrap();
        assert!(!inputs.is_empty());
        for name in inputs.keys().map(|k| k.as_str().unwrap()) {
            if STEP_INPUTS.contains(&name) {
                let wd = str_of(step, "working-directory").unwrap_or_default();
                assert!(
                    wd.contains(&format!("inputs.{name}")),
                    "{}: {name} unused",
                    action.name
                );
                continue;
            }
            if let Some((_, _, marker)) = ENV_INPUTS
                .iter()
                .find(|(a, input, _)| *a == action.name && *input == name)
            {
                assert!(
                    script.contains(marker),
                    "{}: {name} is not exported",
                    action.name
                );
                continue;
            }
            let var = var_of_input.get(name).unwrap_or_else(|| {
                panic!("{}: input {name} is not passed to the step", action.name)
            });
            if name == "command" && action.command.has_subcommands() {
                assert!(
                    script.contains(&format!("run_tool {} \"${var}\"", action.tool)),
                    "{}: command is not the subcommand",
                    action.name
                );
                for sub in action.command.get_subcommands() {
                    let sub = sub.get_name();
                    if sub != "help" {
                        assert!(
                            script.contains(sub),
                            "{}: subcommand {sub} not accepted",
                            action.name
                        );
                    }
                }
                continue;
            }
            let mapped = lines.iter().any(|(_, _, vars)| vars.contains(var));
            assert!(
                mapped,
                "{}: input {name} (${var}) maps to no flag",
                action.name
            );
        }

        let sources = rust_sources(&root.join("bins").join(action.tool).join("src"));
        if let Some(outputs) = yaml["outputs"].as_mapping() {
            for (name, spec) in outputs {
                let name = name.as_str().unwrap();
                let value = str_of(spec, "value").unwrap();
                assert_eq!(
                    value,
                    format!("${{{{ steps.run.outputs.{name} }}}}"),
                    "{}: output {name} must come from the tool's step",
                    action.name
                );
                assert!(
                    sources.contains(&format!("\"{name}\"")),
                    "{}: output {name} is never written by {}",
                    action.name,
                    action.tool
                );
            }
        }
    }
}

#[test]
fn the_flag_parser_sees_every_helper_line() {
    let lines = flag_lines(
        "flag --a \"$A\"\n[ -z \"$B\" ] || flag --b \"${C:+$C=}$B\"\nswitch --s \"$S\"\neach --e \"$E\"\necho no",
    );
    let flags: Vec<_> = lines.iter().map(|(f, k, _)| (f.as_str(), *k)).collect();
    assert_eq!(
        flags,
        [
            ("--a", Kind::Flag),
            ("--b", Kind::Flag),
            ("--s", Kind::Switch),
            ("--e", Kind::Each)
        ]
    );
    assert_eq!(lines[1].2, BTreeSet::from(["B".to_owned(), "C".to_owned()]));
}
