//! AWS Backup operations. Each handler takes the per-region state and the
//! decoded request and returns the JSON output (`None`: empty 200 body).

mod plans;
mod policy;
mod recovery;
mod selections;
mod tags;
mod vaults;

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::clock::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::state::RegionState;

/// A routed request, labels decoded, body parsed.
pub struct Request {
    pub operation: &'static str,
    pub labels: Vec<String>,
    pub query: HashMap<String, String>,
    pub body: Value,
    pub now: Timestamp,
}

impl Request {
    /// Deserialises the JSON body into an input structure.
    pub fn input<T: DeserializeOwned>(&self) -> ApiResult<T> {
        serde_json::from_value(self.body.clone())
            .map_err(|e| ApiError::serialization(format!("Could not read the request body: {e}")))
    }

    pub fn label(&self, i: usize) -> &str {
        self.labels.get(i).map(String::as_str).unwrap_or_default()
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    pub fn query_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.query(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_param(format!(
                "Invalid boolean {v:?} for {key}"
            ))),
        }
    }

    /// `backupVaultAccountId`: must be 12 digits; another account's vaults are
    /// not visible to the caller.
    pub fn check_vault_account(&self, account: &str) -> ApiResult<()> {
        match self.query("backupVaultAccountId") {
            None => Ok(()),
            Some(a) if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) => Err(
                ApiError::invalid_param(format!("Invalid BackupVaultAccountId {a:?}")),
            ),
            Some(a) if a != account => Err(ApiError::access_denied()),
            Some(_) => Ok(()),
        }
    }
}

pub type Output = Option<Value>;

pub fn dispatch(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    match req.operation {
        "CreateBackupVault" => vaults::create(rs, req),
        "DescribeBackupVault" => vaults::describe(rs, req),
        "DeleteBackupVault" => vaults::delete(rs, req),
        "ListBackupVaults" => vaults::list(rs, req),
        "PutBackupVaultLockConfiguration" => vaults::put_lock(rs, req),
        "DeleteBackupVaultLockConfiguration" => vaults::delete_lock(rs, req),
        "PutBackupVaultAccessPolicy" => policy::put_access_policy(rs, req),
        "GetBackupVaultAccessPolicy" => policy::get_access_policy(rs, req),
        "DeleteBackupVaultAccessPolicy" => policy::delete_access_policy(rs, req),
        "PutBackupVaultNotifications" => policy::put_notifications(rs, req),
        "GetBackupVaultNotifications" => policy::get_notifications(rs, req),
        "DeleteBackupVaultNotifications" => policy::delete_notifications(rs, req),
        "CreateBackupPlan" => plans::create(rs, req),
        "GetBackupPlan" => plans::get(rs, req),
        "UpdateBackupPlan" => plans::update(rs, req),
        "DeleteBackupPlan" => plans::delete(rs, req),
        "ListBackupPlans" => plans::list(rs, req),
        "ListBackupPlanVersions" => plans::list_versions(rs, req),
        "CreateBackupSelection" => selections::create(rs, req),
        "GetBackupSelection" => selections::get(rs, req),
        "DeleteBackupSelection" => selections::delete(rs, req),
        "ListBackupSelections" => selections::list(rs, req),
        "TagResource" => tags::tag(rs, req),
        "UntagResource" => tags::untag(rs, req),
        "ListTags" => tags::list(rs, req),
        "StartBackupJob" => recovery::start_backup_job(rs, req),
        "ListRecoveryPointsByBackupVault" => recovery::list(rs, req),
        "DescribeRecoveryPoint" => recovery::describe(rs, req),
        "DeleteRecoveryPoint" => recovery::delete(rs, req),
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{other} is not served"),
        )),
    }
}

/// One page of `items` per the `maxResults` (1..=1000) and `nextToken` query
/// parameters. Tokens are opaque offsets.
pub fn paginate<T>(items: Vec<T>, req: &Request) -> ApiResult<(Vec<T>, Option<String>)> {
    let max = match req.query("maxResults") {
        None => 1000,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid_param(format!(
                    "MaxResults must be between 1 and 1000, got {v:?}"
                )))
            }
        },
    };
    let start = match req.query("nextToken") {
        None => 0,
        Some(t) => decode_token(t)
            .filter(|n| *n <= items.len())
            .ok_or_else(|| ApiError::invalid_param(format!("Invalid NextToken {t:?}")))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| encode_token(end));
    let page = items.into_iter().skip(start).take(end - start).collect();
    Ok((page, next))
}

fn encode_token(offset: usize) -> String {
    format!("lep1.{offset:x}")
}

fn decode_token(token: &str) -> Option<usize> {
    usize::from_str_radix(token.strip_prefix("lep1.")?, 16).ok()
}

/// Inserts `key: value` into a JSON object when `value` is `Some`.
pub fn put_opt(obj: &mut Value, key: &str, value: Option<impl Into<Value>>) {
    if let (Some(v), Some(map)) = (value, obj.as_object_mut()) {
        map.insert(key.to_string(), v.into());
    }
}

/// A random plan VersionId: base64 of a UUID string, 48 characters like AWS's.
pub fn new_version_id() -> String {
    base64(uuid::Uuid::new_v4().to_string().as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_are_48_chars() {
        assert_eq!(new_version_id().len(), 48);
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
