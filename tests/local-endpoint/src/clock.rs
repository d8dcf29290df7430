//! The endpoint's clock: wall-clock time plus an offset that tests can move
//! forward, or set, with `POST /_local/clock`. Every "now" in the endpoint comes from here.

use std::time::{SystemTime, UNIX_EPOCH};

/// Epoch seconds with millisecond precision, as AWS serialises timestamps.
pub type Timestamp = f64;

pub const DAY: f64 = 86_400.0;

#[derive(Debug, Default, Clone)]
pub struct Clock {
    offset_seconds: f64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        round_ms(wall + self.offset_seconds)
    }

    pub fn advance(&mut self, seconds: f64) {
        self.offset_seconds += seconds;
    }

    /// Sets how far the clock is from real time (negative: behind it).
    pub fn set_offset(&mut self, seconds: f64) {
        self.offset_seconds = seconds;
    }

    pub fn offset(&self) -> f64 {
        self.offset_seconds
    }
}

/// Rounds to whole milliseconds (AWS timestamps are "accurate to milliseconds").
pub fn round_ms(t: f64) -> f64 {
    (t * 1000.0).round() / 1000.0
}
