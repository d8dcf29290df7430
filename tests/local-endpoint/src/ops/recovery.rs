//! StartBackupJob (records a COMPLETED recovery point at once) and the
//! recovery point operations.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::plans::check_lifecycle_value;
use super::{paginate, put_opt, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{RecoveryPoint, RegionState, Tags, Vault};
use crate::validate::{self, Arn};

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

pub fn start_backup_job(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
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
        if let Some(previous) = rs.jobs_by_token.get(token) {
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
        rs.jobs_by_token.insert(token, out.clone());
    }
    Ok(Some(out))
}

/// Members shared by ListRecoveryPointsByBackupVault and DescribeRecoveryPoint.
fn point_json(v: &Vault, rp: &RecoveryPoint) -> Value {
    let mut out = json!({
        "RecoveryPointArn": rp.arn,
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "ResourceArn": rp.resource_arn,
        "ResourceType": rp.resource_type,
        "IamRoleArn": rp.iam_role_arn,
        "Status": "COMPLETED",
        "CreationDate": rp.creation,
        "InitiationDate": rp.creation,
        "CompletionDate": rp.creation,
        "BackupSizeInBytes": 0,
    });
    if rp.lifecycle.is_some() {
        let mut calc = json!({});
        put_opt(&mut calc, "MoveToColdStorageAt", rp.cold_at());
        put_opt(&mut calc, "DeleteAt", rp.delete_at());
        put_opt(&mut out, "CalculatedLifecycle", Some(calc));
    }
    put_opt(&mut out, "Lifecycle", rp.lifecycle.clone());
    put_opt(
        &mut out,
        "EncryptionKeyArn",
        Some(v.encryption_key_arn.clone()),
    );
    put_opt(&mut out, "IsEncrypted", Some(true));
    put_opt(&mut out, "IsParent", Some(false));
    put_opt(&mut out, "VaultType", Some("BACKUP_VAULT"));
    out
}

fn vault_for_points<'a>(rs: &'a mut RegionState, req: &Request) -> ApiResult<&'a mut Vault> {
    req.check_vault_account(&rs.account)?;
    super::vaults::named_vault_mut(rs, req)
}

pub fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let parse_time = |key: &str| -> ApiResult<Option<f64>> {
        req.query(key)
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|d| d.timestamp_millis() as f64 / 1000.0)
                    .or_else(|_| t.parse::<f64>())
                    .map_err(|_| {
                        ApiError::invalid_param(format!("Invalid timestamp {t:?} for {key}"))
                    })
            })
            .transpose()
    };
    let before = parse_time("createdBefore")?;
    let after = parse_time("createdAfter")?;
    let by_arn = req.query("resourceArn").map(str::to_string);
    let by_type = req.query("resourceType").map(str::to_string);
    // Points made by StartBackupJob have neither a plan nor a parent.
    let none_match =
        req.query("backupPlanId").is_some() || req.query("parentRecoveryPointArn").is_some();
    let v = vault_for_points(rs, req)?;
    let items: Vec<Value> = v
        .recovery_points
        .iter()
        .filter(|_| !none_match)
        .filter(|rp| by_arn.as_ref().is_none_or(|a| *a == rp.resource_arn))
        .filter(|rp| by_type.as_ref().is_none_or(|t| *t == rp.resource_type))
        .filter(|rp| before.is_none_or(|b| rp.creation < b))
        .filter(|rp| after.is_none_or(|a| rp.creation > a))
        .map(|rp| point_json(v, rp))
        .collect();
    let (page, next) = paginate(items, req)?;
    let mut out = json!({ "RecoveryPoints": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}

fn point_not_found(arn: &str) -> ApiError {
    ApiError::not_found(format!(
        "Recovery point {arn} does not exist in this backup vault"
    ))
}

pub fn describe(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let arn = req.label(1);
    let v = vault_for_points(rs, req)?;
    let rp = v
        .recovery_points
        .iter()
        .find(|rp| rp.arn == arn)
        .ok_or_else(|| point_not_found(arn))?;
    let mut out = point_json(v, rp);
    let cold = rp.cold_at().is_some_and(|t| req.now >= t);
    put_opt(
        &mut out,
        "StorageClass",
        Some(if cold { "COLD" } else { "WARM" }),
    );
    Ok(Some(out))
}

pub fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let arn = req.label(1);
    let v = super::vaults::named_vault_mut(rs, req)?;
    let rp = v
        .recovery_points
        .iter()
        .find(|rp| rp.arn == arn)
        .ok_or_else(|| point_not_found(arn))?;
    // A locked vault (either mode, even within the grace time) refuses deletes
    // until the point's retention has passed.
    if v.lock.is_some() && rp.delete_at().is_none_or(|t| req.now < t) {
        return Err(ApiError::invalid_request(format!(
            "Recovery point {arn} cannot be deleted: backup vault {} is locked and the recovery point's retention period has not ended",
            v.name
        )));
    }
    v.recovery_points.retain(|rp| rp.arn != arn);
    if v.recovery_points.is_empty() {
        v.delete_lag_left = req.variations.delete_vault_lag_calls;
    }
    Ok(None)
}
