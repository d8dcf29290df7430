//! Fault injection (`POST /_local/faults`) and call statistics (`GET /_local/stats`).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::Timestamp;

/// Fault rates for one operation (or `*`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpFaults {
    #[serde(default)]
    pub throttle_rate: f64,
    #[serde(default)]
    pub server_error_rate: f64,
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub drop_rate: f64,
}

/// A token bucket's settings: `burst` calls at once, refilled at `perSecond`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

/// The body of `POST /_local/faults`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRequest {
    #[serde(default)]
    pub operations: HashMap<String, OpFaults>,
    /// Rate limits per operation (or `*` for every operation without its own), enforced per
    /// account and region like AWS's: a call finding its bucket empty is throttled.
    #[serde(default)]
    pub rate_limits: HashMap<String, RateLimit>,
    #[serde(default)]
    pub iam_propagation_seconds: f64,
    /// Optional RNG seed, for reproducible fault sequences.
    #[serde(default)]
    pub seed: Option<u64>,
}

impl FaultRequest {
    pub fn check(&self) -> Result<(), String> {
        for (op, f) in &self.operations {
            for (name, rate) in [
                ("throttleRate", f.throttle_rate),
                ("serverErrorRate", f.server_error_rate),
                ("dropRate", f.drop_rate),
            ] {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(format!("{op}.{name} must be within [0, 1]"));
                }
            }
        }
        for (op, limit) in &self.rate_limits {
            let valid =
                limit.per_second > 0.0 && limit.per_second.is_finite() && limit.burst >= 1.0;
            if !valid {
                return Err(format!(
                    "rateLimits.{op} needs perSecond > 0 and burst >= 1"
                ));
            }
        }
        if self.iam_propagation_seconds.is_nan() || self.iam_propagation_seconds < 0.0 {
            return Err("iamPropagationSeconds must be >= 0".into());
        }
        Ok(())
    }
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Drop,
    Throttle,
    ServerError,
    IamPropagation,
}

impl Fault {
    fn label(self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Throttle => "throttle",
            Fault::ServerError => "serverError",
            Fault::IamPropagation => "iamPropagation",
        }
    }
}

pub struct Decision {
    pub latency_ms: u64,
    pub fault: Option<Fault>,
}

/// A token bucket in real time (the movable clock does not refill it).
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Current fault settings plus the call/fault counters.
pub struct Faults {
    operations: HashMap<String, OpFaults>,
    rate_limits: HashMap<String, RateLimit>,
    /// (account, region, operation or `*`) → its bucket.
    buckets: HashMap<(String, String, String), Bucket>,
    /// CreateBackupSelection fails with "cannot be assumed" until this time.
    iam_ready_at: Option<Timestamp>,
    rng: StdRng,
    calls: BTreeMap<String, u64>,
    injected: BTreeMap<String, u64>,
    by_kind: BTreeMap<&'static str, u64>,
    /// Calls being answered right now, per operation.
    in_flight: BTreeMap<String, i64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            operations: HashMap::new(),
            rate_limits: HashMap::new(),
            buckets: HashMap::new(),
            iam_ready_at: None,
            rng: StdRng::from_os_rng(),
            calls: BTreeMap::new(),
            injected: BTreeMap::new(),
            by_kind: BTreeMap::new(),
            in_flight: BTreeMap::new(),
        }
    }
}

impl Faults {
    /// Replaces the settings (counters are kept; `/_local/reset` clears them).
    pub fn configure(&mut self, req: FaultRequest, now: Timestamp) {
        self.operations = req.operations;
        self.rate_limits = req.rate_limits;
        self.buckets.clear();
        self.iam_ready_at =
            (req.iam_propagation_seconds > 0.0).then_some(now + req.iam_propagation_seconds);
        if let Some(seed) = req.seed {
            self.rng = StdRng::seed_from_u64(seed);
        }
    }

    /// Takes a token from the bucket that limits `op` for the caller; false when it is empty.
    fn within_rate(&mut self, op: &str, account: &str, region: &str) -> bool {
        let (key, limit) = match self.rate_limits.get(op) {
            Some(l) => (op, *l),
            None => match self.rate_limits.get("*") {
                Some(l) => ("*", *l),
                None => return true,
            },
        };
        let now = Instant::now();
        let bucket = self
            .buckets
            .entry((account.to_string(), region.to_string(), key.to_string()))
            .or_insert(Bucket {
                tokens: limit.burst,
                at: now,
            });
        let refill = now.duration_since(bucket.at).as_secs_f64() * limit.per_second;
        bucket.tokens = (bucket.tokens + refill).min(limit.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Counts a call to `op` from `account` in `region` and decides whether to inject a fault
    /// into it: a throttle when its rate limit is exceeded, otherwise the configured rates.
    pub fn decide(&mut self, op: &str, account: &str, region: &str, now: Timestamp) -> Decision {
        *self.calls.entry(op.to_string()).or_default() += 1;
        if !self.within_rate(op, account, region) {
            *self.injected.entry(op.to_string()).or_default() += 1;
            *self.by_kind.entry(Fault::Throttle.label()).or_default() += 1;
            return Decision {
                latency_ms: 0,
                fault: Some(Fault::Throttle),
            };
        }
        let cfg = self
            .operations
            .get(op)
            .or_else(|| self.operations.get("*"))
            .copied()
            .unwrap_or_default();
        // One roll split into consecutive bands, so each rate is the share of calls.
        let roll: f64 = self.rng.random();
        let mut fault = if roll < cfg.drop_rate {
            Some(Fault::Drop)
        } else if roll < cfg.drop_rate + cfg.throttle_rate {
            Some(Fault::Throttle)
        } else if roll < cfg.drop_rate + cfg.throttle_rate + cfg.server_error_rate {
            Some(Fault::ServerError)
        } else {
            None
        };
        if fault.is_none()
            && op == "CreateBackupSelection"
            && self.iam_ready_at.is_some_and(|t| now < t)
        {
            fault = Some(Fault::IamPropagation);
        }
        if let Some(f) = fault {
            *self.injected.entry(op.to_string()).or_default() += 1;
            *self.by_kind.entry(f.label()).or_default() += 1;
        }
        Decision {
            latency_ms: cfg.latency_ms,
            fault,
        }
    }

    /// A call to `op` started (`+1`) or was answered (`-1`).
    pub fn in_flight(&mut self, op: &str, delta: i64) {
        let n = self.in_flight.entry(op.to_string()).or_default();
        *n += delta;
        if *n == 0 {
            self.in_flight.remove(op);
        }
    }

    pub fn stats(&self) -> Value {
        json!({
            "calls": self.calls,
            "faults": self.injected,
            "faultsByKind": self.by_kind,
            "inFlight": self.in_flight,
        })
    }
}
