//! `--run-task`: the flags of the one-off task run on the new revision before any
//! service is updated (a database migration), named and defaulted as
//! aws-actions/amazon-ecs-deploy-task-definition's `run-task-*` inputs, and their
//! resolution into [`TaskSettings`]: every JSON value parsed and checked before any
//! AWS call. [`crate::one_off`] runs the task.

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride,
    KeyValuePair, LaunchType, NetworkConfiguration, Tag,
};
use clap::Args;
use portfolio_core::InvalidInput;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// The one-off task's flags.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "One-off task (run on the new revision before the service update)")]
pub struct RunTaskArgs {
    /// Run the registered definition as a standalone task (e.g. a database migration)
    /// before any service is updated; with --wait-for-task-stopped the services are
    /// updated only if it exits 0
    #[arg(long)]
    pub run_task: bool,

    /// Container overrides of the task, a JSON array as RunTask takes it:
    /// [{"name":"backend","command":["alembic","upgrade","head"]}]
    #[arg(long, value_name = "JSON")]
    pub run_task_container_overrides: Option<String>,

    /// Security group ids of the task's network interface (comma-separated)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub run_task_security_groups: Vec<String>,

    /// Subnet ids of the task's network interface (comma-separated)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub run_task_subnets: Vec<String>,

    /// Whether the task's network interface gets a public IP; applied only with
    /// --run-task-subnets or --run-task-security-groups
    #[arg(long = "run-task-assign-public-ip", value_name = "ENABLED|DISABLED", default_value = "DISABLED", value_parser = ["ENABLED", "DISABLED"])]
    pub run_task_assign_public_ip: String,

    /// Capacity provider strategy of the task, a JSON array:
    /// [{"capacityProvider":"FARGATE_SPOT","weight":1}] (replaces the launch type)
    #[arg(long, value_name = "JSON")]
    pub run_task_capacity_provider_strategy: Option<String>,

    /// Launch type of the task, when no capacity provider strategy is given
    #[arg(long, value_name = "TYPE", default_value = "FARGATE", value_parser = ["FARGATE", "EC2", "EXTERNAL", "MANAGED_INSTANCES"])]
    pub run_task_launch_type: String,

    /// startedBy of the task
    #[arg(long, value_name = "NAME", default_value = "GitHub-Actions")]
    pub run_task_started_by: String,

    /// Tags of the task, a JSON array: [{"key":"project","value":"portfolio"}]
    #[arg(long, value_name = "JSON")]
    pub run_task_tags: Option<String>,

    /// Wait until the task STOPPED (within --timeout) and require exit code 0 of
    /// every container before updating the services [default: return once started]
    #[arg(long)]
    pub wait_for_task_stopped: bool,
}

/// The one-off task, every value checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSettings {
    /// `overrides.containerOverrides`.
    pub container_overrides: Vec<ContainerOverride>,
    /// The awsvpc configuration, when subnets or security groups are given.
    pub network: Option<NetworkConfiguration>,
    /// The capacity provider strategy (empty: the launch type applies).
    pub capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    /// The launch type, when no strategy is given.
    pub launch_type: Option<LaunchType>,
    /// `startedBy`.
    pub started_by: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Wait for STOPPED and judge the exit codes.
    pub wait: bool,
}

/// One element of `--run-task-container-overrides`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OverrideJson {
    name: String,
    #[serde(default)]
    command: Option<Vec<String>>,
    #[serde(default)]
    environment: Vec<NameValue>,
    #[serde(default)]
    cpu: Option<i32>,
    #[serde(default)]
    memory: Option<i32>,
    #[serde(default)]
    memory_reservation: Option<i32>,
}

/// An environment variable of an override.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameValue {
    name: String,
    value: String,
}

/// One element of `--run-task-capacity-provider-strategy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StrategyJson {
    capacity_provider: String,
    #[serde(default)]
    weight: Option<i32>,
    #[serde(default)]
    base: Option<i32>,
}

/// One element of `--run-task-tags`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagJson {
    key: String,
    #[serde(default)]
    value: String,
}

impl RunTaskArgs {
    /// The task's settings; none without `--run-task`.
    ///
    /// # Errors
    /// Exit 2 naming the flag when a JSON value does not parse or has the wrong shape.
    pub fn resolve(&self) -> Result<Option<TaskSettings>, Error> {
        if !self.run_task {
            return Ok(None);
        }
        let overrides: Vec<OverrideJson> = parse(
            "--run-task-container-overrides",
            self.run_task_container_overrides.as_deref(),
        )?;
        let strategy: Vec<StrategyJson> = parse(
            "--run-task-capacity-provider-strategy",
            self.run_task_capacity_provider_strategy.as_deref(),
        )?;
        let tags: Vec<TagJson> = parse("--run-task-tags", self.run_task_tags.as_deref())?;
        let subnets = non_empty(&self.run_task_subnets);
        let groups = non_empty(&self.run_task_security_groups);
        let network = (!subnets.is_empty() || !groups.is_empty()).then(|| {
            let vpc = AwsVpcConfiguration::builder()
                .set_subnets(Some(subnets))
                .set_security_groups(Some(groups))
                .assign_public_ip(AssignPublicIp::from(
                    self.run_task_assign_public_ip.as_str(),
                ))
                .build();
            vpc.map(|vpc| {
                NetworkConfiguration::builder()
                    .awsvpc_configuration(vpc)
                    .build()
            })
        });
        let network = network
            .transpose()
            .map_err(|err| InvalidInput::new("--run-task-subnets", err.to_string()))?;
        let mut items = Vec::with_capacity(strategy.len());
        for s in strategy {
            let item = CapacityProviderStrategyItem::builder()
                .capacity_provider(s.capacity_provider)
                .set_weight(s.weight)
                .set_base(s.base)
                .build()
                .map_err(|err| {
                    InvalidInput::new("--run-task-capacity-provider-strategy", err.to_string())
                })?;
            items.push(item);
        }
        Ok(Some(TaskSettings {
            container_overrides: overrides.into_iter().map(container_override).collect(),
            network,
            launch_type: items
                .is_empty()
                .then(|| LaunchType::from(self.run_task_launch_type.as_str())),
            capacity_provider_strategy: items,
            started_by: self.run_task_started_by.clone(),
            tags: tags
                .into_iter()
                .map(|t| Tag::builder().key(t.key).value(t.value).build())
                .collect(),
            wait: self.wait_for_task_stopped,
        }))
    }
}

/// A JSON array of `T`, or none when the flag is absent or empty.
fn parse<T: DeserializeOwned>(flag: &str, text: Option<&str>) -> Result<Vec<T>, Error> {
    match text.map(str::trim) {
        None | Some("") => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text).map_err(|err| {
            InvalidInput::new(
                flag,
                format!("expected a JSON array as RunTask takes it: {err}"),
            )
            .into()
        }),
    }
}

/// The values that are not blank, trimmed.
fn non_empty(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

fn container_override(o: OverrideJson) -> ContainerOverride {
    ContainerOverride::builder()
        .name(o.name)
        .set_command(o.command)
        .set_environment((!o.environment.is_empty()).then(|| {
            o.environment
                .into_iter()
                .map(|e| KeyValuePair::builder().name(e.name).value(e.value).build())
                .collect()
        }))
        .set_cpu(o.cpu)
        .set_memory(o.memory)
        .set_memory_reservation(o.memory_reservation)
        .build()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        run_task: RunTaskArgs,
    }

    fn resolve(args: &[&str]) -> Result<Option<TaskSettings>, Error> {
        let mut all = vec!["x"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().run_task.resolve()
    }

    #[test]
    fn the_defaults_are_the_peers() {
        assert_eq!(resolve(&[]).unwrap(), None);
        let task = resolve(&["--run-task"]).unwrap().unwrap();
        assert_eq!(task.started_by, "GitHub-Actions");
        assert_eq!(task.launch_type, Some(LaunchType::Fargate));
        assert_eq!(task.network, None);
        assert!(!task.wait);
    }

    #[test]
    fn network_strategy_overrides_and_tags_are_parsed() {
        let task = resolve(&[
            "--run-task",
            "--run-task-subnets",
            "subnet-1, subnet-2",
            "--run-task-capacity-provider-strategy",
            r#"[{"capacityProvider":"FARGATE_SPOT","weight":1}]"#,
            "--run-task-container-overrides",
            r#"[{"name":"app","command":["migrate"],"environment":[{"name":"A","value":"1"}]}]"#,
            "--run-task-tags",
            r#"[{"key":"k","value":"v"}]"#,
        ])
        .unwrap()
        .unwrap();
        let vpc = task.network.unwrap().awsvpc_configuration.unwrap();
        assert_eq!(vpc.subnets(), ["subnet-1", "subnet-2"]);
        assert_eq!(vpc.assign_public_ip(), Some(&AssignPublicIp::Disabled));
        assert_eq!(task.launch_type, None);
        assert_eq!(
            task.capacity_provider_strategy[0].capacity_provider(),
            "FARGATE_SPOT"
        );
        assert_eq!(task.container_overrides[0].command(), ["migrate"]);
        assert_eq!(task.tags[0].key(), Some("k"));
    }

    #[test]
    fn bad_json_names_the_flag() {
        use portfolio_core::Failure;
        let err = resolve(&[
            "--run-task",
            "--run-task-container-overrides",
            r#"{"name":"a"}"#,
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string()
                .starts_with("--run-task-container-overrides: expected a JSON array"),
            "{err}"
        );
        let err = resolve(&["--run-task", "--run-task-tags", r#"[{"nom":"a"}]"#]).unwrap_err();
        assert!(err.to_string().starts_with("--run-task-tags: "), "{err}");
    }
}
