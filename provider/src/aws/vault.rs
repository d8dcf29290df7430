//! Vaults, their locks and recovery points, as the provider and AWS Backup exchange them.

use super::plan::Lifecycle;
use super::Tags;

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
    /// `BACKUP_VAULT`, `LOGICALLY_AIR_GAPPED_BACKUP_VAULT` or `RESTORE_ACCESS_BACKUP_VAULT`.
    pub vault_type: Option<String>,
    /// `CREATING`, `AVAILABLE` or `FAILED`.
    pub vault_state: Option<String>,
    /// `AWS_OWNED_KMS_KEY` or `CUSTOMER_MANAGED_KMS_KEY`.
    pub encryption_key_type: Option<String>,
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

/// A recovery point as ListRecoveryPointsByBackupVault reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecoveryPoint {
    pub arn: String,
    /// The ARN of the resource the point backs up.
    pub resource_arn: Option<String>,
    /// AWS Backup's name of the resource's type, e.g. `EBS`.
    pub resource_type: Option<String>,
    /// RFC 3339.
    pub creation_date: Option<String>,
    /// `COMPLETED`, `PARTIAL`, `DELETING`, `EXPIRED`, `AVAILABLE`, `STOPPED` or `CREATING`.
    pub status: Option<String>,
    pub lifecycle: Option<Lifecycle>,
    /// When AWS deletes the point (RFC 3339), from its lifecycle.
    pub delete_at: Option<String>,
}

/// Which recovery points of a vault to list; `None` is no filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecoveryPointFilter {
    /// AWS Backup's name of a resource type, e.g. `EBS`.
    pub resource_type: Option<String>,
    /// Only points created after this time.
    pub created_after: Option<std::time::SystemTime>,
}
