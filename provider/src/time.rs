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

/// A date as a user may write it: RFC 3339, in UTC (`Z`) or with an offset (`+02:00`).
pub fn parse_with_offset(s: &str) -> Option<SystemTime> {
    DateTime::from_str(s, Format::DateTimeWithOffset)
        .ok()
        .and_then(|d| SystemTime::try_from(d).ok())
}

pub fn days(n: i64) -> Duration {
    Duration::from_secs(n.max(0) as u64 * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_date_may_carry_an_offset() {
        let utc = parse_with_offset("2024-05-01T10:00:00Z").unwrap();
        assert_eq!(parse_with_offset("2024-05-01T12:00:00+02:00"), Some(utc));
        assert_eq!(rfc3339(utc), "2024-05-01T10:00:00Z");
        for bad in ["2024-05-01", "yesterday", "2024-13-01T00:00:00Z", ""] {
            assert_eq!(parse_with_offset(bad), None, "{bad}");
        }
    }
}
