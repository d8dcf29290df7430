//! The inputs and outputs of a selection, with the docs the schema and the SDKs show.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A backup selection: assigns resources to a backup plan, by ARN (`resources`), by tag
/// (`listOfTags`), or by ARN narrowed with tag conditions (`resources` plus `conditions`). The
/// ARNs in `resources` and the entries of `listOfTags` are combined with OR; the `conditions` are
/// combined with AND and narrow the selection; `notResources` are subtracted. AWS cannot change a
/// selection, so any change replaces it. The id is `<planId>|<selectionId>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelectionArgs {
    /// The id of the backup plan the selection belongs to. Changing it replaces the selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The selection name: 1 to 50 letters, digits, hyphens, underscores and periods. Autonamed
    /// `<resource name>-<7 chars>` when omitted. Changing it replaces the selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ARN of the IAM role AWS Backup assumes to create and manage the backups, e.g.
    /// `arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole`. The role needs a
    /// trust policy for `backup.amazonaws.com` and, to select by tag, `tag:GetResources`. A
    /// just-created role takes a while to become usable: the provider retries for up to 2 minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_role_arn: Option<String>,
    /// ARNs of the resources to back up; a resource matching any of them is selected (OR). An ARN
    /// may end with `*` as a prefix pattern (`arn:aws:s3:::logs-*`, or service-wide
    /// `arn:aws:fsx:*`), its region and account may be `*`, and `*` alone means every supported
    /// resource. At most 500 ARNs, or 30 when any contains a `*`. Combined with `listOfTags` by OR: to select only
    /// the tagged resources among these ARNs, use `conditions` instead of `listOfTags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    /// ARNs of resources to exclude from the selection (same rules as `resources`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_resources: Option<Vec<String>>,
    /// Tag conditions; a resource matching any of them is selected (OR), in addition to the ones
    /// in `resources`. AWS recommends `conditions` instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_of_tags: Option<Vec<SelectionTagCondition>>,
    /// Tag conditions that a selected resource must all match (AND); they narrow the resources
    /// selected by `resources`. AWS refuses a selection with only `conditions`: use
    /// `resources: ["*"]` with them to select every resource whose tags match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<SelectionConditions>,
}

/// One entry of a selection's `listOfTags`: resources tagged `conditionKey` = `conditionValue`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionTagCondition {
    /// The comparison; AWS Backup documents only `STRINGEQUALS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_type: Option<String>,
    /// The tag key, e.g. `backup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_key: Option<String>,
    /// The tag value, e.g. `daily`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_value: Option<String>,
}

/// Tag conditions of a selection, all of which a resource must match (AND). Matching is case
/// sensitive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionConditions {
    /// The resource's tag must equal the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_equals: Option<Vec<SelectionConditionParameter>>,
    /// The resource's tag must not equal the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_not_equals: Option<Vec<SelectionConditionParameter>>,
    /// The resource's tag must match the value, in which `*` matches any characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_like: Option<Vec<SelectionConditionParameter>>,
    /// The resource's tag must not match the value, in which `*` matches any characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_not_like: Option<Vec<SelectionConditionParameter>>,
}

/// One tag condition of `conditions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionConditionParameter {
    /// The tag, as `aws:ResourceTag/<tag key>`, e.g. `aws:ResourceTag/backup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_key: Option<String>,
    /// The value to compare the tag's value with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_value: Option<String>,
}

/// The state of a backup selection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelectionState {
    #[serde(flatten)]
    pub args: SelectionArgs,
    /// The selection's id within its plan, assigned by AWS.
    pub selection_id: String,
    /// When the selection was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
}

pub(super) fn non_empty<T>(list: &Option<Vec<T>>) -> bool {
    list.as_ref().is_some_and(|l| !l.is_empty())
}

impl SelectionConditions {
    pub(super) fn lists(&self) -> [(&'static str, &Option<Vec<SelectionConditionParameter>>); 4] {
        [
            ("stringEquals", &self.string_equals),
            ("stringNotEquals", &self.string_not_equals),
            ("stringLike", &self.string_like),
            ("stringNotLike", &self.string_not_like),
        ]
    }

    pub(super) fn is_all_empty(&self) -> bool {
        self.lists().iter().all(|(_, l)| !non_empty(l))
    }
}
