//! Launching tasks: turn a deployment's task definition into [`Task`]s, with containers,
//! awslogs streams, the behaviour label (a `flaky` share decided per task), the image
//! digests resolved at launch (see [`super::image`]) and ids.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::deployment::Deployment;
use super::external::PlaneLink;
use super::health::{Checker, HealthCheck};
use super::scheduler::Ctx;
use super::service::Service;
use super::target::Target;
use super::task::{Container, Health, LastStatus, Launch, Task};
use super::{ACCOUNT, hex_id};
use crate::behavior::{self, Behavior};
use crate::config::Timings;

/// Launch `n` tasks of deployment `pid`; returns their ids.
pub fn launch(
    svc: &Service,
    tasks: &mut BTreeMap<String, Task>,
    pid: &str,
    cluster: &str,
    n: i64,
    t: f64,
    ctx: &mut Ctx<'_>,
) -> Vec<String> {
    let Some(dep) = svc.deployments.iter().find(|d| d.id == pid) else {
        return Vec::new();
    };
    let Some(def) = ctx.task_defs.resolve(&dep.task_definition) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for _ in 0..n {
        let seed = task_seed(ctx.seed, ctx.task_seq);
        let id = hex_id(ctx.rng);
        let mut spec = launch_spec(
            svc,
            dep,
            &def.arn,
            &def.body,
            cluster,
            &id,
            seed,
            ctx.timings,
        );
        for c in &mut spec.containers {
            c.image_digest = ctx.image_digests.resolve(&c.image);
        }
        let mut task = Task::launch(spec, t);
        task.plane = ctx.plane.map(PlaneLink::new);
        tasks.insert(id.clone(), task);
        out.push(id);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn launch_spec(
    svc: &Service,
    dep: &Deployment,
    def_arn: &str,
    body: &Value,
    cluster: &str,
    id: &str,
    seed: u64,
    timings: Timings,
) -> Launch {
    let (containers, behavior) = containers(body, id, &[], seed);
    let region = &svc.region;
    Launch {
        id: id.to_owned(),
        arn: format!("arn:aws:ecs:{region}:{ACCOUNT}:task/{cluster}/{id}"),
        cluster_arn: svc.cluster_arn.clone(),
        task_definition_arn: def_arn.to_owned(),
        started_by: dep.id.clone(),
        service: svc.name.clone(),
        standalone: None,
        behavior,
        containers,
        cpu: number_string(body.get("cpu")),
        memory: number_string(body.get("memory")),
        launch_type: dep.launch_type.clone(),
        availability_zone: availability_zone(region, seed),
        seed,
        timings,
        targets: Target::of_service(svc.extras.get("loadBalancers")),
        grace_period: svc
            .extras
            .get("healthCheckGracePeriodSeconds")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0),
    }
}

/// The seed of the next task's delays (counts the task).
pub fn task_seed(seed: u64, task_seq: &mut u64) -> u64 {
    *task_seq += 1;
    seed.wrapping_add(task_seq.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The availability zone a task with `seed` lands in.
pub fn availability_zone(region: &str, seed: u64) -> String {
    let az_letter = ["a", "b", "c"][usize::try_from(seed % 3).unwrap_or(0)];
    format!("{region}{az_letter}")
}

/// The containers of task definition `body` for task `id`, with RunTask's
/// `containerOverrides` (command, environment) applied, and the behaviour they select:
/// the first container's [`behavior::ENV`] variable or [`behavior::LABEL`] label, a
/// `flaky` share decided by `seed`.
pub fn containers(
    body: &Value,
    id: &str,
    overrides: &[Value],
    seed: u64,
) -> (Vec<Container>, Behavior) {
    let defs = body
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut chosen: Option<Behavior> = None;
    let containers: Vec<Container> = defs
        .iter()
        .map(|c| {
            let name = str_of(c, "name").unwrap_or("app").to_owned();
            let over = overrides
                .iter()
                .find(|o| o.get("name").and_then(Value::as_str) == Some(name.as_str()));
            if chosen.is_none() {
                let label = c.pointer(&format!("/dockerLabels/{}", behavior::LABEL));
                chosen = environment(c, over, behavior::ENV)
                    .or_else(|| label.and_then(Value::as_str).map(str::to_owned))
                    .map(|v| behavior::from_label(Some(&v)));
            }
            let command = over
                .and_then(|o| o.get("command"))
                .or_else(|| c.get("command"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let log = (c
                .pointer("/logConfiguration/logDriver")
                .and_then(Value::as_str)
                == Some("awslogs"))
            .then(|| {
                let group = c
                    .pointer("/logConfiguration/options/awslogs-group")?
                    .as_str()?;
                let prefix = c
                    .pointer("/logConfiguration/options/awslogs-stream-prefix")
                    .and_then(Value::as_str);
                let stream = match prefix {
                    Some(p) => format!("{p}/{name}/{id}"),
                    None => format!("{name}/{id}"),
                };
                Some((group.to_owned(), stream))
            })
            .flatten();
            Container {
                image: str_of(c, "image").unwrap_or("").to_owned(),
                image_digest: None,
                essential: c.get("essential").and_then(Value::as_bool).unwrap_or(true),
                last_status: LastStatus::Provisioning,
                exit_code: None,
                reason: None,
                health: Health::Unknown,
                checker: HealthCheck::of_container(c).map(Checker::new),
                cpu: Some(number_string(c.get("cpu")).unwrap_or_else(|| "0".into())),
                memory: number_string(c.get("memory")),
                log,
                port: c
                    .pointer("/portMappings/0/containerPort")
                    .and_then(Value::as_i64),
                command,
                name,
            }
        })
        .collect();
    let behavior = match chosen.unwrap_or_default() {
        Behavior::Flaky(p) => {
            let mut rng = StdRng::seed_from_u64(seed ^ 0x00F1_A4F1_A4F1_A4F1);
            if rng.random_range(0.0..100.0) < p {
                Behavior::Crash
            } else {
                Behavior::Healthy
            }
        }
        b => b,
    };
    (containers, behavior)
}

/// Variable `name` of a container: the override's environment wins over the
/// definition's.
fn environment(definition: &Value, over: Option<&Value>, name: &str) -> Option<String> {
    let find = |v: &Value| {
        v.get("environment")?
            .as_array()?
            .iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))?
            .get("value")?
            .as_str()
            .map(str::to_owned)
    };
    over.and_then(find).or_else(|| find(definition))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A number or string field as ECS reports it (a string).
pub fn number_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
