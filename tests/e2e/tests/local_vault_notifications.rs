//! VaultNotifications through the real Pulumi CLI on the project's local AWS Backup endpoint:
//! preview and up, no changes for the same events in another order (in the program or on AWS),
//! another topic as an update in place, deprecated events and FIFO topics refused at preview,
//! destroy.

use awsbackup_e2e::backup_types::BackupVaultEvent;
use awsbackup_e2e::{yaml_program, Aws, Local, Stack};

const NOTIFICATIONS: &str = "awsbackup:index:VaultNotifications";
const VAULT_NAME: &str = "notified-vault";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:backup-events";
const OTHER_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:backup-alerts";

fn program(topic: &str, events: &[&str]) -> String {
    let events: String = events.iter().map(|e| format!("\n        - {e}")).collect();
    yaml_program(
        "awsbackup-notifications",
        &format!(
            r#"resources:
  vault:
    type: awsbackup:index:Vault
    properties:
      name: {VAULT_NAME}
  alerts:
    type: {NOTIFICATIONS}
    properties:
      backupVaultName: ${{vault.name}}
      snsTopicArn: {topic}
      backupVaultEvents:{events}
"#
        ),
    )
}

/// (topic, events) as AWS holds them; `None` when the vault has no configuration.
fn held(aws: &Aws) -> Option<(String, Vec<String>)> {
    let got = aws.block_on(
        aws.client()
            .get_backup_vault_notifications()
            .backup_vault_name(VAULT_NAME)
            .send(),
    );
    let got = got.ok()?;
    Some((
        got.sns_topic_arn().unwrap_or_default().to_string(),
        got.backup_vault_events()
            .iter()
            .map(|e| e.as_str().to_string())
            .collect(),
    ))
}

fn put(aws: &Aws, topic: &str, events: &[&str]) {
    aws.block_on(
        aws.client()
            .put_backup_vault_notifications()
            .backup_vault_name(VAULT_NAME)
            .sns_topic_arn(topic)
            .set_backup_vault_events(Some(
                events.iter().map(|e| BackupVaultEvent::from(*e)).collect(),
            ))
            .send(),
    )
    .expect("PutBackupVaultNotifications");
}

#[test]
fn notifications_life_cycle_with_the_cli() {
    let local = Local::start();
    let aws = Aws::for_local(&local);
    let events = ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"];
    let stack = Stack::new(&program(TOPIC, &events), local.endpoint());
    let urn = stack.urn(NOTIFICATIONS, "alerts");

    stack.preview().success().contains("3 to create");
    stack.up().success();
    assert_eq!(
        held(&aws),
        Some((TOPIC.into(), events.map(String::from).into()))
    );
    stack.preview_expect_no_changes().success();

    // The same events in another order: in the program, then on AWS.
    let reordered = ["COPY_JOB_FAILED", "BACKUP_JOB_COMPLETED"];
    stack.write_program(&program(TOPIC, &reordered));
    stack.preview_expect_no_changes().success();
    put(&aws, TOPIC, &reordered);
    stack
        .pulumi(&["refresh", "--yes", "--expect-no-changes"])
        .success();
    stack.preview_expect_no_changes().success();

    // Refused at preview: a deprecated event, a FIFO topic. Nothing is written.
    let writes = local.write_calls();
    stack.write_program(&program(TOPIC, &["BACKUP_JOB_FAILED"]));
    stack
        .preview()
        .failure()
        .contains("backupVaultEvents[0]: 'BACKUP_JOB_FAILED' is deprecated")
        .contains("use BACKUP_JOB_COMPLETED");
    stack.write_program(&program(
        "arn:aws:sns:us-east-1:123456789012:backup-events.fifo",
        &events,
    ));
    stack.preview().failure().contains("FIFO topic");
    assert_eq!(local.write_calls(), writes);

    // Another topic: an update in place, one Put.
    stack.write_program(&program(OTHER_TOPIC, &events));
    let preview = stack.preview_json();
    assert_eq!(preview.op(&urn), "update", "{preview}");
    assert!(preview.replace_reasons(&urn).is_empty(), "{preview}");
    stack.up().success();
    let (topic, _) = held(&aws).expect("still configured");
    assert_eq!(topic, OTHER_TOPIC);
    stack.preview_expect_no_changes().success();

    // Changed out of band: refresh finds it, up puts it back.
    put(&aws, TOPIC, &["BACKUP_JOB_STARTED"]);
    stack.refresh().success();
    stack.preview().success().contains("1 to update");
    stack.up().success();
    assert_eq!(
        held(&aws),
        Some((OTHER_TOPIC.into(), events.map(String::from).into()))
    );

    stack.destroy().success();
    assert_eq!(aws.vault_names(), Vec::<String>::new());
}
