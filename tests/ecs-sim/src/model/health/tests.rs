use serde_json::json;

use super::*;

fn check(interval: f64, retries: u32, start_period: f64) -> HealthCheck {
    HealthCheck {
        interval,
        timeout: 5.0,
        retries,
        start_period,
    }
}

/// Runs `probe` at every check from a start at 0 until `until`; returns (time, status)
/// of each check.
fn run(check: HealthCheck, until: f64, probe: impl Fn(f64) -> Probe) -> Vec<(f64, Health)> {
    let mut k = Checker::new(check);
    k.start(0.0);
    let mut out = Vec::new();
    while let Some(at) = k.next_at.filter(|at| *at <= until) {
        out.push((at, k.observe(at, probe(at))));
    }
    out
}

#[test]
fn defaults_are_the_documented_ones() {
    let hc = HealthCheck::of_container(&json!({"healthCheck": {"command": ["CMD", "true"]}}));
    assert_eq!(hc, Some(check(30.0, 3, 0.0)));
    let given = HealthCheck::of_container(&json!({"healthCheck": {
        "command": ["CMD-SHELL", "curl -f localhost"], "interval": 10, "timeout": 2,
        "retries": 5, "startPeriod": 60}}));
    assert_eq!(
        given,
        Some(HealthCheck {
            interval: 10.0,
            timeout: 2.0,
            retries: 5,
            start_period: 60.0
        })
    );
    assert_eq!(HealthCheck::of_container(&json!({"name": "app"})), None);
}

#[test]
fn the_first_passing_check_one_interval_after_the_start_makes_it_healthy() {
    let checks = run(check(30.0, 3, 60.0), 30.0, |_| Probe::Pass(0.0));
    assert_eq!(checks, vec![(30.0, Health::Healthy)]);
}

#[test]
fn failures_within_the_start_period_do_not_count() {
    // interval 30, startPeriod 60, retries 3: checks at 30 (not counted), 60, 90, 120.
    let checks = run(check(30.0, 3, 60.0), 200.0, |_| Probe::Fail(0.0));
    let first_unhealthy = checks.iter().find(|(_, h)| *h == Health::Unhealthy);
    assert_eq!(first_unhealthy, Some(&(120.0, Health::Unhealthy)));
    // Without a start period: 30, 60, 90.
    let checks = run(check(30.0, 3, 0.0), 200.0, |_| Probe::Fail(0.0));
    assert_eq!(
        checks.iter().find(|(_, h)| *h == Health::Unhealthy),
        Some(&(90.0, Health::Unhealthy))
    );
}

#[test]
fn a_check_running_past_its_timeout_fails_and_delays_the_next() {
    let mut k = Checker::new(check(10.0, 1, 0.0));
    k.start(0.0);
    assert_eq!(k.observe(10.0, Probe::Pass(7.0)), Health::Unhealthy);
    assert_eq!(k.next_at, Some(25.0));
    assert_eq!(k.observe(25.0, Probe::Hang), Health::Unhealthy);
    assert_eq!(k.next_at, Some(40.0));
    assert_eq!(k.observe(40.0, Probe::Pass(1.0)), Health::Healthy);
}

#[test]
fn a_slow_start_turns_healthy_after_it() {
    let checks = run(check(10.0, 3, 0.0), 100.0, |at| {
        if at < 45.0 {
            Probe::Fail(0.0)
        } else {
            Probe::Pass(0.0)
        }
    });
    // 10, 20, 30 fail: UNHEALTHY at 30; 50 passes.
    assert_eq!(checks[2], (30.0, Health::Unhealthy));
    assert_eq!(checks[4], (50.0, Health::Healthy));
}

#[test]
fn task_health_is_the_essential_containers_aggregate() {
    let m = |essential, checked, health| Member {
        essential,
        checked,
        health,
    };
    use Health::{Healthy, Unhealthy, Unknown};
    assert_eq!(task_health(&[m(true, false, Unknown)]), Unknown);
    assert_eq!(task_health(&[m(true, true, Healthy)]), Healthy);
    assert_eq!(
        task_health(&[m(true, true, Healthy), m(false, true, Unhealthy)]),
        Healthy
    );
    assert_eq!(
        task_health(&[m(true, true, Healthy), m(true, true, Unhealthy)]),
        Unhealthy
    );
    assert_eq!(
        task_health(&[m(true, true, Healthy), m(true, false, Unknown)]),
        Unknown
    );
    assert!(containers_ready(&[m(true, false, Unknown)]));
    assert!(containers_ready(&[
        m(true, false, Unknown),
        m(true, true, Healthy)
    ]));
    assert!(!containers_ready(&[m(true, true, Unknown)]));
    assert!(containers_ready(&[
        m(false, true, Unhealthy),
        m(true, false, Unknown)
    ]));
}

#[test]
fn failure_texts_are_ecs_texts() {
    let arn =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
    let target = HealthFailure::Target {
        target_group_arn: arn.into(),
        port: 8000,
        reason: "Health checks failed with these codes: [500]".into(),
    };
    assert_eq!(
        target.event("abc"),
        format!(
            "(task abc) (port 8000) is unhealthy in (target-group {arn}) due to (reason Health checks failed with these codes: [500])."
        )
    );
    assert_eq!(
        target.stopped_reason(),
        format!("Task failed ELB health checks in (target-group {arn})")
    );
    assert_eq!(
        HealthFailure::Container.event("abc"),
        "(task abc) failed container health checks."
    );
    assert_eq!(
        HealthFailure::Container.stopped_reason(),
        "Task failed container health checks"
    );
}
