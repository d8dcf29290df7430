//! Backup selections, and selection documents to and from the SDK's types.

use aws_sdk_backup::error::BuildError;
use aws_sdk_backup::types as sdk;

use super::{rfc3339, unbuildable, SdkBackup};
use crate::aws::selection::{ConditionParameter, Conditions, TagCondition};
use crate::aws::{AwsError, Selection, SelectionCreated, SelectionDocument};

pub(super) async fn create(
    api: &SdkBackup,
    plan_id: &str,
    selection: &SelectionDocument,
    creator_request_id: Option<&str>,
) -> Result<SelectionCreated, AwsError> {
    const OPERATION: &str = "CreateBackupSelection";
    let selection = backup_selection(selection).map_err(|e| unbuildable(OPERATION, e))?;
    let out = api
        .send(OPERATION, || {
            api.client
                .create_backup_selection()
                .backup_plan_id(plan_id)
                .backup_selection(selection.clone())
                .set_creator_request_id(creator_request_id.map(str::to_string))
                .send()
        })
        .await?;
    Ok(SelectionCreated {
        selection_id: out.selection_id.unwrap_or_default(),
        creation_date: out.creation_date.as_ref().map(rfc3339),
    })
}

pub(super) async fn get(
    api: &SdkBackup,
    plan_id: &str,
    selection_id: &str,
) -> Result<Option<Selection>, AwsError> {
    let answer = api
        .send("GetBackupSelection", || {
            api.client
                .get_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(selection_id)
                .send()
        })
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) if e.is_selection_gone() => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(selection) = out.backup_selection else {
        return Ok(None);
    };
    Ok(Some(Selection {
        plan_id: out.backup_plan_id.unwrap_or_else(|| plan_id.to_string()),
        selection_id: out.selection_id.unwrap_or_else(|| selection_id.to_string()),
        document: document_from(selection),
        creation_date: out.creation_date.as_ref().map(rfc3339),
    }))
}

pub(super) async fn delete(
    api: &SdkBackup,
    plan_id: &str,
    selection_id: &str,
) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteBackupSelection", || {
            api.client
                .delete_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(selection_id)
                .send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.is_selection_gone() => Ok(false),
        Err(e) => Err(e),
    }
}

pub(super) async fn list(
    api: &SdkBackup,
    plan_id: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let out = api
            .send("ListBackupSelections", || {
                api.client
                    .list_backup_selections()
                    .backup_plan_id(plan_id)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        found.extend(
            out.backup_selections_list
                .unwrap_or_default()
                .into_iter()
                .map(|s| {
                    (
                        s.selection_id.unwrap_or_default(),
                        s.selection_name.unwrap_or_default(),
                    )
                }),
        );
        token = out.next_token;
        if token.is_none() {
            return Ok(found);
        }
    }
}

fn backup_selection(document: &SelectionDocument) -> Result<sdk::BackupSelection, BuildError> {
    let tags = document
        .list_of_tags
        .as_ref()
        .map(|tags| tags.iter().map(condition).collect::<Result<Vec<_>, _>>())
        .transpose()?;
    sdk::BackupSelection::builder()
        .selection_name(&document.name)
        .iam_role_arn(&document.iam_role_arn)
        .set_resources(document.resources.clone())
        .set_not_resources(document.not_resources.clone())
        .set_list_of_tags(tags)
        .set_conditions(document.conditions.as_ref().map(conditions))
        .build()
}

fn condition(tag: &TagCondition) -> Result<sdk::Condition, BuildError> {
    sdk::Condition::builder()
        .condition_type(sdk::ConditionType::from(tag.condition_type.as_str()))
        .condition_key(&tag.condition_key)
        .condition_value(&tag.condition_value)
        .build()
}

fn conditions(c: &Conditions) -> sdk::Conditions {
    let parameters = |list: &Option<Vec<ConditionParameter>>| {
        list.as_ref().map(|list| {
            list.iter()
                .map(|p| {
                    sdk::ConditionParameter::builder()
                        .set_condition_key(p.condition_key.clone())
                        .set_condition_value(p.condition_value.clone())
                        .build()
                })
                .collect()
        })
    };
    sdk::Conditions::builder()
        .set_string_equals(parameters(&c.string_equals))
        .set_string_not_equals(parameters(&c.string_not_equals))
        .set_string_like(parameters(&c.string_like))
        .set_string_not_like(parameters(&c.string_not_like))
        .build()
}

fn document_from(selection: sdk::BackupSelection) -> SelectionDocument {
    SelectionDocument {
        name: selection.selection_name,
        iam_role_arn: selection.iam_role_arn,
        resources: selection.resources,
        not_resources: selection.not_resources,
        list_of_tags: selection.list_of_tags.map(|tags| {
            tags.into_iter()
                .map(|c| TagCondition {
                    condition_type: c.condition_type.as_str().to_string(),
                    condition_key: c.condition_key,
                    condition_value: c.condition_value,
                })
                .collect()
        }),
        conditions: selection.conditions.map(conditions_from),
    }
}

fn conditions_from(c: sdk::Conditions) -> Conditions {
    let parameters = |list: Option<Vec<sdk::ConditionParameter>>| {
        list.map(|list| {
            list.into_iter()
                .map(|p| ConditionParameter {
                    condition_key: p.condition_key,
                    condition_value: p.condition_value,
                })
                .collect()
        })
    };
    Conditions {
        string_equals: parameters(c.string_equals),
        string_not_equals: parameters(c.string_not_equals),
        string_like: parameters(c.string_like),
        string_not_like: parameters(c.string_not_like),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_goes_to_the_sdk_and_back_unchanged() {
        let parameter = |key: &str| ConditionParameter {
            condition_key: Some(key.into()),
            condition_value: Some("prod".into()),
        };
        let document = SelectionDocument {
            name: "sel".into(),
            iam_role_arn: "arn:aws:iam::123456789012:role/backup".into(),
            resources: Some(vec!["*".into()]),
            not_resources: None,
            list_of_tags: Some(vec![TagCondition {
                condition_type: "STRINGEQUALS".into(),
                condition_key: "backup".into(),
                condition_value: "daily".into(),
            }]),
            conditions: Some(Conditions {
                string_equals: Some(vec![parameter("aws:ResourceTag/env")]),
                string_not_like: Some(vec![parameter("aws:ResourceTag/team")]),
                ..Conditions::default()
            }),
        };
        let sent = backup_selection(&document).unwrap();
        assert!(sent.not_resources.is_none());
        assert!(sent.conditions.as_ref().unwrap().string_like.is_none());
        assert_eq!(document_from(sent), document);
    }
}
