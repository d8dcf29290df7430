//! Helpers shared by the integration tests: SDK clients pointed at an endpoint,
//! error inspection, a tiny raw HTTP client, and plan/selection builders.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Debug;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_backup::config::http::HttpResponse;
use aws_sdk_backup::config::retry::RetryConfig;
use aws_sdk_backup::config::{BehaviorVersion, Region};
use aws_sdk_backup::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_backup::types::{BackupPlanInput, BackupRuleInput, BackupSelection, Lifecycle};
use aws_sdk_backup::Client;
use serde_json::Value;

pub const ROLE: &str = "arn:aws:iam::123456789012:role/backup-role";
pub const EBS: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0";

/// An SDK client with static dummy credentials and no retries.
pub fn client(url: &str) -> Client {
    client_for(
        url,
        "AKIDLOCALENDPOINT",
        "us-east-1",
        RetryConfig::disabled(),
    )
}

pub fn client_for(url: &str, access_key: &str, region: &str, retry: RetryConfig) -> Client {
    let config = aws_sdk_backup::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            access_key,
            "dummy-secret",
            None,
            None,
            "test",
        ))
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// What an SDK call failed with.
#[derive(Debug)]
pub struct Failure {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// The failure of a call that must fail; panics if it succeeded.
pub fn failure<T: Debug, E: ProvideErrorMetadata + Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
) -> Failure {
    let err = result.expect_err("the call should have failed");
    Failure {
        status: err.raw_response().map(|r| r.status().as_u16()).unwrap_or(0),
        code: err.code().unwrap_or_default().to_string(),
        message: err.message().unwrap_or_default().to_string(),
    }
}

/// Asserts a failure's status, exception name and a message fragment.
#[track_caller]
pub fn assert_fails<T: Debug, E: ProvideErrorMetadata + Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
    status: u16,
    code: &str,
    message_part: &str,
) -> Failure {
    let f = failure(result);
    assert_eq!((f.status, f.code.as_str()), (status, code), "{f:?}");
    assert!(
        f.message.contains(message_part),
        "message {:?} should contain {message_part:?}",
        f.message
    );
    f
}

/// Shorthand for InvalidParameterValueException (400).
#[track_caller]
pub fn assert_invalid<T: Debug, E: ProvideErrorMetadata + Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
    message_part: &str,
) -> Failure {
    assert_fails(result, 400, "InvalidParameterValueException", message_part)
}

/// A raw HTTP/1.1 exchange (Connection: close). Returns status, lower-cased
/// headers and body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, HashMap<String, String>, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read response");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// A `/_local/` control call answering JSON.
pub fn control(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    let (status, _, text) = http(addr, method, path, body.as_deref());
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A rule with only the required members.
pub fn rule(name: &str, vault: &str) -> aws_sdk_backup::types::builders::BackupRuleInputBuilder {
    BackupRuleInput::builder()
        .rule_name(name)
        .target_backup_vault_name(vault)
}

pub fn lifecycle(cold: Option<i64>, delete: Option<i64>) -> Lifecycle {
    Lifecycle::builder()
        .set_move_to_cold_storage_after_days(cold)
        .set_delete_after_days(delete)
        .build()
}

/// A plan from rule builders.
pub fn plan(
    name: &str,
    rules: Vec<aws_sdk_backup::types::builders::BackupRuleInputBuilder>,
) -> BackupPlanInput {
    BackupPlanInput::builder()
        .backup_plan_name(name)
        .set_rules(Some(
            rules.into_iter().map(|r| r.build().unwrap()).collect(),
        ))
        .build()
        .unwrap()
}

/// A selection of one EBS volume with the test role.
pub fn selection(name: &str) -> BackupSelection {
    BackupSelection::builder()
        .selection_name(name)
        .iam_role_arn(ROLE)
        .resources(EBS)
        .build()
        .unwrap()
}

/// Creates a vault and returns its ARN.
pub async fn make_vault(c: &Client, name: &str) -> String {
    c.create_backup_vault()
        .backup_vault_name(name)
        .send()
        .await
        .expect("create vault")
        .backup_vault_arn
        .unwrap()
}

/// Creates a one-rule plan targeting `vault` and returns its id.
pub async fn make_plan(c: &Client, name: &str, vault: &str) -> String {
    c.create_backup_plan()
        .backup_plan(plan(name, vec![rule("daily", vault)]))
        .send()
        .await
        .expect("create plan")
        .backup_plan_id
        .unwrap()
}

/// Starts a backup job into `vault` and returns the recovery point ARN.
pub async fn make_recovery_point(
    c: &Client,
    vault: &str,
    delete_after_days: Option<i64>,
) -> String {
    c.start_backup_job()
        .backup_vault_name(vault)
        .resource_arn(EBS)
        .iam_role_arn(ROLE)
        .set_lifecycle(delete_after_days.map(|d| lifecycle(None, Some(d))))
        .send()
        .await
        .expect("start backup job")
        .recovery_point_arn
        .unwrap()
}
