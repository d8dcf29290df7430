//! Forwards `tracing` events from this crate to the engine's `Engine.Log`, tied to the resource
//! URN of the enclosing span, so they show in `pulumi up` output.

use std::fmt::Write as _;
use std::sync::OnceLock;

use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::proto::pulumirpc::{engine_client::EngineClient, LogRequest, LogSeverity};

static SENDER: OnceLock<mpsc::UnboundedSender<LogRequest>> = OnceLock::new();

/// Starts sending log events to the engine at `address` (host:port). Later calls do nothing.
pub fn connect_engine(address: &str) {
    let (tx, mut rx) = mpsc::unbounded_channel::<LogRequest>();
    if SENDER.set(tx).is_err() {
        return;
    }
    let uri = format!("http://{address}");
    tokio::spawn(async move {
        let Ok(endpoint) = tonic::transport::Endpoint::from_shared(uri) else {
            return;
        };
        let mut client = EngineClient::new(endpoint.connect_lazy());
        while let Some(req) = rx.recv().await {
            // A lost log line must never fail a resource operation.
            let _ = client.log(req).await;
        }
    });
}

/// The tracing layer. Only this crate's events reach it: see [`EngineLogLayer::filtered`].
pub struct EngineLogLayer;

impl EngineLogLayer {
    /// The layer behind a filter on this crate's events at `level` and above, so the AWS SDK's
    /// and hyper's debug and trace events are never even built.
    pub fn filtered<S>(level: Level) -> impl Layer<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        EngineLogLayer
            .with_filter(tracing_subscriber::filter::Targets::new().with_target("awsbackup", level))
    }

    /// The lowest level sent to the engine: debug events (one per AWS write) only when the
    /// engine passes a verbosity (`pulumi -v=N --logflow` launches plugins with `-v=N`); each
    /// event is an `Engine.Log` call, and the CLI shows debug events only with `--debug`.
    pub fn level_for(args: &[String]) -> Level {
        let verbose = args.iter().any(|a| {
            a.strip_prefix("-v=")
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| n > 0)
        });
        if verbose {
            Level::DEBUG
        } else {
            Level::INFO
        }
    }
}

struct Urn(String);

#[derive(Default)]
struct Collect {
    message: String,
    fields: String,
    urn: Option<String>,
}

impl Visit for Collect {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "urn" => self.urn = Some(value.to_string()),
            name => {
                let _ = write!(self.fields, " {name}={value}");
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            "urn" => self.urn = Some(format!("{value:?}").trim_matches('"').to_string()),
            name => {
                let _ = write!(self.fields, " {name}={value:?}");
            }
        }
    }
}

impl<S> Layer<S> for EngineLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut c = Collect::default();
        attrs.record(&mut c);
        if let (Some(urn), Some(span)) = (c.urn, ctx.span(id)) {
            span.extensions_mut().insert(Urn(urn));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let Some(sender) = SENDER.get() else { return };
        let mut c = Collect::default();
        event.record(&mut c);
        let urn = c.urn.clone().or_else(|| {
            ctx.event_scope(event)?
                .find_map(|span| span.extensions().get::<Urn>().map(|u| u.0.clone()))
        });
        let severity = match *meta.level() {
            Level::ERROR => LogSeverity::Error,
            Level::WARN => LogSeverity::Warning,
            Level::INFO => LogSeverity::Info,
            _ => LogSeverity::Debug,
        };
        let _ = sender.send(LogRequest {
            severity: severity as i32,
            message: format!("{}{}", c.message, c.fields),
            urn: urn.unwrap_or_default(),
            stream_id: 0,
            ephemeral: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_events_reach_the_engine_only_when_it_asks_for_verbosity() {
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            EngineLogLayer::level_for(&args("p 127.0.0.1:1")),
            Level::INFO
        );
        assert_eq!(
            EngineLogLayer::level_for(&args("p --logtostderr -v=9 127.0.0.1:1")),
            Level::DEBUG
        );
        assert_eq!(
            EngineLogLayer::level_for(&args("p -v=0 127.0.0.1:1")),
            Level::INFO
        );
    }
}
