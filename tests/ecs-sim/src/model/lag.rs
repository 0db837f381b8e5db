//! Eventual consistency: what the read APIs see of a service while a new deployment
//! is still propagating.
//!
//! ECS's read path lags its write path: right after UpdateService (whose own answer
//! already shows the new PRIMARY deployment and its `currentServiceDeployment`),
//! DescribeServices can still show the service as it was, and ListServiceDeployments /
//! DescribeServiceDeployments may not know the new service deployment yet. With a
//! delay of `d` simulated seconds, a deployment started by UpdateService becomes visible
//! to those reads `d` seconds after it started; until then they see the deployments,
//! their states, the service's `taskDefinition` and `currentServiceDeployment` as they
//! were just before the update. Task counts and events stay live (the scheduler works on
//! the real state all along). A service's first deployment (CreateService) and rollback
//! deployments are not delayed.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::deployment::Deployment;
use super::service::Service;

/// The service as it was before one update, shown until `until`.
#[derive(Debug, Clone)]
struct Stale {
    until: f64,
    deployments: Vec<Deployment>,
    task_definition: String,
}

/// The delay and the stale views of services still inside it.
#[derive(Debug, Clone, Default)]
pub struct Lag {
    /// Simulated seconds before a new deployment shows in the read APIs (0: at once).
    pub delay: f64,
    stale: BTreeMap<String, Vec<Stale>>,
}

impl Lag {
    /// Records `svc` as it is now, before UpdateService starts a deployment at `t`, so
    /// reads keep seeing it until `t + delay`. Nothing when there is no delay or the
    /// service has no deployment yet.
    pub fn before_update(&mut self, svc: &Service, t: f64) {
        if self.delay <= 0.0 || svc.primary().is_none() {
            return;
        }
        self.stale.entry(svc.arn.clone()).or_default().push(Stale {
            until: t + self.delay,
            deployments: svc.deployments.clone(),
            task_definition: svc.task_definition.clone(),
        });
    }

    /// `svc` as the read APIs see it at `now`.
    #[must_use]
    pub fn seen<'a>(&self, svc: &'a Service, now: f64) -> Cow<'a, Service> {
        let stale = self
            .stale
            .get(&svc.arn)
            .and_then(|list| list.iter().find(|s| s.until > now));
        match stale {
            None => Cow::Borrowed(svc),
            Some(s) => {
                let mut old = svc.clone();
                old.deployments.clone_from(&s.deployments);
                old.task_definition.clone_from(&s.task_definition);
                Cow::Owned(old)
            }
        }
    }

    /// Forgets the views that expired by `now`.
    pub fn prune(&mut self, now: f64) {
        self.stale.retain(|_, list| {
            list.retain(|s| s.until > now);
            !list.is_empty()
        });
    }
}

#[cfg(test)]
mod tests;
