//! Every input of every composite action maps to a real flag of its binary
//! (read from clap's own definition), with the right kind (switch, value,
//! repeatable), valid for every subcommand it can be passed to (flags set
//! inside a `case "$COMMAND"` arm go to that subcommand only, the others to
//! all). Every action.yml has the structure GitHub expects of a composite
//! action (actionlint reads workflows only). That every declared output is
//! really written is checked by running the actions (actions_run.rs).

use std::collections::{BTreeMap, BTreeSet};

use clap::{ArgAction, Command, CommandFactory};
use serde_yaml_ng::Value;

/// Inputs that configure the step itself rather than a flag.
const STEP_INPUTS: &[&str] = &["working-directory"];

/// Inputs handed to setup's installer when the binary is missing
/// (actions/lib/args.sh reads these variables).
const SETUP_INPUTS: &[(&str, &str)] = &[
    ("portfolio-ci-version", "SETUP_VERSION"),
    ("bin-dir", "SETUP_BIN_DIR"),
    ("portfolio-ci-token", "SETUP_TOKEN"),
    ("portfolio-ci-build-from-source", "SETUP_BUILD_FROM_SOURCE"),
];

/// What setup's installer reads from the runner's context, in the step
/// that runs it (setup's own, or a tool action's, whose args.sh runs it).
const INSTALLER_CONTEXT: &[(&str, &str)] = &[
    ("ACTION_REF", "${{ github.action_ref }}"),
    ("ACTION_PATH", "${{ github.action_path }}"),
    ("ACTION_REPOSITORY", "${{ github.action_repository }}"),
    ("SERVER_URL", "${{ github.server_url }}"),
    ("API_URL", "${{ github.api_url }}"),
];

/// setup's inputs, the installer's variable for each, the input's default
/// and the tool actions' input handed to it (the same default).
const INSTALLER_INPUTS: &[(&str, &str, &str, Option<&str>)] = &[
    ("version", "INPUT_VERSION", "", Some("portfolio-ci-version")),
    ("bin-dir", "INPUT_BIN_DIR", "", Some("bin-dir")),
    ("download-url", "INPUT_DOWNLOAD_URL", "", None),
    (
        "token",
        "INPUT_TOKEN",
        "${{ github.token }}",
        Some("portfolio-ci-token"),
    ),
    (
        "build-from-source",
        "INPUT_BUILD_FROM_SOURCE",
        "false",
        Some("portfolio-ci-build-from-source"),
    ),
];

/// Inputs deliberately passed through the environment, never as a flag:
/// secrets stay out of argument lists.
const ENV_INPUTS: &[(&str, &str, &str)] = &[
    ("terraform", "secret-vars", "export \"TF_VAR_"),
    (
        "build-push-image",
        "secrets",
        "export PORTFOLIO_CI_BUILD_SECRETS=\"$SECRETS\"",
    ),
];

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
            command: render_taskdef::Cli::command(),
        },
        Action {
            name: "build-push-image",
            tool: "build-push-image",
            command: build_push_image::Cli::command(),
        },
        Action {
            name: "ecr-login",
            tool: "build-push-image",
            command: subcommand(build_push_image::Cli::command(), "login"),
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

/// The subcommand `name` of `command`, with the global flags it inherits.
fn subcommand(mut command: Command, name: &str) -> Command {
    command.build();
    command
        .find_subcommand(name)
        .cloned()
        .unwrap_or_else(|| panic!("no subcommand {name}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Flag,
    Switch,
    /// A `--no-...` switch added when an input that defaults to true is false.
    Negate,
    Each,
}

/// One flag helper call of a run script.
#[derive(Debug)]
struct FlagLine {
    flag: String,
    kind: Kind,
    /// Variables used on the line.
    vars: BTreeSet<String>,
    /// The value is one variable as it is (`"$VAR"`), not built from it.
    verbatim: bool,
    /// The subcommands of the `case "$COMMAND"` arm it sits in; None outside.
    arm: Option<Vec<String>>,
}

/// Each flag line of a run script.
fn flag_lines(script: &str) -> Vec<FlagLine> {
    let mut found = Vec::new();
    let mut in_case = false;
    let mut arm: Option<Vec<String>> = None;
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("case \"$COMMAND\" in") {
            in_case = true;
            continue;
        }
        if in_case {
            if trimmed == "esac" {
                in_case = false;
                arm = None;
                continue;
            }
            if let Some((pattern, _)) = trimmed.split_once(')')
                && !pattern.is_empty()
                && pattern
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '|' || c == '*')
            {
                arm = Some(pattern.split('|').map(str::to_owned).collect());
            }
        }
        let ends_arm = trimmed.ends_with(";;");
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = tokens
            .iter()
            .position(|t| matches!(*t, "flag" | "switch" | "negate" | "each"))
        else {
            if ends_arm {
                arm = None;
            }
            continue;
        };
        let kind = match tokens[at] {
            "flag" => Kind::Flag,
            "switch" => Kind::Switch,
            "negate" => Kind::Negate,
            _ => Kind::Each,
        };
        let flag = tokens
            .get(at + 1)
            .expect("a flag after the helper")
            .to_string();
        assert!(flag.starts_with("--"), "not a flag: {line}");
        let value = tokens.get(at + 2).copied().unwrap_or_default();
        let vars = variables(line);
        found.push(FlagLine {
            flag,
            kind,
            verbatim: vars.len() == 1 && vars.iter().all(|v| value == format!("\"${v}\"")),
            vars,
            arm: arm.clone(),
        });
        if ends_arm {
            arm = None;
        }
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

/// Long flags of one command (globals of its parents included once the
/// parent is built), with their action.
fn clap_flags(command: &Command) -> BTreeMap<String, ArgAction> {
    command
        .get_arguments()
        .filter_map(|arg| Some((format!("--{}", arg.get_long()?), arg.get_action().clone())))
        .collect()
}

/// The flags of each subcommand a flag line can reach: its arm's, or every
/// subcommand's outside an arm; the command's own without subcommands or
/// when they are optional (the command itself runs).
fn reachable(
    command: &Command,
    arm: Option<&[String]>,
) -> Vec<(String, BTreeMap<String, ArgAction>)> {
    if !command.has_subcommands() || (arm.is_none() && !command.is_subcommand_required_set()) {
        return vec![(command.get_name().to_owned(), clap_flags(command))];
    }
    command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .filter(|sub| arm.is_none_or(|names| names.iter().any(|n| n == sub.get_name())))
        .map(|sub| (sub.get_name().to_owned(), clap_flags(sub)))
        .collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

#[test]
fn every_input_maps_to_a_flag_valid_for_every_subcommand_it_reaches() {
    let root = e2e::repo_root();
    for mut action in actions() {
        action.command.build();
        let file = root.join("actions").join(action.name).join("action.yml");
        let yaml: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let steps = yaml["runs"]["steps"].as_sequence().unwrap();
        let step = steps
            .iter()
            .find(|s| str_of(s, "id") == Some("run"))
            .unwrap_or_else(|| panic!("{}: no step with id run", action.name));
        let script = str_of(step, "run").unwrap();

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
        for line in &lines {
            let arm = line.arm.as_deref();
            if let Some(names) = arm {
                for name in names.iter().filter(|n| *n != "*") {
                    assert!(
                        action.command.find_subcommand(name).is_some(),
                        "{}: case arm {name} is not a subcommand",
                        action.name
                    );
                }
            }
            let targets = reachable(&action.command, arm);
            assert!(
                !targets.is_empty(),
                "{}: {} reaches no subcommand",
                action.name,
                line.flag
            );
            for (sub, flags) in targets {
                check_flag(&action, line, &sub, &flags);
            }
        }

        let inputs = yaml["inputs"].as_mapping().unwrap();
        assert!(!inputs.is_empty());
        for name in inputs.keys().map(|k| k.as_str().unwrap()) {
            if let Some((_, var)) = SETUP_INPUTS.iter().find(|(input, _)| *input == name) {
                assert_eq!(
                    var_of_input.get(name).map(String::as_str),
                    Some(*var),
                    "{}: {name} is not handed to setup",
                    action.name
                );
                continue;
            }
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
                    ["run_tool", "run_tool_report"].iter().any(|run| {
                        script.contains(&format!("{run} {} \"${var}\"", action.tool))
                    }),
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
            let mapped = lines.iter().any(|line| line.vars.contains(var));
            assert!(
                mapped,
                "{}: input {name} (${var}) maps to no flag",
                action.name
            );
        }

        let step_ids: BTreeSet<&str> = steps.iter().filter_map(|s| str_of(s, "id")).collect();
        if let Some(outputs) = yaml["outputs"].as_mapping() {
            for (name, spec) in outputs {
                let name = name.as_str().unwrap();
                let value = str_of(spec, "value").unwrap();
                let from = value
                    .strip_prefix("${{ steps.")
                    .and_then(|v| v.strip_suffix(&format!(".outputs.{name} }}}}")))
                    .unwrap_or_else(|| {
                        panic!(
                            "{}: output {name} must be a step's output of the same name",
                            action.name
                        )
                    });
                assert!(
                    step_ids.contains(from),
                    "{}: output {name} reads no step",
                    action.name
                );
            }
        }
    }
}

/// `line`'s flag is a flag of `sub`, of the kind the helper needs.
fn check_flag(action: &Action, line: &FlagLine, sub: &str, flags: &BTreeMap<String, ArgAction>) {
    let what = format!("{}: {}", action.name, line.flag);
    let clap_action = flags.get(&line.flag).unwrap_or_else(|| {
        panic!(
            "{what} is passed to `{} {sub}`, which has no such flag",
            action.tool
        )
    });
    match line.kind {
        Kind::Switch | Kind::Negate => assert!(
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

/// Where an action input's default differs from what the tool does without
/// the flag: the problems found. A switch input defaults to false (true for
/// a negated one), an input passed as it is defaults to empty or to clap's
/// own default, and one whose value is built from it (`"${X}m"`) or that
/// is repeated defaults to empty.
fn default_problems(action: &Action, yaml: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let steps = yaml["runs"]["steps"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let Some(step) = steps.iter().find(|s| str_of(s, "id") == Some("run")) else {
        return vec![format!("{}: no step with id run", action.name)];
    };
    let lines = flag_lines(str_of(step, "run").unwrap_or_default());
    let env = step["env"].as_mapping().cloned().unwrap_or_default();
    let inputs = yaml["inputs"].as_mapping().cloned().unwrap_or_default();
    for (name, spec) in &inputs {
        let name = name.as_str().unwrap_or_default();
        let default = str_of(spec, "default").unwrap_or_default();
        let carried = format!("${{{{ inputs.{name} }}}}");
        let Some(var) = env
            .iter()
            .find(|(_, value)| value.as_str() == Some(carried.as_str()))
            .and_then(|(var, _)| var.as_str())
        else {
            continue;
        };
        for line in lines.iter().filter(|l| l.vars.contains(var)) {
            let targets = reachable(&action.command, line.arm.as_deref());
            let clap_defaults: BTreeSet<String> = targets
                .iter()
                .map(|(sub, _)| clap_default(&action.command, sub, &line.flag))
                .collect();
            let same = match line.kind {
                Kind::Switch => matches!(default, "" | "false"),
                Kind::Negate => matches!(default, "" | "true"),
                Kind::Flag if line.verbatim => {
                    default.is_empty() || clap_defaults.iter().all(|d| d == default)
                }
                Kind::Flag | Kind::Each => default.is_empty(),
            };
            if !same {
                problems.push(format!(
                    "{}: input {name} defaults to '{default}', but without it {} {} means {:?}",
                    action.name,
                    action.tool,
                    line.flag,
                    match line.kind {
                        Kind::Switch => "false".to_owned(),
                        Kind::Negate => "true".to_owned(),
                        _ => clap_defaults.into_iter().collect::<Vec<_>>().join(", "),
                    }
                ));
            }
        }
    }
    problems
}

/// Clap's default value of `flag` in subcommand `sub` (or the command
/// itself), empty when it has none.
fn clap_default(command: &Command, sub: &str, flag: &str) -> String {
    let command = command.find_subcommand(sub).unwrap_or(command);
    command
        .get_arguments()
        .find(|arg| {
            arg.get_long()
                .is_some_and(|long| format!("--{long}") == flag)
        })
        .map(|arg| {
            arg.get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

#[test]
fn every_input_defaults_to_what_the_tool_does_without_it() {
    let root = e2e::repo_root();
    let mut problems = Vec::new();
    for mut action in actions() {
        action.command.build();
        let file = root.join("actions").join(action.name).join("action.yml");
        let yaml: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        problems.extend(default_problems(&action, &yaml));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_default_check_sees_a_drifted_default() {
    let mut command = ecs_rolling_deploy::Cli::command();
    command.build();
    let action = Action {
        name: "ecs-deploy",
        tool: "ecs-rolling-deploy",
        command,
    };
    let yaml: Value = serde_yaml_ng::from_str(
        "inputs:\n  a: {default: \"true\"}\n  b: {default: \"7\"}\n  c: {default: \"3\"}\n  \
         d: {default: \"5\"}\n  e: {default: \"false\"}\n\
         runs:\n  steps:\n    - id: run\n      env:\n        A: ${{ inputs.a }}\n        \
         B: ${{ inputs.b }}\n        C: ${{ inputs.c }}\n        D: ${{ inputs.d }}\n        \
         E: ${{ inputs.e }}\n      run: |\n        switch --rollback-on-cancel \"$A\"\n        \
         flag --log-lines \"$B\"\n        [ -z \"$C\" ] || flag --timeout \"${C}m\"\n        \
         flag --max-attempts \"$D\"\n        negate --no-wait \"$E\"\n",
    )
    .unwrap();
    let problems = default_problems(&action, &yaml).join("\n");
    for expected in [
        "input a defaults to 'true', but without it ecs-rolling-deploy --rollback-on-cancel means \"false\"",
        "input b defaults to '7', but without it ecs-rolling-deploy --log-lines means \"20\"",
        "input c defaults to '3'",
        "input e defaults to 'false'",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} missing from:\n{problems}"
        );
    }
    assert!(!problems.contains("input d "), "{problems}");
}

#[test]
fn the_flag_parser_sees_every_helper_line_and_its_case_arm() {
    let lines = flag_lines(
        "flag --a \"$A\"\n[ -z \"$B\" ] || flag --b \"${C:+$C=}$B\"\nswitch --s \"$S\"\neach --e \"$E\"\necho no\n\
         case \"$COMMAND\" in\n  plan)\n    flag --p \"$P\"\n    ;;\n  apply|destroy) flag --q \"$Q\" ;;\n  *) exit 2 ;;\nesac\nflag --z \"$Z\"",
    );
    let flags: Vec<_> = lines
        .iter()
        .map(|l| (l.flag.as_str(), l.kind, l.arm.clone()))
        .collect();
    let arm = |names: &[&str]| Some(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>());
    assert_eq!(
        flags,
        [
            ("--a", Kind::Flag, None),
            ("--b", Kind::Flag, None),
            ("--s", Kind::Switch, None),
            ("--e", Kind::Each, None),
            ("--p", Kind::Flag, arm(&["plan"])),
            ("--q", Kind::Flag, arm(&["apply", "destroy"])),
            ("--z", Kind::Flag, None),
        ]
    );
    assert_eq!(
        lines[1].vars,
        BTreeSet::from(["B".to_owned(), "C".to_owned()])
    );
}

/// `script`'s flag lines checked against terraform-runner, as the contract
/// test does; the first problem found, if any.
fn terraform_problem(script: &str) -> Option<String> {
    let mut command = terraform_runner::cli::Cli::command();
    command.build();
    let action = Action {
        name: "terraform",
        tool: "terraform-runner",
        command,
    };
    let lines = flag_lines(script);
    assert!(!lines.is_empty());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for line in &lines {
            for (sub, flags) in reachable(&action.command, line.arm.as_deref()) {
                check_flag(&action, line, &sub, &flags);
            }
        }
    }));
    result.err().map(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "a panic".to_owned())
    })
}

#[test]
fn a_flag_passed_to_the_wrong_subcommand_is_caught() {
    // --confirm exists only for destroy.
    let outside = terraform_problem("flag --confirm \"$CONFIRM\"").unwrap();
    assert!(outside.contains("terraform-runner plan"), "{outside}");
    // --env is not a flag of install: the operations' flags go in their arm.
    let everywhere = terraform_problem("flag --env \"$E\"").unwrap();
    assert!(
        everywhere.contains("terraform-runner install"),
        "{everywhere}"
    );
    let wrong_arm =
        terraform_problem("case \"$COMMAND\" in\n  plan)\n    flag --confirm \"$C\"\n    ;;\nesac")
            .unwrap();
    assert!(wrong_arm.contains("no such flag"), "{wrong_arm}");
    assert_eq!(
        terraform_problem(
            "case \"$COMMAND\" in\n  destroy)\n    flag --confirm \"$C\"\n    ;;\nesac\n\
             case \"$COMMAND\" in\n  plan|apply|destroy)\n    flag --env \"$E\"\n    ;;\nesac"
        ),
        None
    );
}

/// What GitHub reads from a composite action's metadata, checked by hand
/// since actionlint only reads workflows: the problems found.
fn structure_problems(yaml: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |text: String| problems.push(text);
    let Some(top) = yaml.as_mapping() else {
        return vec!["not a mapping".to_owned()];
    };
    for key in top.keys().filter_map(Value::as_str) {
        if ![
            "name",
            "description",
            "author",
            "inputs",
            "outputs",
            "runs",
            "branding",
        ]
        .contains(&key)
        {
            problem(format!("unknown top-level key {key}"));
        }
    }
    for key in ["name", "description"] {
        if str_of(yaml, key).is_none_or(str::is_empty) {
            problem(format!("no {key}"));
        }
    }
    let mut declared = BTreeSet::new();
    if let Some(inputs) = yaml.get("inputs").and_then(Value::as_mapping) {
        for (name, spec) in inputs {
            let name = name.as_str().unwrap_or_default();
            declared.insert(name.to_owned());
            if str_of(spec, "description").is_none_or(str::is_empty) {
                problem(format!("input {name} has no description"));
            }
            if let Some(default) = spec.get("default")
                && !default.is_string()
            {
                problem(format!("input {name}: default must be a string"));
            }
            if spec.get("required").is_some_and(|r| !r.is_bool()) {
                problem(format!("input {name}: required must be true or false"));
            }
        }
    }
    if yaml["runs"]["using"].as_str() != Some("composite") {
        problem("runs.using is not composite".to_owned());
    }
    let steps = yaml["runs"]["steps"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    if steps.is_empty() {
        problem("no steps".to_owned());
    }
    let step_keys = [
        "id",
        "name",
        "if",
        "run",
        "shell",
        "env",
        "working-directory",
        "uses",
        "with",
        "continue-on-error",
    ];
    let mut ids = BTreeSet::new();
    for (i, step) in steps.iter().enumerate() {
        for key in step
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter_map(Value::as_str)
        {
            if !step_keys.contains(&key) {
                problem(format!("step {i}: unknown key {key}"));
            }
        }
        match (step.get("run"), step.get("uses")) {
            (Some(_), None) if step.get("shell").is_none() => {
                problem(format!("step {i}: a run step needs shell"));
            }
            (Some(_), None) | (None, Some(_)) => {}
            _ => problem(format!("step {i}: needs exactly one of run and uses")),
        }
        if let Some(id) = str_of(step, "id")
            && !ids.insert(id.to_owned())
        {
            problem(format!("step id {id} used twice"));
        }
    }
    if let Some(outputs) = yaml.get("outputs").and_then(Value::as_mapping) {
        for (name, spec) in outputs {
            let name = name.as_str().unwrap_or_default();
            if str_of(spec, "description").is_none_or(str::is_empty)
                || str_of(spec, "value").is_none()
            {
                problem(format!("output {name} needs a description and a value"));
            }
        }
    }
    let text = serde_yaml_ng::to_string(&yaml["runs"]).unwrap_or_default();
    let mut used = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("inputs.") {
        rest = &rest[at + "inputs.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        used.insert(name);
    }
    for name in used.difference(&declared) {
        problem(format!("inputs.{name} is used but not declared"));
    }
    for name in declared.difference(&used) {
        problem(format!("input {name} is declared but never used"));
    }
    problems
}

#[test]
fn every_action_yml_has_a_valid_composite_structure() {
    let root = e2e::repo_root();
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("actions")).unwrap() {
        let file = entry.unwrap().path().join("action.yml");
        if !file.is_file() {
            continue;
        }
        let yaml: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let problems = structure_problems(&yaml);
        assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
        checked += 1;
    }
    assert_eq!(checked, 7, "setup, the five tool actions and ecr-login");
}

#[test]
fn the_structure_check_sees_broken_actions() {
    let yaml: Value = serde_yaml_ng::from_str(
        "name: x\ndescription: y\ninputs:\n  a:\n    description: A\n    default: 3\n  unused:\n    description: U\n\
         outputs:\n  o:\n    value: x\nruns:\n  using: node20\n  steps:\n    - run: echo ${{ inputs.a }} ${{ inputs.b }}\n      shelll: bash\n",
    )
    .unwrap();
    let problems = structure_problems(&yaml).join("\n");
    for expected in [
        "input a: default must be a string",
        "runs.using is not composite",
        "step 0: unknown key shelll",
        "step 0: a run step needs shell",
        "output o needs a description and a value",
        "inputs.b is used but not declared",
        "input unused is declared but never used",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} missing from:\n{problems}"
        );
    }
}

/// The environment of the step with id `id` of an action.yml.
fn step_env(yaml: &Value, id: &str) -> BTreeMap<String, String> {
    let steps = yaml["runs"]["steps"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let step = steps
        .iter()
        .find(|s| str_of(s, "id") == Some(id))
        .unwrap_or_else(|| panic!("no step with id {id}"));
    step["env"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
        .collect()
}

#[test]
fn every_action_hands_the_installer_its_repository_server_token_and_opt_in() {
    let root = e2e::repo_root();
    let read = |name: &str| -> Value {
        let file = root.join("actions").join(name).join("action.yml");
        serde_yaml_ng::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    };
    let installer = std::fs::read_to_string(root.join("actions/setup/install.sh")).unwrap();
    let args = std::fs::read_to_string(root.join("actions/lib/args.sh")).unwrap();

    let setup = read("setup");
    let env = step_env(&setup, "install");
    for (var, expr) in INSTALLER_CONTEXT {
        assert_eq!(
            env.get(*var).map(String::as_str),
            Some(*expr),
            "setup: {var}"
        );
        assert!(
            installer.contains(&format!("${{{var}")),
            "install.sh never reads {var}"
        );
    }
    for (input, var, default, handed_from) in INSTALLER_INPUTS {
        assert_eq!(
            env.get(*var).map(String::as_str),
            Some(format!("${{{{ inputs.{input} }}}}").as_str()),
            "setup: {input} does not reach {var}"
        );
        assert_eq!(
            str_of(&setup["inputs"][*input], "default").unwrap_or_default(),
            *default,
            "setup: default of {input}"
        );
        assert!(
            installer.contains(&format!("${{{var}")),
            "install.sh never reads {var}"
        );
        if handed_from.is_some() {
            assert!(
                args.contains(&format!("{var}=")),
                "args.sh does not hand over {var}"
            );
        }
    }

    for action in actions() {
        let yaml = read(action.name);
        let env = step_env(&yaml, "run");
        for (var, expr) in INSTALLER_CONTEXT {
            assert_eq!(
                env.get(*var).map(String::as_str),
                Some(*expr),
                "{}: {var}",
                action.name
            );
        }
        for (input, _, default, handed_from) in INSTALLER_INPUTS {
            let Some(tool_input) = handed_from else {
                continue;
            };
            assert_eq!(
                str_of(&yaml["inputs"][*tool_input], "default").unwrap_or_default(),
                *default,
                "{}: {tool_input} must default as setup's {input}",
                action.name
            );
            let (_, var) = SETUP_INPUTS
                .iter()
                .find(|(i, _)| i == tool_input)
                .unwrap_or_else(|| panic!("{tool_input} is not a setup input of the tools"));
            assert!(
                args.contains(&format!("\"${{{var}")),
                "args.sh does not pass {var} to the installer"
            );
        }
    }
}
