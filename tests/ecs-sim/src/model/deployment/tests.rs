//! Unit and property tests of the deployment arithmetic.

use proptest::prelude::*;

use super::{DeploymentConfig, failure_threshold};

#[test]
fn threshold_matches_ecs() {
    assert_eq!(failure_threshold(0), 3);
    assert_eq!(failure_threshold(1), 3);
    assert_eq!(failure_threshold(2), 3);
    assert_eq!(failure_threshold(6), 3);
    assert_eq!(failure_threshold(7), 4);
    assert_eq!(failure_threshold(10), 5);
    assert_eq!(failure_threshold(399), 200);
    assert_eq!(failure_threshold(1000), 200);
}

#[test]
fn percentages() {
    let cfg = DeploymentConfig::default();
    assert_eq!(cfg.max_tasks(2), 4);
    assert_eq!(cfg.min_healthy(2), 2);
    let half = DeploymentConfig {
        maximum_percent: 150,
        minimum_healthy_percent: 50,
        ..cfg
    };
    assert_eq!(half.max_tasks(3), 4);
    assert_eq!(half.min_healthy(3), 2);
}

#[test]
fn merge_rejects_bad_percent() {
    let bad = serde_json::json!({"maximumPercent": 50});
    assert!(DeploymentConfig::default().merged(Some(&bad)).is_err());
    let ok = serde_json::json!({"deploymentCircuitBreaker": {"enable": true, "rollback": true}});
    let cfg = DeploymentConfig::default().merged(Some(&ok)).unwrap();
    assert!(cfg.breaker_enable && cfg.breaker_rollback);
    assert_eq!(cfg.maximum_percent, 200);
}

proptest! {
    #[test]
    fn threshold_within_bounds(desired in 0i64..100_000) {
        let t = failure_threshold(desired);
        prop_assert!((3..=200).contains(&t));
        prop_assert!(t >= (desired + 1) / 2 || t == 200);
    }

    #[test]
    fn min_healthy_never_exceeds_max(desired in 0i64..1000, max in 100i64..=200, min in 0i64..=100) {
        let cfg = DeploymentConfig { maximum_percent: max, minimum_healthy_percent: min, ..DeploymentConfig::default() };
        prop_assert!(cfg.min_healthy(desired) <= cfg.max_tasks(desired));
        prop_assert!(cfg.max_tasks(desired) >= desired);
    }
}
