//! StartBackupJob: records a COMPLETED recovery point in the vault at once.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::{json, Value};

use super::plans::check_lifecycle_value;
use super::{op, Operation, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{RecoveryPoint, RegionState, Tags};
use crate::validate::{self, Arn};

/// Backup jobs.
pub const OPERATIONS: &[Operation] = &[op(
    "PUT",
    "/backup-jobs",
    "StartBackupJob",
    start_backup_job,
)];

/// The region's backup jobs, kept only to answer a repeated StartBackupJob.
#[derive(Default)]
struct Jobs {
    /// StartBackupJob's answer by `IdempotencyToken`.
    by_token: HashMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StartInput {
    backup_vault_name: Option<String>,
    resource_arn: Option<String>,
    iam_role_arn: Option<String>,
    idempotency_token: Option<String>,
    start_window_minutes: Option<i64>,
    complete_window_minutes: Option<i64>,
    lifecycle: Option<Value>,
    recovery_point_tags: Option<Tags>,
    backup_options: Option<BTreeMap<String, String>>,
    index: Option<String>,
}

/// AWS Backup's resource type names, from the protected resource's ARN.
fn resource_type(arn: &Arn) -> String {
    let r = arn.resource.as_str();
    match arn.service.as_str() {
        "ec2" if r.starts_with("volume/") => "EBS",
        "ec2" => "EC2",
        "rds" if r.starts_with("cluster:") => "Aurora",
        "rds" => "RDS",
        "dynamodb" => "DynamoDB",
        "elasticfilesystem" => "EFS",
        "s3" => "S3",
        "fsx" => "FSx",
        "storagegateway" => "Storage Gateway",
        "redshift" => "Redshift",
        "timestream" => "Timestream",
        "cloudformation" => "CloudFormation",
        "neptune-db" => "Neptune",
        other => return other.to_ascii_uppercase(),
    }
    .to_string()
}

fn start_backup_job(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: StartInput = req.input()?;
    let vault_name = input
        .backup_vault_name
        .ok_or_else(|| ApiError::missing_param("BackupVaultName"))?;
    let resource_arn = input
        .resource_arn
        .ok_or_else(|| ApiError::missing_param("ResourceArn"))?;
    let role = input
        .iam_role_arn
        .ok_or_else(|| ApiError::missing_param("IamRoleArn"))?;
    validate::vault_name(&vault_name)?;
    let parsed = validate::any_arn("ResourceArn", &resource_arn)?;
    validate::iam_role_arn(&role)?;
    if let Some(m) = input.start_window_minutes {
        validate::start_window(m).map_err(ApiError::invalid_param)?;
    }
    if let Some(m) = input.complete_window_minutes {
        validate::completion_window("CompleteWindowMinutes", m).map_err(ApiError::invalid_param)?;
    }
    let days =
        check_lifecycle_value(input.lifecycle.as_ref(), false).map_err(ApiError::invalid_param)?;
    let tags = input.recovery_point_tags.unwrap_or_default();
    validate::tags(&tags)?;
    for (k, v) in input.backup_options.iter().flatten() {
        if k != "WindowsVSS" || !matches!(v.as_str(), "enabled" | "disabled") {
            return Err(ApiError::invalid_param(format!(
                "Invalid backup option {k}={v}"
            )));
        }
    }
    if let Some(index) = &input.index {
        validate::enum_value("Index", index, &["ENABLED", "DISABLED"])
            .map_err(ApiError::invalid_param)?;
    }
    if let Some(token) = &input.idempotency_token {
        if let Some(previous) = rs.ext::<Jobs>().by_token.get(token) {
            return Ok(Some(previous.clone()));
        }
    }
    let rp_arn = rs.arn(&format!("recovery-point:{}", uuid::Uuid::new_v4()));
    let vault = rs
        .vault_mut(&vault_name)
        .ok_or_else(|| ApiError::not_found(format!("Backup vault {vault_name} does not exist")))?;
    let point = RecoveryPoint {
        arn: rp_arn.clone(),
        job_id: uuid::Uuid::new_v4().to_string().to_uppercase(),
        resource_type: resource_type(&parsed),
        resource_arn,
        iam_role_arn: role,
        creation: req.now,
        lifecycle: input.lifecycle,
        days,
        tags,
    };
    let out = json!({
        "BackupJobId": point.job_id,
        "RecoveryPointArn": rp_arn,
        "CreationDate": req.now,
        "IsParent": false,
    });
    vault.recovery_points.push(point);
    if let Some(token) = input.idempotency_token {
        rs.ext::<Jobs>().by_token.insert(token, out.clone());
    }
    Ok(Some(out))
}
