//! Third-party servers (Debian's mosquitto, openssl s_server) for the
//! real-server suites: started on 127.x addresses, killed on drop.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A third-party server process, killed on drop.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn available(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var_os("STADSCAN_SKIP_REAL_SERVERS").is_none() {
        panic!(
            "`{program}` is not installed: run .ci/run (or apt-get install mosquitto openssl snmpd), \
             or set STADSCAN_SKIP_REAL_SERVERS=1 to skip the real-server tests"
        );
    }
    if !found {
        eprintln!("skipping: {program} is not installed and STADSCAN_SKIP_REAL_SERVERS is set");
    }
    found
}

pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind(format!("{ip}:0"))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_listening(addr: SocketAddr, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {addr}");
}

pub fn spawn(cmd: &mut Command, addr: SocketAddr) -> Server {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    wait_listening(addr, &mut child);
    Server(child)
}
