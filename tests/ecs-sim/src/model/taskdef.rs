//! Registered task definitions: the JSON as registered (unknown fields kept) plus what ECS
//! adds (ARN, revision, status, registeredAt, compatibilities, requiresAttributes).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ACCOUNT;

/// One revision of a task definition family.
#[derive(Debug, Clone)]
pub struct TaskDef {
    /// Family.
    pub family: String,
    /// Revision, from 1.
    pub revision: i64,
    /// ARN.
    pub arn: String,
    /// ACTIVE (true) or INACTIVE.
    pub active: bool,
    /// The full JSON as `DescribeTaskDefinition` returns it.
    pub body: Value,
}

/// All task definitions by family.
#[derive(Debug, Default, Clone)]
pub struct TaskDefs {
    families: BTreeMap<String, Vec<TaskDef>>,
}

impl TaskDefs {
    /// Register a new revision of `body["family"]` at `t`.
    ///
    /// # Errors
    /// ECS's message when the family or container definitions are missing, a container
    /// has no memory, or cpu/memory are not a Fargate size (see [`check_resources`]).
    pub fn register(
        &mut self,
        region: &str,
        mut body: Map<String, Value>,
        t: f64,
    ) -> Result<&TaskDef, String> {
        let family = body
            .get("family")
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty())
            .ok_or("Family must be specified.")?
            .to_owned();
        if !body
            .get("containerDefinitions")
            .is_some_and(Value::is_array)
        {
            return Err("Container list cannot be empty.".into());
        }
        body.remove("tags");
        check_resources(&body)?;
        for key in ["cpu", "memory"] {
            if let Some(n) = body
                .get(key)
                .filter(|v| v.is_number())
                .map(ToString::to_string)
            {
                body.insert(key.into(), Value::String(n));
            }
        }
        let revisions = self.families.entry(family.clone()).or_default();
        let revision = i64::try_from(revisions.len()).unwrap_or(i64::MAX - 1) + 1;
        let arn = format!("arn:aws:ecs:{region}:{ACCOUNT}:task-definition/{family}:{revision}");
        let requires: Vec<String> = body
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let compatibilities = if requires.iter().any(|r| r == "FARGATE") {
            json!(["EC2", "FARGATE"])
        } else {
            json!(["EC2"])
        };
        let mut attributes =
            vec![json!({"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"})];
        if body.get("networkMode").and_then(Value::as_str) == Some("awsvpc") {
            attributes.push(json!({"name": "ecs.capability.task-eni"}));
        }
        if uses_awslogs(&body) {
            attributes.push(json!({"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}));
            attributes.push(json!({"name": "ecs.capability.execution-role-awslogs"}));
        }
        body.insert("taskDefinitionArn".into(), json!(arn));
        body.insert("revision".into(), json!(revision));
        body.insert("status".into(), json!("ACTIVE"));
        body.insert("registeredAt".into(), json!(t));
        body.insert("compatibilities".into(), compatibilities);
        body.insert("requiresAttributes".into(), Value::Array(attributes));
        body.entry("volumes").or_insert_with(|| json!([]));
        body.entry("placementConstraints")
            .or_insert_with(|| json!([]));
        revisions.push(TaskDef {
            family,
            revision,
            arn,
            active: true,
            body: Value::Object(body),
        });
        revisions
            .last()
            .ok_or_else(|| "registration failed".to_owned())
    }

    /// Resolve `family`, `family:revision` or an ARN. A bare family means its latest
    /// ACTIVE revision.
    #[must_use]
    pub fn resolve(&self, reference: &str) -> Option<&TaskDef> {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        match name.rsplit_once(':') {
            Some((family, rev)) => {
                let rev: i64 = rev.parse().ok()?;
                self.families
                    .get(family)?
                    .iter()
                    .find(|d| d.revision == rev)
            }
            None => self.families.get(name)?.iter().rev().find(|d| d.active),
        }
    }

    /// Mark a revision INACTIVE at `t`.
    pub fn deregister(&mut self, reference: &str, t: f64) -> Option<&TaskDef> {
        let arn = self.resolve(reference)?.arn.clone();
        let def = self
            .families
            .values_mut()
            .flat_map(|v| v.iter_mut())
            .find(|d| d.arn == arn)?;
        def.active = false;
        if let Value::Object(m) = &mut def.body {
            m.insert("status".into(), json!("INACTIVE"));
            m.insert("deregisteredAt".into(), json!(t));
        }
        Some(def)
    }

    /// Every revision, by family then revision.
    pub fn all(&self) -> impl Iterator<Item = &TaskDef> {
        self.families.values().flat_map(|v| v.iter())
    }
}

fn uses_awslogs(body: &Map<String, Value>) -> bool {
    body.get("containerDefinitions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.pointer("/logConfiguration/logDriver")
                    .and_then(Value::as_str)
                    == Some("awslogs")
            })
        })
}

/// What ECS checks of cpu and memory at registration: every container needs `memory` or
/// `memoryReservation` unless the task sets `memory`, and a FARGATE definition needs a
/// cpu/memory pair from the Fargate table (ECS's messages).
///
/// # Errors
/// ECS's ClientException message.
pub fn check_resources(body: &Map<String, Value>) -> Result<(), String> {
    let units = |v: Option<&Value>| -> Option<i64> {
        match v? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let task_memory = units(body.get("memory"));
    if task_memory.is_none() {
        let containers = body.get("containerDefinitions").and_then(Value::as_array);
        for c in containers.into_iter().flatten() {
            if c.get("memory").is_none() && c.get("memoryReservation").is_none() {
                let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
                return Err(format!(
                    "Invalid setting for container '{name}'. At least one of 'memory' or \
                     'memoryReservation' must be specified."
                ));
            }
        }
    }
    let fargate = body
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("FARGATE")));
    let Some(cpu) = units(body.get("cpu")).filter(|_| fargate) else {
        return Ok(());
    };
    let (min, max, step) = match cpu {
        256 => (512, 2048, 512),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122_880, 8192),
        _ => return Err("Invalid 'cpu' setting for task.".into()),
    };
    let memory = task_memory.unwrap_or(0);
    // 256 CPU allows 512, 1024 and 2048 MiB (not 1536).
    let valid = (min..=max).contains(&memory)
        && (memory - min) % step == 0
        && !(cpu == 256 && memory == 1536);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. \
             See the Amazon ECS documentation for the valid values."
        ))
    }
}
