//! STS's `AssumeRole` and `GetCallerIdentity`, served on the same port as AWS Backup with STS's
//! awsQuery protocol: form-encoded parameters in, XML out, errors as `<ErrorResponse>`.
//!
//! AssumeRole hands out temporary credentials and remembers their access key id, so that calls
//! signed with them (to AWS Backup or STS) act as the assumed role, in the role's account.
//! Roles registered with `POST /_local/roles` can require an external id; any other role can be
//! assumed by anyone.

use std::collections::{BTreeMap, HashMap};

use hyper::{HeaderMap, Method};
use serde::Deserialize;

use crate::clock::Timestamp;
use crate::server::DEFAULT_ACCOUNT;

pub const VERSION: &str = "2011-06-15";
pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The session length when AssumeRole has no `DurationSeconds`, and a role's default
/// `MaxSessionDuration`, as with AWS.
const DEFAULT_DURATION: u64 = 3600;

/// Whether a request is for STS rather than AWS Backup: `/` with a form body, an `Action`
/// query parameter, or a SigV4 credential scope for the `sts` service. (AWS Backup has no
/// operation on `/`, and speaks JSON.)
pub fn is_sts_request(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    service: Option<&str>,
) -> bool {
    if path != "/" || !(method == Method::POST || method == Method::GET) {
        return false;
    }
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    form || query.contains_key("Action") || service == Some("sts")
}

/// What a `/_local/roles` call sets up for one role.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleRule {
    /// The external id the role's trust policy checks (`sts:ExternalId`).
    #[serde(default)]
    pub external_id: Option<String>,
    /// The role's MaxSessionDuration, 3600 to 43200 seconds (default 3600).
    #[serde(default)]
    pub max_session_duration: Option<u64>,
}

/// The body of `POST /_local/roles`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolesRequest {
    #[serde(default)]
    pub roles: BTreeMap<String, RoleRule>,
    /// How long the credentials AssumeRole hands out from now on last, whatever the
    /// `DurationSeconds` (for tests of credential refresh).
    #[serde(default)]
    pub expiry_seconds: Option<u64>,
}

impl RolesRequest {
    pub fn check(&self) -> Result<(), String> {
        for (arn, rule) in &self.roles {
            if parse_role_arn(arn).is_none() {
                return Err(format!(
                    "{arn:?} is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)"
                ));
            }
            if let Some(id) = &rule.external_id {
                if let Some(problem) = external_id_problem(id) {
                    return Err(format!("externalId of {arn}: {problem}"));
                }
            }
            if rule
                .max_session_duration
                .is_some_and(|d| !(3600..=43200).contains(&d))
            {
                return Err(format!("maxSessionDuration of {arn} must be 3600 to 43200"));
            }
        }
        if self.expiry_seconds == Some(0) {
            return Err("expirySeconds must be at least 1".into());
        }
        Ok(())
    }
}

/// Temporary credentials AssumeRole handed out.
#[derive(Debug, Clone)]
struct Session {
    account: String,
    role_arn: String,
    role_name: String,
    session_name: String,
    expires: Timestamp,
}

impl Session {
    fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, self.role_name, self.session_name
        )
    }
}

/// The signer of a request, as STS and AWS Backup see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    /// Temporary credentials past their expiration.
    pub expired: bool,
}

/// Roles registered by tests, and the credentials handed out (keyed by access key id).
#[derive(Debug, Default)]
pub struct Sts {
    roles: BTreeMap<String, RoleRule>,
    sessions: HashMap<String, Session>,
    expiry_seconds: Option<u64>,
}

/// An STS error: HTTP status, wire code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct StsError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl StsError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationError", message)
    }

    pub fn expired() -> Self {
        Self::new(
            400,
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    }

    /// `<ErrorResponse>` as STS sends it.
    pub fn xml(&self, request_id: &str) -> String {
        let kind = if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    \
             <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
             <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
            self.code,
            escape(&self.message)
        )
    }
}

impl Sts {
    /// Registers roles (replacing earlier rules for the same ARNs) and the credentials' lifetime.
    pub fn configure(&mut self, req: RolesRequest) {
        self.roles.extend(req.roles);
        if req.expiry_seconds.is_some() {
            self.expiry_seconds = req.expiry_seconds;
        }
    }

    /// Who signed with `access_key`: the assumed role for credentials AssumeRole handed out,
    /// else the account the key names if it is 12 digits, else the default account.
    pub fn identity(&self, access_key: &str, now: Timestamp) -> Identity {
        if let Some(s) = self.sessions.get(access_key) {
            return Identity {
                account: s.account.clone(),
                arn: s.arn(),
                user_id: format!("{}:{}", role_id(&s.role_arn), s.session_name),
                expired: now >= s.expires,
            };
        }
        let account = if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
            access_key
        } else {
            DEFAULT_ACCOUNT
        };
        Identity {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:user/local"),
            user_id: "AIDALOCALUSER0000000".to_string(),
            expired: false,
        }
    }

    /// Answers one STS call: the XML body of a success, or the error.
    pub fn handle(
        &mut self,
        params: &HashMap<String, String>,
        access_key: &str,
        now: Timestamp,
    ) -> Result<String, StsError> {
        let action = params.get("Action").map(String::as_str).unwrap_or_default();
        let version = params.get("Version").map(String::as_str).unwrap_or(VERSION);
        if version != VERSION {
            return Err(StsError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {action} for version {version}"),
            ));
        }
        let caller = self.identity(access_key, now);
        if caller.expired {
            return Err(StsError::expired());
        }
        match action {
            "AssumeRole" => self.assume_role(params, &caller, now),
            "GetCallerIdentity" => Ok(response(
                "GetCallerIdentity",
                &format!(
                    "<Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>",
                    escape(&caller.arn),
                    escape(&caller.user_id),
                    caller.account
                ),
            )),
            "" => Err(StsError::new(
                400,
                "MissingAction",
                "Missing Action parameter",
            )),
            other => Err(StsError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {other} for version {VERSION}"),
            )),
        }
    }

    fn assume_role(
        &mut self,
        params: &HashMap<String, String>,
        caller: &Identity,
        now: Timestamp,
    ) -> Result<String, StsError> {
        let role_arn = params.get("RoleArn");
        let session_name = params.get("RoleSessionName");
        let external_id = params.get("ExternalId");
        let mut problems = Vec::new();
        match role_arn {
            None => problems.push(null_value("roleArn")),
            Some(arn) => check_length(&mut problems, "roleArn", arn, 20, 2048),
        }
        match session_name {
            None => problems.push(null_value("roleSessionName")),
            Some(name) => {
                check_length(&mut problems, "roleSessionName", name, 2, 64);
                if !name.chars().all(|c| is_word(c) || "+=,.@-".contains(c)) {
                    problems.push(pattern("roleSessionName", name, r"[\w+=,.@-]*"));
                }
            }
        }
        let duration = match params.get("DurationSeconds") {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(d) if d < 900 => {
                    problems.push(format!(
                        "Value '{d}' at 'durationSeconds' failed to satisfy constraint: \
                         Member must have value greater than or equal to 900"
                    ));
                    None
                }
                Ok(d) if d > 43200 => {
                    problems.push(format!(
                        "Value '{d}' at 'durationSeconds' failed to satisfy constraint: \
                         Member must have value less than or equal to 43200"
                    ));
                    None
                }
                Ok(d) => Some(d as u64),
                Err(_) => {
                    return Err(StsError::validation(format!(
                        "Value '{text}' for parameter DurationSeconds is invalid: not an integer"
                    )))
                }
            },
        };
        if let Some(id) = external_id {
            check_length(&mut problems, "externalId", id, 2, 1224);
            if !id.chars().all(is_external_id_char) {
                problems.push(pattern("externalId", id, r"[\w+=,.@:\/-]*"));
            }
        }
        if !problems.is_empty() {
            let n = problems.len();
            let noun = if n == 1 { "error" } else { "errors" };
            return Err(StsError::validation(format!(
                "{n} validation {noun} detected: {}",
                problems.join("; ")
            )));
        }
        let (role_arn, session_name) = (
            role_arn.cloned().unwrap_or_default(),
            session_name.cloned().unwrap_or_default(),
        );
        let Some((account, role_name)) = parse_role_arn(&role_arn) else {
            return Err(StsError::validation("Request ARN is invalid"));
        };
        let rule = self.roles.get(&role_arn).cloned().unwrap_or_default();
        if let Some(expected) = &rule.external_id {
            if external_id != Some(expected) {
                return Err(StsError::new(
                    403,
                    "AccessDenied",
                    format!(
                        "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                        caller.arn
                    ),
                ));
            }
        }
        let max = rule.max_session_duration.unwrap_or(DEFAULT_DURATION);
        let duration = duration.unwrap_or(DEFAULT_DURATION);
        if duration > max {
            return Err(StsError::validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let lifetime = self.expiry_seconds.unwrap_or(duration);
        let expires = now + lifetime as f64;
        let key = new_access_key();
        let secret = uuid::Uuid::new_v4().simple().to_string() + "LOCALsecret";
        let token = format!(
            "LocalSessionToken/{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let session = Session {
            account: account.to_string(),
            role_arn: role_arn.clone(),
            role_name: role_name.to_string(),
            session_name: session_name.clone(),
            expires,
        };
        let body = format!(
            "<Credentials>\n      <AccessKeyId>{key}</AccessKeyId>\n      \
             <SecretAccessKey>{secret}</SecretAccessKey>\n      \
             <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    \
             </Credentials>\n    <AssumedRoleUser>\n      \
             <AssumedRoleId>{}:{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    \
             </AssumedRoleUser>",
            escape(&token),
            rfc3339(expires),
            role_id(&role_arn),
            escape(&session_name),
            escape(&session.arn()),
        );
        self.sessions.insert(key, session);
        Ok(response("AssumeRole", &body))
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/><name>` → (account, name).
pub fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let partition_ok = ["aws", "aws-cn", "aws-us-gov"].contains(&partition);
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if prefix != "arn" || !partition_ok || service != "iam" || !region.is_empty() || !account_ok {
        return None;
    }
    let path_and_name = resource.strip_prefix("role/")?;
    let (path, name) = path_and_name
        .rsplit_once('/')
        .unwrap_or(("", path_and_name));
    let name_ok =
        (1..=64).contains(&name.len()) && name.chars().all(|c| is_word(c) || "+=,.@-".contains(c));
    let path_ok = path.split('/').all(|seg| {
        path.is_empty() || (!seg.is_empty() && seg.chars().all(|c| ('!'..='~').contains(&c)))
    });
    (name_ok && path_ok).then_some((account, name))
}

/// Why `id` is no external id STS accepts, if it is not.
fn external_id_problem(id: &str) -> Option<String> {
    let n = id.chars().count();
    if !(2..=1224).contains(&n) {
        return Some("must have 2 to 1224 characters".into());
    }
    (!id.chars().all(is_external_id_char)).then(|| r"must match [\w+=,.@:\/-]*".to_string())
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_external_id_char(c: char) -> bool {
    is_word(c) || "+=,.@:/-".contains(c)
}

fn null_value(member: &str) -> String {
    format!("Value null at '{member}' failed to satisfy constraint: Member must not be null")
}

fn check_length(problems: &mut Vec<String>, member: &str, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min {
        problems.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: \
             Member must have length greater than or equal to {min}"
        ));
    } else if n > max {
        problems.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: \
             Member must have length less than or equal to {max}"
        ));
    }
}

fn pattern(member: &str, value: &str, pattern: &str) -> String {
    format!(
        "Value '{value}' at '{member}' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: {pattern}"
    )
}

/// A role's unique id (`AROA…`), stable for its ARN.
fn role_id(role_arn: &str) -> String {
    // FNV-1a: stable across runs, unlike std's hasher.
    let hash = role_arn.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("AROA{hash:017X}")
}

/// A temporary access key id: `ASIA` and 16 upper-case letters and digits.
fn new_access_key() -> String {
    let hex = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase();
    format!("ASIA{}", &hex[..16])
}

fn response(action: &str, result: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\">\n  <{action}Result>\n    {result}\n  \
         </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
         </ResponseMetadata>\n</{action}Response>\n",
        uuid::Uuid::new_v4()
    )
}

fn rfc3339(at: Timestamp) -> String {
    chrono::DateTime::from_timestamp(at as i64, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::111122223333:role/deploy"),
            Some(("111122223333", "deploy"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::111122223333:role/team/a/deploy"),
            Some(("111122223333", "deploy"))
        );
        for bad in [
            "deploy",
            "arn:aws:iam::1111:role/deploy",
            "arn:aws:iam::111122223333:user/deploy",
            "arn:aws:s3::111122223333:role/deploy",
            "arn:aws:iam:us-east-1:111122223333:role/deploy",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/a//b",
            "arn:aws:iam::111122223333:role/bad name",
        ] {
            assert_eq!(parse_role_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn role_ids_are_stable_and_shaped_like_aws() {
        let id = role_id("arn:aws:iam::111122223333:role/deploy");
        assert_eq!(id, role_id("arn:aws:iam::111122223333:role/deploy"));
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert!(new_access_key().starts_with("ASIA") && new_access_key().len() == 20);
    }
}
