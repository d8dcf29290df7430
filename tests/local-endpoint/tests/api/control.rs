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

/// Reset also empties the state a kind keeps for itself (StartBackupJob's idempotency tokens).
#[tokio::test]
async fn reset_forgets_idempotency_tokens() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let job = || {
        c.start_backup_job()
            .backup_vault_name("v1")
            .resource_arn(EBS)
            .iam_role_arn(ROLE)
            .idempotency_token("tok")
    };
    make_vault(&c, "v1").await;
    let first = job().send().await.unwrap();
    assert_eq!(
        job().send().await.unwrap().backup_job_id(),
        first.backup_job_id()
    );
    ep.reset();
    make_vault(&c, "v1").await;
    let after = job().send().await.unwrap();
    assert_ne!(after.backup_job_id(), first.backup_job_id());
    assert_ne!(after.recovery_point_arn(), first.recovery_point_arn());
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

#[tokio::test]
async fn clock_offset_can_put_the_endpoint_in_the_past() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let wall = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    };
    let (status, body) = control(
        ep.addr(),
        "POST",
        "/_local/clock",
        Some(json!({ "offsetSeconds": -5.0 * 86_400.0 })),
    );
    assert_eq!(status, 200);
    assert_eq!(body["offsetSeconds"], -5.0 * 86_400.0);
    make_vault(&c, "v1").await;
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("v1")
        .changeable_for_days(3)
        .send()
        .await
        .unwrap();
    let lock_date = |c: aws_sdk_backup::Client| async move {
        c.describe_backup_vault()
            .backup_vault_name("v1")
            .send()
            .await
            .unwrap()
            .lock_date
            .unwrap()
            .as_secs_f64()
    };
    // Put five days ago with three days of grace: its lock date passed two days ago.
    let date = lock_date(c.clone()).await;
    assert!((date - (wall() - 2.0 * 86_400.0)).abs() < 60.0, "{date}");

    // Back to real time (the in-process form): the lock is now past its date.
    ep.set_clock_offset(0.0);
    assert_eq!(ep.call_log()["calls"].as_array().unwrap().len(), 3);
    assert_fails(
        c.delete_backup_vault_lock_configuration()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "past its lock date",
    );
    assert_eq!(
        control(
            ep.addr(),
            "POST",
            "/_local/clock",
            Some(json!({ "offsetSeconds": 1, "advanceSeconds": 1 }))
        )
        .0,
        400
    );
    assert_eq!(
        control(
            ep.addr(),
            "POST",
            "/_local/clock",
            Some(json!({ "offsetSeconds": "soon" }))
        )
        .0,
        400
    );
}

#[tokio::test]
async fn scripted_failures_answer_the_next_calls_of_an_operation() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let describe = || c.describe_backup_vault().backup_vault_name("v1").send();

    let (status, _) = control(
        ep.addr(),
        "POST",
        "/_local/failures",
        Some(json!({
            "operation": "DescribeBackupVault",
            "code": "ServiceUnavailableException",
            "status": 503,
            "message": "Service is busy",
            "times": 2,
        })),
    );
    assert_eq!(status, 200);
    for _ in 0..2 {
        assert_fails(
            describe().await,
            503,
            "ServiceUnavailableException",
            "Service is busy",
        );
    }
    describe().await.unwrap();

    // Armed only by a call of `after`: here the read-back after a lock is put.
    ep.add_failure(json!({
        "operation": "DescribeBackupVault",
        "code": "InternalFailure",
        "status": 500,
        "after": "PutBackupVaultLockConfiguration",
    }))
    .unwrap();
    describe().await.unwrap();
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("v1")
        .min_retention_days(7)
        .send()
        .await
        .unwrap();
    let f = assert_fails(describe().await, 500, "InternalFailure", "");
    assert!(!f.message.is_empty(), "a default message is given");
    assert_eq!(describe().await.unwrap().locked(), Some(true));

    // Failures of one operation are used in the order they were added, before random faults.
    ep.set_faults(json!({ "operations": { "ListBackupVaults": { "throttleRate": 1.0 } } }))
        .unwrap();
    for code in ["FirstException", "SecondException"] {
        ep.add_failure(json!({"operation": "ListBackupVaults", "code": code, "status": 400}))
            .unwrap();
    }
    assert_fails(
        c.list_backup_vaults().send().await,
        400,
        "FirstException",
        "",
    );
    assert_fails(
        c.list_backup_vaults().send().await,
        400,
        "SecondException",
        "",
    );
    assert_fails(
        c.list_backup_vaults().send().await,
        400,
        "ThrottlingException",
        "",
    );

    let stats = ep.stats();
    assert_eq!(stats["faultsByKind"]["scripted"], 5, "{stats}");
    assert_eq!(stats["faults"]["DescribeBackupVault"], 3, "{stats}");

    // Settings that name no operation, no error status or no call are refused.
    for bad in [
        json!({"operation": "DeletePlan", "code": "X", "status": 400}),
        json!({"operation": "DeleteBackupPlan", "code": "X", "status": 200}),
        json!({"operation": "DeleteBackupPlan", "code": "X", "status": 400, "times": 0}),
        json!({"operation": "DeleteBackupPlan", "code": "X", "status": 400, "after": "Nothing"}),
        json!({"operation": "DeleteBackupPlan", "code": "Bad Code", "status": 400}),
        json!({"operation": "DeleteBackupPlan", "status": 400}),
    ] {
        let (status, body) = control(ep.addr(), "POST", "/_local/failures", Some(bad.clone()));
        assert_eq!(status, 400, "{bad}: {body}");
    }

    ep.reset();
    make_vault(&c, "v1").await;
    ep.add_failure(json!({"operation": "DescribeBackupVault", "code": "X", "status": 400}))
        .unwrap();
    ep.reset();
    make_vault(&c, "v1").await;
    describe().await.expect("reset clears scripted failures");
}

#[tokio::test]
async fn the_call_log_lists_calls_in_order_with_their_outcome_and_input() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let other = client_for(
        &ep.url(),
        "210987654321",
        "eu-west-1",
        aws_sdk_backup::config::retry::RetryConfig::disabled(),
    );
    c.create_backup_vault()
        .backup_vault_name("v1")
        .backup_vault_tags("team", "data")
        .creator_request_id("vault-token")
        .send()
        .await
        .unwrap();
    assert_fails(
        other
            .describe_backup_vault()
            .backup_vault_name("v1")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "",
    );
    ep.set_faults(json!({ "operations": { "ListBackupVaults": { "dropRate": 1.0 } } }))
        .unwrap();
    assert!(c.list_backup_vaults().send().await.is_err());

    let (status, log) = control(ep.addr(), "GET", "/_local/calls", None);
    assert_eq!(status, 200);
    assert_eq!(log, ep.call_log());
    let calls = log["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3, "{log}");
    assert_eq!(
        calls[0],
        json!({
            "operation": "CreateBackupVault",
            "account": "123456789012",
            "region": "us-east-1",
            "labels": ["v1"],
            "input": {"BackupVaultTags": {"team": "data"}, "CreatorRequestId": "vault-token"},
            "status": 200,
            "seq": 1,
        })
    );
    assert_eq!(calls[1]["operation"], "DescribeBackupVault");
    assert_eq!(calls[1]["account"], "210987654321");
    assert_eq!(calls[1]["region"], "eu-west-1");
    assert_eq!(calls[1]["status"], 403);
    assert_eq!(calls[1]["error"], "AccessDeniedException");
    assert_eq!(calls[2]["operation"], "ListBackupVaults");
    assert_eq!(calls[2]["dropped"], true);
    assert!(calls[2].get("status").is_none());
    assert_eq!(calls[2]["seq"], 3);

    // Test-control calls are not logged; reset empties the log and numbers from 1 again.
    control(ep.addr(), "GET", "/_local/stats", None);
    assert_eq!(ep.call_log()["calls"].as_array().unwrap().len(), 3);
    ep.reset();
    assert_eq!(ep.call_log(), json!({ "calls": [] }));
    make_vault(&c, "v2").await;
    assert_eq!(ep.call_log()["calls"][0]["seq"], 1);
}

#[tokio::test]
async fn iam_propagation_for_a_number_of_calls_alternates_aws_messages() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let plan = make_plan(&c, "p", "v1").await;
    ep.set_faults(json!({ "iamPropagationCalls": 3 })).unwrap();
    let create = |name: &str| {
        c.create_backup_selection()
            .backup_plan_id(&plan)
            .backup_selection(selection(name))
            .send()
    };
    for expected in [
        "cannot be assumed by AWS Backup",
        "is not authorized to call tag:GetResources",
        "cannot be assumed by AWS Backup",
    ] {
        let f = assert_invalid(create("s").await, expected);
        assert!(f.message.contains(ROLE), "{f:?}");
    }
    create("s").await.unwrap();
    let stats = ep.stats();
    assert_eq!(stats["faultsByKind"]["iamPropagation"], 3);
    assert_eq!(stats["calls"]["CreateBackupSelection"], 4);
}

#[tokio::test]
async fn principal_propagation_refuses_a_number_of_policy_puts() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    ep.set_faults(json!({ "principalPropagationCalls": 2 }))
        .unwrap();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/new"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}"#;
    let put = || {
        c.put_backup_vault_access_policy()
            .backup_vault_name("v1")
            .policy(policy)
            .send()
    };
    for _ in 0..2 {
        assert_invalid(put().await, "Provided principal is not valid");
    }
    // The refused puts stored nothing.
    assert!(c
        .get_backup_vault_access_policy()
        .backup_vault_name("v1")
        .send()
        .await
        .is_err());
    put().await.unwrap();
    let stats = ep.stats();
    assert_eq!(stats["faultsByKind"]["principalPropagation"], 2);
    assert_eq!(stats["calls"]["PutBackupVaultAccessPolicy"], 3);
}

#[tokio::test]
async fn delete_vault_lag_refuses_an_emptied_vault_for_a_few_calls() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    ep.set_faults(json!({ "deleteVaultLagCalls": 2 })).unwrap();
    make_vault(&c, "v1").await;
    let points = [
        make_recovery_point(&c, "v1", None).await,
        make_recovery_point(&c, "v1", None).await,
    ];
    let delete_vault = || c.delete_backup_vault().backup_vault_name("v1").send();
    for point in &points {
        assert_fails(
            delete_vault().await,
            400,
            "InvalidRequestException",
            "contains recovery points",
        );
        c.delete_recovery_point()
            .backup_vault_name("v1")
            .recovery_point_arn(point)
            .send()
            .await
            .unwrap();
    }
    // Empty, yet refused twice more, as AWS does for a while.
    for _ in 0..2 {
        let f = assert_fails(
            delete_vault().await,
            400,
            "InvalidRequestException",
            "contains recovery points",
        );
        assert!(f.message.contains("recovery points"));
    }
    delete_vault().await.unwrap();

    // Without the setting an empty vault is deleted at once.
    ep.set_faults(json!({})).unwrap();
    make_vault(&c, "v2").await;
    let point = make_recovery_point(&c, "v2", None).await;
    c.delete_recovery_point()
        .backup_vault_name("v2")
        .recovery_point_arn(point)
        .send()
        .await
        .unwrap();
    c.delete_backup_vault()
        .backup_vault_name("v2")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn reversed_selection_lists() {
    use aws_sdk_backup::types::{BackupSelection, ConditionParameter, Conditions};
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let plan = make_plan(&c, "p", "v1").await;
    let param = |k: &str| {
        ConditionParameter::builder()
            .condition_key(format!("aws:ResourceTag/{k}"))
            .condition_value("yes")
            .build()
    };
    let resources = [EBS, "arn:aws:s3:::logs-*"];
    let sel = BackupSelection::builder()
        .selection_name("s")
        .iam_role_arn(ROLE)
        .set_resources(Some(resources.map(String::from).to_vec()))
        .conditions(
            Conditions::builder()
                .string_equals(param("a"))
                .string_equals(param("b"))
                .build(),
        )
        .build()
        .unwrap();
    let id = c
        .create_backup_selection()
        .backup_plan_id(&plan)
        .backup_selection(sel)
        .send()
        .await
        .unwrap()
        .selection_id
        .unwrap();
    let get = || async {
        c.get_backup_selection()
            .backup_plan_id(&plan)
            .selection_id(&id)
            .send()
            .await
            .unwrap()
            .backup_selection
            .unwrap()
    };
    let keys = |s: &BackupSelection| -> Vec<String> {
        s.conditions()
            .unwrap()
            .string_equals()
            .iter()
            .map(|p| p.condition_key().unwrap().to_string())
            .collect()
    };
    let sent = get().await;
    assert_eq!(sent.resources(), resources.map(String::from));
    assert_eq!(keys(&sent), ["aws:ResourceTag/a", "aws:ResourceTag/b"]);

    ep.set_faults(json!({ "reverseSelectionLists": true }))
        .unwrap();
    let reversed = get().await;
    assert_eq!(
        reversed.resources(),
        [resources[1], resources[0]].map(String::from)
    );
    assert_eq!(keys(&reversed), ["aws:ResourceTag/b", "aws:ResourceTag/a"]);
    assert_eq!(reversed.not_resources(), [] as [String; 0]);
}

#[tokio::test]
async fn lag_vault_creating_calls_and_lag_vault_failed() {
    use aws_sdk_backup::types::{VaultState, VaultType};
    let ep = LocalEndpoint::start().await.unwrap();
    let c = &client(&ep.url());
    let create = |name: &'static str| {
        c.create_logically_air_gapped_backup_vault()
            .backup_vault_name(name)
            .min_retention_days(7)
            .max_retention_days(30)
            .send()
    };
    let describe = |name: &'static str| async move {
        c.describe_backup_vault()
            .backup_vault_name(name)
            .send()
            .await
            .unwrap()
            .vault_state
            .unwrap()
    };
    let listed = |by: Option<VaultType>| async move {
        c.list_backup_vaults()
            .set_by_vault_type(by)
            .send()
            .await
            .unwrap()
            .backup_vault_list()
            .iter()
            .map(|v| v.vault_state().unwrap().clone())
            .collect::<Vec<_>>()
    };

    // Describe and every list that shows the vault count as reads; a list that leaves it out
    // does not.
    ep.set_faults(json!({ "lagVaultCreatingCalls": 3 }))
        .unwrap();
    let created = create("slow").await.unwrap();
    assert_eq!(created.vault_state(), Some(&VaultState::Creating));
    make_vault(c, "std").await;
    assert_eq!(
        listed(Some(VaultType::BackupVault)).await,
        [VaultState::Available]
    );
    assert_eq!(
        listed(None).await,
        [VaultState::Creating, VaultState::Available]
    );
    assert_eq!(describe("slow").await, VaultState::Creating);
    assert_eq!(
        listed(Some(VaultType::LogicallyAirGappedBackupVault)).await,
        [VaultState::Creating]
    );
    assert_eq!(describe("slow").await, VaultState::Available);

    // 0: ready at the first read; the create itself still answers CREATING.
    ep.set_faults(json!({ "lagVaultCreatingCalls": 0 }))
        .unwrap();
    let created = create("fast").await.unwrap();
    assert_eq!(created.vault_state(), Some(&VaultState::Creating));
    assert_eq!(describe("fast").await, VaultState::Available);

    // New settings without the member go back to the default, one read.
    ep.set_faults(json!({})).unwrap();
    create("default").await.unwrap();
    assert_eq!(describe("default").await, VaultState::Creating);
    assert_eq!(describe("default").await, VaultState::Available);

    // A failed creation: CREATING for the reads, then FAILED for good; the vault can be deleted.
    let (status, _) = control(
        ep.addr(),
        "POST",
        "/_local/faults",
        Some(json!({ "lagVaultFailed": true, "lagVaultCreatingCalls": 1 })),
    );
    assert_eq!(status, 200);
    let created = create("failed").await.unwrap();
    assert_eq!(created.vault_state(), Some(&VaultState::Creating));
    assert_eq!(describe("failed").await, VaultState::Creating);
    assert_eq!(describe("failed").await, VaultState::Failed);
    assert_eq!(
        listed(Some(VaultType::LogicallyAirGappedBackupVault)).await,
        [
            VaultState::Available,
            VaultState::Available,
            VaultState::Available,
            VaultState::Failed
        ]
    );
    // The settings apply to vaults created after them only.
    ep.set_faults(json!({})).unwrap();
    assert_eq!(describe("failed").await, VaultState::Failed);
    c.delete_backup_vault()
        .backup_vault_name("failed")
        .send()
        .await
        .unwrap();

    // Values of the wrong type are refused.
    for bad in [
        json!({ "lagVaultCreatingCalls": -1 }),
        json!({ "lagVaultCreatingCalls": "2" }),
        json!({ "lagVaultFailed": "yes" }),
    ] {
        assert_eq!(
            control(ep.addr(), "POST", "/_local/faults", Some(bad.clone())).0,
            400,
            "{bad}"
        );
    }

    // Reset goes back to the default too.
    ep.set_faults(json!({ "lagVaultCreatingCalls": 0 }))
        .unwrap();
    ep.reset();
    create("after-reset").await.unwrap();
    assert_eq!(describe("after-reset").await, VaultState::Creating);
    assert_eq!(describe("after-reset").await, VaultState::Available);
}
