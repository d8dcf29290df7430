//! Fault injection under load: with 30% ThrottlingException and 10%
//! ServiceUnavailableException on every operation, 1,000 SDK calls complete
//! through the SDK's own retries, and `/_local/stats` accounts for every
//! attempt and every injected fault.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_backup::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_backup::config::{BehaviorVersion, Region};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::{json, Value};

use common::*;

/// A client that retries up to 20 times with millisecond backoff and an
/// unlimited retry token bucket (the default bucket would run dry at a 40%
/// failure rate, which is what this test is about).
fn retrying_client(url: &str) -> Client {
    let config = aws_sdk_backup::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDFAULTS", "dummy", None, None, "test"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(20)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(10)),
        )
        .retry_partition(
            RetryPartition::custom("local-endpoint-faults")
                .token_bucket(TokenBucket::unlimited())
                .build(),
        )
        .build();
    Client::from_conf(config)
}

fn total(stats: &Value, key: &str) -> u64 {
    stats[key]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

/// One call of a mixed workload, by index.
async fn call(c: &Client, i: usize, plan_id: &str, vault_arn: &str) -> Result<(), String> {
    let r = match i % 6 {
        0 => c
            .describe_backup_vault()
            .backup_vault_name("load")
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}")),
        1 => c
            .list_backup_vaults()
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}")),
        2 => c
            .get_backup_plan()
            .backup_plan_id(plan_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}")),
        3 => c
            .list_tags()
            .resource_arn(vault_arn)
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}")),
        4 => c
            .create_backup_vault()
            .backup_vault_name(format!("load-{i}"))
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}")),
        _ => c
            .delete_backup_vault()
            .backup_vault_name(format!("load-{}", i - 1))
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}")),
    };
    r.map_err(|e| format!("call {i}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_calls_succeed_through_throttling_and_500s() {
    let ep = LocalEndpoint::start().await.unwrap();
    let setup = client(&ep.url());
    let vault_arn = make_vault(&setup, "load").await;
    let plan_id = make_plan(&setup, "load-plan", "load").await;
    let before = control(ep.addr(), "GET", "/_local/stats", None).1;

    let (status, _) = control(
        ep.addr(),
        "POST",
        "/_local/faults",
        Some(json!({ "operations": { "*": { "throttleRate": 0.3, "serverErrorRate": 0.1 } } })),
    );
    assert_eq!(status, 200);

    let started = Instant::now();
    let c = retrying_client(&ep.url());
    // Four concurrent workers, 250 calls each, in an order that keeps every
    // delete right after its create.
    let mut workers = Vec::new();
    for w in 0..4 {
        let (c, plan_id, vault_arn) = (c.clone(), plan_id.clone(), vault_arn.clone());
        workers.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in (w * 250)..(w * 250 + 250) {
                if let Err(e) = call(&c, i, &plan_id, &vault_arn).await {
                    failures.push(e);
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for w in workers {
        failures.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} calls failed, first: {}",
        failures.len(),
        failures[0]
    );

    let after = control(ep.addr(), "GET", "/_local/stats", None).1;
    let attempts = total(&after, "calls") - total(&before, "calls");
    let faults = total(&after, "faults") - total(&before, "faults");
    assert_eq!(total(&before, "faults"), 0);
    let throttles = after["faultsByKind"]["throttle"].as_u64().unwrap_or(0);
    let errors_500 = after["faultsByKind"]["serverError"].as_u64().unwrap_or(0);
    println!(
        "1000 calls, {attempts} attempts, {throttles} throttles, {errors_500} 500s, {elapsed:?}"
    );

    // Every call succeeded, so each injected fault cost exactly one extra attempt.
    assert_eq!(
        attempts,
        1000 + faults,
        "stats.calls counts retried attempts"
    );
    assert_eq!(faults, throttles + errors_500);
    // Rates near the configured ones (expected 30% and 10% of attempts;
    // bounds are > 5 standard deviations wide).
    let share = |n: u64| n as f64 / attempts as f64;
    assert!(
        (0.22..0.38).contains(&share(throttles)),
        "throttle share {}",
        share(throttles)
    );
    assert!(
        (0.05..0.15).contains(&share(errors_500)),
        "500 share {}",
        share(errors_500)
    );
    // Every operation of the workload saw faults and they are counted per operation.
    for op in [
        "DescribeBackupVault",
        "ListBackupVaults",
        "GetBackupPlan",
        "ListTags",
        "CreateBackupVault",
        "DeleteBackupVault",
    ] {
        let calls =
            after["calls"][op].as_u64().unwrap_or(0) - before["calls"][op].as_u64().unwrap_or(0);
        let op_faults = after["faults"][op].as_u64().unwrap_or(0);
        // i % 6 spreads 1000 calls as 167 x 4 and 166 x 2.
        let base = if matches!(op, "CreateBackupVault" | "DeleteBackupVault") {
            166
        } else {
            167
        };
        assert!(op_faults > 0, "{op}: no faults injected");
        assert_eq!(calls, base + op_faults, "{op}: attempts = calls + faults");
    }
    // The workload's creates and deletes left only the setup vault.
    ep.set_faults(json!({})).unwrap();
    let vaults = setup.list_backup_vaults().send().await.unwrap();
    assert_eq!(vaults.backup_vault_list().len(), 1);
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}

#[tokio::test]
async fn dropped_connections_and_latency_are_retried() {
    let ep = LocalEndpoint::start().await.unwrap();
    let setup = client(&ep.url());
    make_vault(&setup, "drops").await;
    ep.set_faults(json!({
        "operations": { "DescribeBackupVault": { "dropRate": 0.3, "latencyMs": 2 } },
        "seed": 7
    }))
    .unwrap();
    let c = retrying_client(&ep.url());
    for _ in 0..50 {
        c.describe_backup_vault()
            .backup_vault_name("drops")
            .send()
            .await
            .unwrap();
    }
    let stats = ep.stats();
    let drops = stats["faultsByKind"]["drop"].as_u64().unwrap();
    assert!(drops > 0, "{stats}");
    assert_eq!(
        stats["calls"]["DescribeBackupVault"].as_u64().unwrap(),
        50 + drops
    );
    assert_eq!(
        stats["faults"]["DescribeBackupVault"].as_u64().unwrap(),
        drops
    );
}

/// `rateLimits` throttles by rate, with a token bucket per account, region and operation (or
/// `*`): a burst passes, the rest of a tight loop is throttled, another account has its own
/// bucket, and the bucket refills at its rate.
#[tokio::test]
async fn rate_limits_throttle_by_rate_per_account_and_region() {
    let ep = LocalEndpoint::start().await.unwrap();
    let a = client_for(
        &ep.url(),
        "111111111111",
        "us-east-1",
        RetryConfig::disabled(),
    );
    let b = client_for(
        &ep.url(),
        "222222222222",
        "us-east-1",
        RetryConfig::disabled(),
    );
    let a_west = client_for(
        &ep.url(),
        "111111111111",
        "eu-west-1",
        RetryConfig::disabled(),
    );
    ep.set_faults(json!({
        "rateLimits": {
            "*": { "perSecond": 5, "burst": 10 },
            "ListTags": { "perSecond": 1, "burst": 1 }
        }
    }))
    .unwrap();
    let burst = |c: Client| async move {
        let mut ok = 0;
        let mut throttled = 0;
        for _ in 0..30 {
            match c.list_backup_vaults().send().await {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert_eq!(failure(Err::<(), _>(e)).code, "ThrottlingException");
                    throttled += 1;
                }
            }
        }
        (ok, throttled)
    };
    let started = Instant::now();
    let (ok, throttled) = burst(a.clone()).await;
    // The burst of 10 plus what refilled while the loop ran (5 per second).
    let refill = (started.elapsed().as_secs_f64() * 5.0).ceil() as i32;
    assert!((10..=10 + refill).contains(&ok), "{ok} passed");
    assert_eq!(ok + throttled, 30);
    let (ok_b, _) = burst(b).await;
    assert!(ok_b >= 10, "another account has its own bucket: {ok_b}");
    let (ok_west, _) = burst(a_west).await;
    assert!(
        ok_west >= 10,
        "another region has its own bucket: {ok_west}"
    );
    // An operation with its own limit does not draw on the empty `*` bucket: one ListTags
    // passes the limiter (and fails on its own merits), the next one is throttled.
    let tags = || {
        a.list_tags()
            .resource_arn("arn:aws:backup:us-east-1:111111111111:backup-vault:none")
            .send()
    };
    let first = tags()
        .await
        .map(drop)
        .map_err(|e| failure(Err::<(), _>(e)).code);
    assert_ne!(first, Err("ThrottlingException".to_string()));
    assert_eq!(failure(tags().await.map(drop)).code, "ThrottlingException");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (after, _) = burst(a).await;
    assert!((5..=8).contains(&after), "refilled at 5/s: {after}");
    let stats = ep.stats();
    assert!(
        stats["faultsByKind"]["throttle"].as_u64().unwrap() >= 20,
        "{stats}"
    );

    let bad = ep.set_faults(json!({"rateLimits": {"*": {"perSecond": 0, "burst": 1}}}));
    assert!(bad.unwrap_err().contains("perSecond > 0"));
}
