//! Backup selections as the provider and AWS Backup exchange them. A [`SelectionDocument`] is
//! what CreateBackupSelection takes and GetBackupSelection answers; a field is optional exactly
//! where AWS's is, and `None` is left out of the request.

/// The resources a selection assigns to its plan, and the role AWS Backup uses for them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SelectionDocument {
    pub name: String,
    pub iam_role_arn: String,
    pub resources: Option<Vec<String>>,
    pub not_resources: Option<Vec<String>>,
    pub list_of_tags: Option<Vec<TagCondition>>,
    pub conditions: Option<Conditions>,
}

/// One entry of `ListOfTags`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagCondition {
    /// `STRINGEQUALS`, the one type AWS Backup documents.
    pub condition_type: String,
    pub condition_key: String,
    pub condition_value: String,
}

/// Tag conditions that a selected resource must all match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions {
    pub string_equals: Option<Vec<ConditionParameter>>,
    pub string_not_equals: Option<Vec<ConditionParameter>>,
    pub string_like: Option<Vec<ConditionParameter>>,
    pub string_not_like: Option<Vec<ConditionParameter>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConditionParameter {
    pub condition_key: Option<String>,
    pub condition_value: Option<String>,
}

/// A backup selection as GetBackupSelection reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub plan_id: String,
    pub selection_id: String,
    pub document: SelectionDocument,
    /// RFC 3339.
    pub creation_date: Option<String>,
}

/// What CreateBackupSelection answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SelectionCreated {
    pub selection_id: String,
    /// RFC 3339.
    pub creation_date: Option<String>,
}
