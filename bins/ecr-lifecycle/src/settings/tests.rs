//! Resolution: the flag constraints that were clap attributes are checked
//! here and name the flag; the default clusters and regions come from
//! portfolio-ci.yaml.

use clap::Parser;
use portfolio_core::Failure;

use super::*;

fn resolve(args: &[&str]) -> Result<Settings, Error> {
    let cli =
        Cli::try_parse_from([&["ecr-lifecycle"], args].concat()).unwrap_or_else(|e| panic!("{e}"));
    Settings::resolve(cli, &Config::default(), 1_000)
}

fn refused(args: &[&str]) -> String {
    match resolve(args) {
        Ok(settings) => panic!("{args:?} resolved to {settings:?}"),
        Err(err) => {
            assert_eq!(err.exit_code(), 2, "{err}");
            err.to_string()
        }
    }
}

#[test]
fn apply_needs_exactly_one_of_repository_and_all_services() {
    assert!(refused(&["apply"]).starts_with("--repository: apply needs --repository"));
    assert!(
        refused(&["apply", "-r", "x", "--all-services"])
            .contains("either --repository or --all-services")
    );
    assert!(refused(&["apply", "-r", "x", "--env", "dev"]).starts_with("--env: only applies"));
    let Ok(Settings {
        command: Command::Apply(apply),
        ..
    }) = resolve(&["apply", "--all-services", "-e", "prod"])
    else {
        panic!("apply --all-services did not resolve");
    };
    let names: Vec<&str> = apply
        .targets
        .iter()
        .map(|t| t.repository.as_str())
        .collect();
    assert_eq!(names, ["portfolio-prod-backend", "portfolio-prod-frontend"]);
}

#[test]
fn preview_needs_a_repository_or_a_snapshot_and_enforce_a_repository() {
    assert!(refused(&["preview"]).contains("--images-json FILE"));
    assert!(refused(&["enforce"]).starts_with("--repository: enforce needs"));
    assert!(refused(&["preview", "-r", "x", "--now", "soon"]).starts_with("--now: 'soon'"));
}

#[test]
fn enforce_protects_with_every_environments_cluster_and_evaluates_now() {
    let Ok(Settings {
        command: Command::Enforce(enforce),
        ..
    }) = resolve(&["enforce", "--repository", "portfolio-dev-backend"])
    else {
        panic!("enforce did not resolve");
    };
    let clusters: Vec<&str> = enforce
        .request
        .clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(clusters, ["portfolio-dev", "portfolio-prod"]);
    assert_eq!(enforce.request.now, 1_000);
    assert_eq!(enforce.max_delete, MaxDelete::Percent(50));
    assert!(enforce.request.policy.is_none());
}

#[test]
fn max_delete_parses_counts_and_percentages() {
    assert_eq!("20".parse(), Ok(MaxDelete::Count(20)));
    assert_eq!("50%".parse(), Ok(MaxDelete::Percent(50)));
    assert!("150%".parse::<MaxDelete>().is_err());
    assert!("half".parse::<MaxDelete>().is_err());
    assert_eq!(MaxDelete::Percent(50).allowed(7), 3);
    assert_eq!(MaxDelete::Count(4).allowed(7), 4);
}
