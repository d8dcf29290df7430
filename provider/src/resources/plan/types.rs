//! The inputs and outputs of a plan, with the docs the schema and the SDKs show.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::Tags;

/// A backup plan: when to back up, where to, and how long to keep the recovery points. Rules are
/// matched by `ruleName`, so editing a rule shows as that rule's fields and reordering rules is
/// no change. The id is the plan id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanArgs {
    /// The plan name: 1 to 50 letters, digits, `-`, `_` and `.`. Autonamed when omitted. AWS
    /// documents plan names as unchangeable: a rename replaces the plan (and its selections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rules of the plan, 1 to 10, each with a unique `ruleName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RuleArgs>>,
    /// Resource-type-specific backup options, e.g. Windows VSS for EC2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_backup_settings: Option<Vec<AdvancedBackupSettingArgs>>,
    /// Tags for the plan; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// A rule of a backup plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleArgs {
    /// The rule name, unique in the plan: 1 to 50 letters, digits, `-`, `_` and `.`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// The name of the vault the recovery points go to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_vault_name: Option<String>,
    /// When to back up: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, at most hourly,
    /// one of the day fields `?`. AWS's default is `cron(0 5 ? * * *)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// The IANA time zone of the schedule, e.g. `Europe/Paris` (AWS's default: `Etc/UTC`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression_timezone: Option<String>,
    /// Minutes after the scheduled time within which a backup must start (at least 60; AWS's
    /// default 480).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_window_minutes: Option<i64>,
    /// Minutes after the start within which a backup must complete, more than the start window
    /// (AWS's default 10080).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_window_minutes: Option<i64>,
    /// When recovery points move to cold storage and expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleArgs>,
    /// Tags added to every recovery point the rule creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_point_tags: Option<Tags>,
    /// Copies of each recovery point to other vaults (other regions or accounts), at most 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_actions: Option<Vec<CopyActionArgs>>,
    /// Continuous backup for point-in-time recovery of supported services (at most 35 days'
    /// retention, no cold storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_continuous_backup: Option<bool>,
    /// Indexes of the recovery points for backup search, per resource type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_actions: Option<Vec<IndexActionArgs>>,
    /// The ARN of a logically air-gapped vault in the plan's account and region that the rule
    /// backs up into directly (the `arn` of a `LogicallyAirGappedVault`). Types AWS fully
    /// manages go straight there; others are copied there from `targetVaultName`, which stays
    /// required. The rule's `lifecycle.deleteAfterDays` must fall in the vault's retention range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_logically_air_gapped_backup_vault_arn: Option<String>,
}

/// When recovery points move to cold storage and expire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleArgs {
    /// Days after creation when a recovery point moves to cold storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub move_to_cold_storage_after_days: Option<i64>,
    /// Days after creation when a recovery point is deleted (1 to 36500; at least 90 days after
    /// the move to cold storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<i64>,
    /// Move supported resources to the archive tier according to this lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_in_to_archive_for_supported_resources: Option<bool>,
}

/// A copy of each recovery point to another vault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyActionArgs {
    /// The ARN of the destination vault (`arn:<partition>:backup:<region>:<account>:backup-vault:<name>`),
    /// another vault than the rule's target: a vault in another region or account, or another
    /// vault of the same account and region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_vault_arn: Option<String>,
    /// The lifecycle of the copies; omitted, the copies keep the source's lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleArgs>,
}

/// Indexing of recovery points for backup search.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndexActionArgs {
    /// The resource types to index, e.g. `EBS`, `S3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Vec<String>>,
}

/// Backup options for one resource type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdvancedBackupSettingArgs {
    /// The resource type, e.g. `EC2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The options, e.g. `{"WindowsVSS": "enabled"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_options: Option<BTreeMap<String, String>>,
}

/// A rule of a backup plan as deployed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleState {
    #[serde(flatten)]
    pub rule: RuleArgs,
    /// The id AWS gave the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
}

/// The state of a backup plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanState {
    /// The plan name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The rules, each with the id AWS gave it.
    #[serde(default)]
    pub rules: Vec<RuleState>,
    /// Resource-type-specific backup options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced_backup_settings: Option<Vec<AdvancedBackupSettingArgs>>,
    /// The plan's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// The plan's ARN.
    pub arn: String,
    /// The plan id.
    pub plan_id: String,
    /// The id of the plan's current version; every update makes a new one.
    pub version_id: String,
}
