//! The plugin binary the Pulumi engine launches: prints its port, then serves gRPC.

use std::io::Write;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use awsbackup::logging::{connect_engine, EngineLogLayer};
use awsbackup::provider::Provider;
use awsbackup::server;

/// The engine passes `[--logtostderr] [-v=N] [--tracing <endpoint>] <engine address>`.
fn engine_address(args: &[String]) -> Option<String> {
    let mut positional = Vec::new();
    let mut iter = args.iter().skip(1);
    while let Some(a) = iter.next() {
        if a == "--tracing" {
            iter.next();
        } else if !a.starts_with('-') {
            positional.push(a.clone());
        }
    }
    positional.pop()
}

/// How long in-flight calls may run after SIGINT/SIGTERM (the engine kills after 5 s).
const GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Resolves when the engine is gone: the process that launched the plugin died (it is
/// re-parented), or the engine's address refuses connections twice in a row. Checked every
/// two seconds, so a provider whose engine was killed exits within a few seconds.
async fn engine_gone(address: Option<String>) {
    let parent = std::os::unix::process::parent_id();
    let mut refusals = 0;
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        if std::os::unix::process::parent_id() != parent {
            tracing::warn!("the engine that launched the provider is gone; stopping");
            return;
        }
        let Some(address) = &address else { continue };
        let probe = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::TcpStream::connect(address.as_str()),
        )
        .await;
        match probe {
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => refusals += 1,
            _ => refusals = 0,
        }
        if refusals >= 2 {
            tracing::warn!("the engine no longer answers; stopping");
            return;
        }
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

// One thread: the provider's work is waiting on the engine and AWS, and a single-threaded
// runtime spends less CPU per call than work-stealing across threads.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = server::bind().await?;
    let port = listener.local_addr()?.port();
    {
        // The first stdout line is the port, and nothing may come before it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{port}")?;
        out.flush()?;
    }

    // stderr is only shown by the engine with --logflow/--debug; RUST_LOG tunes it.
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")));
    let args: Vec<String> = std::env::args().collect();
    tracing_subscriber::registry()
        .with(EngineLogLayer::filtered(EngineLogLayer::level_for(&args)))
        .with(stderr)
        .init();

    let engine = engine_address(&args);
    if let Some(address) = &engine {
        connect_engine(address);
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut serving = tokio::spawn(server::serve(listener, Provider::new(), async {
        let _ = stopped.await;
    }));
    tokio::select! {
        result = &mut serving => return Ok(result??),
        _ = shutdown_signal() => {}
        _ = engine_gone(engine) => {}
    }
    // Finish what is in flight, but do not wait on idle connections the engine keeps open. A
    // create cut short here is found again by the next update (creates are idempotent).
    let _ = stop.send(());
    let _ = tokio::time::timeout(GRACE, serving).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::engine_address;

    #[test]
    fn engine_address_is_the_last_positional_argument() {
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            engine_address(&args("p 127.0.0.1:1234")).as_deref(),
            Some("127.0.0.1:1234")
        );
        assert_eq!(
            engine_address(&args(
                "p --logtostderr -v=9 --tracing http://t:1 127.0.0.1:99"
            ))
            .as_deref(),
            Some("127.0.0.1:99")
        );
        assert_eq!(engine_address(&args("p")), None);
    }
}
