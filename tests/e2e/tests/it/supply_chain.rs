//! Supply chain: every third-party action our workflows and composite
//! actions use is pinned by full commit SHA with its version in a trailing
//! comment (a tag can be moved to other code, a commit cannot), and
//! Dependabot watches every file holding a `uses:` and the Cargo workspace.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_yaml_ng::Value;

use crate::workflow_uses::{self, Uses};

/// Our own actions and reusable workflows: they follow our releases (the
/// setup action installs the release a ref names), not a pin here.
const OURS: &str = "portfolio-ci/portfolio-ci";

/// What is wrong with how `uses` is pinned, if anything.
fn pin_problem(uses: &Uses) -> Option<String> {
    let (repository, git_ref) = uses.repository_ref()?;
    if repository == OURS {
        return None;
    }
    let full_sha = git_ref.len() == 40
        && git_ref
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !full_sha {
        return Some(format!(
            "{}: {} is not pinned by a full 40-hex commit SHA",
            uses.at, uses.reference
        ));
    }
    if uses.comment.is_none() {
        return Some(format!(
            "{}: {} has no trailing `# vX.Y.Z` naming the pinned version",
            uses.at, uses.reference
        ));
    }
    None
}

/// Every `uses:` of the files a runner resolves, with the third-party ones.
fn shipped_uses() -> Vec<Uses> {
    workflow_uses::shipped_files()
        .iter()
        .flat_map(|f| workflow_uses::in_file(f))
        .collect()
}

#[test]
fn every_third_party_action_is_pinned_by_commit_with_its_version() {
    let all = shipped_uses();
    let third_party: Vec<&Uses> = all
        .iter()
        .filter(|u| u.repository_ref().is_some_and(|(repo, _)| repo != OURS))
        .collect();
    assert!(
        third_party.len() >= 10,
        "only {} third-party uses found",
        third_party.len()
    );
    let problems: Vec<String> = all.iter().filter_map(pin_problem).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_action_is_pinned_to_one_commit_and_version_everywhere() {
    let mut pins: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for uses in shipped_uses() {
        let Some((repository, git_ref)) = uses.repository_ref() else {
            continue;
        };
        if repository == OURS {
            continue;
        }
        pins.entry(repository)
            .or_default()
            .insert((git_ref.to_owned(), uses.comment.clone().unwrap_or_default()));
    }
    let drifted: Vec<_> = pins.iter().filter(|(_, set)| set.len() > 1).collect();
    assert!(drifted.is_empty(), "pinned differently: {drifted:?}");
}

#[test]
fn the_pin_check_refuses_tags_short_shas_and_missing_versions() {
    let text = "\
jobs:
  a:
    uses: portfolio-ci/portfolio-ci/.github/workflows/deploy-service.yml@v1
  b:
    steps:
      - uses: actions/checkout@v5
      - uses: actions/checkout@fbc6f39
      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09
      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0
      - uses: 'actions/cache/save@FBC6F3992D24B796D5A048FF273F7FCC4A7B6C09' # v4
      - uses: ./actions/setup
      - uses: docker://alpine:3
      - uses: portfolio-ci/portfolio-ci/actions/setup@v1
";
    let found = workflow_uses::in_text(text, "test.yml");
    let verdicts: Vec<(usize, bool)> = found
        .iter()
        .map(|u| {
            (
                u.at.rsplit(':').next().unwrap().parse().unwrap(),
                pin_problem(u).is_none(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            (3, true),
            (6, false),
            (7, false),
            (8, false),
            (9, true),
            (10, false),
            (11, true),
            (12, true),
            (13, true)
        ]
    );
}

#[test]
fn a_uses_the_line_reader_cannot_see_is_refused() {
    let text = "jobs:\n  a:\n    steps:\n      - {uses: actions/checkout@v5}\n";
    let refused = std::panic::catch_unwind(|| workflow_uses::in_text(text, "flow.yml"));
    assert!(refused.is_err());
}

/// The `updates` entry of `ecosystem` in .github/dependabot.yml.
fn dependabot_update(config: &Value, ecosystem: &str) -> Value {
    assert_eq!(config["version"].as_u64(), Some(2), "{config:?}");
    let updates = config["updates"].as_sequence().expect("updates");
    let matching: Vec<&Value> = updates
        .iter()
        .filter(|u| u["package-ecosystem"].as_str() == Some(ecosystem))
        .collect();
    assert_eq!(matching.len(), 1, "one {ecosystem} entry expected");
    let update = matching[0].clone();
    assert!(
        update["schedule"]["interval"].as_str().is_some(),
        "{ecosystem}: no schedule.interval"
    );
    update
}

/// The directories of an `updates` entry: `directories` or `directory`.
fn directories(update: &Value) -> Vec<String> {
    match (update.get("directories"), update.get("directory")) {
        (Some(list), None) => list
            .as_sequence()
            .expect("directories is a list")
            .iter()
            .map(|d| d.as_str().expect("a directory").to_owned())
            .collect(),
        (None, Some(one)) => vec![one.as_str().expect("a directory").to_owned()],
        other => panic!("exactly one of directory and directories: {other:?}"),
    }
}

/// The files Dependabot's github-actions updater reads for `directory`:
/// for `/`, `action.yml`/`action.yaml` there and the YAML files of
/// `.github/workflows`; for any other directory, the YAML files directly in it.
fn files_dependabot_reads(directory: &str) -> Vec<PathBuf> {
    let root = e2e::repo_root();
    if directory == "/" {
        let mut files: Vec<PathBuf> = ["action.yml", "action.yaml"]
            .iter()
            .map(|f| root.join(f))
            .filter(|p| p.is_file())
            .collect();
        files.extend(workflow_uses::yaml_files(&root.join(".github/workflows")));
        files
    } else {
        let relative = directory.trim_start_matches('/');
        assert!(
            !relative.contains('*'),
            "{directory}: list each directory (the github-actions updater reads only \
             the YAML files directly in a directory)"
        );
        workflow_uses::yaml_files(&root.join(relative))
    }
}

fn dependabot_config() -> Value {
    let path = e2e::repo_root().join(".github/dependabot.yml");
    serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn dependabot_reads_every_workflow_and_composite_action() {
    let update = dependabot_update(&dependabot_config(), "github-actions");
    let mut read = BTreeSet::new();
    for directory in directories(&update) {
        let files = files_dependabot_reads(&directory);
        assert!(
            !files.is_empty(),
            "{directory}: Dependabot finds no workflow or action there"
        );
        read.extend(files);
    }
    let mut needed: BTreeSet<PathBuf> = workflow_uses::composite_actions().into_iter().collect();
    for file in workflow_uses::shipped_files() {
        if !workflow_uses::in_file(&file).is_empty() {
            needed.insert(file);
        }
    }
    assert!(needed.len() >= 10, "{needed:?}");
    let unread: Vec<_> = needed.difference(&read).collect();
    assert!(unread.is_empty(), "Dependabot does not read {unread:?}");
}

#[test]
fn dependabot_updates_the_cargo_workspace() {
    let update = dependabot_update(&dependabot_config(), "cargo");
    let root = e2e::repo_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.lines().any(|l| l.trim() == "[workspace]"));
    assert!(
        directories(&update).iter().any(|d| d == "/"),
        "the workspace root (/) holds Cargo.toml and Cargo.lock"
    );
}
