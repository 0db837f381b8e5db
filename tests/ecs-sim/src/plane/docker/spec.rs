//! A task definition's containers as `docker create` arguments: environment (with the
//! secrets' values), command and entry point (with RunTask's overrides), the health
//! check with its timings divided by the time scale, published ports, memory limit and
//! stop timeout.

use std::time::Duration;

use serde_json::Value;

use crate::plane::LaunchOrder;

/// ECS's defaults for a container `healthCheck` and `stopTimeout`, in seconds.
const INTERVAL: f64 = 30.0;
const TIMEOUT: f64 = 5.0;
const RETRIES: u64 = 3;
const STOP_TIMEOUT: f64 = 30.0;

/// One container of a task, as Docker will run it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    /// The container name in the definition.
    pub name: String,
    /// The image reference.
    pub image: String,
    /// Whether the task stops when it exits.
    pub essential: bool,
    /// Environment variables, secrets included (passed through docker's own
    /// environment, never on its command line).
    pub env: Vec<(String, String)>,
    /// `entryPoint`, empty for the image's.
    pub entry_point: Vec<String>,
    /// `command`, `None` for the image's.
    pub command: Option<Vec<String>>,
    /// `workingDirectory`.
    pub working_directory: Option<String>,
    /// `user`.
    pub user: Option<String>,
    /// The health check Docker runs, if any.
    pub health: Option<HealthSpec>,
    /// The container ports to publish on 127.0.0.1 (from `portMappings`).
    pub ports: Vec<u16>,
    /// `memory` (hard limit, MiB).
    pub memory_mib: Option<u64>,
    /// Seconds `docker stop` waits before it kills (`stopTimeout`, scaled, rounded up).
    pub stop_timeout_secs: u64,
}

/// A `healthCheck` as Docker runs it, timings already scaled.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSpec {
    /// The shell command.
    pub test: String,
    /// Between two checks.
    pub interval: Duration,
    /// How long one check may take.
    pub timeout: Duration,
    /// Failed checks in a row that make the container unhealthy.
    pub retries: u64,
    /// Grace period during which failures do not count (zero: none).
    pub start_period: Duration,
}

/// The containers of `order`'s definition, with `secrets` (`(container, name, value)`)
/// added to their environment.
#[must_use]
pub fn containers(order: &LaunchOrder, secrets: &[(String, String, String)]) -> Vec<ContainerSpec> {
    let scale = if order.time_scale > 0.0 {
        order.time_scale
    } else {
        1.0
    };
    order
        .definition
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|def| {
            let name = text(def, "name").unwrap_or_default();
            let overrides = order
                .container_overrides
                .iter()
                .find(|o| o.get("name").and_then(Value::as_str) == Some(name.as_str()));
            let mut env = pairs(def.get("environment"));
            for (k, v) in pairs(overrides.and_then(|o| o.get("environment"))) {
                env.retain(|(name, _)| *name != k);
                env.push((k, v));
            }
            for (_, k, v) in secrets.iter().filter(|(c, _, _)| *c == name) {
                env.retain(|(name, _)| name != k);
                env.push((k.clone(), v.clone()));
            }
            let command = overrides
                .and_then(|o| strings(o.get("command")))
                .or_else(|| strings(def.get("command")));
            ContainerSpec {
                image: text(def, "image").unwrap_or_default(),
                essential: def
                    .get("essential")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                env,
                entry_point: strings(def.get("entryPoint")).unwrap_or_default(),
                command,
                working_directory: text(def, "workingDirectory"),
                user: text(def, "user"),
                health: def.get("healthCheck").and_then(|h| health(h, scale)),
                ports: def
                    .get("portMappings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.get("containerPort").and_then(Value::as_u64))
                    .filter_map(|p| u16::try_from(p).ok())
                    .collect(),
                memory_mib: def.get("memory").and_then(Value::as_u64),
                stop_timeout_secs: seconds_up(
                    def.get("stopTimeout")
                        .and_then(Value::as_f64)
                        .unwrap_or(STOP_TIMEOUT)
                        / scale,
                ),
                name,
            }
        })
        .collect()
}

impl ContainerSpec {
    /// The arguments of `docker create` (after `create`), for a container named
    /// `docker_name` on network `network`, labelled `labels`.
    #[must_use]
    pub fn create_args(&self, docker_name: &str, network: &str, labels: &[String]) -> Vec<String> {
        let mut args = vec![
            "--name".to_owned(),
            docker_name.to_owned(),
            "--network".to_owned(),
            network.to_owned(),
            "--network-alias".to_owned(),
            self.name.clone(),
        ];
        for label in labels {
            args.extend(["--label".to_owned(), label.clone()]);
        }
        args.extend([
            "--label".to_owned(),
            format!("{CONTAINER_LABEL}={}", self.name),
        ]);
        for (name, _) in &self.env {
            // The value comes from docker's environment (see `env`).
            args.extend(["--env".to_owned(), name.clone()]);
        }
        for port in &self.ports {
            args.extend(["--publish".to_owned(), format!("127.0.0.1::{port}/tcp")]);
        }
        if let Some(mib) = self.memory_mib {
            // No swap, as on Fargate: going over the limit is an OOM kill.
            args.extend([
                "--memory".to_owned(),
                format!("{mib}m"),
                "--memory-swap".to_owned(),
                format!("{mib}m"),
            ]);
        }
        if let Some(dir) = &self.working_directory {
            args.extend(["--workdir".to_owned(), dir.clone()]);
        }
        if let Some(user) = &self.user {
            args.extend(["--user".to_owned(), user.clone()]);
        }
        if let Some(h) = &self.health {
            args.extend([
                "--health-cmd".to_owned(),
                h.test.clone(),
                "--health-interval".to_owned(),
                millis(h.interval),
                "--health-timeout".to_owned(),
                millis(h.timeout),
                "--health-retries".to_owned(),
                h.retries.to_string(),
            ]);
            if !h.start_period.is_zero() {
                args.extend(["--health-start-period".to_owned(), millis(h.start_period)]);
            }
        }
        let mut rest: Vec<String> = Vec::new();
        if let Some((first, more)) = self.entry_point.split_first() {
            args.extend(["--entrypoint".to_owned(), first.clone()]);
            rest.extend(more.iter().cloned());
        }
        args.push(self.image.clone());
        args.extend(rest);
        args.extend(self.command.iter().flatten().cloned());
        args
    }
}

/// The label naming a container of the task definition on each Docker container.
pub const CONTAINER_LABEL: &str = "ecs-sim.container";

/// A `healthCheck` (`command` `["CMD-SHELL", cmd]` or `["CMD", args...]`, timings in
/// seconds) with its timings divided by `scale`; `None` for `["NONE"]` or no command.
fn health(check: &Value, scale: f64) -> Option<HealthSpec> {
    let command = strings(check.get("command"))?;
    let (kind, args) = command.split_first()?;
    let test = match kind.as_str() {
        "CMD-SHELL" => args.join(" "),
        "CMD" => args
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
        _ => return None,
    };
    let secs =
        |key: &str, default: f64| check.get(key).and_then(Value::as_f64).unwrap_or(default) / scale;
    Some(HealthSpec {
        test,
        interval: at_least_1ms(secs("interval", INTERVAL)),
        timeout: at_least_1ms(secs("timeout", TIMEOUT)),
        retries: check
            .get("retries")
            .and_then(Value::as_u64)
            .unwrap_or(RETRIES),
        start_period: match secs("startPeriod", 0.0) {
            s if s > 0.0 => at_least_1ms(s),
            _ => Duration::ZERO,
        },
    })
}

/// Docker refuses health check durations under a millisecond.
fn at_least_1ms(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs)
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_millis(1))
}

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis().max(1))
}

/// Whole seconds, rounded up (`docker stop --time` takes seconds).
fn seconds_up(secs: f64) -> u64 {
    Duration::try_from_secs_f64(secs.ceil()).map_or(0, |d| d.as_secs())
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

/// `[{name, value}]` as pairs.
fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| Some((text(e, "name")?, text(e, "value").unwrap_or_default())))
        .collect()
}

#[cfg(test)]
mod tests;
