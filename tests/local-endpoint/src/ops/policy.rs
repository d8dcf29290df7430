//! Vault access policies. A policy is a field of the vault itself, not state of its own:
//! DeleteBackupVault drops it, and a new vault of the same name has none.
//!
//! Like AWS, Get does not answer the text that was put: it answers the same document
//! reformatted (keys sorted, indented), so callers must compare policies by meaning.

use serde::Deserialize;
use serde_json::{json, Value};

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
    let parsed = match serde_json::from_str::<Value>(&policy) {
        Ok(p) if p.is_object() => p,
        _ => {
            return Err(ApiError::invalid_param(
                "Policy must be a JSON policy document",
            ))
        }
    };
    if let Some(action) = wildcard_action(&parsed) {
        return Err(ApiError::invalid_param(format!(
            "Invalid policy: wildcards are not supported in Action ({action})"
        )));
    }
    v.access_policy = Some(reformatted(&parsed));
    Ok(None)
}

/// The first action of a statement's `Action` or `NotAction` that holds a wildcard: a vault
/// access policy names each action.
fn wildcard_action(policy: &Value) -> Option<String> {
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.iter().collect(),
        one => vec![one],
    };
    statements
        .into_iter()
        .flat_map(|s| [&s["Action"], &s["NotAction"]])
        .flat_map(|a| match a {
            Value::Array(list) => list.iter().collect(),
            one => vec![one],
        })
        .filter_map(Value::as_str)
        .find(|a| a.contains('*'))
        .map(str::to_string)
}

/// The document as Get answers it: every object's keys sorted, indented.
fn reformatted(policy: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
            }
            Value::Array(list) => Value::Array(list.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&sorted(policy)).unwrap_or_default()
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
