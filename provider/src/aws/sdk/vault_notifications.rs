//! Put-, Get- and DeleteBackupVaultNotifications.

use aws_sdk_backup::types::BackupVaultEvent;

use super::vault::{deleted_unless_gone, gone_unless_listed};
use super::SdkBackup;
use crate::aws::{AwsError, VaultNotificationConfig, VaultNotifications};

pub(super) async fn put(
    api: &SdkBackup,
    vault: &str,
    config: &VaultNotificationConfig,
) -> Result<(), AwsError> {
    let events: Vec<BackupVaultEvent> = config
        .events
        .iter()
        .map(|e| BackupVaultEvent::from(e.as_str()))
        .collect();
    api.send("PutBackupVaultNotifications", || {
        api.client
            .put_backup_vault_notifications()
            .backup_vault_name(vault)
            .sns_topic_arn(&config.sns_topic_arn)
            .set_backup_vault_events(Some(events.clone()))
            .send()
    })
    .await?;
    Ok(())
}

/// `None` when the vault has no configuration (NotFound) or no longer exists.
pub(super) async fn get(
    api: &SdkBackup,
    vault: &str,
) -> Result<Option<VaultNotifications>, AwsError> {
    let answer = api
        .send("GetBackupVaultNotifications", || {
            api.client
                .get_backup_vault_notifications()
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
    Ok(Some(VaultNotifications {
        vault_name: out.backup_vault_name.unwrap_or_else(|| vault.to_string()),
        vault_arn: out.backup_vault_arn.unwrap_or_default(),
        config: VaultNotificationConfig {
            sns_topic_arn: out.sns_topic_arn.unwrap_or_default(),
            events: out
                .backup_vault_events
                .unwrap_or_default()
                .iter()
                .map(|e| e.as_str().to_string())
                .collect(),
        },
    }))
}

pub(super) async fn delete(api: &SdkBackup, vault: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteBackupVaultNotifications", || {
            api.client
                .delete_backup_vault_notifications()
                .backup_vault_name(vault)
                .send()
        })
        .await;
    deleted_unless_gone(api, vault, answer.map(drop)).await
}
