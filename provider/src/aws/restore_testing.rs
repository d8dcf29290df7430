//! Restore testing plans and selections, as the provider and AWS Backup exchange them.

use std::collections::BTreeMap;

/// Which recovery points a restore testing plan restores. Lists are as AWS holds them (AWS
/// treats them as sets).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecoveryPointSelection {
    /// `LATEST_WITHIN_WINDOW` or `RANDOM_WITHIN_WINDOW`.
    pub algorithm: String,
    pub include_vaults: Vec<String>,
    pub exclude_vaults: Vec<String>,
    /// `SNAPSHOT` and/or `CONTINUOUS`.
    pub recovery_point_types: Vec<String>,
    /// `None`: AWS's default (30 days).
    pub selection_window_days: Option<i64>,
}

/// What CreateRestoreTestingPlan and UpdateRestoreTestingPlan take (an update leaves the name
/// out: it cannot change).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreTestingPlanDocument {
    pub name: String,
    pub schedule_expression: String,
    /// `None`: AWS's default (UTC).
    pub schedule_expression_timezone: Option<String>,
    /// `None`: AWS's default (24 hours).
    pub start_window_hours: Option<i64>,
    pub recovery_point_selection: RecoveryPointSelection,
}

/// A restore testing plan as GetRestoreTestingPlan reports it, AWS's defaults filled in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreTestingPlan {
    pub arn: String,
    /// RFC 3339.
    pub creation_time: Option<String>,
    pub creator_request_id: Option<String>,
    pub document: RestoreTestingPlanDocument,
}

/// What CreateRestoreTestingPlan answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreTestingPlanCreated {
    pub arn: String,
    /// RFC 3339.
    pub creation_time: Option<String>,
}

/// A condition on the tags of a resource's latest recovery point (bare tag keys).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// What a restore testing selection restores and how: CreateRestoreTestingSelection's input
/// (an update leaves the name and the type out: they cannot change).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreTestingSelectionDocument {
    pub name: String,
    pub protected_resource_type: String,
    pub iam_role_arn: String,
    /// `["*"]` or ARNs.
    pub protected_resource_arns: Vec<String>,
    pub string_equals: Vec<KeyValue>,
    pub string_not_equals: Vec<KeyValue>,
    pub restore_metadata_overrides: BTreeMap<String, String>,
    /// `None`: not set (AWS answers no value).
    pub validation_window_hours: Option<i64>,
}

/// A restore testing selection as GetRestoreTestingSelection reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreTestingSelection {
    pub plan_name: String,
    /// RFC 3339.
    pub creation_time: Option<String>,
    pub creator_request_id: Option<String>,
    pub document: RestoreTestingSelectionDocument,
}
