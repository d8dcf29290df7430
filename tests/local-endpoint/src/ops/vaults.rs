//! Vaults and vault locks.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{op, Operation, paginate, put_opt, Output, Request};
use crate::clock::DAY;
use crate::error::{ApiError, ApiResult};
use crate::state::{RegionState, Tags, Vault, VaultLock};
use crate::validate::{self, MAX_RETENTION_DAYS};

/// Vaults and their locks.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/backup-vaults/", "ListBackupVaults", list),
    op("PUT", "/backup-vaults/{}", "CreateBackupVault", create),
    op("GET", "/backup-vaults/{}", "DescribeBackupVault", describe),
    op("DELETE", "/backup-vaults/{}", "DeleteBackupVault", delete),
    op(
        "PUT",
        "/backup-vaults/{}/vault-lock",
        "PutBackupVaultLockConfiguration",
        put_lock,
    ),
    op(
        "DELETE",
        "/backup-vaults/{}/vault-lock",
        "DeleteBackupVaultLockConfiguration",
        delete_lock,
    ),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    backup_vault_tags: Option<Tags>,
    encryption_key_arn: Option<String>,
    creator_request_id: Option<String>,
}

fn create(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let name = req.label(0);
    validate::vault_name(name)?;
    let input: CreateInput = req.input()?;
    if let Some(id) = &input.creator_request_id {
        validate::creator_request_id(id)?;
    }
    if let Some(key) = &input.encryption_key_arn {
        validate::kms_key_arn(key)?;
    }
    let tags = input.backup_vault_tags.unwrap_or_default();
    validate::tags(&tags)?;

    if let Some(v) = rs.vault(name) {
        // A retry of the same request (same CreatorRequestId) is answered again.
        if input.creator_request_id.is_some() && v.creator_request_id == input.creator_request_id {
            return Ok(Some(create_output(v)));
        }
        let mut e = ApiError::already_exists(format!("Backup vault {name} already exists"))
            .with_extra("Arn", v.arn.clone());
        if let Some(id) = &v.creator_request_id {
            e = e.with_extra("CreatorRequestId", id.clone());
        }
        return Err(e);
    }
    let vault = Vault {
        name: name.to_string(),
        arn: rs.arn(&format!("backup-vault:{name}")),
        creation: req.now,
        creator_request_id: input.creator_request_id,
        customer_key: input.encryption_key_arn.is_some(),
        encryption_key_arn: input
            .encryption_key_arn
            .unwrap_or_else(|| rs.default_key_arn.clone()),
        tags,
        lock: None,
        access_policy: None,
        notifications: None,
        recovery_points: Vec::new(),
        delete_lag_left: 0,
    };
    let out = create_output(&vault);
    rs.vaults.push(vault);
    Ok(Some(out))
}

fn create_output(v: &Vault) -> Value {
    json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "CreationDate": v.creation,
    })
}

/// The members shared by DescribeBackupVault and ListBackupVaults.
fn vault_json(v: &Vault) -> Value {
    let mut out = json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "VaultType": "BACKUP_VAULT",
        "VaultState": "AVAILABLE",
        "EncryptionKeyArn": v.encryption_key_arn,
        "CreationDate": v.creation,
    });
    put_opt(&mut out, "CreatorRequestId", v.creator_request_id.clone());
    put_opt(
        &mut out,
        "NumberOfRecoveryPoints",
        Some(v.recovery_points.len()),
    );
    put_opt(&mut out, "Locked", Some(v.lock.is_some()));
    if let Some(lock) = &v.lock {
        put_opt(&mut out, "MinRetentionDays", lock.min_retention_days);
        put_opt(&mut out, "MaxRetentionDays", lock.max_retention_days);
        put_opt(&mut out, "LockDate", lock.lock_date);
    }
    if v.customer_key {
        put_opt(
            &mut out,
            "EncryptionKeyType",
            Some("CUSTOMER_MANAGED_KMS_KEY"),
        );
    }
    out
}

fn describe(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    req.check_vault_account(&rs.account)?;
    // AWS answers AccessDenied (403), not ResourceNotFound, for a missing vault.
    let v = rs.vault(req.label(0)).ok_or_else(ApiError::access_denied)?;
    Ok(Some(vault_json(v)))
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let by_type = req.query("vaultType");
    if let Some(t) = by_type {
        if !matches!(
            t,
            "BACKUP_VAULT" | "LOGICALLY_AIR_GAPPED_BACKUP_VAULT" | "RESTORE_ACCESS_BACKUP_VAULT"
        ) {
            return Err(ApiError::invalid_param(format!("Invalid vault type {t:?}")));
        }
    }
    let shared = req.query_bool("shared")?.unwrap_or(false);
    // Every vault here is an unshared BACKUP_VAULT.
    let visible = !shared && by_type.is_none_or(|t| t == "BACKUP_VAULT");
    let items: Vec<Value> = if visible {
        rs.vaults.iter().map(vault_json).collect()
    } else {
        Vec::new()
    };
    let (page, next) = paginate(items, req)?;
    let mut out = json!({ "BackupVaultList": page });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}

fn delete(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let name = req.label(0);
    let v = rs
        .vault_mut(name)
        .ok_or_else(|| ApiError::not_found(format!("Backup vault {name} does not exist")))?;
    // AWS goes on counting recovery points for a while after they are deleted.
    let lagging = v.recovery_points.is_empty() && v.delete_lag_left > 0;
    if lagging {
        v.delete_lag_left -= 1;
    }
    if !v.recovery_points.is_empty() || lagging {
        return Err(ApiError::invalid_request(
            "Backup vault cannot be deleted because it contains recovery points.",
        )
        .with_code("ERROR_9101"));
    }
    if v.lock.is_some_and(|l| l.is_immutable(req.now)) {
        return Err(ApiError::invalid_request(format!(
            "Backup vault {name} cannot be deleted: its compliance-mode Vault Lock is past its lock date"
        )));
    }
    rs.vaults.retain(|v| v.name != name);
    Ok(None)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LockInput {
    min_retention_days: Option<i64>,
    max_retention_days: Option<i64>,
    changeable_for_days: Option<i64>,
}

/// Finds the vault for a lock/policy/notification call (pattern-checked name).
pub fn named_vault_mut<'a>(rs: &'a mut RegionState, req: &Request) -> ApiResult<&'a mut Vault> {
    let name = req.label(0);
    validate::vault_name(name)?;
    rs.vault_mut(name)
        .ok_or_else(|| ApiError::not_found(format!("Backup vault {name} does not exist")))
}

fn check_lock_mutable(v: &Vault, now: f64) -> ApiResult<()> {
    if v.lock.is_some_and(|l| l.is_immutable(now)) {
        return Err(ApiError::invalid_request(format!(
            "The Vault Lock of backup vault {} is past its lock date and cannot be changed or deleted",
            v.name
        )));
    }
    Ok(())
}

fn put_lock(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: LockInput = req.input()?;
    let v = named_vault_mut(rs, req)?;
    check_lock_mutable(v, req.now)?;
    if let Some(d) = input.changeable_for_days {
        if !(3..=MAX_RETENTION_DAYS).contains(&d) {
            return Err(ApiError::invalid_param(format!(
                "ChangeableForDays must be at least 3 and at most {MAX_RETENTION_DAYS} days"
            )));
        }
    }
    if let Some(min) = input.min_retention_days {
        if !(1..=MAX_RETENTION_DAYS).contains(&min) {
            return Err(ApiError::invalid_param(format!(
                "MinRetentionDays must be at least 1 and at most {MAX_RETENTION_DAYS} days"
            )));
        }
    }
    if let Some(max) = input.max_retention_days {
        if !(1..=MAX_RETENTION_DAYS).contains(&max) {
            return Err(ApiError::invalid_param(format!(
                "MaxRetentionDays must be at least 1 and at most {MAX_RETENTION_DAYS} days"
            )));
        }
    }
    if let (Some(min), Some(max)) = (input.min_retention_days, input.max_retention_days) {
        if min > max {
            return Err(ApiError::invalid_param(
                "MinRetentionDays must not be greater than MaxRetentionDays",
            ));
        }
    }
    // ChangeableForDays present => compliance mode, immutable from LockDate on.
    v.lock = Some(VaultLock {
        min_retention_days: input.min_retention_days,
        max_retention_days: input.max_retention_days,
        lock_date: input.changeable_for_days.map(|d| req.now + d as f64 * DAY),
    });
    Ok(None)
}

fn delete_lock(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let v = named_vault_mut(rs, req)?;
    check_lock_mutable(v, req.now)?;
    v.lock = None;
    Ok(None)
}
