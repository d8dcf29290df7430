//! `awsbackup-local-endpoint [--port N]`: serves the local AWS Backup endpoint
//! on 127.0.0.1, prints its URL on stdout, and runs until SIGINT/SIGTERM.

use std::io::Write;
use std::process::ExitCode;

use awsbackup_local_endpoint::LocalEndpoint;

fn usage() -> ExitCode {
    eprintln!("usage: awsbackup-local-endpoint [--port N]   (N = 0 picks a free port)");
    ExitCode::from(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut port: u16 = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--port" => args.next(),
            a if a.starts_with("--port=") => Some(a["--port=".len()..].to_string()),
            "-h" | "--help" => return usage(),
            _ => return usage(),
        };
        match value.and_then(|v| v.parse().ok()) {
            Some(p) => port = p,
            None => return usage(),
        }
    }
    let endpoint = match LocalEndpoint::start_on(port).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("awsbackup-local-endpoint: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", endpoint.url());
    let _ = stdout.flush();

    wait_for_signal().await;
    endpoint.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
