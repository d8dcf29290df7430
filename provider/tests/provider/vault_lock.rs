//! VaultLock over gRPC, against the local endpoint.

use awsbackup::proto::pulumirpc as rpc;
use serde_json::{json, Value};

use crate::common::*;

const LOCK: &str = "awsbackup:index:VaultLock";

fn lock_urn() -> String {
    format!("urn:pulumi:test::proj::{LOCK}::lock")
}

async fn check(client: &mut Client, olds: Value, news: Value) -> rpc::CheckResponse {
    client
        .check(rpc::CheckRequest {
            urn: lock_urn(),
            olds: to_struct(olds),
            news: to_struct(news),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn check_enforces_the_lock_ranges() {
    let (_aws, mut client) = start().await;
    let cases = [
        (json!({}), "backupVaultName", "is required"),
        (json!({"backupVaultName": "v.1"}), "backupVaultName", "'.'"),
        (
            json!({"backupVaultName": "v1", "minRetentionDays": 0}),
            "minRetentionDays",
            "between 1 and 36500",
        ),
        (
            json!({"backupVaultName": "v1", "maxRetentionDays": 36501}),
            "maxRetentionDays",
            "between 1 and 36500",
        ),
        (
            json!({"backupVaultName": "v1", "minRetentionDays": 30, "maxRetentionDays": 7}),
            "maxRetentionDays",
            "at least minRetentionDays (30)",
        ),
        (
            json!({"backupVaultName": "v1", "changeableForDays": 2}),
            "changeableForDays",
            "between 3 and 36500",
        ),
        (
            json!({"backupVaultName": "v1", "changeableForDays": 36501}),
            "changeableForDays",
            "between 3 and 36500",
        ),
    ];
    for (news, property, rule) in cases {
        let resp = check(&mut client, json!({}), news.clone()).await;
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f) == property && f.reason.contains(rule)),
            "{news}: expected {property} / {rule:?}, got {:?}",
            resp.failures
        );
    }
    let equal = check(
        &mut client,
        json!({}),
        json!({"backupVaultName": "v1", "minRetentionDays": 7, "maxRetentionDays": 7}),
    )
    .await;
    assert!(
        equal.failures.is_empty(),
        "min == max is allowed: {:?}",
        equal.failures
    );
}

#[tokio::test]
async fn governance_lock_changes_in_place_and_compliance_lock_becomes_immutable() {
    let (aws, mut client) = start().await;
    // What follows starts five days ago by AWS's clock, so that a compliance lock put then with
    // three days of grace is past its lock date today.
    const DAY: f64 = 86_400.0;
    aws.endpoint.set_clock_offset(-5.0 * DAY);
    aws.create_vault("v1", None).await;

    let inputs = json!({"backupVaultName": "v1", "minRetentionDays": 7, "maxRetentionDays": 30});
    let created = client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(inputs.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = from_struct(&created.properties);
    assert_eq!(created.id, "v1");
    assert_eq!(state["mode"], "governance");
    assert_eq!(state["locked"], true);

    // A governance change is an in-place update.
    let news = json!({"backupVaultName": "v1", "minRetentionDays": 14, "maxRetentionDays": 30});
    let diff = client
        .diff(rpc::DiffRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(inputs),
            news: to_struct(news.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(diff.replaces.is_empty());
    assert_eq!(diff.diffs, vec!["minRetentionDays"]);
    let updated = client
        .update(rpc::UpdateRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state),
            news: to_struct(news.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(aws.vault("v1").await.unwrap().min_retention_days, Some(14));

    // Switch to compliance; once its lock date passes by AWS's clock, changes are refused at Diff
    // (preview).
    let compliance = json!({"backupVaultName": "v1", "minRetentionDays": 14, "maxRetentionDays": 30, "changeableForDays": 3});
    let state = from_struct(&updated.properties);
    let updated = client
        .update(rpc::UpdateRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state),
            news: to_struct(compliance.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = from_struct(&updated.properties);
    assert_eq!(state["mode"], "compliance");

    // The lock date is two days ago by the local clock, two days ahead by AWS's: Diff and
    // Update go by AWS's clock, and the lock still changes.
    let lock_date = state["lockDate"].as_str().unwrap();
    assert!(awsbackup::time::parse(lock_date).unwrap() < std::time::SystemTime::now());
    let changed = json!({"backupVaultName": "v1", "minRetentionDays": 10, "maxRetentionDays": 30, "changeableForDays": 3});
    let diff = client
        .diff(rpc::DiffRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(compliance),
            news: to_struct(changed.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(diff.diffs, vec!["minRetentionDays"]);
    let updated = client
        .update(rpc::UpdateRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state),
            news: to_struct(changed.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(aws.vault("v1").await.unwrap().min_retention_days, Some(10));
    let compliance = changed;
    let state = from_struct(&updated.properties);
    let lock_date = state["lockDate"].as_str().unwrap().to_string();

    // Five days later by AWS's clock, which the provider learns from its next answer (here a
    // refresh).
    aws.endpoint.advance_clock(5.0 * DAY);
    let refreshed = client
        .read(rpc::ReadRequest {
            id: "v1".into(),
            urn: lock_urn(),
            properties: to_struct(state.clone()),
            inputs: to_struct(compliance.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(from_struct(&refreshed.properties), state);
    let err = client
        .diff(rpc::DiffRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(compliance.clone()),
            news: to_struct(json!({"backupVaultName": "v1", "minRetentionDays": 1, "maxRetentionDays": 30, "changeableForDays": 3})),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains(&format!("immutable since {lock_date}")),
        "{}",
        err.message()
    );

    // No change is still fine, and delete explains the refusal.
    let same = client
        .diff(rpc::DiffRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(compliance.clone()),
            news: to_struct(compliance),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        same.changes,
        rpc::diff_response::DiffChanges::DiffNone as i32
    );
    let err = client
        .delete(rpc::DeleteRequest {
            id: "v1".into(),
            urn: lock_urn(),
            properties: to_struct(state),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("immutable since"),
        "{}",
        err.message()
    );
    assert_eq!(aws.vault("v1").await.unwrap().locked, Some(true));
}

#[tokio::test]
async fn import_of_a_compliance_lock_shows_no_diff_for_changeable_for_days() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let args = json!({"backupVaultName": "v1", "minRetentionDays": 7, "maxRetentionDays": 30, "changeableForDays": 3});
    client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(args.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let read = client
        .read(rpc::ReadRequest {
            id: "v1".into(),
            urn: lock_urn(),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let inputs = from_struct(&read.inputs);
    assert!(
        inputs.get("changeableForDays").is_none(),
        "AWS never returns it"
    );
    let state = from_struct(&read.properties);
    assert_eq!(state["mode"], "compliance");
    let diff = client
        .diff(rpc::DiffRequest {
            id: "v1".into(),
            urn: lock_urn(),
            olds: to_struct(state),
            old_inputs: to_struct(inputs),
            news: to_struct(args),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        diff.changes,
        rpc::diff_response::DiffChanges::DiffNone as i32,
        "{:?}",
        diff.detailed_diff
    );
}

#[tokio::test]
async fn lock_removed_out_of_band_is_gone_on_refresh() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let resp = check(
        &mut client,
        json!({}),
        json!({"backupVaultName": "v1", "changeableForDays": 30}),
    )
    .await;
    assert!(resp.failures.is_empty());
    let args = json!({"backupVaultName": "v1", "minRetentionDays": 7});
    let created = client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(args.clone()),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    aws.sdk
        .delete_backup_vault_lock_configuration()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    let read = client
        .read(rpc::ReadRequest {
            id: "v1".into(),
            urn: lock_urn(),
            properties: created.properties,
            inputs: to_struct(args),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, "");
}

#[tokio::test]
async fn locking_a_missing_or_locked_vault_says_what_to_do() {
    let (aws, mut client) = start().await;
    aws.create_vault("locked", None).await;
    let err = client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(json!({"backupVaultName": "nope"})),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("does not exist"),
        "{}",
        err.message()
    );
    client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(json!({"backupVaultName": "locked"})),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // The same lock again (a create retried after an interrupted update) adopts it.
    let adopted = client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(json!({"backupVaultName": "locked"})),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(adopted.id, "locked");
    // Another lock is somebody else's: import it or change it in place.
    let err = client
        .create(rpc::CreateRequest {
            urn: lock_urn(),
            properties: to_struct(json!({"backupVaultName": "locked", "minRetentionDays": 7})),
            r#type: LOCK.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("pulumi import awsbackup:index:VaultLock"),
        "{}",
        err.message()
    );
}

/// A preview of a lock and a plan on a vault the same update creates looks once per resource:
/// AWS answers AccessDenied for the missing vault, and nothing more is asked to tell that
/// from a refusal (either way there is nothing to check).
#[tokio::test]
async fn previews_on_a_vault_yet_to_be_created_make_one_call_each() {
    let (aws, mut client) = start().await;
    let before = aws.calls().len();
    Resource {
        token: LOCK,
        name: "lock",
    }
    .preview_create(
        &mut client,
        &json!({"backupVaultName": "new-vault", "minRetentionDays": 7}),
    )
    .await
    .unwrap();
    Resource {
        token: "awsbackup:index:Plan",
        name: "plan",
    }
    .preview_create(
        &mut client,
        &json!({
            "name": "p",
            "rules": [{"ruleName": "daily", "targetVaultName": "new-vault"}],
        }),
    )
    .await
    .unwrap();
    assert_eq!(
        aws.calls()[before..],
        ["DescribeBackupVault", "DescribeBackupVault"]
    );
}

/// What the provider's own writes left needs no second look: the lock on a vault the same
/// process created is put at once, and a plan's lock-range check uses the lock just put.
#[tokio::test]
async fn a_vault_its_lock_and_a_plan_made_by_one_process_look_nothing_up() {
    let (aws, mut client) = start().await;
    let vault = Resource {
        token: "awsbackup:index:Vault",
        name: "vault",
    };
    vault
        .create(&mut client, &json!({"name": "fresh"}))
        .await
        .unwrap();
    Resource {
        token: LOCK,
        name: "lock",
    }
    .create(
        &mut client,
        &json!({"backupVaultName": "fresh", "minRetentionDays": 7, "maxRetentionDays": 35}),
    )
    .await
    .unwrap();
    assert_eq!(
        aws.calls(),
        ["CreateBackupVault", "PutBackupVaultLockConfiguration"]
    );
    let plan = Resource {
        token: "awsbackup:index:Plan",
        name: "plan",
    };
    let rule = |days: i64| {
        json!({"name": "p", "rules": [{"ruleName": "daily", "targetVaultName": "fresh",
               "lifecycle": {"deleteAfterDays": days}}]})
    };
    let err = plan.create(&mut client, &rule(3)).await.unwrap_err();
    assert!(
        err.message().contains(
            "keeps recovery points 3 days, outside the lock range of vault 'fresh' (7 to 35 days)"
        ),
        "{}",
        err.message()
    );
    plan.create(&mut client, &rule(14)).await.unwrap();
    let calls = aws.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c == "DescribeBackupVault" || c == "ListBackupVaults"),
        "{calls:?}"
    );
    assert_eq!(aws.count("CreateBackupPlan"), 1);
}
