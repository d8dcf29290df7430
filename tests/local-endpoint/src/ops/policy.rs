//! Vault access policies. A policy is a field of the vault itself, not state of its own:
//! DeleteBackupVault drops it, and a new vault of the same name has none.

use serde::Deserialize;
use serde_json::json;

use super::vaults::named_vault_mut;
use super::{op, Operation, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::RegionState;
use crate::validate;

/// A vault's access policy.
pub const OPERATIONS: &[Operation] = &[
    op(
        "PUT",
        "/backup-vaults/{}/access-policy",
        "PutBackupVaultAccessPolicy",
        put_access_policy,
    ),
    op(
        "GET",
        "/backup-vaults/{}/access-policy",
        "GetBackupVaultAccessPolicy",
        get_access_policy,
    ),
    op(
        "DELETE",
        "/backup-vaults/{}/access-policy",
        "DeleteBackupVaultAccessPolicy",
        delete_access_policy,
    ),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyInput {
    policy: Option<String>,
}

fn put_access_policy(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: PolicyInput = req.input()?;
    let v = named_vault_mut(rs, req)?;
    let policy = input
        .policy
        .ok_or_else(|| ApiError::missing_param("Policy"))?;
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(&policy);
    if !parsed.is_ok_and(|p| p.is_object()) {
        return Err(ApiError::invalid_param(
            "Policy must be a JSON policy document",
        ));
    }
    v.access_policy = Some(policy);
    Ok(None)
}

fn get_access_policy(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let name = req.label(0);
    validate::vault_name(name)?;
    // Like DescribeBackupVault, a missing vault is answered with AccessDenied.
    let v = rs.vault(name).ok_or_else(ApiError::access_denied)?;
    let policy = v
        .access_policy
        .as_ref()
        .ok_or_else(|| ApiError::not_found(format!("Backup vault {name} has no access policy")))?;
    Ok(Some(json!({
        "BackupVaultName": v.name,
        "BackupVaultArn": v.arn,
        "Policy": policy,
    })))
}

fn delete_access_policy(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    named_vault_mut(rs, req)?.access_policy = None;
    Ok(None)
}
