//! AWS's clock, as the `Date` header of its answers tells it.

use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use aws_sdk_backup::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_backup::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_backup::error::BoxError;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// AWS's clock as seen in the `Date` header of the last response, and when it was seen.
#[derive(Debug, Default)]
pub(super) struct ServerClock {
    seen: Mutex<Option<(SystemTime, Instant)>>,
}

impl ServerClock {
    /// AWS's time now: the last date seen plus the time since; the local clock until then.
    pub(super) fn now(&self) -> SystemTime {
        match *self.seen.lock().expect("clock lock") {
            Some((at, seen)) => at + seen.elapsed(),
            None => SystemTime::now(),
        }
    }
}

/// Feeds the `Date` header of every response to the [`ServerClock`].
#[derive(Debug)]
pub(super) struct DateHeader(pub(super) Arc<ServerClock>);

impl Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "ServerClock"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let date = context.response().headers().get("date");
        if let Some(t) = date
            .and_then(|d| DateTime::from_str(d, Format::HttpDate).ok())
            .and_then(|d| SystemTime::try_from(d).ok())
        {
            *self.0.seen.lock().expect("clock lock") = Some((t, Instant::now()));
        }
        Ok(())
    }
}
