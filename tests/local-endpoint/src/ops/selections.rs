//! Backup selections (resource assignments) of a plan.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{op, Operation, paginate, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{Plan, RegionState, Selection};
use crate::validate;

/// The selections of a plan.
pub const OPERATIONS: &[Operation] = &[
    op(
        "PUT",
        "/backup/plans/{}/selections/",
        "CreateBackupSelection",
        create,
    ),
    op(
        "GET",
        "/backup/plans/{}/selections/",
        "ListBackupSelections",
        list,
    ),
    op(
        "GET",
        "/backup/plans/{}/selections/{}",
        "GetBackupSelection",
        get,
    ),
    op(
        "DELETE",
        "/backup/plans/{}/selections/{}",
        "DeleteBackupSelection",
        delete,
    ),
];

const MAX_ARNS: usize = 500;
const MAX_WILDCARD_ARNS: usize = 30;
const MAX_TAG_CONDITIONS: usize = 30;

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct Condition {
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_value: Option<String>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct ConditionParameter {
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_value: Option<String>,
}

#[derive(Deserialize, Serialize, Clone, Default)]
#[serde(rename_all = "PascalCase")]
struct Conditions {
    #[serde(skip_serializing_if = "Option::is_none")]
    string_equals: Option<Vec<ConditionParameter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_not_equals: Option<Vec<ConditionParameter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_like: Option<Vec<ConditionParameter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_not_like: Option<Vec<ConditionParameter>>,
}

impl Conditions {
    fn all(&self) -> impl Iterator<Item = &ConditionParameter> {
        [
            &self.string_equals,
            &self.string_not_equals,
            &self.string_like,
            &self.string_not_like,
        ]
        .into_iter()
        .flatten()
        .flatten()
    }
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct BackupSelection {
    #[serde(skip_serializing_if = "Option::is_none")]
    selection_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iam_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    list_of_tags: Option<Vec<Condition>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_resources: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conditions: Option<Conditions>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    backup_selection: Option<BackupSelection>,
    creator_request_id: Option<String>,
}

fn check_arn_list(member: &str, arns: &[String]) -> ApiResult<()> {
    for arn in arns {
        validate::selection_resource(arn)?;
    }
    let wildcards = arns.iter().any(|a| a.contains('*'));
    let limit = if wildcards {
        MAX_WILDCARD_ARNS
    } else {
        MAX_ARNS
    };
    if arns.len() > limit {
        return Err(ApiError::invalid_param(format!(
            "{member} can contain at most {MAX_ARNS} ARNs, or {MAX_WILDCARD_ARNS} when any contains a wildcard; got {}",
            arns.len()
        )));
    }
    Ok(())
}

fn validate_selection(sel: &BackupSelection) -> ApiResult<()> {
    let name = sel
        .selection_name
        .as_deref()
        .ok_or_else(|| ApiError::missing_param("BackupSelection.SelectionName"))?;
    if !validate::is_rule_or_selection_name(name) {
        return Err(ApiError::invalid_param(format!(
            "Invalid SelectionName {name:?}: it must contain 1 to 50 alphanumeric characters, hyphens, underscores or periods"
        )));
    }
    let role = sel
        .iam_role_arn
        .as_deref()
        .ok_or_else(|| ApiError::missing_param("BackupSelection.IamRoleArn"))?;
    validate::iam_role_arn(role)?;
    let resources = sel.resources.as_deref().unwrap_or_default();
    let tags = sel.list_of_tags.as_deref().unwrap_or_default();
    if resources.is_empty() && tags.is_empty() {
        return Err(ApiError::invalid_param(
            "A backup selection must specify Resources or ListOfTags",
        ));
    }
    check_arn_list("Resources", resources)?;
    check_arn_list(
        "NotResources",
        sel.not_resources.as_deref().unwrap_or_default(),
    )?;
    for c in tags {
        let ty = c
            .condition_type
            .as_deref()
            .ok_or_else(|| ApiError::missing_param("ListOfTags.ConditionType"))?;
        if ty != "STRINGEQUALS" {
            return Err(ApiError::invalid_param(format!(
                "Invalid ConditionType {ty:?}: ListOfTags supports only STRINGEQUALS"
            )));
        }
        if c.condition_key.is_none() {
            return Err(ApiError::missing_param("ListOfTags.ConditionKey"));
        }
        if c.condition_value.is_none() {
            return Err(ApiError::missing_param("ListOfTags.ConditionValue"));
        }
    }
    let conditions = sel.conditions.clone().unwrap_or_default();
    for p in conditions.all() {
        if p.condition_key.as_deref().is_none_or(str::is_empty) || p.condition_value.is_none() {
            return Err(ApiError::invalid_param(
                "Every condition in Conditions needs a ConditionKey and a ConditionValue",
            ));
        }
    }
    let tag_count = tags.len() + conditions.all().count();
    if tag_count > MAX_TAG_CONDITIONS {
        return Err(ApiError::invalid_param(format!(
            "A backup selection can use at most {MAX_TAG_CONDITIONS} tag conditions, got {tag_count}"
        )));
    }
    Ok(())
}

/// Get/Delete on a plan that does not exist answer InvalidParameterValue.
fn plan_for_selection<'a>(rs: &'a mut RegionState, id: &str) -> ApiResult<&'a mut Plan> {
    rs.live_plan_mut(id)
        .ok_or_else(|| ApiError::invalid_param(format!("Cannot find Backup plan with ID {id}")))
}

fn selection_not_found(plan: &str, id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Cannot find backup selection {id} in Backup plan {plan}"
    ))
}

fn create(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let plan_id = req.label(0);
    let input: CreateInput = req.input()?;
    if let Some(id) = &input.creator_request_id {
        validate::creator_request_id(id)?;
    }
    let sel = input
        .backup_selection
        .ok_or_else(|| ApiError::missing_param("BackupSelection"))?;
    let plan = plan_for_selection(rs, plan_id)?;
    // A retry with the same CreatorRequestId gets the same selection back.
    if let Some(id) = &input.creator_request_id {
        if let Some(s) = plan
            .selections
            .iter()
            .find(|s| s.creator_request_id.as_ref() == Some(id))
        {
            return Ok(Some(create_output(plan_id, s)));
        }
    }
    validate_selection(&sel)?;
    let name = sel.selection_name.clone().unwrap_or_default();
    if plan.selections.iter().any(|s| s.name == name) {
        return Err(ApiError::already_exists(format!(
            "A backup selection named {name} already exists in Backup plan {plan_id}"
        )));
    }
    let selection = Selection {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        iam_role_arn: sel.iam_role_arn.clone().unwrap_or_default(),
        creation: req.now,
        creator_request_id: input.creator_request_id,
        document: serde_json::to_value(&sel).unwrap_or_default(),
    };
    let out = create_output(plan_id, &selection);
    plan.selections.push(selection);
    Ok(Some(out))
}

fn create_output(plan_id: &str, s: &Selection) -> Value {
    json!({
        "SelectionId": s.id,
        "BackupPlanId": plan_id,
        "CreationDate": s.creation,
    })
}

fn get(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let (plan_id, sel_id) = (req.label(0), req.label(1));
    let plan = plan_for_selection(rs, plan_id)?;
    let s = plan
        .selections
        .iter()
        .find(|s| s.id == sel_id)
        .ok_or_else(|| selection_not_found(plan_id, sel_id))?;
    let mut out = json!({
        "BackupSelection": answered(&s.document, req.variations.reverse_selection_lists),
        "SelectionId": s.id,
        "BackupPlanId": plan_id,
        "CreationDate": s.creation,
    });
    super::put_opt(&mut out, "CreatorRequestId", s.creator_request_id.clone());
    Ok(Some(out))
}

/// A stored selection as GetBackupSelection answers it: like AWS, with an empty list for each
/// list that was not set, `Conditions` included; `reverse` turns every list around.
fn answered(document: &Value, reverse: bool) -> Value {
    let mut doc = document.clone();
    let Some(selection) = doc.as_object_mut() else {
        return doc;
    };
    let conditions = selection.entry("Conditions").or_insert_with(|| json!({}));
    if let Some(conditions) = conditions.as_object_mut() {
        for key in [
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
        ] {
            let list = conditions.entry(key).or_insert_with(|| json!([]));
            if reverse {
                reverse_list(list);
            }
        }
    }
    for key in ["Resources", "ListOfTags", "NotResources"] {
        let list = selection.entry(key).or_insert_with(|| json!([]));
        if reverse {
            reverse_list(list);
        }
    }
    doc
}

fn reverse_list(list: &mut Value) {
    if let Some(items) = list.as_array_mut() {
        items.reverse();
    }
}

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let (plan_id, sel_id) = (req.label(0), req.label(1));
    let plan = plan_for_selection(rs, plan_id)?;
    let before = plan.selections.len();
    plan.selections.retain(|s| s.id != sel_id);
    if plan.selections.len() == before {
        return Err(selection_not_found(plan_id, sel_id));
    }
    Ok(None)
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let plan_id = req.label(0);
    let plan = rs
        .live_plan(plan_id)
        .ok_or_else(|| ApiError::not_found(format!("Cannot find Backup plan with ID {plan_id}")))?;
    let items: Vec<Value> = plan
        .selections
        .iter()
        .map(|s| {
            let mut m = json!({
                "SelectionId": s.id,
                "SelectionName": s.name,
                "BackupPlanId": plan.id,
                "CreationDate": s.creation,
            });
            super::put_opt(&mut m, "CreatorRequestId", s.creator_request_id.clone());
            super::put_opt(&mut m, "IamRoleArn", Some(s.iam_role_arn.clone()));
            m
        })
        .collect();
    let (page, next) = paginate(items, req)?;
    let mut out = json!({ "BackupSelectionsList": page });
    super::put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}
