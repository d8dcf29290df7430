//! Fault injection (`POST /_local/faults`), scripted failures (`POST /_local/failures`), call
//! statistics (`GET /_local/stats`) and the call log (`GET /_local/calls`).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::clock::Timestamp;
use crate::error::ApiError;

/// How many calls the call log keeps (the oldest are dropped first).
pub const MAX_LOGGED_CALLS: usize = 10_000;

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
#[derive(Debug, Clone, Deserialize)]
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
    /// The next this many CreateBackupSelection calls fail as while a new IAM role propagates.
    #[serde(default)]
    pub iam_propagation_calls: u32,
    /// The next this many PutBackupVaultAccessPolicy calls fail as while a new principal the
    /// policy names propagates through IAM ("Provided principal is not valid").
    #[serde(default)]
    pub principal_propagation_calls: u32,
    /// After a vault's last recovery point is deleted, DeleteBackupVault still refuses this many
    /// calls on it as not empty (AWS counts deleted recovery points for a while).
    #[serde(default)]
    pub delete_vault_lag_calls: u32,
    /// GetBackupSelection answers every list of the selection in reverse order.
    #[serde(default)]
    pub reverse_selection_lists: bool,
    /// A logically air-gapped vault created from now on is seen `CREATING` by this many reads
    /// (DescribeBackupVault, or a ListBackupVaults page that lists it) before it is ready. By
    /// default one read, so that a caller that waits for the vault is exercised.
    #[serde(default = "one")]
    pub lag_vault_creating_calls: u32,
    /// A logically air-gapped vault created from now on ends `FAILED` instead of `AVAILABLE`, as
    /// when the caller may not create a grant on its customer managed key.
    #[serde(default)]
    pub lag_vault_failed: bool,
    /// A framework created or updated from now on is seen `CREATE_IN_PROGRESS` or
    /// `UPDATE_IN_PROGRESS` by this many calls (DescribeFramework, a ListFrameworks page that
    /// lists it, an Update or Delete refused with ConflictException) before it is deployed. By
    /// default one call, so that a caller that waits for the deployment is exercised.
    #[serde(default = "one")]
    pub framework_deploying_calls: u32,
    /// A framework deployment started from now on ends `FAILED` instead of `COMPLETED`.
    #[serde(default)]
    pub framework_failed: bool,
    /// A report plan created or updated from now on is seen deploying
    /// (`CREATE_IN_PROGRESS`/`UPDATE_IN_PROGRESS`) by this many DescribeReportPlan calls, and
    /// refuses UpdateReportPlan and DeleteReportPlan meanwhile with ConflictException.
    #[serde(default)]
    pub report_plan_deploying_calls: u32,
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

/// The body of `POST /_local/failures`: the next `times` calls of `operation` answer the error
/// `code` with HTTP `status` and `message`; with `after`, only once that operation has been called.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptedFailure {
    pub operation: String,
    /// The exception name, e.g. `ServiceUnavailableException`.
    pub code: String,
    pub status: u16,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default = "one")]
    pub times: u32,
    #[serde(default)]
    pub after: Option<String>,
}

fn one() -> u32 {
    1
}

impl ScriptedFailure {
    pub fn check(&self) -> Result<(), String> {
        let known = |op: &str| crate::router::operations().any(|o| o == op);
        if !known(&self.operation) {
            return Err(format!("unknown operation {:?}", self.operation));
        }
        if let Some(after) = self.after.as_deref().filter(|a| !known(a)) {
            return Err(format!("unknown operation {after:?} in after"));
        }
        if !(400..=599).contains(&self.status) {
            return Err("status must be an HTTP error status (400 to 599)".into());
        }
        if self.code.is_empty() || !self.code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("code must be an exception name, e.g. ServiceUnavailableException".into());
        }
        if self.times == 0 {
            return Err("times must be at least 1".into());
        }
        Ok(())
    }

    fn error(&self) -> ApiError {
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| format!("{} (scripted failure)", self.code));
        ApiError::named(self.status, Cow::Owned(self.code.clone()), message)
    }
}

/// A scripted failure waiting for its calls.
struct Scripted {
    failure: ScriptedFailure,
    /// False while its `after` operation has not been called yet.
    armed: bool,
}

/// The two answers AWS gives CreateBackupSelection while a new IAM role propagates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamMessage {
    CannotBeAssumed,
    NotAuthorized,
}

impl IamMessage {
    pub fn text(self, role: &str) -> String {
        match self {
            IamMessage::CannotBeAssumed => {
                format!("IAM Role {role} cannot be assumed by AWS Backup")
            }
            IamMessage::NotAuthorized => {
                format!("IAM Role {role} is not authorized to call tag:GetResources")
            }
        }
    }
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    Drop,
    Throttle,
    ServerError,
    IamPropagation(IamMessage),
    PrincipalPropagation,
    Scripted(ApiError),
}

impl Fault {
    fn label(&self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Throttle => "throttle",
            Fault::ServerError => "serverError",
            Fault::IamPropagation(_) => "iamPropagation",
            Fault::PrincipalPropagation => "principalPropagation",
            Fault::Scripted(_) => "scripted",
        }
    }
}

/// Answers that vary from the endpoint's defaults as AWS's sometimes do, set with
/// `/_local/faults`; the operations read them from their request.
#[derive(Debug, Clone, Copy)]
pub struct Variations {
    pub delete_vault_lag_calls: u32,
    pub reverse_selection_lists: bool,
    pub lag_vault_creating_calls: u32,
    pub lag_vault_failed: bool,
    pub framework_deploying_calls: u32,
    pub framework_failed: bool,
    pub report_plan_deploying_calls: u32,
}

impl Default for Variations {
    /// As with no fault settings: a new logically air-gapped vault is `CREATING` for one read.
    fn default() -> Self {
        Variations {
            delete_vault_lag_calls: 0,
            reverse_selection_lists: false,
            lag_vault_creating_calls: one(),
            lag_vault_failed: false,
            framework_deploying_calls: one(),
            framework_failed: false,
            report_plan_deploying_calls: 0,
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
    /// CreateBackupSelection fails as while an IAM role propagates until this time...
    iam_ready_at: Option<Timestamp>,
    /// ...and for this many more calls.
    iam_failures_left: u32,
    /// IAM propagation failures answered so far: they alternate between AWS's two messages.
    iam_failures: u64,
    /// PutBackupVaultAccessPolicy fails as while a principal propagates for this many more calls.
    principal_failures_left: u32,
    variations: Variations,
    /// In the order added.
    scripted: Vec<Scripted>,
    /// The latest calls, oldest first, and how many calls were logged in all.
    log: VecDeque<Value>,
    logged: u64,
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
            iam_failures_left: 0,
            iam_failures: 0,
            principal_failures_left: 0,
            variations: Variations::default(),
            scripted: Vec::new(),
            log: VecDeque::new(),
            logged: 0,
            rng: StdRng::from_os_rng(),
            calls: BTreeMap::new(),
            injected: BTreeMap::new(),
            by_kind: BTreeMap::new(),
            in_flight: BTreeMap::new(),
        }
    }
}

impl Faults {
    /// Replaces the settings (counters, the call log and scripted failures are kept;
    /// `/_local/reset` clears them).
    pub fn configure(&mut self, req: FaultRequest, now: Timestamp) {
        self.operations = req.operations;
        self.rate_limits = req.rate_limits;
        self.buckets.clear();
        self.iam_ready_at =
            (req.iam_propagation_seconds > 0.0).then_some(now + req.iam_propagation_seconds);
        self.iam_failures_left = req.iam_propagation_calls;
        self.iam_failures = 0;
        self.principal_failures_left = req.principal_propagation_calls;
        self.variations = Variations {
            delete_vault_lag_calls: req.delete_vault_lag_calls,
            reverse_selection_lists: req.reverse_selection_lists,
            lag_vault_creating_calls: req.lag_vault_creating_calls,
            lag_vault_failed: req.lag_vault_failed,
            framework_deploying_calls: req.framework_deploying_calls,
            framework_failed: req.framework_failed,
            report_plan_deploying_calls: req.report_plan_deploying_calls,
        };
        if let Some(seed) = req.seed {
            self.rng = StdRng::seed_from_u64(seed);
        }
    }

    pub fn variations(&self) -> Variations {
        self.variations
    }

    /// Adds a scripted failure after those already waiting.
    pub fn add_scripted(&mut self, failure: ScriptedFailure) {
        self.scripted.push(Scripted {
            armed: failure.after.is_none(),
            failure,
        });
    }

    /// The error of the first armed scripted failure for `op`, if any; then arms the failures
    /// waiting for a call of `op`.
    fn scripted_failure(&mut self, op: &str) -> Option<ApiError> {
        let found = self
            .scripted
            .iter_mut()
            .position(|s| s.armed && s.failure.operation == op);
        let error = found.map(|i| {
            let s = &mut self.scripted[i];
            s.failure.times -= 1;
            let error = s.failure.error();
            if s.failure.times == 0 {
                self.scripted.remove(i);
            }
            error
        });
        for s in &mut self.scripted {
            if s.failure.after.as_deref() == Some(op) {
                s.armed = true;
            }
        }
        error
    }

    /// Whether this CreateBackupSelection call meets a role that is still propagating.
    fn iam_propagating(&mut self, now: Timestamp) -> bool {
        if self.iam_failures_left > 0 {
            self.iam_failures_left -= 1;
            return true;
        }
        self.iam_ready_at.is_some_and(|t| now < t)
    }

    fn count_fault(&mut self, op: &str, fault: &Fault) {
        *self.injected.entry(op.to_string()).or_default() += 1;
        *self.by_kind.entry(fault.label()).or_default() += 1;
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
    /// into it: a scripted failure first, then a throttle when its rate limit is exceeded,
    /// otherwise the configured rates.
    pub fn decide(&mut self, op: &str, account: &str, region: &str, now: Timestamp) -> Decision {
        *self.calls.entry(op.to_string()).or_default() += 1;
        let forced = match self.scripted_failure(op) {
            Some(error) => Some(Fault::Scripted(error)),
            None => (!self.within_rate(op, account, region)).then_some(Fault::Throttle),
        };
        if let Some(fault) = forced {
            self.count_fault(op, &fault);
            return Decision {
                latency_ms: 0,
                fault: Some(fault),
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
        if fault.is_none() && op == "CreateBackupSelection" && self.iam_propagating(now) {
            let message = if self.iam_failures.is_multiple_of(2) {
                IamMessage::CannotBeAssumed
            } else {
                IamMessage::NotAuthorized
            };
            self.iam_failures += 1;
            fault = Some(Fault::IamPropagation(message));
        }
        if fault.is_none() && op == "PutBackupVaultAccessPolicy" && self.principal_failures_left > 0
        {
            self.principal_failures_left -= 1;
            fault = Some(Fault::PrincipalPropagation);
        }
        if let Some(f) = &fault {
            self.count_fault(op, f);
        }
        Decision {
            latency_ms: cfg.latency_ms,
            fault,
        }
    }

    /// Counts a call that faults never apply to (STS).
    pub fn count_call(&mut self, op: &str) {
        *self.calls.entry(op.to_string()).or_default() += 1;
    }

    /// A call to `op` started (`+1`) or was answered (`-1`).
    pub fn in_flight(&mut self, op: &str, delta: i64) {
        let n = self.in_flight.entry(op.to_string()).or_default();
        *n += delta;
        if *n == 0 {
            self.in_flight.remove(op);
        }
    }

    /// Appends a call to the log, numbering it (`seq`, from 1 since the last reset).
    pub fn log_call(&mut self, mut entry: Value) {
        self.logged += 1;
        if let Some(map) = entry.as_object_mut() {
            map.insert("seq".into(), json!(self.logged));
        }
        if self.log.len() == MAX_LOGGED_CALLS {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    pub fn call_log(&self) -> Value {
        json!({ "calls": self.log })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_log_keeps_the_latest_calls_and_numbers_them_all() {
        let mut faults = Faults::default();
        for _ in 0..MAX_LOGGED_CALLS + 5 {
            faults.log_call(json!({ "operation": "ListBackupVaults" }));
        }
        let log = faults.call_log();
        let calls = log["calls"].as_array().unwrap();
        assert_eq!(calls.len(), MAX_LOGGED_CALLS);
        assert_eq!(calls[0]["seq"], 6);
        assert_eq!(
            calls[MAX_LOGGED_CALLS - 1]["seq"],
            MAX_LOGGED_CALLS as u64 + 5
        );
    }
}
