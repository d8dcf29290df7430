//! VaultNotifications over gRPC, against the local endpoint.

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_backup::operation::get_backup_vault_notifications::GetBackupVaultNotificationsOutput;
use aws_sdk_backup::types::BackupVaultEvent;
use awsbackup::proto::pulumirpc as rpc;
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;

const NOTIFICATIONS: &str = "awsbackup:index:VaultNotifications";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:backup-events";
const OTHER_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:backup-alerts";

const RESOURCE: Resource = Resource {
    token: NOTIFICATIONS,
    name: "alerts",
};

fn notifications_urn() -> String {
    RESOURCE.urn()
}

fn inputs(vault: &str, topic: &str, events: &[&str]) -> Value {
    json!({"backupVaultName": vault, "snsTopicArn": topic, "backupVaultEvents": events})
}

async fn check(client: &mut Client, news: Value) -> rpc::CheckResponse {
    RESOURCE.check(client, news).await
}

async fn create(client: &mut Client, inputs: &Value) -> Result<rpc::CreateResponse, tonic::Status> {
    RESOURCE.create(client, inputs).await
}

async fn diff(
    client: &mut Client,
    state: &Value,
    old_inputs: &Value,
    news: &Value,
) -> rpc::DiffResponse {
    let id = state["backupVaultName"].as_str().unwrap();
    RESOURCE.diff(client, id, state, old_inputs, news).await
}

/// Read as refresh does (`old` = the previous state and inputs) or as import does (`None`).
async fn read(client: &mut Client, id: &str, old: Option<(&Value, &Value)>) -> rpc::ReadResponse {
    RESOURCE.read(client, id, old).await.unwrap()
}

async fn delete(client: &mut Client, id: &str, state: &Value) -> Result<(), tonic::Status> {
    RESOURCE.delete(client, id, state).await
}

/// The vault's configuration as GetBackupVaultNotifications answers it, `None` if it has none.
async fn held(aws: &Aws, vault: &str) -> Option<GetBackupVaultNotificationsOutput> {
    match aws
        .sdk
        .get_backup_vault_notifications()
        .backup_vault_name(vault)
        .send()
        .await
    {
        Ok(n) => Some(n),
        Err(e) if e.code() == Some("ResourceNotFoundException") => None,
        Err(e) => panic!("get notifications {vault}: {e:?}"),
    }
}

fn event_names(n: &GetBackupVaultNotificationsOutput) -> Vec<&str> {
    n.backup_vault_events().iter().map(|e| e.as_str()).collect()
}

/// Puts a configuration out of band.
async fn put(aws: &Aws, vault: &str, topic: &str, events: &[&str]) {
    aws.sdk
        .put_backup_vault_notifications()
        .backup_vault_name(vault)
        .sns_topic_arn(topic)
        .set_backup_vault_events(Some(
            events.iter().map(|e| BackupVaultEvent::from(*e)).collect(),
        ))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn check_refuses_other_arns_fifo_topics_and_events_aws_does_not_send() {
    let (_aws, mut client) = start().await;
    let accepted_list = "Accepted events: BACKUP_JOB_STARTED, BACKUP_JOB_COMPLETED, \
                         CONTINUOUS_BACKUP_INTERRUPTED, COPY_JOB_STARTED";
    let cases: Vec<(Value, &str, Vec<&str>)> = vec![
        (json!({}), "backupVaultName", vec!["is required"]),
        (json!({}), "snsTopicArn", vec!["is required"]),
        (json!({}), "backupVaultEvents", vec!["is required"]),
        (
            inputs(
                "v1",
                "arn:aws:sqs:us-east-1:123456789012:queue",
                &["BACKUP_JOB_COMPLETED"],
            ),
            "snsTopicArn",
            vec![
                "must be an SNS topic ARN",
                "arn:aws:sqs:us-east-1:123456789012:queue",
            ],
        ),
        (
            inputs("v1", "backup-events", &["BACKUP_JOB_COMPLETED"]),
            "snsTopicArn",
            vec!["must be an SNS topic ARN"],
        ),
        (
            inputs(
                "v1",
                "arn:aws:sns:us-east-1:123456789012:events.fifo",
                &["BACKUP_JOB_COMPLETED"],
            ),
            "snsTopicArn",
            vec!["FIFO topic", "Standard SNS topics"],
        ),
        (
            inputs(
                "v1",
                TOPIC,
                &[
                    "BACKUP_JOB_COMPLETED",
                    "COPY_JOB_FAILED",
                    "BACKUP_JOB_COMPLETED",
                ],
            ),
            "backupVaultEvents[2]",
            vec!["'BACKUP_JOB_COMPLETED' is listed twice (also backupVaultEvents[0])"],
        ),
        (
            inputs("v1", TOPIC, &["COPY_JOB_FAILED", "BACKUP_JOB_FAILED"]),
            "backupVaultEvents[1]",
            vec![
                "'BACKUP_JOB_FAILED' is deprecated",
                "use BACKUP_JOB_COMPLETED",
                "State=FAILED",
                accepted_list,
            ],
        ),
        (
            inputs("v1", TOPIC, &["RESTORE_JOB_SUCCESSFUL"]),
            "backupVaultEvents[0]",
            vec!["deprecated", "use RESTORE_JOB_COMPLETED", accepted_list],
        ),
        (
            inputs("v1", TOPIC, &["BACKUP_PLAN_MODIFIED"]),
            "backupVaultEvents[0]",
            vec!["deprecated", "no event replaces it", accepted_list],
        ),
        (
            inputs("v1", TOPIC, &["BACKUP_JOB_COMPLETED", "VAULT_EMPTIED"]),
            "backupVaultEvents[1]",
            vec![
                "'VAULT_EMPTIED' is not an event AWS Backup accepts",
                accepted_list,
                "EKS_RESTORE_OBJECT_SKIPPED",
            ],
        ),
        (
            inputs("v1", TOPIC, &[]),
            "backupVaultEvents",
            vec!["at least one event"],
        ),
        (
            inputs("v.1", TOPIC, &["BACKUP_JOB_COMPLETED"]),
            "backupVaultName",
            vec!["'.'"],
        ),
    ];
    for (news, property, parts) in cases {
        let resp = check(&mut client, news.clone()).await;
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f) == property && parts.iter().all(|p| f.reason.contains(p))),
            "{news}: expected {property} / {parts:?}, got {:?}",
            resp.failures
        );
    }

    // Every accepted event, in any order, passes.
    let all = [
        "EKS_RESTORE_OBJECT_SKIPPED",
        "BACKUP_JOB_STARTED",
        "BACKUP_JOB_COMPLETED",
        "CONTINUOUS_BACKUP_INTERRUPTED",
        "COPY_JOB_STARTED",
        "COPY_JOB_SUCCESSFUL",
        "COPY_JOB_FAILED",
        "RESTORE_JOB_STARTED",
        "RESTORE_JOB_COMPLETED",
        "RECOVERY_POINT_MODIFIED",
        "RECOVERY_POINT_INDEX_COMPLETED",
        "RECOVERY_POINT_INDEX_DELETED",
        "RECOVERY_POINT_INDEXING_FAILED",
        "S3_BACKUP_OBJECT_FAILED",
        "S3_RESTORE_OBJECT_FAILED",
        "EKS_BACKUP_OBJECT_FAILED",
        "EKS_RESTORE_OBJECT_FAILED",
    ];
    let ok = check(&mut client, inputs("v1", TOPIC, &all)).await;
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
    assert_eq!(from_struct(&ok.inputs)["backupVaultEvents"], json!(all));
}

#[tokio::test]
async fn create_puts_the_configuration_and_diff_treats_the_events_as_a_set() {
    let (aws, mut client) = start().await;
    let vault_arn = aws.create_vault("v1", None).await;
    let program = inputs("v1", TOPIC, &["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]);
    let created = create(&mut client, &program).await.unwrap();
    assert_eq!(created.id, "v1");
    let state = from_struct(&created.properties);
    assert_eq!(state["backupVaultArn"], vault_arn.as_str());
    assert_eq!(state["snsTopicArn"], TOPIC);
    let live = held(&aws, "v1").await.expect("AWS holds the configuration");
    assert_eq!(live.sns_topic_arn(), Some(TOPIC));
    assert_eq!(
        event_names(&live),
        ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]
    );

    // The same events in another order: nothing to do.
    let reordered = inputs("v1", TOPIC, &["COPY_JOB_FAILED", "BACKUP_JOB_COMPLETED"]);
    let same = diff(&mut client, &state, &program, &reordered).await;
    assert_eq!(
        same.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        same.detailed_diff
    );
    // Another event: an update of the events only.
    let more = inputs(
        "v1",
        TOPIC,
        &[
            "COPY_JOB_FAILED",
            "BACKUP_JOB_COMPLETED",
            "RESTORE_JOB_COMPLETED",
        ],
    );
    let changed = diff(&mut client, &state, &program, &more).await;
    assert_eq!(changed.changes, DiffChanges::DiffSome as i32);
    assert_eq!(changed.diffs, vec!["backupVaultEvents"]);
    assert!(changed.replaces.is_empty());
    // Another topic: an update, not a replacement.
    let retopic = inputs(
        "v1",
        OTHER_TOPIC,
        &["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"],
    );
    let changed = diff(&mut client, &state, &program, &retopic).await;
    assert_eq!(changed.changes, DiffChanges::DiffSome as i32);
    assert_eq!(changed.diffs, vec!["snsTopicArn"]);
    assert!(changed.replaces.is_empty(), "{:?}", changed.replaces);
    // Another vault: a replacement.
    let moved = inputs("v2", TOPIC, &["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]);
    let replaced = diff(&mut client, &state, &program, &moved).await;
    assert_eq!(replaced.replaces, vec!["backupVaultName"]);
    // One configuration per vault: the old one goes first, or its delete would remove the new.
    assert!(replaced.delete_before_replace);

    // The update is one Put of the whole configuration.
    let mark = aws.mark();
    let updated = client
        .update(rpc::UpdateRequest {
            id: "v1".into(),
            urn: notifications_urn(),
            olds: to_struct(state),
            news: to_struct(retopic.clone()),
            r#type: NOTIFICATIONS.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(aws.calls_since(mark), ["PutBackupVaultNotifications"]);
    let state = from_struct(&updated.properties);
    assert_eq!(state["snsTopicArn"], OTHER_TOPIC);
    assert_eq!(state["backupVaultArn"], vault_arn.as_str());
    let live = held(&aws, "v1").await.unwrap();
    assert_eq!(live.sns_topic_arn(), Some(OTHER_TOPIC));
    assert_eq!(
        aws.inputs_of("PutBackupVaultNotifications")[1]["BackupVaultEvents"],
        json!(["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"])
    );
}

#[tokio::test]
async fn create_needs_the_vault_and_leaves_another_configuration_alone() {
    let (aws, mut client) = start().await;
    let err = create(
        &mut client,
        &inputs("nope", TOPIC, &["BACKUP_JOB_COMPLETED"]),
    )
    .await
    .unwrap_err();
    assert!(
        err.message()
            .contains("backup vault 'nope' does not exist; create it first"),
        "{}",
        err.message()
    );

    aws.create_vault("v1", None).await;
    put(&aws, "v1", OTHER_TOPIC, &["BACKUP_JOB_STARTED"]).await;
    let err = create(&mut client, &inputs("v1", TOPIC, &["BACKUP_JOB_COMPLETED"]))
        .await
        .unwrap_err();
    assert!(
        err.message().contains(OTHER_TOPIC)
            && err
                .message()
                .contains("pulumi import awsbackup:index:VaultNotifications <resource name> v1"),
        "{}",
        err.message()
    );
    let live = held(&aws, "v1").await.unwrap();
    assert_eq!(live.sns_topic_arn(), Some(OTHER_TOPIC), "left as it was");

    // The configuration this create would put (an interrupted update put it): adopted, not put
    // again.
    put(
        &aws,
        "v1",
        TOPIC,
        &["COPY_JOB_FAILED", "BACKUP_JOB_COMPLETED"],
    )
    .await;
    let puts = aws.count("PutBackupVaultNotifications");
    let adopted = create(
        &mut client,
        &inputs("v1", TOPIC, &["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]),
    )
    .await
    .unwrap();
    assert_eq!(adopted.id, "v1");
    assert_eq!(aws.count("PutBackupVaultNotifications"), puts);
    assert_eq!(
        from_struct(&adopted.properties)["backupVaultEvents"],
        json!(["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"])
    );
}

#[tokio::test]
async fn refresh_shows_out_of_band_changes_but_not_a_new_order() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let program = inputs("v1", TOPIC, &["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]);
    let created = create(&mut client, &program).await.unwrap();
    let state = from_struct(&created.properties);

    // AWS answering the same events in another order is no drift.
    put(
        &aws,
        "v1",
        TOPIC,
        &["COPY_JOB_FAILED", "BACKUP_JOB_COMPLETED"],
    )
    .await;
    let refreshed = read(&mut client, "v1", Some((&state, &program))).await;
    assert_eq!(refreshed.id, "v1");
    assert_eq!(from_struct(&refreshed.inputs), program);

    // Another topic and another event set are.
    put(&aws, "v1", OTHER_TOPIC, &["BACKUP_JOB_STARTED"]).await;
    let refreshed = read(&mut client, "v1", Some((&state, &program))).await;
    let drifted = from_struct(&refreshed.inputs);
    assert_eq!(drifted, inputs("v1", OTHER_TOPIC, &["BACKUP_JOB_STARTED"]));
    assert_eq!(
        from_struct(&refreshed.properties)["snsTopicArn"],
        OTHER_TOPIC
    );
    let back = diff(
        &mut client,
        &from_struct(&refreshed.properties),
        &drifted,
        &program,
    )
    .await;
    assert_eq!(back.changes, DiffChanges::DiffSome as i32);
    assert!(back.replaces.is_empty());

    // Deleted out of band: gone.
    aws.sdk
        .delete_backup_vault_notifications()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    let gone = read(&mut client, "v1", Some((&state, &program))).await;
    assert_eq!(gone.id, "");

    // The vault deleted (and its configuration with it): gone too.
    put(&aws, "v1", TOPIC, &["BACKUP_JOB_COMPLETED"]).await;
    assert_eq!(
        read(&mut client, "v1", Some((&state, &program))).await.id,
        "v1"
    );
    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(&mut client, "v1", Some((&state, &program))).await.id,
        ""
    );
}

#[tokio::test]
async fn import_by_vault_name_gives_the_program_s_inputs() {
    let (aws, mut client) = start().await;
    let vault_arn = aws.create_vault("v1", None).await;
    put(
        &aws,
        "v1",
        TOPIC,
        &[
            "RESTORE_JOB_COMPLETED",
            "BACKUP_JOB_COMPLETED",
            "S3_BACKUP_OBJECT_FAILED",
        ],
    )
    .await;
    let imported = read(&mut client, "v1", None).await;
    assert_eq!(imported.id, "v1");
    let state = from_struct(&imported.properties);
    assert_eq!(state["backupVaultArn"], vault_arn.as_str());
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(
        imported_inputs,
        inputs(
            "v1",
            TOPIC,
            &[
                "RESTORE_JOB_COMPLETED",
                "BACKUP_JOB_COMPLETED",
                "S3_BACKUP_OBJECT_FAILED"
            ]
        )
    );
    // The program lists the events in its own order.
    let program = inputs(
        "v1",
        TOPIC,
        &[
            "BACKUP_JOB_COMPLETED",
            "S3_BACKUP_OBJECT_FAILED",
            "RESTORE_JOB_COMPLETED",
        ],
    );
    let checked = check(&mut client, program.clone()).await;
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    let same = diff(
        &mut client,
        &state,
        &imported_inputs,
        &from_struct(&checked.inputs),
    )
    .await;
    assert_eq!(
        same.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        same.detailed_diff
    );

    // A vault without notifications cannot be imported as having them.
    aws.create_vault("quiet", None).await;
    assert_eq!(read(&mut client, "quiet", None).await.id, "");
}

#[tokio::test]
async fn delete_removes_the_configuration_and_succeeds_when_it_is_gone() {
    let (aws, mut client) = start().await;
    aws.create_vault("v1", None).await;
    let created = create(&mut client, &inputs("v1", TOPIC, &["BACKUP_JOB_COMPLETED"]))
        .await
        .unwrap();
    let state = from_struct(&created.properties);
    delete(&mut client, "v1", &state).await.unwrap();
    assert!(held(&aws, "v1").await.is_none());
    assert!(aws.vault("v1").await.is_some(), "the vault stays");

    // Already gone: the configuration, then the vault itself.
    delete(&mut client, "v1", &state).await.unwrap();
    aws.sdk
        .delete_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    let mark = aws.mark();
    delete(&mut client, "v1", &state).await.unwrap();
    assert_eq!(aws.calls_since(mark), ["DeleteBackupVaultNotifications"]);

    // Any other failure is one.
    aws.create_vault("v2", None).await;
    aws.fail_next(
        "DeleteBackupVaultNotifications",
        "InvalidRequestException",
        400,
        1,
    );
    let err = delete(&mut client, "v2", &state).await.unwrap_err();
    assert!(
        err.message().contains("InvalidRequestException"),
        "{}",
        err.message()
    );
}
