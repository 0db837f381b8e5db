//! moto_server (PyPI `moto[server]`): ECR, STS, S3, CloudWatch Logs and
//! more, on a free loopback port.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::TestkitError;
use crate::process::{ChildGuard, free_port, wait_for_port};

const PROGRAM: &str = "moto_server";
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto_server, stopped when dropped.
#[derive(Debug)]
pub struct Moto {
    endpoint: String,
    addr: SocketAddr,
    _child: ChildGuard,
}

impl Moto {
    /// Starts moto_server on a free loopback port and waits until it answers.
    pub fn start() -> Result<Moto, TestkitError> {
        let io = |source| TestkitError::Io {
            program: PROGRAM.to_owned(),
            source,
        };
        let port = free_port().map_err(io)?;
        let child = Command::new(PROGRAM)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => TestkitError::NotInstalled {
                    program: PROGRAM.to_owned(),
                    hint: "pip install 'moto[server]'".to_owned(),
                },
                _ => io(source),
            })?;
        let mut guard = ChildGuard(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if !wait_for_port(addr, &mut guard.0, READY_TIMEOUT) {
            return Err(TestkitError::NotReady {
                program: PROGRAM.to_owned(),
                addr: addr.to_string(),
                secs: READY_TIMEOUT.as_secs(),
            });
        }
        let moto = Moto {
            endpoint: format!("http://{addr}"),
            addr,
            _child: guard,
        };
        moto.wait_until_serving().map_err(io)?;
        Ok(moto)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's process id (to pause it with SIGSTOP, as a hung AWS would be).
    pub fn pid(&self) -> u32 {
        self._child.0.id()
    }

    /// Environment for a tool under test that talks to this moto.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        crate::aws_env(&self.endpoint)
    }

    /// The socket accepts before the app is loaded: ask moto's own API.
    fn wait_until_serving(&self) -> std::io::Result<()> {
        let mut last = None;
        for _ in 0..200 {
            match self.get("/moto-api/data.json") {
                Ok(status) if status.starts_with("HTTP/1.") => return Ok(()),
                Ok(other) => last = Some(std::io::Error::other(other)),
                Err(err) => last = Some(err),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("moto never answered")))
    }

    fn get(&self, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )?;
        let mut head = [0u8; 64];
        let n = stream.read(&mut head)?;
        Ok(String::from_utf8_lossy(&head[..n]).into_owned())
    }
}
