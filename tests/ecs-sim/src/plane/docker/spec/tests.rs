use serde_json::json;

use super::*;

fn order(definition: Value, overrides: Vec<Value>, time_scale: f64) -> LaunchOrder {
    LaunchOrder {
        cluster: "c".into(),
        task: "t".into(),
        task_arn: "arn:aws:ecs:us-east-1:123456789012:task/c/t".into(),
        region: "us-east-1".into(),
        definition,
        container_overrides: overrides,
        log_streams: Vec::new(),
        load_balancers: Vec::new(),
        time_scale,
    }
}

#[test]
fn a_definition_becomes_docker_create_arguments_with_scaled_health_timings() {
    let def = json!({"containerDefinitions": [{
        "name": "app", "image": "127.0.0.1:5000/app:v1", "memory": 64,
        "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        "entryPoint": ["/bin/sh", "-c"], "command": ["echo hi"],
        "portMappings": [{"containerPort": 8000}],
        "stopTimeout": 10,
        "healthCheck": {"command": ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8000/ || exit 1"],
                        "interval": 10, "timeout": 2, "retries": 2, "startPeriod": 5}
    }]});
    let overrides = vec![json!({"name": "app", "environment": [{"name": "B", "value": "3"}]})];
    let secrets = vec![("app".to_owned(), "TOKEN".to_owned(), "s3cret".to_owned())];
    let specs = containers(&order(def, overrides, 20.0), &secrets);
    let [app] = specs.as_slice() else {
        panic!("one container: {specs:?}")
    };
    assert_eq!(
        app.env,
        [("A", "1"), ("B", "3"), ("TOKEN", "s3cret")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(app.stop_timeout_secs, 1);
    let args = app.create_args("n", "net", &["ecs-sim.task=t".to_owned()]);
    assert_eq!(
        args.join(" "),
        "--name n --network net --network-alias app --label ecs-sim.task=t \
         --label ecs-sim.container=app --env A --env B --env TOKEN \
         --publish 127.0.0.1::8000/tcp --memory 64m --memory-swap 64m \
         --health-cmd wget -q -O /dev/null http://localhost:8000/ || exit 1 \
         --health-interval 500ms --health-timeout 100ms --health-retries 2 \
         --health-start-period 250ms --entrypoint /bin/sh 127.0.0.1:5000/app:v1 -c echo hi"
    );
    assert!(
        !args.iter().any(|a| a.contains("s3cret")),
        "no secret on the command line"
    );
}

#[test]
fn defaults_exec_form_and_the_1ms_floor() {
    let def = json!({"containerDefinitions": [{
        "name": "app", "image": "img", "essential": false,
        "healthCheck": {"command": ["CMD", "test", "-f", "/tmp/a b"]}
    }]});
    let specs = containers(&order(def, Vec::new(), 1e6), &[]);
    let app = specs.first().unwrap();
    assert!(!app.essential);
    let health = app.health.clone().unwrap();
    assert_eq!(health.test, "test -f '/tmp/a b'");
    assert_eq!(health.interval, Duration::from_millis(1));
    assert_eq!(health.retries, 3);
    assert_eq!(health.start_period, Duration::ZERO);
    assert_eq!(app.stop_timeout_secs, 1);
    let none = json!({"containerDefinitions": [{"name": "a", "image": "i",
        "healthCheck": {"command": ["NONE"]}}]});
    assert_eq!(
        containers(&order(none, Vec::new(), 1.0), &[])[0].health,
        None
    );
}
