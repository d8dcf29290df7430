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

/// A logically air-gapped vault as CreateLogicallyAirGappedBackupVault takes it: always
/// compliance-locked to its retention range, encrypted by an AWS-owned key unless one is given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateAirGappedVault {
    pub name: String,
    pub min_retention_days: i64,
    pub max_retention_days: i64,
    pub encryption_key_arn: Option<String>,
    pub tags: Tags,
    pub creator_request_id: Option<String>,
}

/// The vault type AWS reports for a standard backup vault.
pub const BACKUP_VAULT_TYPE: &str = "BACKUP_VAULT";
/// The vault type AWS reports for a logically air-gapped vault.
pub const AIR_GAPPED_VAULT_TYPE: &str = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";
/// The vault states: a new air-gapped vault is `CREATING` until its key is attached.
pub const VAULT_AVAILABLE: &str = "AVAILABLE";
pub const VAULT_FAILED: &str = "FAILED";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultCreated {
    pub arn: String,
    pub creation_date: Option<String>,
    /// Set for air-gapped vaults (`CREATING` at first).
    pub vault_state: Option<String>,
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
