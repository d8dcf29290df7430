//! The recovery point operations. Recovery points are made by StartBackupJob (`jobs.rs`) and
//! kept in their vault.

use serde_json::{json, Value};

use super::{op, paginate, put_opt, Operation, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{RecoveryPoint, RegionState, Vault};

/// The recovery points of a vault.
pub const OPERATIONS: &[Operation] = &[
    op(
        "GET",
        "/backup-vaults/{}/recovery-points/",
        "ListRecoveryPointsByBackupVault",
        list,
    ),
    op(
        "GET",
        "/backup-vaults/{}/recovery-points/{}",
        "DescribeRecoveryPoint",
        describe,
    ),
    op(
        "DELETE",
        "/backup-vaults/{}/recovery-points/{}",
        "DeleteRecoveryPoint",
        delete,
    ),
];

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
    put_opt(&mut out, "EncryptionKeyArn", v.encryption_key_arn.clone());
    put_opt(&mut out, "IsEncrypted", Some(true));
    put_opt(&mut out, "IsParent", Some(false));
    put_opt(&mut out, "VaultType", Some(v.vault_type()));
    out
}

fn vault_for_points<'a>(rs: &'a mut RegionState, req: &Request) -> ApiResult<&'a mut Vault> {
    req.check_vault_account(&rs.account)?;
    super::vaults::named_vault_mut(rs, req)
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
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

fn describe(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
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

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let arn = req.label(1);
    let v = super::vaults::named_vault_mut(rs, req)?;
    let rp = v
        .recovery_points
        .iter()
        .find(|rp| rp.arn == arn)
        .ok_or_else(|| point_not_found(arn))?;
    // A locked vault (either mode, even within the grace time, and every logically air-gapped
    // vault) refuses deletes until the point's retention has passed.
    if v.is_locked() && rp.delete_at().is_none_or(|t| req.now < t) {
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
