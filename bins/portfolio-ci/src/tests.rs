use std::ffi::OsString;

use super::{Call, TOOLS};

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

fn tool(name: &str) -> &'static super::Tool {
    TOOLS.iter().find(|tool| tool.name == name).unwrap()
}

#[test]
fn a_link_named_after_a_tool_is_that_tool_with_its_arguments_as_they_are() {
    for name in super::names() {
        let line = args(&[&format!("/opt/portfolio-ci/{name}"), "--version"]);
        assert_eq!(Call::of(line.clone()), Call::Tool(tool(name), line));
    }
}

#[test]
fn the_first_argument_names_the_tool_and_becomes_its_program_name() {
    assert_eq!(
        Call::of(args(&[
            "/usr/bin/portfolio-ci",
            "ecr-lifecycle",
            "lint",
            "-v"
        ])),
        Call::Tool(
            tool("ecr-lifecycle"),
            args(&["ecr-lifecycle", "lint", "-v"])
        )
    );
}

#[test]
fn a_tool_name_only_counts_as_a_whole_file_name() {
    assert_eq!(
        Call::of(args(&["/tmp/ecr-lifecycle-old", "lint"])),
        Call::Unknown("lint".to_owned())
    );
    assert_eq!(
        Call::of(args(&["portfolio-ci", "ecr"])),
        Call::Unknown("ecr".to_owned())
    );
}

#[test]
fn the_binary_itself_answers_help_and_version() {
    assert_eq!(Call::of(args(&["portfolio-ci"])), Call::Help);
    assert_eq!(Call::of(args(&["portfolio-ci", "--help"])), Call::Help);
    assert_eq!(Call::of(args(&["portfolio-ci", "help"])), Call::Help);
    assert_eq!(Call::of(args(&["portfolio-ci", "-V"])), Call::Version);
}
