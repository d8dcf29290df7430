//! Vaults and vault locks: standard backup vaults and logically air-gapped ones, which share
//! the region's vault names and are read, tagged and deleted by the same operations.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{op, Operation, paginate, put_opt, Output, Request};
use crate::clock::DAY;
use crate::error::{ApiError, ApiResult};
use crate::state::{AirGap, RegionState, Tags, Vault, VaultLock};
use crate::validate::{self, MAX_RETENTION_DAYS};

/// Vaults and their locks.
pub const OPERATIONS: &[Operation] = &[
    op("GET", "/backup-vaults/", "ListBackupVaults", list),
    op("PUT", "/backup-vaults/{}", "CreateBackupVault", create),
    op("GET", "/backup-vaults/{}", "DescribeBackupVault", describe),
    op("DELETE", "/backup-vaults/{}", "DeleteBackupVault", delete),
    op(
        "PUT",
        "/logically-air-gapped-backup-vaults/{}",
        "CreateLogicallyAirGappedBackupVault",
        create_air_gapped,
    ),
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
        let replay = v.air_gap.is_none()
            && input.creator_request_id.is_some()
            && v.creator_request_id == input.creator_request_id;
        if replay {
            return Ok(Some(create_output(v)));
        }
        return Err(already_exists(v));
    }
    let vault = Vault {
        name: name.to_string(),
        arn: rs.arn(&format!("backup-vault:{name}")),
        creation: req.now,
        creator_request_id: input.creator_request_id,
        customer_key: input.encryption_key_arn.is_some(),
        encryption_key_arn: Some(
            input
                .encryption_key_arn
                .unwrap_or_else(|| rs.default_key_arn.clone()),
        ),
        tags,
        lock: None,
        access_policy: None,
        notifications: None,
        recovery_points: Vec::new(),
        delete_lag_left: 0,
        air_gap: None,
    };
    let out = create_output(&vault);
    rs.vaults.push(vault);
    Ok(Some(out))
}

/// A create of a name any vault of the region, standard or logically air-gapped, already has.
fn already_exists(v: &Vault) -> ApiError {
    let mut e = ApiError::already_exists(format!("Backup vault {} already exists", v.name))
        .with_extra("Arn", v.arn.clone());
    if let Some(id) = &v.creator_request_id {
        e = e.with_extra("CreatorRequestId", id.clone());
    }
    e
}

fn create_output(v: &Vault) -> Value {
    let mut out = json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "CreationDate": v.creation,
    });
    // AWS answers the create of a logically air-gapped vault before the vault is ready.
    if v.air_gap.is_some() {
        put_opt(&mut out, "VaultState", Some("CREATING"));
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AirGappedInput {
    backup_vault_tags: Option<Tags>,
    creator_request_id: Option<String>,
    min_retention_days: Option<i64>,
    max_retention_days: Option<i64>,
    encryption_key_arn: Option<String>,
}

/// The shortest retention a logically air-gapped vault takes (`MinRetentionDays`).
const AIR_GAPPED_MIN_RETENTION_DAYS: i64 = 7;

fn create_air_gapped(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let name = req.label(0);
    validate::vault_name(name)?;
    let input: AirGappedInput = req.input()?;
    let min = input
        .min_retention_days
        .ok_or_else(|| ApiError::missing_param("MinRetentionDays"))?;
    let max = input
        .max_retention_days
        .ok_or_else(|| ApiError::missing_param("MaxRetentionDays"))?;
    if let Some(id) = &input.creator_request_id {
        validate::creator_request_id(id)?;
    }
    if let Some(key) = &input.encryption_key_arn {
        validate::kms_key_arn(key)?;
    }
    let tags = input.backup_vault_tags.unwrap_or_default();
    validate::tags(&tags)?;
    let range = AIR_GAPPED_MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS;
    for (member, days) in [("MinRetentionDays", min), ("MaxRetentionDays", max)] {
        if !range.contains(&days) {
            return Err(ApiError::invalid_param(format!(
                "{member} must be at least {AIR_GAPPED_MIN_RETENTION_DAYS} and at most {MAX_RETENTION_DAYS} days for a logically air-gapped vault, got {days}"
            )));
        }
    }
    if min > max {
        return Err(ApiError::invalid_param(format!(
            "MinRetentionDays ({min}) must not be greater than MaxRetentionDays ({max})"
        )));
    }

    if let Some(v) = rs.vault(name) {
        // A retry of the same request (same CreatorRequestId, same members) is answered again.
        let replay = input.creator_request_id.is_some()
            && v.creator_request_id == input.creator_request_id
            && v.air_gap.as_ref().is_some_and(|a| a.request == req.body);
        if replay {
            return Ok(Some(create_output(v)));
        }
        return Err(already_exists(v));
    }
    let vault = Vault {
        name: name.to_string(),
        arn: rs.arn(&format!("backup-vault:{name}")),
        creation: req.now,
        creator_request_id: input.creator_request_id,
        customer_key: input.encryption_key_arn.is_some(),
        // Without a key the vault is encrypted with an AWS-owned key, whose ARN is not the
        // caller's to see.
        encryption_key_arn: input.encryption_key_arn,
        tags,
        lock: None,
        access_policy: None,
        notifications: None,
        recovery_points: Vec::new(),
        delete_lag_left: 0,
        air_gap: Some(AirGap {
            min_retention_days: min,
            max_retention_days: max,
            creating_reads_left: req.variations.lag_vault_creating_calls,
            fails: req.variations.lag_vault_failed,
            request: req.body.clone(),
        }),
    };
    let out = create_output(&vault);
    rs.vaults.push(vault);
    Ok(Some(out))
}

/// The members shared by DescribeBackupVault and ListBackupVaults. A read of a logically
/// air-gapped vault still being created counts towards its `lagVaultCreatingCalls`.
fn vault_json(v: &mut Vault) -> Value {
    let state = v.air_gap.as_mut().map_or("AVAILABLE", AirGap::read_state);
    let mut out = json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "VaultType": v.vault_type(),
        "VaultState": state,
        "CreationDate": v.creation,
    });
    put_opt(&mut out, "EncryptionKeyArn", v.encryption_key_arn.clone());
    put_opt(&mut out, "CreatorRequestId", v.creator_request_id.clone());
    put_opt(
        &mut out,
        "NumberOfRecoveryPoints",
        Some(v.recovery_points.len()),
    );
    put_opt(&mut out, "Locked", Some(v.is_locked()));
    if let Some(lock) = &v.lock {
        put_opt(&mut out, "MinRetentionDays", lock.min_retention_days);
        put_opt(&mut out, "MaxRetentionDays", lock.max_retention_days);
        put_opt(&mut out, "LockDate", lock.lock_date);
    }
    // A logically air-gapped vault is compliance-locked from its creation on.
    if let Some(gap) = &v.air_gap {
        put_opt(&mut out, "MinRetentionDays", Some(gap.min_retention_days));
        put_opt(&mut out, "MaxRetentionDays", Some(gap.max_retention_days));
        put_opt(&mut out, "LockDate", Some(v.creation));
    }
    // The region's aws/backup key of a standard vault is neither AWS-owned nor the caller's.
    let key_type = match (v.customer_key, v.air_gap.is_some()) {
        (true, _) => Some("CUSTOMER_MANAGED_KMS_KEY"),
        (false, true) => Some("AWS_OWNED_KMS_KEY"),
        (false, false) => None,
    };
    put_opt(&mut out, "EncryptionKeyType", key_type);
    out
}

fn describe(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    req.check_vault_account(&rs.account)?;
    // AWS answers AccessDenied (403), not ResourceNotFound, for a missing vault.
    let v = rs
        .vault_mut(req.label(0))
        .ok_or_else(ApiError::access_denied)?;
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
    // No vault here is shared with the caller, and there are no restore access vaults.
    let shared = req.query_bool("shared")?.unwrap_or(false);
    let listed: Vec<usize> = if shared {
        Vec::new()
    } else {
        (0..rs.vaults.len())
            .filter(|&i| by_type.is_none_or(|t| t == rs.vaults[i].vault_type()))
            .collect()
    };
    let (page, next) = paginate(listed, req)?;
    // Only the vaults on the page are read.
    let items: Vec<Value> = page
        .into_iter()
        .map(|i| vault_json(&mut rs.vaults[i]))
        .collect();
    let mut out = json!({ "BackupVaultList": items });
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
    // The project keeps a standard vault under an immutable compliance lock for good (see the
    // README); a logically air-gapped vault is deleted once empty, as AWS documents.
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
    // Its compliance lock is immutable from creation on (LockDate = CreationDate).
    if v.air_gap.is_some() {
        return Err(ApiError::invalid_request(format!(
            "Backup vault {} is a logically air-gapped vault: its compliance-mode Vault Lock is set at creation and cannot be changed or deleted",
            v.name
        )));
    }
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
