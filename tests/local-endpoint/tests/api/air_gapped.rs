//! Logically air-gapped vaults: CreateLogicallyAirGappedBackupVault, how the vault reads back,
//! its fixed compliance lock, deletion, tags, policy and notifications, and plan rules that
//! target it with `TargetLogicallyAirGappedBackupVaultArn`.

use aws_sdk_backup::types::{
    BackupVaultEvent, CopyAction, EncryptionKeyType, VaultState, VaultType,
};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::{json, Value};

use crate::common::*;

const DAY: f64 = 86_400.0;
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

/// Creates a logically air-gapped vault keeping 7 to 30 days and returns its ARN.
async fn make_lag_vault(c: &Client, name: &str) -> String {
    c.create_logically_air_gapped_backup_vault()
        .backup_vault_name(name)
        .min_retention_days(7)
        .max_retention_days(30)
        .send()
        .await
        .expect("create logically air-gapped vault")
        .backup_vault_arn
        .unwrap()
}

async fn state_of(c: &Client, name: &str) -> VaultState {
    c.describe_backup_vault()
        .backup_vault_name(name)
        .send()
        .await
        .unwrap()
        .vault_state
        .unwrap()
}

#[tokio::test]
async fn create_answers_creating_and_the_vault_is_available_after_one_read() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let created = c
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag-1")
        .min_retention_days(7)
        .max_retention_days(30)
        .send()
        .await
        .unwrap();
    assert_eq!(created.backup_vault_name(), Some("lag-1"));
    assert_eq!(
        created.backup_vault_arn(),
        Some("arn:aws:backup:us-east-1:123456789012:backup-vault:lag-1"),
        "the same ARN form as a standard vault"
    );
    assert_eq!(created.vault_state(), Some(&VaultState::Creating));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((created.creation_date().unwrap().secs() - now).abs() < 60);
    // Without fault settings the first read still sees the vault being created.
    assert_eq!(state_of(&c, "lag-1").await, VaultState::Creating);
    assert_eq!(state_of(&c, "lag-1").await, VaultState::Available);
    assert_eq!(state_of(&c, "lag-1").await, VaultState::Available);
}

#[tokio::test]
async fn describe_and_list_show_the_air_gapped_members() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    ep.set_faults(json!({ "lagVaultCreatingCalls": 0 }))
        .unwrap();
    let created = c
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag-aws-key")
        .min_retention_days(8)
        .max_retention_days(90)
        .creator_request_id("req-lag")
        .send()
        .await
        .unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("lag-aws-key")
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.vault_type(),
        Some(&VaultType::LogicallyAirGappedBackupVault)
    );
    assert_eq!(d.vault_state(), Some(&VaultState::Available));
    assert_eq!(d.locked(), Some(true));
    assert_eq!(
        d.lock_date(),
        created.creation_date(),
        "locked from creation"
    );
    assert_eq!(d.creation_date(), created.creation_date());
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(8), Some(90))
    );
    assert_eq!(
        d.encryption_key_type(),
        Some(&EncryptionKeyType::AwsOwnedKmsKey)
    );
    assert_eq!(
        d.encryption_key_arn(),
        None,
        "an AWS-owned key has no ARN to show"
    );
    assert_eq!(d.number_of_recovery_points(), 0);
    assert_eq!(d.creator_request_id(), Some("req-lag"));

    c.create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag-own-key")
        .min_retention_days(7)
        .max_retention_days(7)
        .encryption_key_arn(KEY)
        .send()
        .await
        .unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("lag-own-key")
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.encryption_key_type(),
        Some(&EncryptionKeyType::CustomerManagedKmsKey)
    );
    assert_eq!(d.encryption_key_arn(), Some(KEY));

    // The wire members, exactly.
    let (status, _, body) = http(ep.addr(), "GET", "/backup-vaults/lag-aws-key", None);
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "BackupVaultArn",
            "BackupVaultName",
            "CreationDate",
            "CreatorRequestId",
            "EncryptionKeyType",
            "LockDate",
            "Locked",
            "MaxRetentionDays",
            "MinRetentionDays",
            "NumberOfRecoveryPoints",
            "VaultState",
            "VaultType",
        ]
    );

    // ListBackupVaults shows the same members.
    let list = c.list_backup_vaults().send().await.unwrap();
    let v = &list.backup_vault_list()[0];
    assert_eq!(v.backup_vault_name(), Some("lag-aws-key"));
    assert_eq!(
        v.vault_type(),
        Some(&VaultType::LogicallyAirGappedBackupVault)
    );
    assert_eq!(v.vault_state(), Some(&VaultState::Available));
    assert_eq!(v.locked(), Some(true));
    assert_eq!(v.lock_date(), created.creation_date());
    assert_eq!(
        (v.min_retention_days(), v.max_retention_days()),
        (Some(8), Some(90))
    );
    assert_eq!(
        v.encryption_key_type(),
        Some(&EncryptionKeyType::AwsOwnedKmsKey)
    );
    assert_eq!(v.encryption_key_arn(), None);
    assert_eq!(v.creator_request_id(), Some("req-lag"));
    assert_eq!(list.backup_vault_list()[1].encryption_key_arn(), Some(KEY));
}

#[tokio::test]
async fn list_backup_vaults_filters_by_vault_type() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "std-1").await;
    make_lag_vault(&c, "lag-1").await;
    make_vault(&c, "std-2").await;
    make_lag_vault(&c, "lag-2").await;
    let names = |by: Option<VaultType>, shared: Option<bool>| {
        let c = c.clone();
        async move {
            c.list_backup_vaults()
                .set_by_vault_type(by)
                .set_by_shared(shared)
                .send()
                .await
                .unwrap()
                .backup_vault_list()
                .iter()
                .map(|v| v.backup_vault_name().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names(None, None).await,
        ["std-1", "lag-1", "std-2", "lag-2"]
    );
    assert_eq!(
        names(Some(VaultType::BackupVault), None).await,
        ["std-1", "std-2"]
    );
    assert_eq!(
        names(Some(VaultType::LogicallyAirGappedBackupVault), None).await,
        ["lag-1", "lag-2"]
    );
    assert!(names(Some(VaultType::RestoreAccessBackupVault), None)
        .await
        .is_empty());
    assert!(
        names(Some(VaultType::LogicallyAirGappedBackupVault), Some(true))
            .await
            .is_empty()
    );
    // A standard vault keeps its type and shows no key type for the region's aws/backup key.
    let d = c
        .describe_backup_vault()
        .backup_vault_name("std-1")
        .send()
        .await
        .unwrap();
    assert_eq!(d.vault_type(), Some(&VaultType::BackupVault));
    assert_eq!(d.encryption_key_type(), None);
    assert_eq!(d.locked(), Some(false));
    // The wire value of the filter is checked against the model's enum.
    let (status, headers, _) = http(
        ep.addr(),
        "GET",
        "/backup-vaults/?vaultType=logically_air_gapped_backup_vault",
        None,
    );
    assert_eq!(status, 400);
    assert_eq!(
        headers["x-amzn-errortype"],
        "InvalidParameterValueException"
    );
}

#[tokio::test]
async fn retention_days_and_the_other_members_are_checked() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let create = |min: Option<i64>, max: Option<i64>| {
        c.create_logically_air_gapped_backup_vault()
            .backup_vault_name("lag")
            .set_min_retention_days(min)
            .set_max_retention_days(max)
    };
    for min in [6, 0, -1, 36_501] {
        assert_invalid(
            create(Some(min), Some(36_500)).send().await,
            "MinRetentionDays must be at least 7",
        );
    }
    assert_invalid(
        create(Some(7), Some(36_501)).send().await,
        "MaxRetentionDays must be at least 7 and at most 36500",
    );
    assert_invalid(create(Some(7), Some(5)).send().await, "MaxRetentionDays");
    let f = assert_invalid(
        create(Some(40), Some(30)).send().await,
        "MinRetentionDays (40) must not be greater than MaxRetentionDays (30)",
    );
    assert_eq!(f.status, 400);
    assert_fails(
        create(None, Some(30)).send().await,
        400,
        "MissingParameterValueException",
        "MinRetentionDays",
    );
    assert_fails(
        create(Some(7), None).send().await,
        400,
        "MissingParameterValueException",
        "MaxRetentionDays",
    );
    assert_invalid(
        create(Some(7), Some(30))
            .encryption_key_arn("alias/my-key")
            .send()
            .await,
        "EncryptionKeyArn",
    );
    assert_invalid(
        create(Some(7), Some(30))
            .creator_request_id("has space")
            .send()
            .await,
        "CreatorRequestId",
    );
    assert_invalid(
        create(Some(7), Some(30))
            .backup_vault_tags("aws:reserved", "x")
            .send()
            .await,
        "aws: prefix",
    );
    for bad in ["a", "bad.name", &"x".repeat(51)] {
        assert_invalid(
            c.create_logically_air_gapped_backup_vault()
                .backup_vault_name(bad)
                .min_retention_days(7)
                .max_retention_days(30)
                .send()
                .await,
            "Invalid backup vault name",
        );
    }
    // Nothing was created by the refused calls.
    assert!(c
        .list_backup_vaults()
        .send()
        .await
        .unwrap()
        .backup_vault_list()
        .is_empty());
    // The bounds themselves are accepted.
    create(Some(7), Some(7)).send().await.unwrap();
    c.create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag-long")
        .min_retention_days(36_500)
        .max_retention_days(36_500)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_replay_with_the_same_creator_request_id_answers_the_same() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let create = |max: i64| {
        c.create_logically_air_gapped_backup_vault()
            .backup_vault_name("lag")
            .min_retention_days(7)
            .max_retention_days(max)
            .backup_vault_tags("team", "a")
            .creator_request_id("token-1")
    };
    let first = create(30).send().await.unwrap();
    // Once the vault is ready, the replay still answers the first answer.
    assert_eq!(state_of(&c, "lag").await, VaultState::Creating);
    assert_eq!(state_of(&c, "lag").await, VaultState::Available);
    let replay = create(30).send().await.unwrap();
    assert_eq!(replay.creation_date(), first.creation_date());
    assert_eq!(replay.backup_vault_arn(), first.backup_vault_arn());
    assert_eq!(replay.vault_state(), Some(&VaultState::Creating));

    // The same token with another request, or another token: the name is taken.
    let f = assert_fails(
        create(31).send().await,
        400,
        "AlreadyExistsException",
        "already exists",
    );
    assert!(f.message.contains("lag"), "{f:?}");
    assert_fails(
        c.create_logically_air_gapped_backup_vault()
            .backup_vault_name("lag")
            .min_retention_days(7)
            .max_retention_days(30)
            .backup_vault_tags("team", "a")
            .send()
            .await,
        400,
        "AlreadyExistsException",
        "already exists",
    );
    let d = c
        .describe_backup_vault()
        .backup_vault_name("lag")
        .send()
        .await
        .unwrap();
    assert_eq!(d.max_retention_days(), Some(30));
    assert_eq!(
        c.list_backup_vaults()
            .send()
            .await
            .unwrap()
            .backup_vault_list()
            .len(),
        1
    );
}

#[tokio::test]
async fn standard_and_air_gapped_vaults_share_names() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    c.create_backup_vault()
        .backup_vault_name("std")
        .creator_request_id("same-token")
        .send()
        .await
        .unwrap();
    let lag = |name: &str| {
        c.create_logically_air_gapped_backup_vault()
            .backup_vault_name(name)
            .min_retention_days(7)
            .max_retention_days(30)
            .creator_request_id("same-token")
    };
    // Not a replay either, although the token is the standard vault's.
    let (status, _, body) = http(
        ep.addr(),
        "PUT",
        "/logically-air-gapped-backup-vaults/std",
        Some(r#"{"MinRetentionDays":7,"MaxRetentionDays":30,"CreatorRequestId":"same-token"}"#),
    );
    assert_eq!(status, 400, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["__type"], "AlreadyExistsException");
    assert_eq!(
        body["Arn"],
        "arn:aws:backup:us-east-1:123456789012:backup-vault:std"
    );
    assert_eq!(body["CreatorRequestId"], "same-token");

    lag("lag").send().await.unwrap();
    assert_fails(
        c.create_backup_vault()
            .backup_vault_name("lag")
            .creator_request_id("same-token")
            .send()
            .await,
        400,
        "AlreadyExistsException",
        "already exists",
    );
    assert_fails(
        lag("std").send().await,
        400,
        "AlreadyExistsException",
        "already exists",
    );
    let types: Vec<_> = c
        .list_backup_vaults()
        .send()
        .await
        .unwrap()
        .backup_vault_list()
        .iter()
        .map(|v| v.vault_type().unwrap().clone())
        .collect();
    assert_eq!(
        types,
        [
            VaultType::BackupVault,
            VaultType::LogicallyAirGappedBackupVault
        ]
    );
}

#[tokio::test]
async fn the_compliance_lock_cannot_be_changed_or_deleted() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_lag_vault(&c, "lag").await;
    let f = assert_fails(
        c.put_backup_vault_lock_configuration()
            .backup_vault_name("lag")
            .min_retention_days(1)
            .max_retention_days(10)
            .send()
            .await,
        400,
        "InvalidRequestException",
        "logically air-gapped",
    );
    assert!(f.message.contains("cannot be changed or deleted"), "{f:?}");
    assert_fails(
        c.delete_backup_vault_lock_configuration()
            .backup_vault_name("lag")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "logically air-gapped",
    );
    let d = c
        .describe_backup_vault()
        .backup_vault_name("lag")
        .send()
        .await
        .unwrap();
    assert_eq!(d.locked(), Some(true));
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(7), Some(30))
    );
}

#[tokio::test]
async fn delete_takes_an_empty_vault_only() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    // Empty: deleted at once, though locked since its creation.
    make_lag_vault(&c, "empty").await;
    c.delete_backup_vault()
        .backup_vault_name("empty")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("empty")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "",
    );

    make_lag_vault(&c, "full").await;
    let point = make_recovery_point(&c, "full", Some(10)).await;
    let rp = c
        .describe_recovery_point()
        .backup_vault_name("full")
        .recovery_point_arn(&point)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rp.vault_type(),
        Some(&VaultType::LogicallyAirGappedBackupVault)
    );
    assert_eq!(rp.encryption_key_arn(), None);
    assert_fails(
        c.delete_backup_vault()
            .backup_vault_name("full")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "contains recovery points",
    );
    // The lock keeps the recovery point for its retention.
    let delete_point = || {
        c.delete_recovery_point()
            .backup_vault_name("full")
            .recovery_point_arn(&point)
            .send()
    };
    assert_fails(
        delete_point().await,
        400,
        "InvalidRequestException",
        "is locked",
    );
    ep.advance_clock(10.0 * DAY + 1.0);
    delete_point().await.unwrap();
    c.delete_backup_vault()
        .backup_vault_name("full")
        .send()
        .await
        .unwrap();
    assert!(c
        .list_backup_vaults()
        .send()
        .await
        .unwrap()
        .backup_vault_list()
        .is_empty());
}

#[tokio::test]
async fn tags_policy_and_notifications_work_on_the_vault() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let arn = c
        .create_logically_air_gapped_backup_vault()
        .backup_vault_name("lag")
        .min_retention_days(7)
        .max_retention_days(30)
        .backup_vault_tags("team", "a")
        .send()
        .await
        .unwrap()
        .backup_vault_arn
        .unwrap();
    let tags = || async {
        let out = c.list_tags().resource_arn(&arn).send().await.unwrap();
        let mut tags: Vec<(String, String)> = out
            .tags()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tags.sort();
        tags
    };
    assert_eq!(tags().await, [("team".into(), "a".into())]);
    c.tag_resource()
        .resource_arn(&arn)
        .tags("env", "prod")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags().await,
        [("env".into(), "prod".into()), ("team".into(), "a".into())]
    );
    c.untag_resource()
        .resource_arn(&arn)
        .tag_key_list("team")
        .send()
        .await
        .unwrap();
    assert_eq!(tags().await, [("env".into(), "prod".into())]);

    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}"#;
    c.put_backup_vault_access_policy()
        .backup_vault_name("lag")
        .policy(policy)
        .send()
        .await
        .unwrap();
    let got = c
        .get_backup_vault_access_policy()
        .backup_vault_name("lag")
        .send()
        .await
        .unwrap();
    let got: Value = serde_json::from_str(got.policy().unwrap()).unwrap();
    assert_eq!(got, serde_json::from_str::<Value>(policy).unwrap());

    let topic = "arn:aws:sns:us-east-1:123456789012:backup-events";
    c.put_backup_vault_notifications()
        .backup_vault_name("lag")
        .sns_topic_arn(topic)
        .backup_vault_events(BackupVaultEvent::CopyJobSuccessful)
        .send()
        .await
        .unwrap();
    let n = c
        .get_backup_vault_notifications()
        .backup_vault_name("lag")
        .send()
        .await
        .unwrap();
    assert_eq!(n.sns_topic_arn(), Some(topic));
    assert_eq!(
        n.backup_vault_events(),
        [BackupVaultEvent::CopyJobSuccessful]
    );
}

#[tokio::test]
async fn a_plan_rule_targets_an_air_gapped_vault_by_arn() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let std_arn = make_vault(&c, "std").await;
    let lag_arn = make_lag_vault(&c, "lag").await;
    let copy_to_lag = CopyAction::builder()
        .destination_backup_vault_arn(&lag_arn)
        .lifecycle(lifecycle(None, Some(14)))
        .build()
        .unwrap();
    let created = c
        .create_backup_plan()
        .backup_plan(plan(
            "p",
            vec![rule("r", "std")
                .target_logically_air_gapped_backup_vault_arn(&lag_arn)
                .copy_actions(copy_to_lag)],
        ))
        .send()
        .await
        .unwrap();
    let id = created.backup_plan_id().unwrap();
    let target = || async {
        let got = c.get_backup_plan().backup_plan_id(id).send().await.unwrap();
        let r = &got.backup_plan().unwrap().rules()[0];
        (
            r.target_backup_vault_name().to_string(),
            r.target_logically_air_gapped_backup_vault_arn()
                .map(String::from),
            r.copy_actions()
                .first()
                .map(|a| a.destination_backup_vault_arn().to_string()),
        )
    };
    assert_eq!(
        target().await,
        ("std".into(), Some(lag_arn.clone()), Some(lag_arn.clone()))
    );
    // An update without the member drops it.
    c.update_backup_plan()
        .backup_plan_id(id)
        .backup_plan(plan("p", vec![rule("r", "std")]))
        .send()
        .await
        .unwrap();
    assert_eq!(target().await, ("std".into(), None, None));

    let refused = [
        ("not-an-arn", "It must be a backup vault ARN"),
        (
            "arn:aws:backup:us-east-1:123456789012:backup-plan:lag",
            "It must be a backup vault ARN",
        ),
        (
            "arn:aws:backup:us-east-1:999999999999:backup-vault:lag",
            "same account and Region",
        ),
        (
            "arn:aws:backup:eu-west-1:123456789012:backup-vault:lag",
            "same account and Region",
        ),
        (std_arn.as_str(), "is not a logically air-gapped vault"),
        (
            "arn:aws:backup:us-east-1:123456789012:backup-vault:gone",
            "backup vault gone does not exist",
        ),
    ];
    for (arn, message) in refused {
        let r = || rule("r", "std").target_logically_air_gapped_backup_vault_arn(arn);
        let f = assert_invalid(
            c.create_backup_plan()
                .backup_plan(plan("q", vec![r()]))
                .send()
                .await,
            message,
        );
        assert!(
            f.message.starts_with("Error in rule r : ")
                && f.message.contains("TargetLogicallyAirGappedBackupVaultArn"),
            "{f:?}"
        );
        assert_invalid(
            c.update_backup_plan()
                .backup_plan_id(id)
                .backup_plan(plan("p", vec![r()]))
                .send()
                .await,
            message,
        );
    }
    // TargetBackupVaultName is still required and checked.
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan(
                "q",
                vec![rule("r", "missing").target_logically_air_gapped_backup_vault_arn(&lag_arn)],
            ))
            .send()
            .await,
        "Backup vault missing does not exist",
    );
    let plans = c.list_backup_plans().send().await.unwrap();
    assert_eq!(
        plans.backup_plans_list().len(),
        1,
        "no refused plan was stored"
    );
}
