//! AWS Backup operations, one file per resource kind. Each handler takes the per-region state and
//! the decoded request and returns the JSON output (`None`: empty 200 body).
//!
//! A kind's file declares everything about it:
//!
//! - `pub const OPERATIONS: &[Operation]`: its operations' method, model URI, name and handler,
//!   built with [`op`];
//! - its handlers (private; only the table names them);
//! - its own state, if no other kind reads it: a private `#[derive(Default)]` type reached with
//!   `rs.ext::<MyState>()` (see [`crate::state::Extensions`]). State that several kinds share
//!   (vaults, plans) is a named field of [`RegionState`].
//!
//! Adding a kind is that file plus its line in `kinds!` below, which declares the module and
//! adds its `OPERATIONS` to [`all`].

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::clock::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::faults::Variations;
use crate::state::RegionState;

/// Declares each kind's module and gathers the kinds' operation lists, in this order.
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        $(mod $kind;)*

        /// The kinds' operation lists, in registration order.
        const KINDS: &[&[Operation]] = &[$($kind::OPERATIONS),*];
    };
}

kinds! {
    vaults,
    policy,
    notifications,
    recovery,
    jobs,
    plans,
    selections,
    tags,
    settings,
    restore_testing,
    frameworks,
    report_plans,
}

/// A routed request, labels decoded, body parsed.
pub struct Request {
    pub labels: Vec<String>,
    pub query: HashMap<String, String>,
    pub body: Value,
    pub now: Timestamp,
    /// How the test asked the answers to vary (`/_local/faults`).
    pub variations: Variations,
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

/// A handler: the region's state and the request in, the JSON output out.
pub type Handler = fn(&mut RegionState, &Request) -> ApiResult<Output>;

/// One operation the endpoint serves: the HTTP method and URI of AWS's service model (`{}`
/// matches one non-empty segment; a trailing `/` as the model writes it), its name and handler.
/// Written `op(method, uri, name, handler)` in a kind's `OPERATIONS`, with `.status(201)` for an
/// operation whose model `responseCode` is not 200.
pub struct Operation {
    pub method: &'static str,
    pub uri: &'static str,
    pub name: &'static str,
    pub handler: Handler,
    /// The status code of a success (the model's `responseCode`).
    pub status: u16,
}

impl Operation {
    /// The operation answering `status` on success instead of 200.
    pub const fn status(mut self, status: u16) -> Operation {
        self.status = status;
        self
    }
}

const fn op(
    method: &'static str,
    uri: &'static str,
    name: &'static str,
    handler: Handler,
) -> Operation {
    Operation {
        method,
        uri,
        name,
        handler,
        status: 200,
    }
}

/// Every operation the endpoint serves: each kind's `OPERATIONS`, in the order the kinds are
/// registered. No method and path reaches two operations (see the router's tests), so the order
/// does not change what a request is routed to.
pub fn all() -> impl Iterator<Item = &'static Operation> {
    KINDS.iter().flat_map(|ops| ops.iter())
}

/// One page of `items` per the `maxResults` (1..=1000) and `nextToken` query
/// parameters. Tokens are opaque offsets.
pub fn paginate<T>(items: Vec<T>, req: &Request) -> ApiResult<(Vec<T>, Option<String>)> {
    paginate_with(items, req, "maxResults", "nextToken")
}

/// [`paginate`] with the query keys the operation's model names (restore-testing lists use
/// `MaxResults` and `NextToken`).
pub fn paginate_with<T>(
    items: Vec<T>,
    req: &Request,
    max_key: &str,
    token_key: &str,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let max = match req.query(max_key) {
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
    let start = match req.query(token_key) {
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
