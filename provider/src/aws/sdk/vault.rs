//! Vaults, their locks and their recovery points.
//!
//! AWS answers AccessDenied both for a vault that does not exist and for a caller without the
//! permission: such an answer means "gone" only when ListBackupVaults does not list the vault.

use aws_sdk_backup::operation::describe_backup_vault::DescribeBackupVaultOutput;
use aws_sdk_backup::types::RecoveryPointByBackupVault;
use aws_smithy_types::DateTime;

use super::plan::lifecycle_from;
use super::{rfc3339, SdkBackup};
use crate::aws::{
    AwsError, CreateAirGappedVault, CreateVault, RecoveryPoint, RecoveryPointFilter, Vault,
    VaultCreated, VaultLockConfig,
};

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
        vault_state: None,
    })
}

pub(super) async fn create_air_gapped(
    api: &SdkBackup,
    input: CreateAirGappedVault,
) -> Result<VaultCreated, AwsError> {
    let tags = (!input.tags.is_empty()).then(|| input.tags.clone().into_iter().collect());
    let out = api
        .send("CreateLogicallyAirGappedBackupVault", || {
            api.client
                .create_logically_air_gapped_backup_vault()
                .backup_vault_name(&input.name)
                .min_retention_days(input.min_retention_days)
                .max_retention_days(input.max_retention_days)
                .set_encryption_key_arn(input.encryption_key_arn.clone())
                .set_backup_vault_tags(tags.clone())
                .set_creator_request_id(input.creator_request_id.clone())
                .send()
        })
        .await?;
    Ok(VaultCreated {
        arn: out.backup_vault_arn.unwrap_or_default(),
        creation_date: out.creation_date.as_ref().map(rfc3339),
        vault_state: out.vault_state.map(|s| s.as_str().to_string()),
    })
}

pub(super) async fn describe(api: &SdkBackup, name: &str) -> Result<Option<Vault>, AwsError> {
    match describe_once(api, name).await {
        Err(e) if e.is_access_denied() => gone_unless_listed(api, name, e).await.map(|()| None),
        other => other,
    }
}

pub(super) async fn visible(api: &SdkBackup, name: &str) -> Result<Option<Vault>, AwsError> {
    match describe_once(api, name).await {
        Err(e) if e.is_access_denied() => Ok(None),
        other => other,
    }
}

/// One DescribeBackupVault: `None` for ResourceNotFound; AccessDenied (AWS's answer for a
/// missing vault too) is left to the caller.
async fn describe_once(api: &SdkBackup, name: &str) -> Result<Option<Vault>, AwsError> {
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
        Err(e) if e.is_not_found() => Ok(None),
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
        vault_type: out.vault_type.map(|t| t.as_str().to_string()),
        vault_state: out.vault_state.map(|s| s.as_str().to_string()),
        encryption_key_type: out.encryption_key_type.map(|k| k.as_str().to_string()),
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
    deleted_unless_gone(api, name, answer.map(drop)).await
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
    deleted_unless_gone(api, vault, answer.map(drop)).await
}

/// A delete's answer about `vault` as "deleted" (`true`) or "already gone" (`false`).
pub(super) async fn deleted_unless_gone(
    api: &SdkBackup,
    vault: &str,
    answer: Result<(), AwsError>,
) -> Result<bool, AwsError> {
    match answer {
        Ok(()) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) if e.is_access_denied() => gone_unless_listed(api, vault, e).await.map(|()| false),
        Err(e) => Err(e),
    }
}

/// `Ok(())` when ListBackupVaults does not list `vault`: it is gone, and `denied` meant that.
/// Otherwise `denied` stands, also when the vaults cannot be listed.
pub(super) async fn gone_unless_listed(
    api: &SdkBackup,
    vault: &str,
    denied: AwsError,
) -> Result<(), AwsError> {
    match is_listed(api, vault).await {
        Ok(false) => Ok(()),
        Ok(true) => Err(denied),
        Err(e) => {
            tracing::debug!(vault = %vault, error = %e, "cannot list vaults to tell AccessDenied from absence");
            Err(denied)
        }
    }
}

async fn is_listed(api: &SdkBackup, vault: &str) -> Result<bool, AwsError> {
    let mut token = None;
    loop {
        let out = api
            .send("ListBackupVaults", || {
                api.client
                    .list_backup_vaults()
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let listed = out.backup_vault_list.unwrap_or_default();
        if listed
            .iter()
            .any(|v| v.backup_vault_name.as_deref() == Some(vault))
        {
            return Ok(true);
        }
        token = out.next_token;
        if token.is_none() {
            return Ok(false);
        }
    }
}

pub(super) async fn list_recovery_points(
    api: &SdkBackup,
    vault: &str,
    filter: &RecoveryPointFilter,
) -> Result<Option<Vec<RecoveryPoint>>, AwsError> {
    let created_after = filter.created_after.map(DateTime::from);
    let mut points = Vec::new();
    let mut token = None;
    loop {
        let answer = api
            .send("ListRecoveryPointsByBackupVault", || {
                api.client
                    .list_recovery_points_by_backup_vault()
                    .backup_vault_name(vault)
                    .set_by_resource_type(filter.resource_type.clone())
                    .set_by_created_after(created_after)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        let out = match answer {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) if e.is_access_denied() => {
                return gone_unless_listed(api, vault, e).await.map(|()| None)
            }
            Err(e) => return Err(e),
        };
        points.extend(
            out.recovery_points
                .unwrap_or_default()
                .into_iter()
                .map(recovery_point_from),
        );
        token = out.next_token;
        if token.is_none() {
            return Ok(Some(points));
        }
    }
}

fn recovery_point_from(rp: RecoveryPointByBackupVault) -> RecoveryPoint {
    RecoveryPoint {
        arn: rp.recovery_point_arn.unwrap_or_default(),
        resource_arn: rp.resource_arn,
        resource_type: rp.resource_type,
        creation_date: rp.creation_date.as_ref().map(rfc3339),
        status: rp.status.map(|s| s.as_str().to_string()),
        lifecycle: rp.lifecycle.map(lifecycle_from),
        delete_at: rp
            .calculated_lifecycle
            .and_then(|c| c.delete_at)
            .as_ref()
            .map(rfc3339),
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
