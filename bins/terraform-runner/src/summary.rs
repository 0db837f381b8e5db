//! The summary of a plan, from `terraform show -json PLAN`: counts,
//! resources by action, changed attributes and output changes.
//!
//! Every value that leaves this module went through [`mask`], which
//! replaces what `before_sensitive`/`after_sensitive` mark as sensitive, and
//! then through [`Secrets::redact`], which catches the copies of sensitive
//! values that terraform leaves unmarked. `variables` and `prior_state`,
//! which hold sensitive values in clear, are read only to collect them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::secrets::Secrets;

/// Shown instead of a sensitive value.
pub const SENSITIVE: &str = "(sensitive value)";
/// Shown instead of a value only known after apply.
pub const UNKNOWN: &str = "(known after apply)";

/// What a plan does to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Destroyed and created again.
    Replace,
    /// Destroyed.
    Delete,
    /// Updated in place.
    Update,
    /// Created.
    Create,
    /// Removed from the state without being destroyed.
    Forget,
    /// A data source read during apply.
    Read,
    /// Nothing.
    NoOp,
}

impl Action {
    /// From terraform's `actions` list.
    pub fn from_actions(actions: &[String]) -> Action {
        let has = |name: &str| actions.iter().any(|a| a == name);
        match (has("create"), has("delete")) {
            (true, true) => Action::Replace,
            (true, false) => Action::Create,
            (false, true) => Action::Delete,
            _ if has("update") => Action::Update,
            _ if has("forget") => Action::Forget,
            _ if has("read") => Action::Read,
            _ => Action::NoOp,
        }
    }

    /// Whether the action changes infrastructure or state.
    pub fn is_change(self) -> bool {
        !matches!(self, Action::NoOp | Action::Read)
    }

    /// A past-free verb for reports (`create`, `replace`).
    pub fn verb(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Delete => "destroy",
            Action::Update => "update in place",
            Action::Create => "create",
            Action::Forget => "forget",
            Action::Read => "read",
            Action::NoOp => "no-op",
        }
    }

    /// The diff-style marker terraform uses.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Update => "~",
            Action::Create => "+",
            Action::Forget => ".",
            Action::Read => "<=",
            Action::NoOp => " ",
        }
    }
}

/// How many resources each kind of change touches. A replacement counts
/// only under `replace`, not under `add` and `destroy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Created.
    pub add: usize,
    /// Updated in place.
    pub change: usize,
    /// Destroyed.
    pub destroy: usize,
    /// Replaced.
    pub replace: usize,
    /// Forgotten.
    pub forget: usize,
}

impl Counts {
    fn count(&mut self, action: Action) {
        match action {
            Action::Create => self.add += 1,
            Action::Update => self.change += 1,
            Action::Delete => self.destroy += 1,
            Action::Replace => self.replace += 1,
            Action::Forget => self.forget += 1,
            Action::Read | Action::NoOp => {}
        }
    }

    /// `2 to add, 1 to change, 0 to destroy, 0 to replace`.
    pub fn sentence(&self) -> String {
        let mut text = format!(
            "{} to add, {} to change, {} to destroy, {} to replace",
            self.add, self.change, self.destroy, self.replace
        );
        if self.forget > 0 {
            text.push_str(&format!(", {} to forget", self.forget));
        }
        text
    }
}

/// One attribute that a change sets or alters, masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeChange {
    /// Top-level attribute name.
    pub name: String,
    /// The value before, `None` for a new resource.
    pub before: Option<Value>,
    /// The value after, `None` for a destroyed resource.
    pub after: Option<Value>,
}

/// One resource that the plan changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceChange {
    /// `module.x.aws_y.z[0]`.
    pub address: String,
    /// What happens to it.
    pub action: Action,
    /// The attributes that change, masked.
    pub attributes: Vec<AttributeChange>,
}

/// One root module output that the plan changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputChange {
    /// The output's name.
    pub name: String,
    /// What happens to it.
    pub action: Action,
    /// Whether the value is sensitive (then before and after are masked).
    pub sensitive: bool,
    /// The value before, masked.
    pub before: Option<Value>,
    /// The value after, masked.
    pub after: Option<Value>,
}

/// Everything the runner reports about a plan. Holds no sensitive value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanSummary {
    /// Whether applying the plan would change anything.
    pub has_changes: bool,
    /// Resources per kind of change.
    pub counts: Counts,
    /// Changed resources, grouped by action then sorted by address.
    pub resources: Vec<ResourceChange>,
    /// Changed outputs, by name.
    pub outputs: Vec<OutputChange>,
    /// Every managed resource the plan knows is destroyed and none is kept
    /// or created: applying it destroys the environment, which needs
    /// `destroy`'s confirmation.
    pub destroys_everything: bool,
}

impl PlanSummary {
    /// The resources with `action`, in address order.
    pub fn with_action(&self, action: Action) -> impl Iterator<Item = &ResourceChange> {
        self.resources.iter().filter(move |r| r.action == action)
    }
}

#[derive(Deserialize)]
struct Plan {
    #[serde(default)]
    resource_changes: Vec<RawResourceChange>,
    #[serde(default)]
    output_changes: BTreeMap<String, RawChange>,
    #[serde(default)]
    variables: BTreeMap<String, RawVariable>,
    #[serde(default)]
    configuration: RawConfiguration,
    #[serde(default)]
    prior_state: Option<RawState>,
}

#[derive(Deserialize)]
struct RawVariable {
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize, Default)]
struct RawConfiguration {
    #[serde(default)]
    root_module: RawConfigModule,
}

#[derive(Deserialize, Default)]
struct RawConfigModule {
    #[serde(default)]
    variables: BTreeMap<String, RawVariableConfig>,
}

#[derive(Deserialize)]
struct RawVariableConfig {
    #[serde(default)]
    sensitive: bool,
}

#[derive(Deserialize)]
struct RawState {
    #[serde(default)]
    values: RawStateValues,
}

#[derive(Deserialize, Default)]
struct RawStateValues {
    #[serde(default)]
    outputs: BTreeMap<String, RawStateOutput>,
    #[serde(default)]
    root_module: RawStateModule,
}

#[derive(Deserialize)]
struct RawStateOutput {
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize, Default)]
struct RawStateModule {
    #[serde(default)]
    resources: Vec<RawStateResource>,
    #[serde(default)]
    child_modules: Vec<RawStateModule>,
}

#[derive(Deserialize)]
struct RawStateResource {
    #[serde(default)]
    values: Value,
    #[serde(default)]
    sensitive_values: Value,
}

/// A plan's summary and the sensitive values found in it.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// The masked summary.
    pub summary: PlanSummary,
    /// Every sensitive value of the plan (never print these).
    pub secrets: Secrets,
}

#[derive(Deserialize)]
struct RawResourceChange {
    address: String,
    #[serde(default)]
    mode: String,
    change: RawChange,
}

#[derive(Deserialize)]
struct RawChange {
    actions: Vec<String>,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default)]
    after_unknown: Value,
    #[serde(default)]
    before_sensitive: Value,
    #[serde(default)]
    after_sensitive: Value,
}

/// Summarises the JSON of `terraform show -json PLAN` and collects its
/// sensitive values.
pub fn analyze(plan_json: &[u8]) -> Result<Analysis, serde_json::Error> {
    let plan: Plan = serde_json::from_slice(plan_json)?;
    let secrets = collect_secrets(&plan);
    let mut summary = PlanSummary::default();
    // A destroy plan: some managed resource, and every one of them deleted.
    let (mut managed, mut all_deleted) = (false, true);
    for raw in plan.resource_changes {
        let action = Action::from_actions(&raw.change.actions);
        if raw.mode != "data" {
            managed = true;
            all_deleted &= action == Action::Delete;
        }
        if !action.is_change() {
            continue;
        }
        summary.counts.count(action);
        let mut attributes = attribute_changes(&raw.change, action);
        for attr in &mut attributes {
            attr.before = attr.before.take().map(|v| secrets.redact(v));
            attr.after = attr.after.take().map(|v| secrets.redact(v));
        }
        summary.resources.push(ResourceChange {
            address: raw.address,
            action,
            attributes,
        });
    }
    summary
        .resources
        .sort_by(|a, b| (a.action, &a.address).cmp(&(b.action, &b.address)));
    for (name, raw) in plan.output_changes {
        let action = Action::from_actions(&raw.actions);
        if !action.is_change() {
            continue;
        }
        let sensitive = is_true(&raw.before_sensitive) || is_true(&raw.after_sensitive);
        summary.outputs.push(OutputChange {
            name,
            action,
            sensitive,
            before: present(&raw.before).map(|v| secrets.redact(mask(v, &raw.before_sensitive))),
            after: shown_after(&raw.after, &raw.after_unknown, &raw.after_sensitive)
                .map(|v| secrets.redact(v)),
        });
    }
    summary.destroys_everything = managed && all_deleted;
    summary.has_changes = !summary.resources.is_empty() || !summary.outputs.is_empty();
    Ok(Analysis { summary, secrets })
}

fn collect_secrets(plan: &Plan) -> Secrets {
    let mut secrets = Secrets::default();
    for (name, config) in &plan.configuration.root_module.variables {
        if config.sensitive
            && let Some(variable) = plan.variables.get(name)
        {
            secrets.collect_all(&variable.value);
        }
    }
    for raw in &plan.resource_changes {
        let change = &raw.change;
        secrets.collect_marked(&change.before, &change.before_sensitive);
        secrets.collect_marked(&change.after, &change.after_sensitive);
    }
    for change in plan.output_changes.values() {
        secrets.collect_marked(&change.before, &change.before_sensitive);
        secrets.collect_marked(&change.after, &change.after_sensitive);
    }
    if let Some(state) = &plan.prior_state {
        for output in state.values.outputs.values().filter(|o| o.sensitive) {
            secrets.collect_all(&output.value);
        }
        let mut modules = vec![&state.values.root_module];
        while let Some(module) = modules.pop() {
            for resource in &module.resources {
                secrets.collect_marked(&resource.values, &resource.sensitive_values);
            }
            modules.extend(&module.child_modules);
        }
    }
    secrets
}

fn attribute_changes(change: &RawChange, action: Action) -> Vec<AttributeChange> {
    if action == Action::Delete || action == Action::Forget {
        return Vec::new();
    }
    let empty = serde_json::Map::new();
    let before = change.before.as_object().unwrap_or(&empty);
    let after = change.after.as_object().unwrap_or(&empty);
    let unknown = change.after_unknown.as_object().unwrap_or(&empty);
    let mut names: Vec<&String> = after.keys().chain(unknown.keys()).collect();
    names.extend(before.keys());
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let old = before.get(name).and_then(present);
            let new_unknown = unknown.get(name).is_some_and(is_true);
            let new = after.get(name).and_then(present);
            if !new_unknown && old == new {
                return None;
            }
            if old.is_none() && new.is_none() && !new_unknown {
                return None;
            }
            Some(AttributeChange {
                name: name.clone(),
                before: old.map(|v| mask(v, field(&change.before_sensitive, name))),
                after: if new_unknown {
                    Some(Value::String(UNKNOWN.to_owned()))
                } else {
                    new.map(|v| mask(v, field(&change.after_sensitive, name)))
                },
            })
        })
        .collect()
}

fn shown_after(after: &Value, unknown: &Value, sensitive: &Value) -> Option<Value> {
    if is_true(unknown) {
        return Some(Value::String(UNKNOWN.to_owned()));
    }
    present(after).map(|v| mask(v, sensitive))
}

fn present(value: &Value) -> Option<&Value> {
    (!value.is_null()).then_some(value)
}

fn is_true(value: &Value) -> bool {
    value.as_bool() == Some(true)
}

fn field<'a>(sensitive: &'a Value, name: &str) -> &'a Value {
    match sensitive {
        Value::Object(map) => map.get(name).unwrap_or(&Value::Null),
        // A whole-object `true` covers every field.
        other => other,
    }
}

/// `value` with every part that `sensitive` marks replaced by
/// [`SENSITIVE`]. `sensitive` mirrors the value's shape: `true` marks the
/// whole value, an object or array marks the members it contains.
pub fn mask(value: &Value, sensitive: &Value) -> Value {
    match (value, sensitive) {
        (_, Value::Bool(true)) => Value::String(SENSITIVE.to_owned()),
        (Value::Object(map), Value::Object(marks)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask(v, marks.get(k).unwrap_or(&Value::Null))))
                .collect(),
        ),
        (Value::Array(items), Value::Array(marks)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| mask(v, marks.get(i).unwrap_or(&Value::Null)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests;
