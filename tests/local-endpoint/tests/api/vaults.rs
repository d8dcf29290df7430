//! CreateBackupVault, DescribeBackupVault, DeleteBackupVault, ListBackupVaults.

use aws_sdk_backup::config::retry::RetryConfig;
use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

#[tokio::test]
async fn vault_round_trip_fills_aws_fields() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let created = c
        .create_backup_vault()
        .backup_vault_name("prod_vault-1")
        .encryption_key_arn(key)
        .backup_vault_tags("env", "prod")
        .creator_request_id("req-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.backup_vault_arn(),
        Some("arn:aws:backup:us-east-1:123456789012:backup-vault:prod_vault-1")
    );
    let d = c
        .describe_backup_vault()
        .backup_vault_name("prod_vault-1")
        .send()
        .await
        .unwrap();
    assert_eq!(d.backup_vault_name(), Some("prod_vault-1"));
    assert_eq!(d.encryption_key_arn(), Some(key));
    assert_eq!(d.creator_request_id(), Some("req-1"));
    assert_eq!(d.number_of_recovery_points(), 0);
    assert_eq!(d.locked(), Some(false));
    assert_eq!(d.vault_type().map(|t| t.as_str()), Some("BACKUP_VAULT"));
    assert_eq!(d.vault_state().map(|t| t.as_str()), Some("AVAILABLE"));
    assert_eq!(d.creation_date(), created.creation_date());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((d.creation_date().unwrap().secs() - now).abs() < 60);

    // Without EncryptionKeyArn the vault uses the region's aws/backup key.
    make_vault(&c, "default-key").await;
    let d = c
        .describe_backup_vault()
        .backup_vault_name("default-key")
        .send()
        .await
        .unwrap();
    assert!(d
        .encryption_key_arn()
        .unwrap()
        .starts_with("arn:aws:kms:us-east-1:123456789012:key/"));

    let list = c.list_backup_vaults().send().await.unwrap();
    let names: Vec<_> = list
        .backup_vault_list()
        .iter()
        .filter_map(|v| v.backup_vault_name())
        .collect();
    assert_eq!(names, ["prod_vault-1", "default-key"]);

    c.delete_backup_vault()
        .backup_vault_name("prod_vault-1")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("prod_vault-1")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "Insufficient privileges",
    );
}

#[tokio::test]
async fn vault_names_follow_the_model_pattern() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    for bad in ["a", "bad.name", "bad name", &"x".repeat(51)] {
        assert_invalid(
            c.create_backup_vault().backup_vault_name(bad).send().await,
            "Invalid backup vault name",
        );
    }
    for good in ["ab", "A-b_9", &"y".repeat(50)] {
        make_vault(&c, good).await;
    }
}

#[tokio::test]
async fn creator_request_id_and_key_are_validated() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    assert_invalid(
        c.create_backup_vault()
            .backup_vault_name("v1")
            .creator_request_id("has space")
            .send()
            .await,
        "CreatorRequestId",
    );
    assert_invalid(
        c.create_backup_vault()
            .backup_vault_name("v1")
            .creator_request_id("x".repeat(51))
            .send()
            .await,
        "CreatorRequestId",
    );
    assert_invalid(
        c.create_backup_vault()
            .backup_vault_name("v1")
            .encryption_key_arn("alias/aws/backup")
            .send()
            .await,
        "EncryptionKeyArn",
    );
}

#[tokio::test]
async fn duplicate_vault_is_already_exists_unless_same_creator_request_id() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let first = c
        .create_backup_vault()
        .backup_vault_name("dup")
        .creator_request_id("token-1")
        .send()
        .await
        .unwrap();
    // A retry with the same idempotency token gets the same answer.
    let retry = c
        .create_backup_vault()
        .backup_vault_name("dup")
        .creator_request_id("token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(retry.creation_date(), first.creation_date());
    // The SDK fills a fresh token when none is given: a second create conflicts.
    assert_fails(
        c.create_backup_vault()
            .backup_vault_name("dup")
            .send()
            .await,
        400,
        "AlreadyExistsException",
        "already exists",
    );
}

#[tokio::test]
async fn missing_vaults_describe_access_denied_and_delete_not_found() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let f = assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("nope")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "Insufficient privileges",
    );
    assert_eq!(f.status, 403);
    assert_fails(
        c.delete_backup_vault()
            .backup_vault_name("nope")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "nope",
    );
    // Another account's vault is not visible either.
    assert_fails(
        c.describe_backup_vault()
            .backup_vault_name("nope")
            .backup_vault_account_id("999999999999")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "",
    );
}

#[tokio::test]
async fn delete_vault_refused_while_it_has_recovery_points() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "full").await;
    let rp = make_recovery_point(&c, "full", Some(7)).await;
    let f = assert_fails(
        c.delete_backup_vault()
            .backup_vault_name("full")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "contains recovery points",
    );
    assert!(f.message.contains("cannot be deleted"));
    c.delete_recovery_point()
        .backup_vault_name("full")
        .recovery_point_arn(rp)
        .send()
        .await
        .unwrap();
    c.delete_backup_vault()
        .backup_vault_name("full")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn list_backup_vaults_paginates_and_filters() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    for i in 0..5 {
        make_vault(&c, &format!("vault-{i}")).await;
    }
    let mut names = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = c
            .list_backup_vaults()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.backup_vault_list().len() <= 2);
        names.extend(
            page.backup_vault_list()
                .iter()
                .map(|v| v.backup_vault_name().unwrap().to_string()),
        );
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        ["vault-0", "vault-1", "vault-2", "vault-3", "vault-4"]
    );

    assert_invalid(
        c.list_backup_vaults().max_results(0).send().await,
        "MaxResults",
    );
    assert_invalid(
        c.list_backup_vaults().max_results(1001).send().await,
        "MaxResults",
    );
    assert_invalid(
        c.list_backup_vaults().next_token("garbage").send().await,
        "NextToken",
    );
    let air_gapped = c
        .list_backup_vaults()
        .by_vault_type(aws_sdk_backup::types::VaultType::LogicallyAirGappedBackupVault)
        .send()
        .await
        .unwrap();
    assert!(air_gapped.backup_vault_list().is_empty());
    let shared = c.list_backup_vaults().by_shared(true).send().await.unwrap();
    assert!(shared.backup_vault_list().is_empty());
}

#[tokio::test]
async fn account_and_region_come_from_sigv4() {
    let ep = LocalEndpoint::start().await.unwrap();
    let other = client_for(
        &ep.url(),
        "111122223333",
        "eu-west-1",
        RetryConfig::disabled(),
    );
    let arn = make_vault(&other, "mine").await;
    assert_eq!(
        arn,
        "arn:aws:backup:eu-west-1:111122223333:backup-vault:mine"
    );

    // Default account (non-numeric key), same region: a separate namespace.
    let default_eu = client_for(
        &ep.url(),
        "AKIDEXAMPLE",
        "eu-west-1",
        RetryConfig::disabled(),
    );
    assert_fails(
        default_eu
            .describe_backup_vault()
            .backup_vault_name("mine")
            .send()
            .await,
        403,
        "AccessDeniedException",
        "",
    );
    let arn = make_vault(&default_eu, "mine").await;
    assert_eq!(
        arn,
        "arn:aws:backup:eu-west-1:123456789012:backup-vault:mine"
    );

    // Same account, other region: also separate.
    let other_us = client_for(
        &ep.url(),
        "111122223333",
        "us-east-1",
        RetryConfig::disabled(),
    );
    assert!(other_us
        .list_backup_vaults()
        .send()
        .await
        .unwrap()
        .backup_vault_list()
        .is_empty());
}
