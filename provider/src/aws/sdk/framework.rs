//! Backup Audit Manager frameworks on aws-sdk-backup.

use std::collections::HashMap;

use aws_sdk_backup::types as sdk;

use super::{rfc3339, unbuildable, SdkBackup};
use crate::aws::framework::{ControlScope, FrameworkControl};
use crate::aws::{AwsError, Framework, FrameworkDocument, Tags};

fn controls(
    operation: &'static str,
    list: &[FrameworkControl],
) -> Result<Vec<sdk::FrameworkControl>, AwsError> {
    list.iter()
        .map(|c| {
            let params = c
                .input_parameters
                .iter()
                .map(|(name, value)| {
                    sdk::ControlInputParameter::builder()
                        .parameter_name(name)
                        .parameter_value(value)
                        .build()
                })
                .collect();
            let scope = c.scope.as_ref().map(|s| {
                let tags: HashMap<String, String> = s.tags.clone().into_iter().collect();
                sdk::ControlScope::builder()
                    .set_compliance_resource_ids(
                        (!s.compliance_resource_ids.is_empty())
                            .then(|| s.compliance_resource_ids.clone()),
                    )
                    .set_compliance_resource_types(
                        (!s.compliance_resource_types.is_empty())
                            .then(|| s.compliance_resource_types.clone()),
                    )
                    .set_tags((!tags.is_empty()).then_some(tags))
                    .build()
            });
            sdk::FrameworkControl::builder()
                .control_name(&c.name)
                .set_control_input_parameters(Some(params))
                .set_control_scope(scope)
                .build()
                .map_err(|e| unbuildable(operation, e))
        })
        .collect()
}

fn control_from(c: &sdk::FrameworkControl) -> FrameworkControl {
    FrameworkControl {
        name: c.control_name().to_string(),
        input_parameters: c
            .control_input_parameters()
            .iter()
            .map(|p| {
                (
                    p.parameter_name().unwrap_or_default().to_string(),
                    p.parameter_value().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        scope: c.control_scope().map(|s| ControlScope {
            compliance_resource_ids: s.compliance_resource_ids().to_vec(),
            compliance_resource_types: s.compliance_resource_types().to_vec(),
            tags: s
                .tags()
                .map(|t| t.clone().into_iter().collect())
                .unwrap_or_default(),
        }),
    }
}

pub(super) async fn create(
    api: &SdkBackup,
    d: &FrameworkDocument,
    tags: &Tags,
    idempotency_token: &str,
) -> Result<String, AwsError> {
    const OPERATION: &str = "CreateFramework";
    let list = controls(OPERATION, &d.controls)?;
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    let out = api
        .send(OPERATION, || {
            api.client
                .create_framework()
                .framework_name(&d.name)
                .set_framework_description(d.description.clone())
                .set_framework_controls(Some(list.clone()))
                .set_framework_tags((!tags.is_empty()).then(|| tags.clone()))
                .idempotency_token(idempotency_token)
                .send()
        })
        .await?;
    Ok(out.framework_arn.unwrap_or_default())
}

pub(super) async fn describe(api: &SdkBackup, name: &str) -> Result<Option<Framework>, AwsError> {
    let answer = api
        .send("DescribeFramework", || {
            api.client.describe_framework().framework_name(name).send()
        })
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(Framework {
        arn: out.framework_arn.clone().unwrap_or_default(),
        document: FrameworkDocument {
            name: out
                .framework_name
                .clone()
                .unwrap_or_else(|| name.to_string()),
            description: out.framework_description.clone(),
            controls: out.framework_controls().iter().map(control_from).collect(),
        },
        creation_time: out.creation_time.as_ref().map(rfc3339),
        deployment_status: out.deployment_status.clone(),
        framework_status: out.framework_status.clone(),
    }))
}

pub(super) async fn update(api: &SdkBackup, d: &FrameworkDocument) -> Result<(), AwsError> {
    const OPERATION: &str = "UpdateFramework";
    let list = controls(OPERATION, &d.controls)?;
    // The SDK fills in the idempotency token once per call, so its retries replay it.
    api.send(OPERATION, || {
        api.client
            .update_framework()
            .framework_name(&d.name)
            .set_framework_description(d.description.clone())
            .set_framework_controls(Some(list.clone()))
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn delete(api: &SdkBackup, name: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteFramework", || {
            api.client.delete_framework().framework_name(name).send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}
