//! Shared pieces of the provider's tests: a provider served over gRPC against its own in-process
//! local AWS Backup endpoint, and an aws-sdk-backup client of the same account and region that
//! sets AWS up and looks at it out of band.

use std::collections::BTreeMap;

use aws_credential_types::Credentials;
use aws_sdk_backup::config::retry::RetryConfig;
use aws_sdk_backup::config::{BehaviorVersion, Region};
use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_backup::operation::describe_backup_vault::DescribeBackupVaultOutput;
use aws_sdk_backup::operation::get_backup_plan::GetBackupPlanOutput;
use aws_sdk_backup::operation::get_backup_selection::GetBackupSelectionOutput;
use awsbackup::proto::google_rpc;
use awsbackup::proto::pulumirpc as rpc;
use awsbackup::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use awsbackup::provider::Provider;
use awsbackup::value;
use awsbackup_local_endpoint::LocalEndpoint;
use prost::Message;
use prost_types::Struct;
use serde_json::{json, Value};
use tonic::transport::Channel;

/// The account and region the provider and the test's SDK client use (the endpoint takes the
/// account from a 12-digit access key).
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// How often the provider retries a throttled or failed call here: a scripted failure repeated
/// `MAX_RETRIES + 1` times fails the operation.
pub const MAX_RETRIES: u32 = 2;
/// The role selections name; the endpoint only checks its shape.
pub const BACKUP_ROLE: &str = "arn:aws:iam::123456789012:role/backup";
/// A resource to back up.
pub const VOLUME: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0";

pub type Client = ResourceProviderClient<Channel>;

/// The AWS of one test: its own endpoint, and an SDK client of the provider's account and region.
pub struct Aws {
    pub endpoint: LocalEndpoint,
    pub sdk: aws_sdk_backup::Client,
}

/// The provider configuration that sends every call to `endpoint`.
pub fn provider_config(endpoint: &LocalEndpoint) -> Value {
    json!({
        "endpoint": endpoint.url(),
        "stsEndpoint": endpoint.url(),
        "region": REGION,
        "accessKey": ACCOUNT,
        "secretKey": "local",
        "maxRetries": MAX_RETRIES,
    })
}

/// A fresh endpoint and a provider configured for it, served over gRPC.
pub async fn start() -> (Aws, Client) {
    let endpoint = LocalEndpoint::start().await.unwrap();
    let client = serve(provider_config(&endpoint)).await;
    let sdk = sdk_client(&endpoint.url(), ACCOUNT, REGION);
    (Aws { endpoint, sdk }, client)
}

/// A new provider on a local port, configured with `config`; returns a client for it.
pub async fn serve(config: Value) -> Client {
    let listener = awsbackup::server::bind().await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(awsbackup::server::serve(
        listener,
        Provider::new(),
        std::future::pending(),
    ));
    let mut client = ResourceProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    client
        .configure(rpc::ConfigureRequest {
            args: to_struct(config),
            ..Default::default()
        })
        .await
        .unwrap();
    client
}

/// An SDK client with dummy credentials and no retries.
pub fn sdk_client(url: &str, access_key: &str, region: &str) -> aws_sdk_backup::Client {
    let config = aws_sdk_backup::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(access_key, "local", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_backup::Client::from_conf(config)
}

impl Aws {
    /// The calls AWS has answered so far, by operation, in order (the test's own included).
    pub fn calls(&self) -> Vec<String> {
        self.calls_since(0)
    }

    /// A mark for [`Aws::calls_since`]: the number of the last call answered.
    pub fn mark(&self) -> u64 {
        self.logged()
            .last()
            .map_or(0, |c| c["seq"].as_u64().unwrap())
    }

    /// The operations called after `mark`, in order.
    pub fn calls_since(&self, mark: u64) -> Vec<String> {
        self.logged()
            .iter()
            .filter(|c| c["seq"].as_u64().unwrap() > mark)
            .map(|c| c["operation"].as_str().unwrap().to_string())
            .collect()
    }

    /// How many calls of `operation` AWS has answered (faulted ones included).
    pub fn count(&self, operation: &str) -> usize {
        self.calls().iter().filter(|c| *c == operation).count()
    }

    /// The JSON bodies of the calls of `operation`, in order.
    pub fn inputs_of(&self, operation: &str) -> Vec<Value> {
        self.logged()
            .into_iter()
            .filter(|c| c["operation"] == operation)
            .map(|c| c["input"].clone())
            .collect()
    }

    fn logged(&self) -> Vec<Value> {
        self.endpoint.call_log()["calls"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Makes the next `times` calls of `operation` answer `code` (HTTP `status`).
    pub fn fail_next(&self, operation: &str, code: &str, status: u16, times: u32) {
        self.endpoint
            .add_failure(
                json!({"operation": operation, "code": code, "status": status,
                                "times": times}),
            )
            .unwrap();
    }

    /// Creates a vault out of band (with AWS's default key unless `key` is given); returns its ARN.
    pub async fn create_vault(&self, name: &str, key: Option<&str>) -> String {
        self.sdk
            .create_backup_vault()
            .backup_vault_name(name)
            .set_encryption_key_arn(key.map(String::from))
            .send()
            .await
            .unwrap()
            .backup_vault_arn
            .unwrap()
    }

    /// The vault as DescribeBackupVault answers it, `None` if it does not exist.
    pub async fn vault(&self, name: &str) -> Option<DescribeBackupVaultOutput> {
        match self
            .sdk
            .describe_backup_vault()
            .backup_vault_name(name)
            .send()
            .await
        {
            Ok(v) => Some(v),
            // AWS answers AccessDenied for a vault that does not exist.
            Err(e) if e.code() == Some("AccessDeniedException") => None,
            Err(e) => panic!("describe vault {name}: {e:?}"),
        }
    }

    pub async fn vault_arn(&self, name: &str) -> String {
        self.vault(name).await.unwrap().backup_vault_arn.unwrap()
    }

    pub async fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        let tags = self.sdk.list_tags().resource_arn(arn).send().await.unwrap();
        tags.tags.unwrap_or_default().into_iter().collect()
    }

    /// Adds (or overwrites) tags out of band.
    pub async fn tag(&self, arn: &str, tags: &[(&str, &str)]) {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.sdk
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
    }

    /// Backs up `n` resources into `vault` (each job records a recovery point at once); returns
    /// the recovery point ARNs.
    pub async fn add_recovery_points(
        &self,
        vault: &str,
        n: usize,
        delete_after_days: Option<i64>,
    ) -> Vec<String> {
        let mut arns = Vec::new();
        for _ in 0..n {
            let lifecycle = delete_after_days.map(|d| {
                aws_sdk_backup::types::Lifecycle::builder()
                    .delete_after_days(d)
                    .build()
            });
            let job = self
                .sdk
                .start_backup_job()
                .backup_vault_name(vault)
                .resource_arn(VOLUME)
                .iam_role_arn(BACKUP_ROLE)
                .set_lifecycle(lifecycle)
                .send()
                .await
                .unwrap();
            arns.push(job.recovery_point_arn.unwrap());
        }
        arns
    }

    /// The plan as GetBackupPlan answers it, `None` if it does not exist (or was deleted).
    pub async fn plan(&self, id: &str) -> Option<GetBackupPlanOutput> {
        match self.sdk.get_backup_plan().backup_plan_id(id).send().await {
            Ok(p) => Some(p),
            Err(e) if e.code() == Some("ResourceNotFoundException") => None,
            Err(e) => panic!("get plan {id}: {e:?}"),
        }
    }

    /// The selection as GetBackupSelection answers it, `None` if it does not exist.
    pub async fn selection(&self, plan: &str, id: &str) -> Option<GetBackupSelectionOutput> {
        match self
            .sdk
            .get_backup_selection()
            .backup_plan_id(plan)
            .selection_id(id)
            .send()
            .await
        {
            Ok(s) => Some(s),
            Err(e) if e.code() == Some("ResourceNotFoundException") => None,
            Err(e) => panic!("get selection {plan}|{id}: {e:?}"),
        }
    }
}

/// An AWS timestamp as the provider shows it.
pub fn rfc3339(date: Option<&aws_smithy_types::DateTime>) -> String {
    awsbackup::aws::sdk::rfc3339(date.expect("a date"))
}

pub fn to_struct(v: Value) -> Option<Struct> {
    Some(value::to_struct(&v))
}

pub fn from_struct(s: &Option<Struct>) -> Value {
    s.as_ref().map(value::from_struct).unwrap_or(Value::Null)
}

pub const VAULT: &str = "awsbackup:index:Vault";

pub fn urn(name: &str) -> String {
    format!("urn:pulumi:test::proj::{VAULT}::{name}")
}

/// The full path a Check failure names. The engine looks failures up by top-level property, so a
/// nested path is reported on its top-level property and leads the reason (`rules[1].x: ...`);
/// this checks that shape and returns the nested path, or the property itself.
pub fn failure_path(f: &awsbackup::proto::pulumirpc::CheckFailure) -> String {
    assert!(
        !f.property.contains(['.', '[']),
        "the engine cannot resolve the nested property {:?}",
        f.property
    );
    match f.reason.split_once(": ") {
        Some((path, _))
            if path.len() > f.property.len()
                && path.starts_with(&f.property)
                && path[f.property.len()..].starts_with(['.', '[']) =>
        {
            path.to_string()
        }
        _ => f.property.clone(),
    }
}

/// The id and state a failed create or update reports for what it left in AWS (the engine's
/// partial-failure detail).
pub fn partial_state(err: &tonic::Status) -> (String, Value) {
    let envelope = google_rpc::Status::decode(err.details()).expect("error details");
    let detail =
        rpc::ErrorResourceInitFailed::decode(envelope.details[0].value.as_slice()).unwrap();
    (detail.id, from_struct(&detail.properties))
}

/// The rpcs of one resource as the engine sends them: the type token and the URN's name fixed,
/// every answer as the provider gives it.
pub struct Resource {
    pub token: &'static str,
    pub name: &'static str,
}

impl Resource {
    pub fn urn(&self) -> String {
        format!("urn:pulumi:test::proj::{}::{}", self.token, self.name)
    }

    pub async fn check(&self, client: &mut Client, news: Value) -> rpc::CheckResponse {
        client
            .check(rpc::CheckRequest {
                urn: self.urn(),
                olds: to_struct(json!({})),
                news: to_struct(news),
                r#type: self.token.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    }

    /// Check of inputs that must pass: the checked inputs (autonamed, defaults merged).
    pub async fn checked(&self, client: &mut Client, news: Value) -> Value {
        let resp = self.check(client, news).await;
        assert!(resp.failures.is_empty(), "{:?}", resp.failures);
        from_struct(&resp.inputs)
    }

    /// Each case's inputs fail Check with a failure at the property path whose reason holds the
    /// text.
    pub async fn assert_check_fails(&self, client: &mut Client, cases: Vec<(Value, &str, &str)>) {
        for (news, property, part) in cases {
            let resp = self.check(client, news.clone()).await;
            assert!(
                resp.failures
                    .iter()
                    .any(|f| failure_path(f) == property && f.reason.contains(part)),
                "{news}: expected {property} / {part}, got {:?}",
                resp.failures
            );
        }
    }

    /// The outputs of a create preview, as `pulumi preview` asks for them.
    pub async fn preview_create(
        &self,
        client: &mut Client,
        inputs: &Value,
    ) -> Result<Value, tonic::Status> {
        client
            .create(rpc::CreateRequest {
                urn: self.urn(),
                properties: to_struct(inputs.clone()),
                r#type: self.token.into(),
                preview: true,
                ..Default::default()
            })
            .await
            .map(|r| from_struct(&r.into_inner().properties))
    }

    pub async fn create(
        &self,
        client: &mut Client,
        inputs: &Value,
    ) -> Result<rpc::CreateResponse, tonic::Status> {
        client
            .create(rpc::CreateRequest {
                urn: self.urn(),
                properties: to_struct(inputs.clone()),
                r#type: self.token.into(),
                ..Default::default()
            })
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn diff(
        &self,
        client: &mut Client,
        id: &str,
        state: &Value,
        old_inputs: &Value,
        news: &Value,
    ) -> rpc::DiffResponse {
        client
            .diff(rpc::DiffRequest {
                id: id.into(),
                urn: self.urn(),
                olds: to_struct(state.clone()),
                old_inputs: to_struct(old_inputs.clone()),
                news: to_struct(news.clone()),
                r#type: self.token.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn update(
        &self,
        client: &mut Client,
        id: &str,
        state: &Value,
        news: &Value,
    ) -> Result<rpc::UpdateResponse, tonic::Status> {
        client
            .update(rpc::UpdateRequest {
                id: id.into(),
                urn: self.urn(),
                olds: to_struct(state.clone()),
                news: to_struct(news.clone()),
                r#type: self.token.into(),
                ..Default::default()
            })
            .await
            .map(tonic::Response::into_inner)
    }

    /// Read as refresh does (`old` = the previous state and inputs) or as import does (`None`).
    pub async fn read(
        &self,
        client: &mut Client,
        id: &str,
        old: Option<(&Value, &Value)>,
    ) -> Result<rpc::ReadResponse, tonic::Status> {
        client
            .read(rpc::ReadRequest {
                id: id.into(),
                urn: self.urn(),
                properties: old.and_then(|(state, _)| to_struct(state.clone())),
                inputs: old.and_then(|(_, inputs)| to_struct(inputs.clone())),
                r#type: self.token.into(),
                ..Default::default()
            })
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn delete(
        &self,
        client: &mut Client,
        id: &str,
        state: &Value,
    ) -> Result<(), tonic::Status> {
        client
            .delete(rpc::DeleteRequest {
                id: id.into(),
                urn: self.urn(),
                properties: to_struct(state.clone()),
                r#type: self.token.into(),
                ..Default::default()
            })
            .await
            .map(|_| ())
    }
}
