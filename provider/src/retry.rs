//! Retrying AWS calls and waiting on AWS, under one policy: capped exponential backoff with full
//! jitter, bounded by the deadline of the resource operation in progress and stopped by Cancel.
//!
//! The protocol glue runs every resource operation inside a [`Scope`] (its deadline and the
//! provider's cancellation token); [`call`] and [`wait`] read it, so a resource's code never
//! passes timing around. Outside a scope (unit tests, schema generation) nothing bounds them
//! but the retry count and the budget given.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::{code, AwsError};

/// How AWS calls are retried.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    /// Retries after the first attempt; 0 disables retries.
    pub max_retries: u32,
    /// The backoff ceiling of the first retry; it doubles per retry up to `cap`.
    pub base: Duration,
    /// The largest backoff ceiling.
    pub cap: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_retries: DEFAULT_MAX_RETRIES,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(20),
        }
    }
}

pub const DEFAULT_MAX_RETRIES: u32 = 25;

/// What an operation gets when the program sets no custom timeout for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Read,
    Update,
    Delete,
    /// The live-state checks made by a preview.
    Preview,
}

impl OpKind {
    pub fn default_timeout(self) -> Duration {
        match self {
            OpKind::Create | OpKind::Update | OpKind::Delete => Duration::from_secs(20 * 60),
            OpKind::Read => Duration::from_secs(10 * 60),
            OpKind::Preview => Duration::from_secs(5 * 60),
        }
    }
}

/// The deadline and cancellation of the resource operation in progress.
#[derive(Clone, Debug)]
pub struct Scope {
    pub deadline: Instant,
    pub cancel: CancellationToken,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// Runs `f` as one resource operation: calls and waits inside it respect `scope`.
pub async fn scoped<F: Future>(scope: Scope, f: F) -> F::Output {
    SCOPE.scope(scope, f).await
}

fn current() -> Option<Scope> {
    SCOPE.try_with(Scope::clone).ok()
}

/// Resolves when the operation in progress passes its deadline or is cancelled (never outside a
/// scope).
async fn interrupted() {
    match current() {
        None => std::future::pending().await,
        Some(scope) => tokio::select! {
            () = tokio::time::sleep_until(scope.deadline) => {}
            () = scope.cancel.cancelled() => {}
        },
    }
}

/// The time left before the operation's deadline, if it has one.
pub fn remaining() -> Option<Duration> {
    current().map(|s| s.deadline.saturating_duration_since(Instant::now()))
}

/// `base·2^round`, at most `cap`.
fn ceiling(base: Duration, cap: Duration, round: u32) -> Duration {
    base.checked_mul(1u32 << round.min(30))
        .unwrap_or(cap)
        .min(cap)
}

/// A random pause before retry number `retry` (0-based): uniform in [0, min(cap, base·2^retry)].
pub fn backoff(policy: &Policy, retry: u32) -> Duration {
    ceiling(policy.base, policy.cap, retry).mul_f64(rand::rng().random::<f64>())
}

/// Why a pause ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// The pause would run past the operation's deadline.
    Deadline,
    Cancelled,
}

/// Sleeps for `d`, unless the operation is cancelled or its deadline comes first.
pub async fn pause(d: Duration) -> Result<(), Interrupted> {
    let Some(scope) = current() else {
        tokio::time::sleep(d).await;
        return Ok(());
    };
    if scope.cancel.is_cancelled() {
        return Err(Interrupted::Cancelled);
    }
    if Instant::now() + d > scope.deadline {
        return Err(Interrupted::Deadline);
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = scope.cancel.cancelled() => Err(Interrupted::Cancelled),
    }
}

/// The least and the most time AWS gets to answer one attempt before it counts as lost.
const ATTEMPT_FLOOR: Duration = Duration::from_secs(5);
const ATTEMPT_CEILING: Duration = Duration::from_secs(30);

/// How long one attempt may go unanswered: a quarter of the time left to the operation, so a
/// lost answer leaves room for retries, within [`ATTEMPT_FLOOR`] and [`ATTEMPT_CEILING`].
fn attempt_limit() -> Duration {
    remaining().map_or(ATTEMPT_CEILING, |left| {
        (left / 4).clamp(ATTEMPT_FLOOR, ATTEMPT_CEILING)
    })
}

/// Runs one attempt of `operation`. When AWS has not answered within [`attempt_limit`] (a
/// connection that went silent), the attempt is dropped and fails with a timeout, which
/// [`call`] retries; a create retried this way sends the same CreatorRequestId (or
/// idempotency token).
pub async fn attempt_within<T>(
    operation: &'static str,
    attempt: impl Future<Output = Result<T, AwsError>>,
) -> Result<T, AwsError> {
    let limit = attempt_limit();
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(AwsError::new(
                operation,
                code::TIMEOUT,
                format!("no answer within {:.0}s", limit.as_secs_f64()),
            ))
        })
}

/// Makes one AWS call with retries: throttling, 5xx, dropped connections and timeouts are retried
/// after a [`backoff`] pause, up to `policy.max_retries` times and within the operation's
/// deadline; other errors are returned at once with AWS's message. `limiter`, when given, paces
/// every attempt and learns from throttling.
pub async fn call<T, F, Fut>(
    policy: &Policy,
    limiter: Option<&RateLimiter>,
    mut attempt: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let started = Instant::now();
    let mut retries = 0;
    loop {
        if let Some(l) = limiter {
            l.acquire().await;
        }
        let err = match attempt().await {
            Ok(v) => {
                if let Some(l) = limiter {
                    l.on_success();
                }
                return Ok(v);
            }
            Err(e) => e,
        };
        // Any other answer (AccessDenied for a missing vault, a validation error...) is a call
        // AWS accepted as far as its rate goes; no answer says nothing about the rate.
        if let Some(l) = limiter {
            if err.is_throttling() {
                l.on_throttle();
            } else if err.code != code::TIMEOUT {
                l.on_success();
            }
        }
        if !err.is_retryable() {
            return Err(err);
        }
        let gave_up = |mut e: AwsError, why: &str| {
            e.message = format!(
                "{} (gave up after {} attempts in {:.1}s: {why})",
                e.message,
                retries + 1,
                started.elapsed().as_secs_f64()
            );
            e
        };
        if retries >= policy.max_retries {
            return Err(gave_up(err, "maxRetries reached"));
        }
        match pause(backoff(policy, retries)).await {
            Ok(()) => {}
            Err(Interrupted::Deadline) => {
                return Err(gave_up(err, "the operation's timeout is near"))
            }
            Err(Interrupted::Cancelled) => return Err(gave_up(err, "the operation was cancelled")),
        }
        retries += 1;
        tracing::debug!(operation = err.operation, code = %err.code, retry = retries, "retrying");
    }
}

/// What one look at AWS found, in a [`wait`].
pub enum Poll<T> {
    Done(T),
    /// Not yet; the reason is reported if the wait gives up.
    Pending(String),
}

/// Why a [`wait`] gave up.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitError<E> {
    /// The check itself failed.
    Failed(E),
    /// The budget (or the operation's deadline) ran out; the last pending reason.
    TimedOut {
        waited: Duration,
        last: String,
    },
    Cancelled,
}

/// Polls `check` until it is done, pausing with capped exponential backoff (from `first` up to
/// `max_pause`, with jitter) for at most `budget` and never past the operation's deadline.
pub async fn wait<T, E, F, Fut>(
    budget: Duration,
    first: Duration,
    max_pause: Duration,
    mut check: F,
) -> Result<T, WaitError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let started = Instant::now();
    let end = started + budget;
    let mut round = 0;
    loop {
        let last = match check().await.map_err(WaitError::Failed)? {
            Poll::Done(v) => return Ok(v),
            Poll::Pending(why) => why,
        };
        let now = Instant::now();
        let timed_out = || WaitError::TimedOut {
            waited: started.elapsed(),
            last: last.clone(),
        };
        if now >= end {
            return Err(timed_out());
        }
        // Half of each pause is fixed and half jittered, so a wait keeps making progress.
        let ceiling = ceiling(first, max_pause, round);
        let d = (ceiling / 2 + (ceiling / 2).mul_f64(rand::rng().random::<f64>())).min(end - now);
        match pause(d).await {
            Ok(()) => {}
            Err(Interrupted::Deadline) => return Err(timed_out()),
            Err(Interrupted::Cancelled) => return Err(WaitError::Cancelled),
        }
        round += 1;
    }
}

/// A client-side limit on the rate of AWS calls, shared by every call to one account and region,
/// that adapts to AWS's rate limit. It is off until AWS throttles a large share of recent calls
/// (a rate limit refuses most calls beyond it; random throttling refuses a steady few, which
/// retries absorb). It then paces calls a little below the rate AWS accepted in that window,
/// returns to about that rate and holds it for a while (every call beyond it would be refused),
/// then probes higher by one call per second for each second, until AWS refuses a large share
/// again. The hold doubles, up to [`MAX_HOLD`], while the probes keep finding the same rate.
///
/// While calls queue behind the pace, they leave in groups of up to [`GROUP`]'s worth of the
/// pace rather than one at a time: the average rate is the same and a group is smaller than the
/// bucket's own burst, but the process wakes once per group instead of once per call, and the
/// answers to a group arrive together.
pub struct RateLimiter {
    state: Mutex<LimiterState>,
    /// Waiters line up here in arrival order; only the first watches the bucket, so each freed
    /// call wakes one waiter rather than all of them.
    queue: tokio::sync::Mutex<()>,
    /// Calls in [`RateLimiter::acquire`], the first in line included.
    waiting: AtomicUsize,
}

struct LimiterState {
    /// Calls per second; `None` while off.
    rate: Option<f64>,
    tokens: f64,
    refilled: Instant,
    /// When the pace was last lowered, and last raised.
    lowered: Instant,
    raised: Instant,
    /// A little below the rate AWS accepted when the pace was last lowered (at least the
    /// lowered pace): the pace stays at or below it for `hold` after the lowering.
    ceiling: f64,
    /// [`HOLD`], doubled up to [`MAX_HOLD`] while probes keep finding the same rate.
    hold: Duration,
    /// When recent calls were answered, and whether they were throttled.
    recent: std::collections::VecDeque<(Instant, bool)>,
}

const MIN_RATE: f64 = 0.5;
const MAX_RATE: f64 = 1000.0;
/// The outcomes the limiter judges by.
const WINDOW: Duration = Duration::from_secs(2);
/// The least number of outcomes in the window before judging them.
const MIN_OUTCOMES: usize = 20;
/// The share of throttled outcomes that means the calls exceed AWS's rate.
const THROTTLED_SHARE: f64 = 0.3;
/// How far below the accepted rate the limiter sets its pace.
const BACKOFF_FACTOR: f64 = 0.9;
const INCREASE_PER_SECOND: f64 = 1.0;
/// The share of the accepted rate the pace returns to after a lowering: that estimate varies by
/// a few percent, and every call beyond AWS's rate is refused.
const CEILING_MARGIN: f64 = 0.97;
/// How long after a lowering the pace stays at or below its ceiling, at first and at most.
const HOLD: Duration = Duration::from_secs(20);
const MAX_HOLD: Duration = Duration::from_secs(80);
/// Ceilings this close (relative) are the same rate found again.
const SAME_RATE: f64 = 0.15;
/// How much of the pace a group of queued calls may take at once.
const GROUP: Duration = Duration::from_millis(500);

impl Default for RateLimiter {
    fn default() -> Self {
        let now = Instant::now();
        RateLimiter {
            state: Mutex::new(LimiterState {
                rate: None,
                tokens: 0.0,
                refilled: now,
                lowered: now,
                raised: now,
                ceiling: MAX_RATE,
                hold: HOLD,
                recent: Default::default(),
            }),
            queue: tokio::sync::Mutex::new(()),
            waiting: Default::default(),
        }
    }
}

impl RateLimiter {
    /// The current limit in calls per second (`None`: unlimited).
    pub fn rate(&self) -> Option<f64> {
        self.state.lock().expect("limiter lock").rate
    }

    /// Waits until a call may be made.
    pub async fn acquire(&self) {
        if self.rate().is_none() {
            return;
        }
        let _waiting = Waiting::enter(&self.waiting);
        let _first_in_line = tokio::select! {
            turn = self.queue.lock() => turn,
            // Past the deadline or cancelled while queued: let the call go and fail on its own.
            () = interrupted() => return,
        };
        loop {
            let wait = {
                let mut s = self.state.lock().expect("limiter lock");
                let Some(rate) = s.rate else {
                    return;
                };
                let now = Instant::now();
                let elapsed = (now - s.refilled).as_secs_f64();
                s.tokens = (s.tokens + elapsed * rate).min(rate.max(1.0));
                s.refilled = now;
                if s.tokens >= 1.0 {
                    s.tokens -= 1.0;
                    return;
                }
                // Wait for a token for each call in line, up to a group's worth.
                let queued = self.waiting.load(Ordering::Relaxed) as f64;
                let group = (rate * GROUP.as_secs_f64()).floor().max(1.0);
                let needed = queued.clamp(1.0, group);
                Duration::from_secs_f64((needed - s.tokens) / rate)
            };
            if pause(wait).await.is_err() {
                // Past the deadline or cancelled: let the call go and fail on its own terms.
                return;
            }
        }
    }

    pub fn on_throttle(&self) {
        self.record(true);
    }

    /// A call AWS answered without throttling (successfully or not).
    pub fn on_success(&self) {
        self.record(false);
    }

    fn record(&self, throttled: bool) {
        let mut s = self.state.lock().expect("limiter lock");
        let now = Instant::now();
        s.recent.push_back((now, throttled));
        while s.recent.front().is_some_and(|(t, _)| now - *t > WINDOW) {
            s.recent.pop_front();
        }
        let total = s.recent.len();
        let refused = s.recent.iter().filter(|(_, t)| *t).count();
        // A lowered pace needs a second to show its effect before it is judged again.
        let settled = s.rate.is_none() || now - s.lowered >= Duration::from_secs(1);
        if throttled
            && settled
            && total >= MIN_OUTCOMES
            && refused as f64 >= THROTTLED_SHARE * total as f64
        {
            let accepted = accepted_rate(&s.recent, now);
            let rate = (accepted * BACKOFF_FACTOR).clamp(MIN_RATE, MAX_RATE);
            // At most halve a pace at once: a window of refusals of calls sent before the last
            // lowering says little about the rate AWS accepts now.
            s.rate = Some(
                s.rate
                    .map_or(rate, |r| r.min(rate.max(r * 0.5)).max(MIN_RATE)),
            );
            let ceiling = (accepted * CEILING_MARGIN).max(s.rate.unwrap_or(MIN_RATE));
            // A probe that finds about the rate the last one found waits twice as long before
            // the next: each probe costs refused calls.
            let same = (ceiling - s.ceiling).abs() <= SAME_RATE * s.ceiling;
            s.hold = if same {
                (s.hold * 2).min(MAX_HOLD)
            } else {
                HOLD
            };
            s.ceiling = ceiling;
            s.tokens = 0.0;
            s.lowered = now;
            s.raised = now;
            s.recent.clear();
        } else if !throttled {
            if let Some(rate) = s.rate {
                let dt = (now - s.raised).as_secs_f64();
                let limit = if now - s.lowered < s.hold {
                    s.ceiling.max(rate)
                } else {
                    MAX_RATE
                };
                s.rate = Some((rate + dt * INCREASE_PER_SECOND).min(limit));
                s.raised = now;
            }
        }
    }
}

/// The rate AWS accepted over `recent` outcomes. Once AWS refuses a call its bucket is empty, so
/// the calls it accepted after the first refusal came at its refill rate; before that they may
/// have spent a burst saved up while the pace was lower. With less than a second since the
/// first refusal, the whole window is used (a first reaction, which may overestimate).
fn accepted_rate(recent: &std::collections::VecDeque<(Instant, bool)>, now: Instant) -> f64 {
    let since = |from: Instant| (now - from).as_secs_f64();
    if let Some(i) = recent.iter().position(|(_, throttled)| *throttled) {
        let span = since(recent[i].0);
        if span >= 1.0 {
            let accepted = recent.iter().skip(i).filter(|(_, t)| !*t).count();
            return accepted as f64 / span;
        }
    }
    let accepted = recent.iter().filter(|(_, t)| !*t).count();
    accepted as f64 / since(recent.front().map_or(now, |(t, _)| *t)).max(0.5)
}

/// Counts a call in [`RateLimiter::acquire`] while it is there.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One limiter per key (account and region): every client of the process built for the same
/// key shares it.
pub fn shared_limiter(key: &str) -> Arc<RateLimiter> {
    static LIMITERS: Mutex<Vec<(String, Arc<RateLimiter>)>> = Mutex::new(Vec::new());
    let mut all = LIMITERS.lock().expect("limiters lock");
    if let Some((_, l)) = all.iter().find(|(k, _)| k == key) {
        return l.clone();
    }
    let l = Arc::new(RateLimiter::default());
    all.push((key.to_string(), l.clone()));
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::code;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn throttled() -> AwsError {
        AwsError::new("DescribeBackupVault", code::THROTTLING, "Rate exceeded")
    }

    fn scope_for(d: Duration) -> Scope {
        Scope {
            deadline: Instant::now() + d,
            cancel: CancellationToken::new(),
        }
    }

    /// Answers `calls` calls 25 ms apart, accepting one in four and throttling the rest (at 40
    /// calls: 10 accepted and 30 refused over one second).
    async fn answer_one_in_four(limiter: &RateLimiter, calls: usize) {
        for i in 0..calls {
            tokio::time::advance(Duration::from_millis(25)).await;
            if i % 4 == 0 {
                limiter.on_success();
            } else {
                limiter.on_throttle();
            }
        }
    }

    #[test]
    fn backoff_has_full_jitter_under_a_capped_exponential_ceiling() {
        let policy = Policy {
            max_retries: 25,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(20),
        };
        for (retry, ceiling) in [
            (0, 100),
            (1, 200),
            (3, 800),
            (7, 12_800),
            (8, 20_000),
            (40, 20_000),
        ] {
            let samples: Vec<Duration> = (0..2000).map(|_| backoff(&policy, retry)).collect();
            let max = samples.iter().max().unwrap();
            let min = samples.iter().min().unwrap();
            let ceiling = Duration::from_millis(ceiling);
            assert!(*max <= ceiling, "retry {retry}: {max:?} > {ceiling:?}");
            // Full jitter: the samples spread over the whole range.
            assert!(*max > ceiling.mul_f64(0.95), "retry {retry}: max {max:?}");
            assert!(*min < ceiling.mul_f64(0.05), "retry {retry}: min {min:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_errors_are_retried_until_success() {
        let attempts = AtomicU32::new(0);
        let out = call(&Policy::default(), None, || async {
            match attempts.fetch_add(1, Ordering::SeqCst) {
                0 => Err(throttled()),
                1 => Err(AwsError::new("X", code::SERVICE_UNAVAILABLE, "down")),
                2 => Err(AwsError::new(
                    "X",
                    code::DISPATCH_FAILURE,
                    "connection reset",
                )),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_fail_at_once_with_awss_message() {
        for code in [
            code::INVALID_PARAMETER_VALUE,
            code::ACCESS_DENIED,
            code::RESOURCE_NOT_FOUND,
            code::ALREADY_EXISTS,
            code::LIMIT_EXCEEDED,
            code::CLIENT_ERROR,
        ] {
            let attempts = AtomicU32::new(0);
            let started = Instant::now();
            let err = call(&Policy::default(), None, || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(AwsError::new(
                    "CreateBackupPlan",
                    code,
                    "the rule is broken",
                ))
            })
            .await
            .unwrap_err();
            assert_eq!(attempts.load(Ordering::SeqCst), 1, "{code}");
            assert_eq!(err.message, "the rule is broken");
            assert_eq!(started.elapsed(), Duration::ZERO);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_max_retries() {
        for max_retries in [0, 3] {
            let attempts = AtomicU32::new(0);
            let policy = Policy {
                max_retries,
                ..Policy::default()
            };
            let err = call(&policy, None, || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(throttled())
            })
            .await
            .unwrap_err();
            assert_eq!(attempts.load(Ordering::SeqCst), max_retries + 1);
            assert!(
                err.message.contains("maxRetries reached"),
                "{}",
                err.message
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_before_the_operations_deadline() {
        let attempts = AtomicU32::new(0);
        let started = Instant::now();
        let err = scoped(scope_for(Duration::from_secs(30)), async {
            call(&Policy::default(), None, || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(throttled())
            })
            .await
        })
        .await
        .unwrap_err();
        let elapsed = started.elapsed();
        assert!(elapsed <= Duration::from_secs(30), "{elapsed:?}");
        assert!(err.message.contains("timeout is near"), "{}", err.message);
        assert!(attempts.load(Ordering::SeqCst) > 3);
        assert!(attempts.load(Ordering::SeqCst) < 26);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_attempt_is_dropped_and_retried() {
        // A quarter of the time left, between 5 and 30 seconds.
        assert_eq!(attempt_limit(), ATTEMPT_CEILING);
        for (left, limit) in [(8.0, 5.0), (60.0, 15.0), (1200.0, 30.0)] {
            let inside = scoped(scope_for(Duration::from_secs_f64(left)), async {
                attempt_limit()
            });
            assert_eq!(inside.await, Duration::from_secs_f64(limit), "{left}s left");
        }

        let attempts = AtomicU32::new(0);
        let started = Instant::now();
        let answer = scoped(scope_for(Duration::from_secs(60)), async {
            call(&Policy::default(), None, || {
                let n = attempts.fetch_add(1, Ordering::SeqCst);
                attempt_within("CreateBackupVault", async move {
                    if n == 0 {
                        // The first attempt's answer never comes.
                        std::future::pending::<()>().await;
                    }
                    Ok(n)
                })
            })
            .await
        })
        .await;
        assert_eq!(answer.unwrap(), 1);
        let elapsed = started.elapsed();
        let base = Policy::default().base;
        assert!(
            elapsed >= Duration::from_secs(15) && elapsed <= Duration::from_secs(15) + base,
            "{elapsed:?}"
        );

        // Never answered at all: the timeouts are retried until the deadline is near.
        let err = scoped(scope_for(Duration::from_secs(60)), async {
            call(&Policy::default(), None, || {
                attempt_within("CreateBackupVault", std::future::pending::<Result<(), _>>())
            })
            .await
        })
        .await
        .unwrap_err();
        assert_eq!(err.code, code::TIMEOUT);
        assert!(
            err.message.starts_with("no answer within"),
            "{}",
            err.message
        );
        assert!(err.message.contains("timeout is near"), "{}", err.message);
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_stops_retries_and_waits() {
        let scope = scope_for(Duration::from_secs(600));
        let cancel = scope.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            cancel.cancel();
        });
        let started = Instant::now();
        let waited = scoped(scope.clone(), async {
            wait(
                Duration::from_secs(300),
                Duration::from_millis(500),
                Duration::from_secs(5),
                || async { Ok::<_, ()>(Poll::<()>::Pending("not yet".into())) },
            )
            .await
        })
        .await;
        assert_eq!(waited, Err(WaitError::Cancelled));
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(4),
            "{elapsed:?}"
        );

        let err = scoped(scope, async {
            call(&Policy::default(), None, || async {
                Err::<(), _>(throttled())
            })
            .await
        })
        .await
        .unwrap_err();
        assert!(err.message.contains("cancelled"), "{}", err.message);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_ends_at_its_budget_or_the_deadline_with_the_last_reason() {
        let polls = AtomicU32::new(0);
        let started = Instant::now();
        let out = wait(
            Duration::from_secs(20),
            Duration::from_millis(500),
            Duration::from_secs(5),
            || async {
                let n = polls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(Poll::<()>::Pending(format!("poll {n}")))
            },
        )
        .await;
        let n = polls.load(Ordering::SeqCst);
        match out {
            Err(WaitError::TimedOut { waited, last }) => {
                assert_eq!(waited, Duration::from_secs(20));
                assert_eq!(last, format!("poll {}", n - 1));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(started.elapsed(), Duration::from_secs(20));
        // Pauses grow from 0.25–0.5 s up to 2.5–5 s: between 6 and 20 polls in 20 s.
        assert!((6..=20).contains(&n), "{n} polls");

        // Within a scope, the deadline bounds the wait even when the budget is larger.
        let started = Instant::now();
        let out = scoped(scope_for(Duration::from_secs(8)), async {
            wait(
                Duration::from_secs(120),
                Duration::from_millis(500),
                Duration::from_secs(5),
                || async { Ok::<_, ()>(Poll::<()>::Pending("x".into())) },
            )
            .await
        })
        .await;
        assert!(matches!(out, Err(WaitError::TimedOut { .. })));
        assert!(started.elapsed() <= Duration::from_secs(8));

        // A failed check ends the wait with its error; a done one with its value.
        let failed = wait(
            Duration::from_secs(5),
            Duration::from_millis(1),
            Duration::from_millis(1),
            || async { Err::<Poll<()>, _>("broken") },
        )
        .await;
        assert_eq!(failed, Err(WaitError::Failed("broken")));
    }

    #[tokio::test(start_paused = true)]
    async fn answers_other_than_throttling_count_as_accepted_by_the_limiter() {
        let limiter = RateLimiter::default();
        // A burst against a rate limit where the accepted calls answer errors (a missing
        // vault's AccessDenied): 10 accepted, 30 throttled.
        for i in 0..40 {
            tokio::time::advance(Duration::from_millis(25)).await;
            let _ = call(
                &Policy {
                    max_retries: 0,
                    ..Policy::default()
                },
                Some(&limiter),
                || async {
                    Err::<(), _>(if i % 4 == 0 {
                        AwsError::new("DescribeBackupVault", code::ACCESS_DENIED, "no such vault")
                    } else {
                        throttled()
                    })
                },
            )
            .await;
        }
        let rate = limiter.rate().expect("limited");
        // Counting only successes it would drop to the floor (0.5/s).
        assert!(rate >= 4.0, "the accepted errors count: {rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_limiter_ignores_scattered_throttling_and_paces_at_a_rate_limit() {
        let limiter = RateLimiter::default();
        let started = Instant::now();
        // Random throttling of one call in five: retries absorb it, the pace stays free.
        for i in 0..200 {
            limiter.acquire().await;
            if i % 5 == 0 {
                limiter.on_throttle();
            } else {
                limiter.on_success();
            }
        }
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "no limit for scattered throttling"
        );
        assert_eq!(limiter.rate(), None);

        // A rate limit: over one second, 10 calls accepted and 30 refused.
        tokio::time::advance(Duration::from_secs(3)).await;
        answer_one_in_four(&limiter, 40).await;
        let rate = limiter.rate().expect("limited after a burst of refusals");
        assert!((8.0..=10.0).contains(&rate), "{rate}");

        // Calls are paced at that rate: a burst of one second's worth, then one call per
        // 1/rate: 3 s worth of calls take 2 s.
        let started = Instant::now();
        let calls = (rate * 3.0).floor() as usize;
        for _ in 0..calls {
            limiter.acquire().await;
        }
        let took = started.elapsed().as_secs_f64();
        assert!((1.7..=2.3).contains(&took), "{took}s for {calls} calls");

        // Without refusals the pace returns to the rate AWS accepted and holds there (calls
        // beyond it would be refused)...
        tokio::time::sleep(Duration::from_secs(10)).await;
        limiter.on_success();
        let held = limiter.rate().unwrap();
        assert!(
            held > rate && held <= rate / BACKOFF_FACTOR + 0.01,
            "{rate} -> {held}"
        );
        // ...then probes higher, one call per second each second.
        tokio::time::sleep(HOLD).await;
        limiter.on_success();
        let grown = limiter.rate().unwrap();
        assert!(grown >= held + 9.0, "{held} -> {grown}");

        // Refused again while some calls still get through (which raise the pace): lowered.
        answer_one_in_four(&limiter, 80).await;
        let lowered = limiter.rate().unwrap();
        assert!(lowered <= 10.0, "{grown} -> {lowered}");

        // A window of nothing but refusals (calls sent before the pace was lowered) halves the
        // pace at most, instead of dropping it to the floor.
        tokio::time::advance(Duration::from_secs(3)).await;
        for _ in 0..40 {
            tokio::time::advance(Duration::from_millis(25)).await;
            limiter.on_throttle();
        }
        let halved = limiter.rate().unwrap();
        assert!(halved >= lowered * 0.5 - 0.01, "{lowered} -> {halved}");
        assert!(halved < lowered, "{lowered} -> {halved}");
    }

    #[tokio::test(start_paused = true)]
    async fn paced_calls_go_in_arrival_order_and_a_queued_call_leaves_at_its_deadline() {
        let limiter = Arc::new(RateLimiter::default());
        for _ in 0..40 {
            tokio::time::advance(Duration::from_millis(25)).await;
            limiter.on_throttle();
        }
        assert!(limiter.rate().is_some());

        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiters = Vec::new();
        for i in 0..20 {
            let (limiter, order) = (limiter.clone(), order.clone());
            waiters.push(tokio::spawn(async move {
                limiter.acquire().await;
                order.lock().unwrap().push(i);
            }));
            tokio::task::yield_now().await;
        }
        // One more, queued behind them, whose operation ends in one second.
        let late = {
            let limiter = limiter.clone();
            tokio::spawn(scoped(scope_for(Duration::from_secs(1)), async move {
                let started = Instant::now();
                limiter.acquire().await;
                started.elapsed()
            }))
        };
        for w in waiters {
            w.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
        assert_eq!(late.await.unwrap(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn queued_calls_leave_in_groups_at_the_same_average_pace() {
        let limiter = Arc::new(RateLimiter::default());
        // Over one second, 10 calls accepted and 30 refused.
        answer_one_in_four(&limiter, 40).await;
        let rate = limiter.rate().expect("limited");
        let group = (rate * GROUP.as_secs_f64()).floor() as usize;
        assert!(group >= 2, "{rate}");
        // Spend the bucket's burst: the call that had to wait leaves it empty.
        loop {
            let started = Instant::now();
            limiter.acquire().await;
            if started.elapsed() > Duration::ZERO {
                break;
            }
        }

        let started = Instant::now();
        let waiters: Vec<_> = (0..4 * group)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire().await;
                    started.elapsed()
                })
            })
            .collect();
        let mut left = Vec::new();
        for w in waiters {
            left.push(w.await.unwrap());
        }
        let mut groups = std::collections::BTreeMap::<Duration, usize>::new();
        for t in &left {
            *groups.entry(*t).or_default() += 1;
        }
        // The first call found no one behind it and left alone; the others queued behind it.
        let sizes: Vec<usize> = groups.values().copied().collect();
        assert_eq!(sizes, [1, group, group, group, group - 1], "{groups:?}");
        // The same pace as one call per 1/rate: the last group leaves when its last token is due.
        let last = groups.keys().last().unwrap().as_secs_f64();
        let due = (4 * group) as f64 / rate;
        assert!(
            (due - 0.01..=due + 0.01).contains(&last),
            "{last}s, due {due}s"
        );

        // A lone call does not wait for company.
        tokio::time::sleep(Duration::from_secs_f64(1.0 / rate)).await;
        let started = Instant::now();
        limiter.acquire().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn the_accepted_rate_is_measured_from_the_first_refusal() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        // A saved-up burst of 10 calls accepted at once, then AWS's bucket is empty and accepts
        // 10 calls per second (one in three), for 1.5 s.
        let mut recent: std::collections::VecDeque<(Instant, bool)> =
            (0..10).map(|_| (at(0), false)).collect();
        for i in 0..45 {
            recent.push_back((at(10 + i * 33), i % 3 != 0));
        }
        let now = at(10 + 45 * 33);
        let rate = accepted_rate(&recent, now);
        assert!((9.0..=11.0).contains(&rate), "{rate}");
        // Less than a second after the first refusal, the whole window (at least half a
        // second) is all there is: the burst counts.
        let early: std::collections::VecDeque<_> = recent.iter().take(25).copied().collect();
        let rate = accepted_rate(&early, at(500));
        assert!(rate > 20.0, "{rate}");
    }

    /// AWS's side of [`a_paced_flow_stays_under_awss_rate_with_few_refusals`]: a token bucket of
    /// 10 calls per second with a burst of 10, answering 20 ms after a call.
    struct Aws {
        tokens: f64,
        refilled: Instant,
        refused_at: Vec<Instant>,
    }

    async fn answer(aws: &Mutex<Aws>) -> Result<(), AwsError> {
        tokio::time::sleep(Duration::from_millis(15)).await;
        let accepted = {
            let mut aws = aws.lock().unwrap();
            let now = Instant::now();
            aws.tokens = (aws.tokens + (now - aws.refilled).as_secs_f64() * 10.0).min(10.0);
            aws.refilled = now;
            if aws.tokens >= 1.0 {
                aws.tokens -= 1.0;
                true
            } else {
                aws.refused_at.push(now);
                false
            }
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        accepted.then_some(()).ok_or_else(throttled)
    }

    #[tokio::test(start_paused = true)]
    async fn a_paced_flow_stays_under_awss_rate_with_few_refusals() {
        let limiter = Arc::new(RateLimiter::default());
        let started = Instant::now();
        let aws = Arc::new(Mutex::new(Aws {
            tokens: 10.0,
            refilled: started,
            refused_at: Vec::new(),
        }));
        // 32 operations at a time, 50 calls each: 1,600 calls, 159 s at AWS's rate.
        let workers: Vec<_> = (0..32)
            .map(|_| {
                let (limiter, aws) = (limiter.clone(), aws.clone());
                tokio::spawn(async move {
                    for _ in 0..50 {
                        call(&Policy::default(), Some(&limiter), || answer(&aws))
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        let took = started.elapsed().as_secs_f64();
        assert!((159.0..=165.0).contains(&took), "{took}s");
        // Past the first seconds' learning, a probe above AWS's rate now and then is all that
        // is refused: 32 to 54 calls (a pace held above AWS's rate, 300 and more).
        let refused_at = &aws.lock().unwrap().refused_at;
        let learning = refused_at
            .iter()
            .filter(|t| **t - started < Duration::from_secs(10))
            .count();
        let later = refused_at.len() - learning;
        assert!(learning <= 60, "{learning} refused in the first 10 s");
        assert!(later <= 80, "{later} refused after the first 10 s");
    }
}
