//! The `ecs-sim` binary: prints its address when ready, serves, stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::faults::raw_http;

#[test]
fn binary_prints_address_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args([
            "--port",
            "0",
            "--time-scale",
            "20",
            "--seed",
            "3",
            "--throttle-rate",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim();
    let hostport = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{url:?}"));
    let port: u16 = hostport.parse().unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let health = raw_http(addr, "GET", "/__admin/health", "", "").unwrap();
    assert!(health.contains(r#""timeScale":20.0"#), "{health}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn binary_rejects_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["--throttle-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("throttle rate"));
    let out = Command::new(env!("CARGO_BIN_EXE_ecs-sim"))
        .args(["--consistency-delay=-5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ecs-sim: invalid configuration: consistency delay must be 0 or more seconds, not -5\n"
    );
}
