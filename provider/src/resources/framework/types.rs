//! The inputs and the state of a framework; their doc comments are the schema's.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::Tags;

/// A Backup Audit Manager framework: a named set of controls that AWS Backup evaluates
/// resources against (through AWS Config, whose resource tracking must be on). The id is the
/// framework name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkArgs {
    /// The framework name: 1 to 256 characters, a letter first, then letters, digits and
    /// underscores; unique per account and region. Autonamed `<resource name>_<7 chars>`
    /// (hyphens become underscores) when omitted. AWS cannot rename a framework: changing it
    /// replaces the framework.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the framework is for: at most 1024 characters, not blank. AWS cannot remove a
    /// description once set; it can only change it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The controls, at least one, each named once; matched by name, so their order does not
    /// matter. Controls count towards AWS's quota of 50 per account and region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controls: Option<Vec<ControlArgs>>,
    /// Tags for the framework; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// One control of a framework.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlArgs {
    /// The control, e.g. `BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK`. A name the provider
    /// does not know is sent as it is, with a warning at preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The control's parameters, each named once; matched by name, so their order does not
    /// matter. Those left out take AWS's defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_parameters: Option<Vec<ControlInputParameterArgs>>,
    /// Which resources the control evaluates; none: every resource it applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<ControlScopeArgs>,
}

/// A parameter of a control. Values are strings, whatever they hold (`"35"`, `"days"`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlInputParameterArgs {
    /// The parameter's name, e.g. `requiredRetentionDays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The parameter's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The resources a control evaluates: resources of some types, the named resources of one
/// type, or the resources carrying one tag.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlScopeArgs {
    /// Ids of the resources evaluated (1 to 100), with exactly one entry in
    /// `complianceResourceTypes`. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance_resource_ids: Option<Vec<String>>,
    /// Resource types evaluated, e.g. `EBS`, `RDS`. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance_resource_types: Option<Vec<String>>,
    /// One tag (key and value) that the resources evaluated carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// The state of a framework.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkState {
    #[serde(flatten)]
    pub args: FrameworkArgs,
    /// The framework's ARN.
    pub arn: String,
    /// Where AWS is in deploying the framework: `COMPLETED` once a create or an update has
    /// finished (`CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS` or `FAILED` otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_status: Option<String>,
    /// Whether AWS Config records the resources the controls evaluate: `ACTIVE`,
    /// `PARTIALLY_ACTIVE`, `INACTIVE` or `UNAVAILABLE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the framework was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
}
