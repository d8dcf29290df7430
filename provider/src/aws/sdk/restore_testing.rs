//! Restore testing plans and selections on aws-sdk-backup. The SDK's integer members are not
//! optional (0 means "not sent", and reads as "not set").

use std::collections::{BTreeMap, HashMap};

use aws_sdk_backup::types as sdk;

use super::{rfc3339, unbuildable, SdkBackup};
use crate::aws::restore_testing::{KeyValue, RecoveryPointSelection};
use crate::aws::{
    AwsError, RestoreTestingPlan, RestoreTestingPlanCreated, RestoreTestingPlanDocument,
    RestoreTestingSelection, RestoreTestingSelectionDocument, Tags,
};

/// `Some(n)` as the SDK's integer, `None` as 0 (not sent).
fn int(n: Option<i64>) -> i32 {
    n.and_then(|n| i32::try_from(n).ok()).unwrap_or(0)
}

/// The SDK's integer read back: 0 is "not set".
fn read_int(n: i32) -> Option<i64> {
    (n != 0).then_some(i64::from(n))
}

fn point_selection(s: &RecoveryPointSelection) -> sdk::RestoreTestingRecoveryPointSelection {
    sdk::RestoreTestingRecoveryPointSelection::builder()
        .algorithm(sdk::RestoreTestingRecoveryPointSelectionAlgorithm::from(
            s.algorithm.as_str(),
        ))
        .set_include_vaults(Some(s.include_vaults.clone()))
        .set_exclude_vaults(Some(s.exclude_vaults.clone()))
        .set_recovery_point_types(Some(
            s.recovery_point_types
                .iter()
                .map(|t| sdk::RestoreTestingRecoveryPointType::from(t.as_str()))
                .collect(),
        ))
        .selection_window_days(int(s.selection_window_days))
        .build()
}

fn point_selection_from(s: &sdk::RestoreTestingRecoveryPointSelection) -> RecoveryPointSelection {
    RecoveryPointSelection {
        algorithm: s
            .algorithm()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default(),
        include_vaults: s.include_vaults().to_vec(),
        exclude_vaults: s.exclude_vaults().to_vec(),
        recovery_point_types: s
            .recovery_point_types()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        selection_window_days: read_int(s.selection_window_days()),
    }
}

pub(super) async fn create_plan(
    api: &SdkBackup,
    document: &RestoreTestingPlanDocument,
    tags: &Tags,
    creator_request_id: &str,
) -> Result<RestoreTestingPlanCreated, AwsError> {
    const OPERATION: &str = "CreateRestoreTestingPlan";
    let plan = sdk::RestoreTestingPlanForCreate::builder()
        .restore_testing_plan_name(&document.name)
        .schedule_expression(&document.schedule_expression)
        .set_schedule_expression_timezone(document.schedule_expression_timezone.clone())
        .start_window_hours(int(document.start_window_hours))
        .recovery_point_selection(point_selection(&document.recovery_point_selection))
        .build()
        .map_err(|e| unbuildable(OPERATION, e))?;
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    let out = api
        .send(OPERATION, || {
            api.client
                .create_restore_testing_plan()
                .restore_testing_plan(plan.clone())
                .set_tags((!tags.is_empty()).then(|| tags.clone()))
                .creator_request_id(creator_request_id)
                .send()
        })
        .await?;
    Ok(RestoreTestingPlanCreated {
        arn: out.restore_testing_plan_arn,
        creation_time: Some(rfc3339(&out.creation_time)),
    })
}

pub(super) async fn get_plan(
    api: &SdkBackup,
    name: &str,
) -> Result<Option<RestoreTestingPlan>, AwsError> {
    let answer = api
        .send("GetRestoreTestingPlan", || {
            api.client
                .get_restore_testing_plan()
                .restore_testing_plan_name(name)
                .send()
        })
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(p) = out.restore_testing_plan else {
        return Ok(None);
    };
    Ok(Some(RestoreTestingPlan {
        arn: p.restore_testing_plan_arn.clone(),
        creation_time: Some(rfc3339(&p.creation_time)),
        creator_request_id: p.creator_request_id.clone(),
        document: RestoreTestingPlanDocument {
            name: p.restore_testing_plan_name.clone(),
            schedule_expression: p.schedule_expression.clone(),
            schedule_expression_timezone: p.schedule_expression_timezone.clone(),
            start_window_hours: read_int(p.start_window_hours),
            recovery_point_selection: p
                .recovery_point_selection
                .as_ref()
                .map(point_selection_from)
                .unwrap_or_default(),
        },
    }))
}

pub(super) async fn update_plan(
    api: &SdkBackup,
    document: &RestoreTestingPlanDocument,
) -> Result<(), AwsError> {
    let plan = sdk::RestoreTestingPlanForUpdate::builder()
        .schedule_expression(&document.schedule_expression)
        .set_schedule_expression_timezone(document.schedule_expression_timezone.clone())
        .start_window_hours(int(document.start_window_hours))
        .recovery_point_selection(point_selection(&document.recovery_point_selection))
        .build();
    api.send("UpdateRestoreTestingPlan", || {
        api.client
            .update_restore_testing_plan()
            .restore_testing_plan_name(&document.name)
            .restore_testing_plan(plan.clone())
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn delete_plan(api: &SdkBackup, name: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteRestoreTestingPlan", || {
            api.client
                .delete_restore_testing_plan()
                .restore_testing_plan_name(name)
                .send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        // The model lists no NotFound for this delete; an answer saying so still means "gone".
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

fn key_values(list: &[KeyValue]) -> Result<Vec<sdk::KeyValue>, aws_sdk_backup::error::BuildError> {
    list.iter()
        .map(|kv| {
            sdk::KeyValue::builder()
                .key(&kv.key)
                .value(&kv.value)
                .build()
        })
        .collect()
}

fn conditions(
    d: &RestoreTestingSelectionDocument,
) -> Result<sdk::ProtectedResourceConditions, aws_sdk_backup::error::BuildError> {
    Ok(sdk::ProtectedResourceConditions::builder()
        .set_string_equals(Some(key_values(&d.string_equals)?))
        .set_string_not_equals(Some(key_values(&d.string_not_equals)?))
        .build())
}

fn overrides(d: &RestoreTestingSelectionDocument) -> HashMap<String, String> {
    d.restore_metadata_overrides.clone().into_iter().collect()
}

pub(super) async fn create_selection(
    api: &SdkBackup,
    plan: &str,
    d: &RestoreTestingSelectionDocument,
    creator_request_id: &str,
) -> Result<Option<String>, AwsError> {
    const OPERATION: &str = "CreateRestoreTestingSelection";
    let has_conditions = !d.string_equals.is_empty() || !d.string_not_equals.is_empty();
    let selection = sdk::RestoreTestingSelectionForCreate::builder()
        .restore_testing_selection_name(&d.name)
        .protected_resource_type(&d.protected_resource_type)
        .iam_role_arn(&d.iam_role_arn)
        .set_protected_resource_arns(Some(d.protected_resource_arns.clone()))
        .set_protected_resource_conditions(
            has_conditions
                .then(|| conditions(d))
                .transpose()
                .map_err(|e| unbuildable(OPERATION, e))?,
        )
        .set_restore_metadata_overrides(
            (!d.restore_metadata_overrides.is_empty()).then(|| overrides(d)),
        )
        .validation_window_hours(int(d.validation_window_hours))
        .build()
        .map_err(|e| unbuildable(OPERATION, e))?;
    let out = api
        .send(OPERATION, || {
            api.client
                .create_restore_testing_selection()
                .restore_testing_plan_name(plan)
                .restore_testing_selection(selection.clone())
                .creator_request_id(creator_request_id)
                .send()
        })
        .await?;
    Ok(Some(rfc3339(&out.creation_time)))
}

pub(super) async fn get_selection(
    api: &SdkBackup,
    plan: &str,
    name: &str,
) -> Result<Option<RestoreTestingSelection>, AwsError> {
    let answer = api
        .send("GetRestoreTestingSelection", || {
            api.client
                .get_restore_testing_selection()
                .restore_testing_plan_name(plan)
                .restore_testing_selection_name(name)
                .send()
        })
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(s) = out.restore_testing_selection else {
        return Ok(None);
    };
    let kv = |list: &[sdk::KeyValue]| -> Vec<KeyValue> {
        list.iter()
            .map(|kv| KeyValue {
                key: kv.key.clone(),
                value: kv.value.clone(),
            })
            .collect()
    };
    let conditions = s.protected_resource_conditions.as_ref();
    Ok(Some(RestoreTestingSelection {
        plan_name: s.restore_testing_plan_name.clone(),
        creation_time: Some(rfc3339(&s.creation_time)),
        creator_request_id: s.creator_request_id.clone(),
        document: RestoreTestingSelectionDocument {
            name: s.restore_testing_selection_name.clone(),
            protected_resource_type: s.protected_resource_type.clone(),
            iam_role_arn: s.iam_role_arn.clone(),
            protected_resource_arns: s.protected_resource_arns.clone().unwrap_or_default(),
            string_equals: conditions
                .map(|c| kv(c.string_equals()))
                .unwrap_or_default(),
            string_not_equals: conditions
                .map(|c| kv(c.string_not_equals()))
                .unwrap_or_default(),
            restore_metadata_overrides: s
                .restore_metadata_overrides
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
            validation_window_hours: read_int(s.validation_window_hours),
        },
    }))
}

pub(super) async fn update_selection(
    api: &SdkBackup,
    plan: &str,
    d: &RestoreTestingSelectionDocument,
) -> Result<(), AwsError> {
    const OPERATION: &str = "UpdateRestoreTestingSelection";
    // Conditions and overrides are always sent, empty to clear them; ARNs `["*"]` come with
    // conditions, as AWS needs to switch a selection from ARNs to conditions.
    let selection = sdk::RestoreTestingSelectionForUpdate::builder()
        .iam_role_arn(&d.iam_role_arn)
        .set_protected_resource_arns(Some(d.protected_resource_arns.clone()))
        .protected_resource_conditions(conditions(d).map_err(|e| unbuildable(OPERATION, e))?)
        .set_restore_metadata_overrides(Some(overrides(d)))
        .validation_window_hours(int(d.validation_window_hours))
        .build();
    api.send(OPERATION, || {
        api.client
            .update_restore_testing_selection()
            .restore_testing_plan_name(plan)
            .restore_testing_selection_name(&d.name)
            .restore_testing_selection(selection.clone())
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn delete_selection(
    api: &SdkBackup,
    plan: &str,
    name: &str,
) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteRestoreTestingSelection", || {
            api.client
                .delete_restore_testing_selection()
                .restore_testing_plan_name(plan)
                .restore_testing_selection_name(name)
                .send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}
