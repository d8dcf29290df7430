//! Report plans on aws-sdk-backup. `NumberOfFrameworks` is a plain integer in the SDK: 0 is "not
//! sent".

use std::collections::HashMap;

use aws_sdk_backup::types as sdk;

use super::{rfc3339, unbuildable, SdkBackup};
use crate::aws::report_plan::{ReportDeliveryChannel, ReportSetting};
use crate::aws::{AwsError, ReportPlan, ReportPlanCreated, ReportPlanDocument, Tags};

/// A list as the SDK sends it: `None` when empty.
fn list(l: &[String]) -> Option<Vec<String>> {
    (!l.is_empty()).then(|| l.to_vec())
}

fn channel(
    operation: &'static str,
    c: &ReportDeliveryChannel,
) -> Result<sdk::ReportDeliveryChannel, AwsError> {
    sdk::ReportDeliveryChannel::builder()
        .s3_bucket_name(&c.s3_bucket_name)
        .set_s3_key_prefix(c.s3_key_prefix.clone())
        .set_formats(list(&c.formats))
        .build()
        .map_err(|e| unbuildable(operation, e))
}

fn setting(operation: &'static str, s: &ReportSetting) -> Result<sdk::ReportSetting, AwsError> {
    sdk::ReportSetting::builder()
        .report_template(&s.report_template)
        .set_framework_arns(list(&s.framework_arns))
        .number_of_frameworks(
            s.number_of_frameworks
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0),
        )
        .set_accounts(list(&s.accounts))
        .set_organization_units(list(&s.organization_units))
        .set_regions(list(&s.regions))
        .build()
        .map_err(|e| unbuildable(operation, e))
}

pub(super) async fn create(
    api: &SdkBackup,
    d: &ReportPlanDocument,
    tags: &Tags,
    token: &str,
) -> Result<ReportPlanCreated, AwsError> {
    const OPERATION: &str = "CreateReportPlan";
    let ch = channel(OPERATION, &d.delivery_channel)?;
    let s = setting(OPERATION, &d.setting)?;
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    let out = api
        .send(OPERATION, || {
            api.client
                .create_report_plan()
                .report_plan_name(&d.name)
                .set_report_plan_description(d.description.clone())
                .report_delivery_channel(ch.clone())
                .report_setting(s.clone())
                .set_report_plan_tags((!tags.is_empty()).then(|| tags.clone()))
                .idempotency_token(token)
                .send()
        })
        .await?;
    Ok(ReportPlanCreated {
        arn: out.report_plan_arn.unwrap_or_default(),
        creation_time: out.creation_time.as_ref().map(rfc3339),
    })
}

pub(super) async fn get(api: &SdkBackup, name: &str) -> Result<Option<ReportPlan>, AwsError> {
    let answer = api
        .send("DescribeReportPlan", || {
            api.client
                .describe_report_plan()
                .report_plan_name(name)
                .send()
        })
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(p) = out.report_plan else {
        return Ok(None);
    };
    let delivery_channel = p
        .report_delivery_channel
        .as_ref()
        .map(|c| ReportDeliveryChannel {
            s3_bucket_name: c.s3_bucket_name.clone(),
            s3_key_prefix: c.s3_key_prefix.clone(),
            formats: c.formats().to_vec(),
        })
        .unwrap_or_default();
    let setting = p
        .report_setting
        .as_ref()
        .map(|s| ReportSetting {
            report_template: s.report_template.clone(),
            framework_arns: s.framework_arns().to_vec(),
            number_of_frameworks: Some(i64::from(s.number_of_frameworks)),
            accounts: s.accounts().to_vec(),
            organization_units: s.organization_units().to_vec(),
            regions: s.regions().to_vec(),
        })
        .unwrap_or_default();
    Ok(Some(ReportPlan {
        arn: p.report_plan_arn.clone().unwrap_or_default(),
        creation_time: p.creation_time.as_ref().map(rfc3339),
        deployment_status: p.deployment_status.clone(),
        document: ReportPlanDocument {
            name: p
                .report_plan_name
                .clone()
                .unwrap_or_else(|| name.to_string()),
            description: p.report_plan_description.clone(),
            delivery_channel,
            setting,
        },
    }))
}

/// Sends the description (when set), the channel and the setting whole.
pub(super) async fn update(api: &SdkBackup, d: &ReportPlanDocument) -> Result<(), AwsError> {
    const OPERATION: &str = "UpdateReportPlan";
    let ch = channel(OPERATION, &d.delivery_channel)?;
    let s = setting(OPERATION, &d.setting)?;
    api.send(OPERATION, || {
        api.client
            .update_report_plan()
            .report_plan_name(&d.name)
            .set_report_plan_description(d.description.clone())
            .report_delivery_channel(ch.clone())
            .report_setting(s.clone())
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn delete(api: &SdkBackup, name: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteReportPlan", || {
            api.client
                .delete_report_plan()
                .report_plan_name(name)
                .send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}
