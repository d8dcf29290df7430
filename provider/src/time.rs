//! Timestamps as the provider shows them (RFC 3339, UTC).

use std::time::{Duration, SystemTime};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

pub fn rfc3339(t: SystemTime) -> String {
    DateTime::from(t).fmt(Format::DateTime).unwrap_or_default()
}

pub fn parse(s: &str) -> Option<SystemTime> {
    DateTime::from_str(s, Format::DateTime)
        .ok()
        .and_then(|d| SystemTime::try_from(d).ok())
}

pub fn days(n: i64) -> Duration {
    Duration::from_secs(n.max(0) as u64 * 86_400)
}
