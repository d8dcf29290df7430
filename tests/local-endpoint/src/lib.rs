//! A local, fault-injecting stand-in for AWS Backup.
//!
//! It speaks restJson1 exactly as the botocore/aws-sdk-backup model, keeps
//! state in memory per account (from the SigV4 access key) and region (from
//! the SigV4 credential scope), enforces AWS's validation rules, and offers a
//! test-control API under `/_local/` (clock, faults, scripted failures, stats,
//! call log, reset). The same port serves STS's AssumeRole and GetCallerIdentity; AWS Backup
//! calls signed with the credentials AssumeRole hands out act in the role's account.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let endpoint = awsbackup_local_endpoint::LocalEndpoint::start().await?;
//! println!("AWS Backup at {}", endpoint.url());
//! endpoint.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod clock;
mod error;
mod faults;
mod ops;
mod router;
mod server;
mod state;
mod sts;
mod validate;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::sync::{oneshot, watch};

pub use router::operations;
pub use server::{DEFAULT_ACCOUNT, DEFAULT_REGION};

/// A running endpoint on 127.0.0.1. It serves from its own thread and tokio
/// runtime, so it works from any test runtime (or none) and outlives nothing:
/// dropping it stops the server.
pub struct LocalEndpoint {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    shutdown: Option<watch::Sender<()>>,
    stopped: Option<oneshot::Receiver<()>>,
}

impl LocalEndpoint {
    /// Starts on a random free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<LocalEndpoint> {
        Self::start_on(0).await
    }

    /// Starts on the given port of 127.0.0.1 (0 = random).
    pub async fn start_on(port: u16) -> std::io::Result<LocalEndpoint> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown_tx, shutdown_rx) = watch::channel(());
        let (stopped_tx, stopped_rx) = oneshot::channel();
        let shared = Arc::new(server::Shared::default());
        let serving = shared.clone();
        std::thread::Builder::new()
            .name(format!("awsbackup-local-endpoint-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => server::serve(listener, serving, shutdown_rx).await,
                        Err(e) => eprintln!("awsbackup-local-endpoint: {e}"),
                    }
                });
                // Dropping the runtime ends every connection task.
                drop(runtime);
                let _ = stopped_tx.send(());
            })?;
        Ok(LocalEndpoint {
            addr,
            shared,
            shutdown: Some(shutdown_tx),
            stopped: Some(stopped_rx),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Moves the endpoint's clock forward (like `POST /_local/clock`).
    pub fn advance_clock(&self, seconds: f64) {
        // Only negative or non-finite values are refused; ignore them here.
        let _ = self.shared.advance_clock(seconds);
    }

    /// Sets the clock's offset from real time, negative for a clock behind it (like
    /// `POST /_local/clock` with `offsetSeconds`).
    pub fn set_clock_offset(&self, seconds: f64) {
        // Only non-finite values are refused; ignore them here.
        let _ = self.shared.set_clock_offset(seconds);
    }

    /// Replaces the fault settings; `settings` is the JSON body of
    /// `POST /_local/faults`.
    pub fn set_faults(&self, settings: serde_json::Value) -> Result<(), String> {
        self.shared.set_faults(settings)
    }

    /// Makes the next calls of one operation fail with a chosen error; `failure` is the JSON
    /// body of `POST /_local/failures`.
    pub fn add_failure(&self, failure: serde_json::Value) -> Result<(), String> {
        self.shared.add_failure(failure)
    }

    /// Sets the organization the accounts belong to; `organization` is the JSON body of
    /// `POST /_local/organization` (`{"managementAccount": "…", "memberAccounts": ["…"]}`).
    pub fn set_organization(&self, organization: serde_json::Value) -> Result<(), String> {
        self.shared.set_organization(&organization)
    }

    /// Registers roles for STS's AssumeRole; `roles` is the JSON body of `POST /_local/roles`.
    pub fn set_roles(&self, roles: serde_json::Value) -> Result<(), String> {
        self.shared.set_roles(roles)
    }

    /// Call and fault counters, as `GET /_local/stats` answers them.
    pub fn stats(&self) -> serde_json::Value {
        self.shared.stats()
    }

    /// The latest calls in the order they were answered, as `GET /_local/calls` answers them.
    pub fn call_log(&self) -> serde_json::Value {
        self.shared.call_log()
    }

    /// Empties state, faults, scripted failures, stats, call log and clock offset (like
    /// `POST /_local/reset`).
    pub fn reset(&self) {
        self.shared.reset()
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        self.shutdown.take();
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

impl Drop for LocalEndpoint {
    fn drop(&mut self) {
        // Dropping the sender wakes the accept loop, which then exits.
        self.shutdown.take();
    }
}
