//! Backup plans as the provider and AWS Backup exchange them. A [`PlanDocument`] is what
//! CreateBackupPlan and UpdateBackupPlan take and GetBackupPlan answers; a field is optional
//! exactly where AWS's is, and `None` is left out of the request.

use std::collections::BTreeMap;

use super::Tags;

/// A plan's name, rules and advanced backup settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanDocument {
    pub name: String,
    pub rules: Vec<Rule>,
    pub advanced_backup_settings: Option<Vec<AdvancedBackupSetting>>,
}

/// A rule of a plan: when to back up, to which vault, and how long to keep what it makes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rule {
    pub rule_name: String,
    pub target_vault_name: String,
    pub schedule_expression: Option<String>,
    pub schedule_expression_timezone: Option<String>,
    pub start_window_minutes: Option<i64>,
    pub completion_window_minutes: Option<i64>,
    pub lifecycle: Option<Lifecycle>,
    pub recovery_point_tags: Option<Tags>,
    pub copy_actions: Option<Vec<CopyAction>>,
    pub enable_continuous_backup: Option<bool>,
    pub index_actions: Option<Vec<IndexAction>>,
    /// A logically air-gapped vault (same account and region) the rule backs up into directly.
    pub target_air_gapped_vault_arn: Option<String>,
    /// The id AWS gave the rule: set when read back, never sent.
    pub rule_id: Option<String>,
}

/// When recovery points move to cold storage and expire.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lifecycle {
    pub move_to_cold_storage_after_days: Option<i64>,
    pub delete_after_days: Option<i64>,
    pub opt_in_to_archive_for_supported_resources: Option<bool>,
}

/// A copy of each recovery point to another vault.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CopyAction {
    pub destination_vault_arn: String,
    pub lifecycle: Option<Lifecycle>,
}

/// Indexing of recovery points for backup search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexAction {
    pub resource_types: Option<Vec<String>>,
}

/// Backup options for one resource type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdvancedBackupSetting {
    pub resource_type: Option<String>,
    pub backup_options: Option<BTreeMap<String, String>>,
}

/// A backup plan as GetBackupPlan reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub id: String,
    pub arn: String,
    pub version_id: String,
    pub document: PlanDocument,
    /// RFC 3339.
    pub creation_date: Option<String>,
}

/// What CreateBackupPlan and UpdateBackupPlan answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanVersion {
    pub id: String,
    pub arn: String,
    pub version_id: String,
}
