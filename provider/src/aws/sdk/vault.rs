//! Vaults, their locks and their recovery points.

use aws_sdk_backup::operation::describe_backup_vault::DescribeBackupVaultOutput;

use super::{rfc3339, SdkBackup};
use crate::aws::{AwsError, CreateVault, Vault, VaultCreated, VaultLockConfig};

pub(super) async fn create(api: &SdkBackup, input: CreateVault) -> Result<VaultCreated, AwsError> {
    let tags = (!input.tags.is_empty()).then(|| input.tags.clone().into_iter().collect());
    let out = api
        .send("CreateBackupVault", || {
            api.client
                .create_backup_vault()
                .backup_vault_name(&input.name)
                .set_encryption_key_arn(input.encryption_key_arn.clone())
                .set_backup_vault_tags(tags.clone())
                .set_creator_request_id(input.creator_request_id.clone())
                .send()
        })
        .await?;
    Ok(VaultCreated {
        arn: out.backup_vault_arn.unwrap_or_default(),
        creation_date: out.creation_date.as_ref().map(rfc3339),
    })
}

pub(super) async fn describe(api: &SdkBackup, name: &str) -> Result<Option<Vault>, AwsError> {
    let answer = api
        .send("DescribeBackupVault", || {
            api.client
                .describe_backup_vault()
                .backup_vault_name(name)
                .send()
        })
        .await;
    match answer {
        Ok(out) => Ok(Some(vault_from(out, name))),
        Err(e) if e.is_vault_gone() => Ok(None),
        Err(e) => Err(e),
    }
}

fn vault_from(out: DescribeBackupVaultOutput, name: &str) -> Vault {
    Vault {
        name: out.backup_vault_name.unwrap_or_else(|| name.to_string()),
        arn: out.backup_vault_arn.unwrap_or_default(),
        encryption_key_arn: out.encryption_key_arn,
        creation_date: out.creation_date.as_ref().map(rfc3339),
        recovery_points: out.number_of_recovery_points,
        locked: out.locked.unwrap_or(false),
        min_retention_days: out.min_retention_days,
        max_retention_days: out.max_retention_days,
        lock_date: out.lock_date.as_ref().map(rfc3339),
        creator_request_id: out.creator_request_id,
    }
}

pub(super) async fn delete(api: &SdkBackup, name: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteBackupVault", || {
            api.client
                .delete_backup_vault()
                .backup_vault_name(name)
                .send()
        })
        .await;
    deleted_unless_gone(answer.map(drop))
}

pub(super) async fn put_lock(
    api: &SdkBackup,
    vault: &str,
    lock: &VaultLockConfig,
) -> Result<(), AwsError> {
    api.send("PutBackupVaultLockConfiguration", || {
        api.client
            .put_backup_vault_lock_configuration()
            .backup_vault_name(vault)
            .set_min_retention_days(lock.min_retention_days)
            .set_max_retention_days(lock.max_retention_days)
            .set_changeable_for_days(lock.changeable_for_days)
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn delete_lock(api: &SdkBackup, vault: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteBackupVaultLockConfiguration", || {
            api.client
                .delete_backup_vault_lock_configuration()
                .backup_vault_name(vault)
                .send()
        })
        .await;
    deleted_unless_gone(answer.map(drop))
}

/// A delete's answer about a vault as "deleted" (`true`) or "already gone" (`false`).
fn deleted_unless_gone(answer: Result<(), AwsError>) -> Result<bool, AwsError> {
    match answer {
        Ok(()) => Ok(true),
        Err(e) if e.is_vault_gone() => Ok(false),
        Err(e) => Err(e),
    }
}

pub(super) async fn list_recovery_points(
    api: &SdkBackup,
    vault: &str,
) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let out = api
            .send("ListRecoveryPointsByBackupVault", || {
                api.client
                    .list_recovery_points_by_backup_vault()
                    .backup_vault_name(vault)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        arns.extend(
            out.recovery_points
                .unwrap_or_default()
                .into_iter()
                .filter_map(|rp| rp.recovery_point_arn),
        );
        token = out.next_token;
        if token.is_none() {
            return Ok(arns);
        }
    }
}

pub(super) async fn delete_recovery_point(
    api: &SdkBackup,
    vault: &str,
    arn: &str,
) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteRecoveryPoint", || {
            api.client
                .delete_recovery_point()
                .backup_vault_name(vault)
                .recovery_point_arn(arn)
                .send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}
