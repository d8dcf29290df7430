//! LogicallyAirGappedVault over gRPC against the local endpoint (whose new air-gapped vaults
//! read as CREATING for a configurable number of reads), and plans whose rules target one.

use awsbackup::proto::pulumirpc as rpc;
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;

const LAG: &str = "awsbackup:index:LogicallyAirGappedVault";
const PLAN: &str = "awsbackup:index:Plan";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";

const RESOURCE: Resource = Resource {
    token: LAG,
    name: "airgap",
};
const PLAN_RESOURCE: Resource = Resource {
    token: PLAN,
    name: "daily",
};

fn inputs(name: &str, min: i64, max: i64) -> Value {
    json!({"name": name, "minRetentionDays": min, "maxRetentionDays": max})
}

fn arn(name: &str) -> String {
    format!("arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:{name}")
}

/// A plan with one rule into `target` that also backs up straight into the air-gapped vault
/// `lag_arn`, keeping recovery points `days` days.
fn plan_inputs(target: &str, lag_arn: &str, days: i64) -> Value {
    json!({
        "name": "to-airgap",
        "rules": [{
            "ruleName": "daily",
            "targetVaultName": target,
            "targetLogicallyAirGappedBackupVaultArn": lag_arn,
            "lifecycle": {"deleteAfterDays": days},
        }],
    })
}

fn state_of(resp: &rpc::CreateResponse) -> Value {
    from_struct(&resp.properties)
}

#[tokio::test]
async fn check_names_the_property_and_the_rule() {
    let (_aws, mut client) = start().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"name": "v1"}), "minRetentionDays", "is required"),
        (json!({"name": "v1"}), "maxRetentionDays", "is required"),
        (
            inputs("v1", 3, 30),
            "minRetentionDays",
            "must be between 7 and 36500 days",
        ),
        (
            inputs("v1", 30, 7),
            "minRetentionDays",
            "must not exceed maxRetentionDays (7), got 30",
        ),
        (
            inputs("v1", 7, 40_000),
            "maxRetentionDays",
            "must be between 1 and 36500 days, got 40000",
        ),
        (inputs("v.1", 7, 30), "name", "'.'"),
        (
            json!({"name": "v1", "minRetentionDays": 7, "maxRetentionDays": 30,
                   "encryptionKeyArn": "alias/backup"}),
            "encryptionKeyArn",
            "a key alias is not accepted",
        ),
    ];
    RESOURCE.assert_check_fails(&mut client, cases).await;
    RESOURCE.checked(&mut client, inputs("v1", 7, 7)).await;
}

#[tokio::test]
async fn create_waits_until_aws_makes_the_vault_available() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 2}))
        .unwrap();
    let mut news = inputs("airgap-1", 7, 35);
    news["tags"] = json!({"team": "platform"});
    news["encryptionKeyArn"] = json!(KEY);
    let created = RESOURCE.create(&mut client, &news).await.unwrap();
    assert_eq!(created.id, "airgap-1");
    let state = state_of(&created);
    assert_eq!(state["vaultState"], "AVAILABLE");
    assert_eq!(state["vaultType"], "LOGICALLY_AIR_GAPPED_BACKUP_VAULT");
    assert_eq!(state["arn"], arn("airgap-1").as_str());
    assert_eq!(state["minRetentionDays"], 7);
    assert_eq!(state["maxRetentionDays"], 35);
    assert_eq!(state["encryptionKeyArn"], KEY);
    assert_eq!(state["encryptionKeyType"], "CUSTOMER_MANAGED_KMS_KEY");
    assert_eq!(state["tags"], json!({"team": "platform"}));
    // One create, then Describe until the vault stopped CREATING (two reads saw it so).
    let calls = aws.calls();
    assert_eq!(
        aws.count("CreateLogicallyAirGappedBackupVault"),
        1,
        "{calls:?}"
    );
    assert!(aws.count("DescribeBackupVault") >= 3, "{calls:?}");
    let live = aws.vault("airgap-1").await.unwrap();
    assert_eq!(live.vault_state().map(|s| s.as_str()), Some("AVAILABLE"));
    assert_eq!(live.locked(), Some(true));
    assert_eq!(aws.tags(&arn("airgap-1")).await["team"], "platform");
}

#[tokio::test]
async fn a_vault_aws_fails_is_deleted_and_the_reason_given() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"lagVaultFailed": true}))
        .unwrap();
    let mut news = inputs("airgap-bad", 7, 35);
    news["encryptionKeyArn"] = json!(KEY);
    let err = RESOURCE.create(&mut client, &news).await.unwrap_err();
    assert!(
        err.message()
            .contains("AWS failed logically air-gapped vault 'airgap-bad'"),
        "{err:?}"
    );
    assert!(err.message().contains("kms:CreateGrant"), "{err:?}");
    assert!(
        err.message().contains("the failed vault was deleted"),
        "{err:?}"
    );
    assert!(
        aws.vault("airgap-bad").await.is_none(),
        "the failed vault was left behind"
    );
}

#[tokio::test]
async fn a_create_cut_short_is_recorded_and_the_update_waits_again() {
    let (aws, mut client) = start().await;
    // More reads see CREATING than a 2-second create makes (the count is fixed at creation).
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 8}))
        .unwrap();
    let news = inputs("airgap-slow", 7, 35);
    let err = client
        .create(rpc::CreateRequest {
            urn: RESOURCE.urn(),
            properties: to_struct(news.clone()),
            r#type: LAG.into(),
            timeout: 2.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    // The vault exists: the engine is told about it (partial state), not left in the dark.
    let (id, state) = partial_state(&err);
    assert_eq!(id, "airgap-slow");
    assert_eq!(state["vaultState"], "CREATING");
    assert!(
        err.message()
            .contains("the next `pulumi up` waits for it again"),
        "{err:?}"
    );

    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    let updated = RESOURCE
        .update(&mut client, "airgap-slow", &state, &news)
        .await
        .unwrap();
    assert_eq!(from_struct(&updated.properties)["vaultState"], "AVAILABLE");
}

#[tokio::test]
async fn refresh_finds_tag_drift_and_import_reads_every_input() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    let mut news = inputs("airgap-2", 14, 90);
    news["tags"] = json!({"team": "platform"});
    let created = RESOURCE.create(&mut client, &news).await.unwrap();
    let state = state_of(&created);

    aws.tag(&arn("airgap-2"), &[("team", "someone-else")]).await;
    let refreshed = RESOURCE
        .read(&mut client, "airgap-2", Some((&state, &news)))
        .await
        .unwrap();
    let inputs_now = from_struct(&refreshed.inputs);
    assert_eq!(inputs_now["tags"], json!({"team": "someone-else"}));
    let d = RESOURCE
        .diff(
            &mut client,
            "airgap-2",
            &from_struct(&refreshed.properties),
            &inputs_now,
            &news,
        )
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert!(
        d.replaces.is_empty(),
        "a tag change replaces nothing: {:?}",
        d.replaces
    );

    // Import: every input AWS reports, and the program's inputs then show no diff.
    let imported = RESOURCE.read(&mut client, "airgap-2", None).await.unwrap();
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(imported_inputs["name"], "airgap-2");
    assert_eq!(imported_inputs["minRetentionDays"], 14);
    assert_eq!(imported_inputs["maxRetentionDays"], 90);
    assert!(
        imported_inputs.get("encryptionKeyArn").is_none(),
        "AWS's own key is no input: {imported_inputs}"
    );
    let mut program = inputs("airgap-2", 14, 90);
    program["tags"] = json!({"team": "someone-else"});
    let d = RESOURCE
        .diff(
            &mut client,
            "airgap-2",
            &from_struct(&imported.properties),
            &imported_inputs,
            &program,
        )
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    // Changing the range replaces the vault.
    let d = RESOURCE
        .diff(
            &mut client,
            "airgap-2",
            &state,
            &news,
            &inputs("airgap-2", 14, 120),
        )
        .await;
    assert_eq!(d.replaces, vec!["maxRetentionDays".to_string()]);
}

#[tokio::test]
async fn import_refuses_a_standard_vault_and_delete_of_a_gone_vault_succeeds() {
    let (aws, mut client) = start().await;
    aws.create_vault("standard", None).await;
    let err = RESOURCE
        .read(&mut client, "standard", None)
        .await
        .unwrap_err();
    assert!(
        err.message().contains("not a logically air-gapped vault"),
        "{err:?}"
    );
    let err = Resource {
        token: VAULT,
        name: "v",
    }
    .read(&mut client, "airgap-3", None)
    .await;
    assert!(err.unwrap().id.is_empty(), "no such vault reads as gone");

    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    let created = RESOURCE
        .create(&mut client, &inputs("airgap-3", 7, 35))
        .await
        .unwrap();
    let state = state_of(&created);
    let err = Resource {
        token: VAULT,
        name: "v",
    }
    .read(&mut client, "airgap-3", None)
    .await
    .unwrap_err();
    assert!(
        err.message()
            .contains("import it as awsbackup:index:LogicallyAirGappedVault"),
        "{err:?}"
    );

    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("airgap-3")
        .send()
        .await
        .unwrap();
    let gone = RESOURCE
        .read(
            &mut client,
            "airgap-3",
            Some((&state, &inputs("airgap-3", 7, 35))),
        )
        .await
        .unwrap();
    assert!(
        gone.id.is_empty(),
        "a vault deleted out of band reads as gone"
    );
    RESOURCE
        .delete(&mut client, "airgap-3", &state)
        .await
        .unwrap();
}

#[tokio::test]
async fn delete_of_a_vault_with_recovery_points_explains_the_lock() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    let created = RESOURCE
        .create(&mut client, &inputs("airgap-4", 7, 35))
        .await
        .unwrap();
    let state = state_of(&created);
    aws.add_recovery_points("airgap-4", 1, Some(14)).await;
    let err = RESOURCE
        .delete(&mut client, "airgap-4", &state)
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("locked until their retention ends (7 to 35 days"),
        "{err:?}"
    );
    assert!(aws.vault("airgap-4").await.is_some());
}

#[tokio::test]
async fn a_preview_knows_the_arn_and_plans_are_held_to_the_vaults_range() {
    let (aws, mut client) = start().await;
    aws.create_vault("primary", None).await;

    // Preview of a new air-gapped vault: its ARN is known (account from STS), and it is recorded.
    let planned = RESOURCE
        .preview_create(&mut client, &inputs("airgap-5", 7, 35))
        .await
        .unwrap();
    assert_eq!(planned["arn"], arn("airgap-5").as_str());
    assert_eq!(planned["vaultType"], "LOGICALLY_AIR_GAPPED_BACKUP_VAULT");
    assert!(
        aws.vault("airgap-5").await.is_none(),
        "a preview creates nothing"
    );

    // A plan in the same preview keeping points 90 days is refused, naming the property.
    let err = PLAN_RESOURCE
        .preview_create(&mut client, &plan_inputs("primary", &arn("airgap-5"), 90))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("rules[0].targetLogicallyAirGappedBackupVaultArn: rules[0] ('daily') keeps recovery points 90 days, outside the retention range of logically air-gapped vault 'airgap-5' (7 to 35 days)"),
        "{err:?}"
    );
    PLAN_RESOURCE
        .preview_create(&mut client, &plan_inputs("primary", &arn("airgap-5"), 30))
        .await
        .unwrap();

    // A standard vault's ARN is not an air-gapped target.
    let err = PLAN_RESOURCE
        .preview_create(&mut client, &plan_inputs("primary", &arn("primary"), 30))
        .await
        .unwrap_err();
    assert!(
        err.message().contains(
            "'primary' is a vault of type BACKUP_VAULT, not a logically air-gapped vault"
        ),
        "{err:?}"
    );

    // For real: the vault, then a plan whose rule targets it, read back as written.
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    RESOURCE
        .create(&mut client, &inputs("airgap-5", 7, 35))
        .await
        .unwrap();
    let plan = PLAN_RESOURCE
        .create(&mut client, &plan_inputs("primary", &arn("airgap-5"), 30))
        .await
        .unwrap();
    let live = aws.plan(&plan.id).await.unwrap();
    let rule = &live.backup_plan().unwrap().rules()[0];
    assert_eq!(
        rule.target_logically_air_gapped_backup_vault_arn(),
        Some(arn("airgap-5").as_str())
    );
    let read = PLAN_RESOURCE
        .read(&mut client, &plan.id, None)
        .await
        .unwrap();
    assert_eq!(
        from_struct(&read.inputs)["rules"][0]["targetLogicallyAirGappedBackupVaultArn"],
        arn("airgap-5").as_str()
    );
}

#[tokio::test]
async fn check_refuses_an_air_gapped_target_elsewhere() {
    let (_aws, mut client) = start().await;
    let cases = [
        (
            "airgap",
            "must be a backup vault ARN",
            "looks like a vault name",
        ),
        (
            "arn:aws:backup:eu-west-1:123456789012:backup-vault:airgap",
            "in the plan's own account and region",
            "region eu-west-1, not the plan's us-east-1",
        ),
    ];
    for (target, a, b) in cases {
        let resp = PLAN_RESOURCE
            .check(&mut client, plan_inputs("primary", target, 30))
            .await;
        assert!(
            resp.failures.iter().any(|f| failure_path(f)
                == "rules[0].targetLogicallyAirGappedBackupVaultArn"
                && f.reason.contains(a)
                && f.reason.contains(b)),
            "{target}: {:?}",
            resp.failures
        );
    }
}

#[tokio::test]
async fn a_failed_look_after_the_create_still_records_the_vault() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    // AWS made the vault, then every look at it fails.
    aws.fail_next(
        "DescribeBackupVault",
        "ServiceUnavailableException",
        503,
        MAX_RETRIES + 1,
    );
    let news = inputs("airgap-6", 7, 35);
    let err = RESOURCE.create(&mut client, &news).await.unwrap_err();
    let (id, state) = partial_state(&err);
    assert_eq!(id, "airgap-6");
    assert_eq!(state["arn"], arn("airgap-6").as_str());
    assert!(
        err.message().contains("ServiceUnavailableException"),
        "{err:?}"
    );
    // The next up updates what the engine recorded; nothing is created twice.
    let updated = RESOURCE
        .update(&mut client, &id, &state, &news)
        .await
        .unwrap();
    assert_eq!(from_struct(&updated.properties)["vaultState"], "AVAILABLE");
    assert_eq!(aws.count("CreateLogicallyAirGappedBackupVault"), 1);
}

#[tokio::test]
async fn copies_into_an_air_gapped_vault_are_held_to_its_range() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"lagVaultCreatingCalls": 0}))
        .unwrap();
    aws.create_vault("primary", None).await;
    RESOURCE
        .create(&mut client, &inputs("airgap-7", 7, 35))
        .await
        .unwrap();
    let copying = |rule_days: i64, copy_days: Option<i64>| {
        let mut copy = json!({"destinationVaultArn": arn("airgap-7")});
        if let Some(d) = copy_days {
            copy["lifecycle"] = json!({"deleteAfterDays": d});
        }
        json!({"name": "copy-to-airgap", "rules": [{
            "ruleName": "daily",
            "targetVaultName": "primary",
            "lifecycle": {"deleteAfterDays": rule_days},
            "copyActions": [copy],
        }]})
    };
    // The copy's own lifecycle counts; without one, the rule's.
    let err = PLAN_RESOURCE
        .preview_create(&mut client, &copying(30, Some(90)))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("rules[0].copyActions[0].lifecycle.deleteAfterDays: the copies into logically air-gapped vault 'airgap-7' would be kept 90 days, outside its retention range (7 to 35 days)"),
        "{err:?}"
    );
    let err = PLAN_RESOURCE
        .preview_create(&mut client, &copying(365, None))
        .await
        .unwrap_err();
    assert!(err.message().contains("kept 365 days"), "{err:?}");
    PLAN_RESOURCE
        .preview_create(&mut client, &copying(365, Some(30)))
        .await
        .unwrap();
}
