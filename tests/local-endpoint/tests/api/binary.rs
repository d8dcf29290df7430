//! The `awsbackup-local-endpoint` binary: prints its URL, serves, stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::*;

/// Kills the child process if a test fails before stopping it.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args`; returns it and the line it printed.
fn spawn(args: &[&str]) -> (KillOnDrop, String) {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_awsbackup-local-endpoint"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

#[tokio::test]
async fn binary_prints_url_serves_and_stops_on_sigterm() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (mut child, line) = spawn(&["--port", &port.to_string()]);
    assert_eq!(line, format!("http://127.0.0.1:{port}\n"));

    let c = client(line.trim());
    make_vault(&c, "from-binary").await;
    let vaults = c.list_backup_vaults().send().await.unwrap();
    assert_eq!(vaults.backup_vault_list().len(), 1);

    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn binary_with_port_zero_picks_a_port_and_rejects_bad_args() {
    let (child, line) = spawn(&["--port", "0"]);
    let port: u16 = line
        .trim()
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(child);

    let bad = Command::new(env!("CARGO_BIN_EXE_awsbackup-local-endpoint"))
        .args(["--port", "not-a-port"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(bad.code(), Some(2));
}
