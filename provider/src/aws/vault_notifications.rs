//! A vault's notification configuration, as the provider and AWS Backup exchange it.

/// The notification configuration PutBackupVaultNotifications takes: the SNS topic and the
/// events the vault reports to it (AWS's event names, e.g. `BACKUP_JOB_COMPLETED`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultNotificationConfig {
    pub sns_topic_arn: String,
    pub events: Vec<String>,
}

/// A vault's notification configuration as GetBackupVaultNotifications reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultNotifications {
    pub vault_name: String,
    pub vault_arn: String,
    /// The events in the order AWS answers them.
    pub config: VaultNotificationConfig,
}
