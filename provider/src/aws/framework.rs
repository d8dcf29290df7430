//! Backup Audit Manager frameworks, as the provider and AWS Backup exchange them.

use std::collections::BTreeMap;

/// What a control evaluates: resources of some types, the given resources of one type, or the
/// resources with one tag. All empty: every applicable resource.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ControlScope {
    pub compliance_resource_ids: Vec<String>,
    pub compliance_resource_types: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// One control of a framework: its name, its parameters (name, value) and its scope.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameworkControl {
    pub name: String,
    pub input_parameters: Vec<(String, String)>,
    pub scope: Option<ControlScope>,
}

/// What CreateFramework and UpdateFramework take (an update sends the name in the URI only).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameworkDocument {
    pub name: String,
    pub description: Option<String>,
    pub controls: Vec<FrameworkControl>,
}

/// DeploymentStatus values.
pub const DEPLOYMENT_COMPLETED: &str = "COMPLETED";
pub const DEPLOYMENT_FAILED: &str = "FAILED";

/// A framework as DescribeFramework reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Framework {
    pub arn: String,
    pub document: FrameworkDocument,
    /// RFC 3339.
    pub creation_time: Option<String>,
    /// `CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `DELETE_IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub deployment_status: Option<String>,
    /// Whether AWS Config records the resources the controls evaluate: `ACTIVE`,
    /// `PARTIALLY_ACTIVE`, `INACTIVE` or `UNAVAILABLE`.
    pub framework_status: Option<String>,
}
