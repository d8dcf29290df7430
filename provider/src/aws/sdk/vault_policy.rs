//! Put-, Get- and DeleteBackupVaultAccessPolicy.

use super::vault::{deleted_unless_gone, gone_unless_listed};
use super::SdkBackup;
use crate::aws::{AwsError, VaultPolicy};

pub(super) async fn put(api: &SdkBackup, vault: &str, policy: &str) -> Result<(), AwsError> {
    api.send("PutBackupVaultAccessPolicy", || {
        api.client
            .put_backup_vault_access_policy()
            .backup_vault_name(vault)
            .policy(policy)
            .send()
    })
    .await?;
    Ok(())
}

/// `None` when the vault has no access policy (NotFound) or no longer exists.
pub(super) async fn get(api: &SdkBackup, vault: &str) -> Result<Option<VaultPolicy>, AwsError> {
    let answer = api
        .send("GetBackupVaultAccessPolicy", || {
            api.client
                .get_backup_vault_access_policy()
                .backup_vault_name(vault)
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
    Ok(Some(VaultPolicy {
        vault_name: out.backup_vault_name.unwrap_or_else(|| vault.to_string()),
        vault_arn: out.backup_vault_arn.unwrap_or_default(),
        policy: out.policy.unwrap_or_default(),
    }))
}

pub(super) async fn delete(api: &SdkBackup, vault: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteBackupVaultAccessPolicy", || {
            api.client
                .delete_backup_vault_access_policy()
                .backup_vault_name(vault)
                .send()
        })
        .await;
    deleted_unless_gone(api, vault, answer.map(drop)).await
}
