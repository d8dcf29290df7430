//! Tags, vault access policies and vault notifications.

use aws_sdk_backup::types::BackupVaultEvent;
use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

#[tokio::test]
async fn vault_and_plan_tags_round_trip() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let vault_arn = c
        .create_backup_vault()
        .backup_vault_name("tagged")
        .backup_vault_tags("env", "prod")
        .send()
        .await
        .unwrap()
        .backup_vault_arn
        .unwrap();
    c.tag_resource()
        .resource_arn(&vault_arn)
        .tags("team", "a")
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    let tags = c.list_tags().resource_arn(&vault_arn).send().await.unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags["env"], "dev");
    c.untag_resource()
        .resource_arn(&vault_arn)
        .tag_key_list("env")
        .send()
        .await
        .unwrap();
    let page = c.list_tags().resource_arn(&vault_arn).send().await.unwrap();
    assert_eq!(page.tags().unwrap().keys().collect::<Vec<_>>(), ["team"]);

    let plan = c
        .create_backup_plan()
        .backup_plan(plan("p", vec![rule("r", "tagged")]))
        .backup_plan_tags("a", "1")
        .backup_plan_tags("b", "2")
        .send()
        .await
        .unwrap();
    let plan_arn = plan.backup_plan_arn().unwrap();
    let p1 = c
        .list_tags()
        .resource_arn(plan_arn)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.tags().unwrap().len(), 1);
    let p2 = c
        .list_tags()
        .resource_arn(plan_arn)
        .max_results(1)
        .next_token(p1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.tags().unwrap().keys().collect::<Vec<_>>(), ["b"]);

    // Tags go away with their resource.
    c.delete_backup_plan()
        .backup_plan_id(plan.backup_plan_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_fails(
        c.list_tags().resource_arn(plan_arn).send().await,
        400,
        "ResourceNotFoundException",
        plan_arn,
    );
    c.delete_backup_vault()
        .backup_vault_name("tagged")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.list_tags().resource_arn(&vault_arn).send().await,
        400,
        "ResourceNotFoundException",
        "",
    );
}

#[tokio::test]
async fn tag_arns_and_keys_are_checked() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let arn = make_vault(&c, "v1").await;
    assert_invalid(
        c.tag_resource()
            .resource_arn("arn:aws:ec2:us-east-1:123456789012:volume/vol-1")
            .tags("a", "b")
            .send()
            .await,
        "not a backup ARN",
    );
    assert_invalid(
        c.list_tags().resource_arn("not-an-arn").send().await,
        "Invalid resource ARN",
    );
    assert_fails(
        c.tag_resource()
            .resource_arn("arn:aws:backup:us-east-1:123456789012:backup-vault:other")
            .tags("a", "b")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "other",
    );
    assert_fails(
        c.list_tags()
            .resource_arn("arn:aws:backup:eu-west-1:123456789012:backup-vault:v1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "",
    );
    assert_invalid(
        c.tag_resource()
            .resource_arn(&arn)
            .tags("aws:reserved", "x")
            .send()
            .await,
        "aws: prefix",
    );
    assert_invalid(
        c.tag_resource()
            .resource_arn(&arn)
            .tags("k".repeat(129), "x")
            .send()
            .await,
        "tag key",
    );
    assert_invalid(
        c.tag_resource()
            .resource_arn(&arn)
            .tags("k", "v".repeat(257))
            .send()
            .await,
        "at most 256",
    );
    let mut many = c.tag_resource().resource_arn(&arn);
    for i in 0..51 {
        many = many.tags(format!("k{i}"), "v");
    }
    assert_invalid(many.send().await, "at most 50 tags");
    assert_fails(
        c.tag_resource().resource_arn(&arn).send().await,
        400,
        "MissingParameterValueException",
        "Tags",
    );
    assert_fails(
        c.untag_resource().resource_arn(&arn).send().await,
        400,
        "MissingParameterValueException",
        "TagKeyList",
    );
}

#[tokio::test]
async fn recovery_point_tags_are_listed() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let rp = c
        .start_backup_job()
        .backup_vault_name("v1")
        .resource_arn(EBS)
        .iam_role_arn(ROLE)
        .recovery_point_tags("source", "job")
        .send()
        .await
        .unwrap()
        .recovery_point_arn
        .unwrap();
    let tags = c.list_tags().resource_arn(&rp).send().await.unwrap();
    assert_eq!(tags.tags().unwrap()["source"], "job");
}

#[tokio::test]
async fn access_policy_round_trip_and_errors() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let arn = make_vault(&c, "v1").await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}"#;
    assert_fails(
        c.get_backup_vault_access_policy()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "access policy",
    );
    c.put_backup_vault_access_policy()
        .backup_vault_name("v1")
        .policy(policy)
        .send()
        .await
        .unwrap();
    let got = c
        .get_backup_vault_access_policy()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (got.backup_vault_arn(), got.backup_vault_name()),
        (Some(arn.as_str()), Some("v1"))
    );
    // The same document, reformatted as AWS does: keys sorted and indented.
    let answered = got.policy().unwrap();
    assert_ne!(answered, policy);
    assert!(answered.starts_with("{\n  \"Statement\": ["), "{answered}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(answered).unwrap(),
        serde_json::from_str::<serde_json::Value>(policy).unwrap()
    );
    c.delete_backup_vault_access_policy()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.get_backup_vault_access_policy()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "",
    );

    assert_invalid(
        c.put_backup_vault_access_policy()
            .backup_vault_name("v1")
            .policy("{not json")
            .send()
            .await,
        "Policy",
    );
    assert_fails(
        c.put_backup_vault_access_policy()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "MissingParameterValueException",
        "Policy",
    );
    // A vault access policy names each action: no wildcards, in a list or alone.
    for wild in [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["backup:CopyIntoBackupVault","backup:*"],"Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","NotAction":"*","Resource":"*"}}"#,
    ] {
        assert_invalid(
            c.put_backup_vault_access_policy()
                .backup_vault_name("v1")
                .policy(wild)
                .send()
                .await,
            "wildcards are not supported in Action",
        );
    }
    assert_fails(
        c.put_backup_vault_access_policy()
            .backup_vault_name("missing")
            .policy(policy)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "missing",
    );
    assert_fails(
        c.get_backup_vault_access_policy()
            .backup_vault_name("missing")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "",
    );
    assert_fails(
        c.delete_backup_vault_access_policy()
            .backup_vault_name("missing")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "",
    );
    assert_invalid(
        c.get_backup_vault_access_policy()
            .backup_vault_name("x")
            .send()
            .await,
        "vault name",
    );
}

#[tokio::test]
async fn notifications_round_trip_and_errors() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let topic = "arn:aws:sns:us-east-1:123456789012:backup-events";
    assert_fails(
        c.get_backup_vault_notifications()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "notification",
    );
    c.put_backup_vault_notifications()
        .backup_vault_name("v1")
        .sns_topic_arn(topic)
        .backup_vault_events(BackupVaultEvent::BackupJobCompleted)
        .backup_vault_events(BackupVaultEvent::RestoreJobStarted)
        .send()
        .await
        .unwrap();
    let got = c
        .get_backup_vault_notifications()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(got.sns_topic_arn(), Some(topic));
    assert_eq!(
        got.backup_vault_events(),
        [
            BackupVaultEvent::BackupJobCompleted,
            BackupVaultEvent::RestoreJobStarted
        ]
    );
    c.delete_backup_vault_notifications()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.get_backup_vault_notifications()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "",
    );

    let put = || c.put_backup_vault_notifications().backup_vault_name("v1");
    // Deprecated names (still in the model's enum), names the model has but Put does not take,
    // and unknown ones: AWS answers with the list it accepts.
    for refused in [
        "BACKUP_JOB_SUCCESSFUL",
        "BACKUP_JOB_FAILED",
        "BACKUP_JOB_EXPIRED",
        "RESTORE_JOB_SUCCESSFUL",
        "RESTORE_JOB_FAILED",
        "BACKUP_PLAN_CREATED",
        "BACKUP_PLAN_MODIFIED",
        "ACCESS_POINT_AVAILABLE",
        "NOT_AN_EVENT",
        "backup_job_completed",
    ] {
        let f = assert_invalid(
            put()
                .sns_topic_arn(topic)
                .backup_vault_events(BackupVaultEvent::BackupJobCompleted)
                .backup_vault_events(BackupVaultEvent::from(refused))
                .send()
                .await,
            "Please select from the following list of notifications BACKUP_JOB_STARTED, \
             BACKUP_JOB_COMPLETED, RESTORE_JOB_STARTED, RESTORE_JOB_COMPLETED,",
        );
        assert!(
            f.message.ends_with("EKS_RESTORE_OBJECT_SKIPPED") && !f.message.contains(refused),
            "{refused}: {}",
            f.message
        );
    }
    // A refused Put leaves the configuration as it was (none here).
    assert_fails(
        c.get_backup_vault_notifications()
            .backup_vault_name("v1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "",
    );
    // Every accepted name at once, in any order, is taken as given.
    let accepted = [
        "EKS_RESTORE_OBJECT_SKIPPED",
        "BACKUP_JOB_STARTED",
        "CONTINUOUS_BACKUP_INTERRUPTED",
        "RECOVERY_POINT_INDEXING_FAILED",
        "S3_RESTORE_OBJECT_FAILED",
        "EKS_BACKUP_OBJECT_FAILED",
    ];
    put()
        .sns_topic_arn(topic)
        .set_backup_vault_events(Some(
            accepted
                .iter()
                .map(|e| BackupVaultEvent::from(*e))
                .collect(),
        ))
        .send()
        .await
        .unwrap();
    let got = c
        .get_backup_vault_notifications()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = got
        .backup_vault_events()
        .iter()
        .map(|e| e.as_str())
        .collect();
    assert_eq!(names, accepted);
    assert_invalid(
        put()
            .sns_topic_arn(topic)
            .set_backup_vault_events(Some(vec![]))
            .send()
            .await,
        "at least one",
    );
    assert_invalid(
        put()
            .sns_topic_arn("arn:aws:sqs:us-east-1:123456789012:q")
            .backup_vault_events(BackupVaultEvent::BackupJobStarted)
            .send()
            .await,
        "SNSTopicArn",
    );
    assert_fails(
        put()
            .backup_vault_events(BackupVaultEvent::BackupJobStarted)
            .send()
            .await,
        400,
        "MissingParameterValueException",
        "SNSTopicArn",
    );
    assert_fails(
        c.put_backup_vault_notifications()
            .backup_vault_name("missing")
            .sns_topic_arn(topic)
            .backup_vault_events(BackupVaultEvent::BackupJobStarted)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "missing",
    );
}
