//! The protected-vault example (`sdk-examples/yaml/protected-vault`) through the real Pulumi CLI
//! on the project's local endpoint: a preview that creates nothing, up, no changes, drift on the
//! air-gapped vault's tags and on the notifications found by refresh and put back by up, import
//! of both, preview failures naming the property, destroy leaving nothing but the vault the
//! stack does not own.

use awsbackup_e2e::backup_types::BackupVaultEvent;
use awsbackup_e2e::{tag_map, Aws, Local, Stack};

const LAG: &str = "awsbackup:index:LogicallyAirGappedVault";
const NOTIFICATIONS: &str = "awsbackup:index:VaultNotifications";
const PLAN: &str = "awsbackup:index:Plan";
const SHARED: &str = "audit-vault";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:backup-alerts";

/// (topic, events) of the vault's notifications, `None` when it has none.
fn notifications(aws: &Aws, vault: &str) -> Option<(String, Vec<String>)> {
    let got = aws
        .block_on(
            aws.client()
                .get_backup_vault_notifications()
                .backup_vault_name(vault)
                .send(),
        )
        .ok()?;
    let mut events: Vec<String> = got
        .backup_vault_events()
        .iter()
        .map(|e| e.as_str().to_string())
        .collect();
    events.sort();
    Some((got.sns_topic_arn().unwrap_or_default().to_string(), events))
}

fn wanted_events() -> Vec<String> {
    let mut events = vec![
        "BACKUP_JOB_COMPLETED".to_string(),
        "COPY_JOB_FAILED".into(),
        "RESTORE_JOB_COMPLETED".into(),
    ];
    events.sort();
    events
}

#[test]
fn protected_vault_example_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    // The vault another team owns, under their governance lock.
    aws.create_vault(SHARED, &[("owner", "audit")]);
    aws.put_lock(SHARED, Some(7), Some(365), None);
    let shared_arn = aws.vault_arn(SHARED);

    let stack = Stack::from_example("protected-vault", local.endpoint());
    let lag_urn = stack.urn(LAG, "airGapped");
    let alerts_urn = stack.urn(NOTIFICATIONS, "jobAlerts");

    let setup = local.write_calls();
    stack.preview().success().contains("6 to create");
    assert_eq!(local.write_calls(), setup, "a preview writes nothing");
    assert_eq!(aws.vault_names(), vec![SHARED.to_string()]);

    stack.up().success();
    let outputs = stack.outputs();
    let lag_arn = outputs["airGappedVaultArn"].as_str().unwrap().to_string();
    let lag_name = lag_arn.rsplit(':').next().unwrap().to_string();
    let primary = outputs["primaryVaultArn"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(outputs["airGappedVaultState"], "AVAILABLE");
    // getVault answered what AWS holds for the vault the stack does not own.
    assert_eq!(outputs["sharedVaultArn"], shared_arn.as_str());
    assert_eq!(outputs["sharedVaultLocked"], true);

    let lag = aws.vault(&lag_name).expect("the air-gapped vault exists");
    assert_eq!(
        lag.vault_type().map(|t| t.as_str()),
        Some("LOGICALLY_AIR_GAPPED_BACKUP_VAULT")
    );
    assert_eq!(
        (lag.min_retention_days(), lag.max_retention_days()),
        (Some(7), Some(35))
    );
    assert_eq!(
        aws.tags(&lag_arn),
        tag_map(&[("purpose", "ransomware-recovery")])
    );
    assert_eq!(aws.lock_range(&primary), Some((Some(7), Some(35))));
    assert_eq!(
        notifications(&aws, &primary),
        Some((TOPIC.to_string(), wanted_events()))
    );
    let plan_id = outputs["planId"].as_str().unwrap().to_string();
    let rule = aws.plan_document(&plan_id).rules()[0].clone();
    assert_eq!(rule.target_backup_vault_name(), primary);
    assert_eq!(
        rule.copy_actions()[0].destination_backup_vault_arn(),
        lag_arn,
        "the copy goes to the air-gapped vault"
    );
    stack.preview_expect_no_changes().success();

    // Drift on both new resources, found by refresh and put back by up.
    aws.tag(&lag_arn, &[("purpose", "none")]);
    aws.block_on(
        aws.client()
            .put_backup_vault_notifications()
            .backup_vault_name(&primary)
            .sns_topic_arn(TOPIC)
            .backup_vault_events(BackupVaultEvent::from("BACKUP_JOB_STARTED"))
            .send(),
    )
    .expect("PutBackupVaultNotifications");
    stack
        .refresh()
        .success()
        .matches(r"~ awsbackup:index:LogicallyAirGappedVault: \(update\)")
        .matches(r"~ awsbackup:index:VaultNotifications: \(update\)");
    let preview = stack.preview_json();
    assert_eq!(preview.op(&lag_urn), "update", "{preview}");
    assert_eq!(preview.op(&alerts_urn), "update", "{preview}");
    stack.up().success();
    assert_eq!(
        aws.tags(&lag_arn),
        tag_map(&[("purpose", "ransomware-recovery")])
    );
    assert_eq!(
        notifications(&aws, &primary),
        Some((TOPIC.to_string(), wanted_events()))
    );
    stack.preview_expect_no_changes().success();

    // Removed from the state (the plan, which depends on the air-gapped vault, with it) and
    // imported back: no changes.
    stack.state_delete(&alerts_urn).success();
    stack
        .pulumi(&["state", "delete", &lag_urn, "--target-dependents", "--yes"])
        .success();
    assert!(stack.export().resource(&stack.urn(PLAN, "plan")).is_none());
    stack
        .import_all(&[
            (LAG, "airGapped", lag_name.as_str()),
            (NOTIFICATIONS, "jobAlerts", primary.as_str()),
            (PLAN, "plan", plan_id.as_str()),
        ])
        .success();
    stack.preview_expect_no_changes().success();

    // Rules broken at preview, each naming the property; nothing is written.
    let example = std::fs::read_to_string(stack.project_dir().join("Pulumi.yaml")).unwrap();
    let writes = local.write_calls();
    let broken = [
        (
            example.replace("        - COPY_JOB_FAILED\n", "        - BACKUP_JOB_FAILED\n"),
            vec!["backupVaultEvents[1]", "'BACKUP_JOB_FAILED' is deprecated"],
        ),
        (
            example.replace("        - RESTORE_JOB_COMPLETED\n", "        - JOB_ALERT\n"),
            vec![
                "backupVaultEvents[2]",
                "'JOB_ALERT' is not an event AWS Backup accepts",
            ],
        ),
        (
            example.replace(
                "          lifecycle:\n            deleteAfterDays: 30\n",
                "          targetLogicallyAirGappedBackupVaultArn: ${airGapped.arn}\n          lifecycle:\n            deleteAfterDays: 60\n",
            ),
            vec![
                "rules[0].targetLogicallyAirGappedBackupVaultArn",
                "keeps recovery points 60 days, outside the retention range of logically air-gapped vault",
            ],
        ),
        (
            example.replace("default: arn:aws:sns:", "default: arn:aws:sqs:"),
            vec!["snsTopicArn", "must be an SNS topic ARN"],
        ),
        (
            example.replace("      minRetentionDays: 7\n      maxRetentionDays: 35\n      tags:\n        purpose: ransomware", "      minRetentionDays: 60\n      maxRetentionDays: 35\n      tags:\n        purpose: ransomware"),
            vec!["minRetentionDays", "must not exceed maxRetentionDays (35), got 60"],
        ),
        (
            example.replace(
                "              lifecycle:\n                deleteAfterDays: 30\n",
                "              lifecycle:\n                deleteAfterDays: 90\n",
            ),
            vec![
                "rules[0].copyActions[0].lifecycle.deleteAfterDays",
                "outside its retention range (7 to 35 days)",
            ],
        ),
    ];
    for (program, wanted) in broken {
        assert_ne!(
            program, example,
            "the example changed: a replacement missed"
        );
        stack.write_program(&program);
        let out = stack.preview().failure();
        for part in wanted {
            out.contains(part);
        }
    }
    assert_eq!(local.write_calls(), writes);
    stack.write_program(&example);

    stack.destroy().success();
    assert_eq!(aws.vault_names(), vec![SHARED.to_string()]);
    assert!(aws.plan_ids().is_empty());
}
