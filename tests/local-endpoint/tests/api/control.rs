//! The `/_local/` test-control API (over HTTP) and the matching
//! `LocalEndpoint` methods.

use std::time::{Duration, Instant};

use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn clock_moves_every_now_forward() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let (status, body) = control(
        ep.addr(),
        "POST",
        "/_local/clock",
        Some(json!({ "advanceSeconds": 86_400 })),
    );
    assert_eq!(status, 200);
    assert_eq!(body["offsetSeconds"], 86_400.0);
    let (_, clock) = control(ep.addr(), "GET", "/_local/clock", None);
    let created = c
        .create_backup_vault()
        .backup_vault_name("later")
        .send()
        .await
        .unwrap()
        .creation_date
        .unwrap()
        .as_secs_f64();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((created - wall - 86_400.0).abs() < 60.0);
    assert!((created - clock["now"].as_f64().unwrap()).abs() < 60.0);

    assert_eq!(
        control(
            ep.addr(),
            "POST",
            "/_local/clock",
            Some(json!({ "advanceSeconds": -5 }))
        )
        .0,
        400
    );
    assert_eq!(
        control(ep.addr(), "POST", "/_local/clock", Some(json!({}))).0,
        400
    );
    assert_eq!(control(ep.addr(), "GET", "/_local/nothing", None).0, 404);
}

#[tokio::test]
async fn faults_per_operation_replace_and_count() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;

    let set = |body: serde_json::Value| control(ep.addr(), "POST", "/_local/faults", Some(body)).0;
    assert_eq!(
        set(json!({ "operations": { "ListBackupVaults": { "throttleRate": 1.0 } } })),
        200
    );
    assert_fails(
        c.list_backup_vaults().send().await,
        400,
        "ThrottlingException",
        "Rate exceeded",
    );
    c.describe_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();

    // A new call replaces the previous settings.
    assert_eq!(
        set(json!({ "operations": { "*": { "serverErrorRate": 1.0 } } })),
        200
    );
    assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("v1")
            .send()
            .await,
        500,
        "ServiceUnavailableException",
        "",
    );
    assert_fails(
        c.list_backup_vaults().send().await,
        500,
        "ServiceUnavailableException",
        "",
    );

    // Dropped connections: no HTTP response at all.
    assert_eq!(
        set(json!({ "operations": { "ListBackupVaults": { "dropRate": 1.0 } } })),
        200
    );
    let err = c.list_backup_vaults().send().await.expect_err("dropped");
    assert!(err.raw_response().is_none(), "{err:?}");
    assert!(
        matches!(err, aws_sdk_backup::error::SdkError::DispatchFailure(_)),
        "{err:?}"
    );

    // A specific operation overrides "*".
    assert_eq!(
        set(json!({ "operations": {
            "*": { "throttleRate": 1.0 },
            "ListBackupVaults": { "latencyMs": 300 }
        } })),
        200
    );
    let started = Instant::now();
    c.list_backup_vaults().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ThrottlingException",
        "",
    );

    let (status, stats) = control(ep.addr(), "GET", "/_local/stats", None);
    assert_eq!(status, 200);
    assert_eq!(stats["calls"]["ListBackupVaults"], 4);
    assert_eq!(stats["faults"]["ListBackupVaults"], 3);
    assert_eq!(stats["calls"]["DescribeBackupVault"], 3);
    assert_eq!(stats["faults"]["DescribeBackupVault"], 2);
    assert_eq!(stats["calls"]["CreateBackupVault"], 1);
    assert_eq!(
        stats["faultsByKind"],
        json!({ "drop": 1, "serverError": 2, "throttle": 2 })
    );

    // Invalid settings are refused and leave the old ones in place.
    assert_eq!(
        set(json!({ "operations": { "*": { "throttleRate": 1.5 } } })),
        400
    );
    assert_eq!(
        set(json!({ "operations": { "*": { "throttle": 0.5 } } })),
        400
    );
    assert_eq!(set(json!({ "iamPropagationSeconds": -1 })), 400);
    assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ThrottlingException",
        "",
    );
}

#[tokio::test]
async fn reset_empties_state_faults_stats_and_clock() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    ep.advance_clock(1000.0);
    ep.set_faults(json!({ "operations": { "DeleteBackupVault": { "throttleRate": 1.0 } } }))
        .unwrap();
    let (status, _) = control(ep.addr(), "POST", "/_local/reset", None);
    assert_eq!(status, 200);
    assert_eq!(
        ep.stats(),
        json!({ "calls": {}, "faults": {}, "faultsByKind": {}, "inFlight": {} })
    );
    let (_, clock) = control(ep.addr(), "GET", "/_local/clock", None);
    assert_eq!(clock["offsetSeconds"], 0.0);
    assert!(c
        .list_backup_vaults()
        .send()
        .await
        .unwrap()
        .backup_vault_list()
        .is_empty());
    make_vault(&c, "v1").await;
    c.delete_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();

    // The in-process equivalent.
    make_vault(&c, "w1").await;
    ep.reset();
    assert!(c
        .list_backup_vaults()
        .send()
        .await
        .unwrap()
        .backup_vault_list()
        .is_empty());
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let ep = LocalEndpoint::start().await.unwrap();
    let addr = ep.addr();
    assert_eq!(ep.url(), format!("http://127.0.0.1:{}", addr.port()));
    assert!(std::net::TcpStream::connect(addr).is_ok());
    ep.shutdown().await;
    assert!(std::net::TcpStream::connect(addr).is_err());

    // Dropping also stops it.
    let ep = LocalEndpoint::start().await.unwrap();
    let addr = ep.addr();
    drop(ep);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "still listening after drop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn start_on_a_given_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ep = LocalEndpoint::start_on(port).await.unwrap();
    assert_eq!(ep.addr().port(), port);
    assert!(ep.addr().ip().is_loopback());
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    assert!(
        LocalEndpoint::start_on(port).await.is_err(),
        "the port is taken"
    );
}
