//! Every AWS Backup call the provider makes goes through [`BackupApi`]; [`sdk::SdkBackup`] is the
//! real implementation, and tests may supply their own.
//!
//! This layer is the only one that knows AWS's error codes ([`errors`]) and the only one that
//! reads an error as "does not exist": reads answer `None`, and [`DeleteIfPresent`] gives the
//! deletes that succeed when nothing is left.

pub mod errors;
pub mod gone;
pub mod sdk;

pub use errors::{code, AwsError};
pub use gone::DeleteIfPresent;

use std::collections::BTreeMap;

use async_trait::async_trait;

pub type Tags = BTreeMap<String, String>;

/// A backup vault as DescribeBackupVault reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vault {
    pub name: String,
    pub arn: String,
    pub encryption_key_arn: Option<String>,
    /// RFC 3339.
    pub creation_date: Option<String>,
    pub recovery_points: i64,
    pub locked: bool,
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    /// RFC 3339; set for compliance-mode locks.
    pub lock_date: Option<String>,
    /// The idempotency token the vault was created with.
    pub creator_request_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateVault {
    pub name: String,
    pub encryption_key_arn: Option<String>,
    pub tags: Tags,
    /// Makes a repeated create answer the first one instead of failing.
    pub creator_request_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultCreated {
    pub arn: String,
    pub creation_date: Option<String>,
}

/// A vault lock as PutBackupVaultLockConfiguration takes it. `changeable_for_days` set means
/// compliance mode; AWS never returns it (only the lock date it computes).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultLockConfig {
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    pub changeable_for_days: Option<i64>,
}

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

/// A backup plan as GetBackupPlan reports it. Documents use the SDK's own types.
#[derive(Clone, Debug)]
pub struct Plan {
    pub id: String,
    pub arn: String,
    pub version_id: String,
    pub document: aws_sdk_backup::types::BackupPlan,
    /// Read from the top level of GetBackupPlan (the copy inside the document is always empty).
    pub advanced_backup_settings: Vec<aws_sdk_backup::types::AdvancedBackupSetting>,
    pub creation_date: Option<String>,
}

/// What CreateBackupPlan and UpdateBackupPlan answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanVersion {
    pub id: String,
    pub arn: String,
    pub version_id: String,
}

/// A backup selection as GetBackupSelection reports it.
#[derive(Clone, Debug)]
pub struct Selection {
    pub plan_id: String,
    pub selection_id: String,
    pub selection: aws_sdk_backup::types::BackupSelection,
    pub creation_date: Option<String>,
}

/// The AWS Backup operations the provider uses. Reads answer `None` for what does not exist;
/// deletes answer AWS's error, which resources meet only through [`DeleteIfPresent`].
#[async_trait]
pub trait BackupApi: Send + Sync {
    /// AWS's current time, as far as the client can tell (the local clock until a response
    /// has been seen).
    fn server_now(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
    }

    async fn create_vault(&self, input: CreateVault) -> Result<VaultCreated, AwsError>;
    /// `None` when the vault does not exist (AWS answers AccessDenied or NotFound).
    async fn describe_vault(&self, name: &str) -> Result<Option<Vault>, AwsError>;
    async fn delete_vault(&self, name: &str) -> Result<(), AwsError>;

    async fn put_vault_lock(&self, vault: &str, lock: &VaultLockConfig) -> Result<(), AwsError>;
    async fn delete_vault_lock(&self, vault: &str) -> Result<(), AwsError>;

    // Vault notifications (a vault has at most one configuration; a Put replaces it whole).
    async fn put_vault_notifications(
        &self,
        vault: &str,
        config: &VaultNotificationConfig,
    ) -> Result<(), AwsError>;
    /// `None` when the vault has no notification configuration, or does not exist.
    async fn get_vault_notifications(
        &self,
        vault: &str,
    ) -> Result<Option<VaultNotifications>, AwsError>;
    /// `Ok(false)` when there was nothing to delete (no configuration, or no vault): this delete
    /// decides "gone" itself, so it has no [`DeleteIfPresent`] counterpart.
    async fn delete_vault_notifications(&self, vault: &str) -> Result<bool, AwsError>;

    /// A repeated create with the same `creator_request_id` answers the plan it created first.
    async fn create_plan(
        &self,
        plan: aws_sdk_backup::types::BackupPlanInput,
        tags: &Tags,
        creator_request_id: Option<&str>,
    ) -> Result<PlanVersion, AwsError>;
    /// `None` when the plan does not exist or has been deleted.
    async fn get_plan(&self, id: &str) -> Result<Option<Plan>, AwsError>;
    async fn update_plan(
        &self,
        id: &str,
        plan: aws_sdk_backup::types::BackupPlanInput,
    ) -> Result<PlanVersion, AwsError>;
    async fn delete_plan(&self, id: &str) -> Result<(), AwsError>;

    /// Returns the new selection's id and creation date; a repeated create with the same
    /// `creator_request_id` answers the selection it created first.
    async fn create_selection(
        &self,
        plan_id: &str,
        selection: aws_sdk_backup::types::BackupSelection,
        creator_request_id: Option<&str>,
    ) -> Result<(String, Option<String>), AwsError>;
    /// `None` when the selection, or its plan, does not exist.
    async fn get_selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<Option<Selection>, AwsError>;
    async fn delete_selection(&self, plan_id: &str, selection_id: &str) -> Result<(), AwsError>;
    /// The selections of a plan as ListBackupSelections reports them: (selection id, name).
    async fn list_selections(&self, plan_id: &str) -> Result<Vec<(String, String)>, AwsError>;

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError>;
    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), AwsError>;
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), AwsError>;

    /// ARNs of every recovery point in the vault.
    async fn list_recovery_points(&self, vault: &str) -> Result<Vec<String>, AwsError>;
    async fn delete_recovery_point(&self, vault: &str, arn: &str) -> Result<(), AwsError>;
}
