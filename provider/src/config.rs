//! Provider configuration (`awsbackup:*` stack config or an explicit provider resource) and the
//! AWS SDK configuration built from it on first use.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::sdk::SdkBackup;
use crate::aws::{BackupApi, Tags};
use crate::retry::{shared_limiter, Policy, DEFAULT_MAX_RETRIES};

/// Configuration of the awsbackup provider. Everything is optional: with nothing set, the standard
/// AWS credential and region chain applies (environment, shared profiles, SSO, instance roles).
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    /// The AWS region, e.g. `eu-west-1`. Defaults to the region of the standard chain (`AWS_REGION`, profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The shared-config profile to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A static access key id; set together with `secretKey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// The secret access key that goes with `accessKey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("secret" = true))]
    pub secret_key: Option<String>,
    /// A session token for temporary credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("secret" = true))]
    pub token: Option<String>,
    /// A role to assume with the base credentials before calling AWS Backup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRole>,
    /// A URL that overrides the AWS Backup endpoint (for a local endpoint or a VPC endpoint).
    /// `AWS_ENDPOINT_URL_BACKUP` and `AWS_ENDPOINT_URL` work too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// How many times an AWS call that was throttled, failed on AWS's side (5xx), lost its
    /// connection or timed out is retried, with capped exponential backoff and jitter, within the
    /// operation's timeout (default 25; 0 disables retries). Other errors fail at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// `adaptive` (default): besides retrying, every call to the same account and region is
    /// paced by a client-side rate limit that slows down when AWS throttles and speeds up again
    /// while it does not. `standard`: retries only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_mode: Option<RetryMode>,
    /// Tags merged under every resource's `tags` (a resource's own value wins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_tags: Option<Tags>,
}

/// How AWS calls are retried and paced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum RetryMode {
    /// Retries with backoff only.
    Standard,
    /// Retries with backoff, and a client-side rate limit per account and region that adapts to
    /// throttling.
    #[default]
    Adaptive,
}

/// A role to assume.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssumeRole {
    /// The ARN of the role.
    pub role_arn: String,
    /// The session name (default: `pulumi-awsbackup`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// The external id the role's trust policy expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// How long the assumed-role credentials last, in seconds (900 to 43200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
}

impl fmt::Debug for ProviderConfig {
    // Never prints credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &self.access_key.as_ref().map(|_| "<set>"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<secret>"))
            .field("token", &self.token.as_ref().map(|_| "<secret>"))
            .field("assume_role", &self.assume_role)
            .field("endpoint", &self.endpoint)
            .field("max_retries", &self.max_retries)
            .field("retry_mode", &self.retry_mode)
            .field("default_tags", &self.default_tags)
            .finish()
    }
}

/// Stack config arrives as strings (`pulumi config set awsbackup:maxRetries 5`); an explicit
/// provider resource sends typed values. Parses JSON text for every property that is not a string.
pub fn coerce_config_strings(config: &mut Value) {
    let schema = serde_json::to_value(schemars::schema_for!(ProviderConfig)).unwrap_or_default();
    let Some(obj) = config.as_object_mut() else {
        return;
    };
    for (key, value) in obj.iter_mut() {
        let declared = schema["properties"][key.as_str()]["type"].clone();
        let is_string_type = declared == "string"
            || declared
                .as_array()
                .is_some_and(|t| t.contains(&Value::from("string")));
        if let (false, Value::String(text)) = (is_string_type, &value) {
            if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                *value = parsed;
            }
        }
    }
}

impl ProviderConfig {
    /// Builds the AWS Backup client. Resolves credentials and region lazily, on the first call.
    pub async fn backup_api(&self) -> Arc<dyn BackupApi> {
        let sdk = self.sdk_config().await;
        let policy = Policy {
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            ..Policy::default()
        };
        let limiter = (self.retry_mode.unwrap_or_default() == RetryMode::Adaptive)
            .then(|| shared_limiter(&self.limiter_key(&sdk)));
        Arc::new(SdkBackup::new(&sdk, policy, limiter))
    }

    /// What identifies the account and region the calls go to, as far as the configuration tells.
    fn limiter_key(&self, sdk: &aws_config::SdkConfig) -> String {
        let role = self.assume_role.as_ref().map(|r| r.role_arn.as_str());
        format!(
            "{}|{}|{}|{}|{}",
            sdk.region().map(|r| r.as_ref()).unwrap_or_default(),
            self.endpoint.as_deref().unwrap_or_default(),
            self.profile.as_deref().unwrap_or_default(),
            self.access_key.as_deref().unwrap_or_default(),
            role.unwrap_or_default()
        )
    }

    async fn sdk_config(&self) -> aws_config::SdkConfig {
        // The SDK's own retries serve the credential providers (STS, SSO); the Backup client
        // makes one attempt per call and the provider retries it (crate::retry).
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).retry_config(RetryConfig::standard());
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let (Some(key), Some(secret)) = (&self.access_key, &self.secret_key) {
            loader = loader.credentials_provider(Credentials::new(
                key,
                secret,
                self.token.clone(),
                None,
                "awsbackup-provider-config",
            ));
        }
        if let Some(endpoint) = &self.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let base = loader.load().await;
        let Some(role) = &self.assume_role else {
            return base;
        };
        let mut builder = AssumeRoleProvider::builder(&role.role_arn)
            .session_name(
                role.session_name
                    .clone()
                    .unwrap_or_else(|| "pulumi-awsbackup".into()),
            )
            .configure(&base);
        if let Some(id) = &role.external_id {
            builder = builder.external_id(id);
        }
        if let Some(secs) = role.duration_seconds {
            builder = builder.session_length(Duration::from_secs(secs.into()));
        }
        let provider = builder.build().await;
        base.into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stack_config_strings_become_typed_values() {
        let mut v = json!({
            "region": "123",
            "maxRetries": "5",
            "defaultTags": "{\"team\":\"backup\"}",
            "assumeRole": "{\"roleArn\":\"arn:aws:iam::123456789012:role/x\"}",
        });
        coerce_config_strings(&mut v);
        let cfg: ProviderConfig = serde_json::from_value(v).unwrap();
        assert_eq!(cfg.region.as_deref(), Some("123"));
        assert_eq!(cfg.max_retries, Some(5));
        assert_eq!(cfg.retry_mode, None);
        assert_eq!(cfg.default_tags.unwrap()["team"], "backup");
        assert!(cfg.assume_role.unwrap().role_arn.ends_with("role/x"));
    }

    #[test]
    fn debug_output_hides_credentials() {
        let cfg = ProviderConfig {
            access_key: Some("AKIAEXAMPLE".into()),
            secret_key: Some("very-secret".into()),
            token: Some("session-token".into()),
            ..Default::default()
        };
        let text = format!("{cfg:?}");
        assert!(!text.contains("very-secret") && !text.contains("session-token"));
        assert!(!text.contains("AKIAEXAMPLE"));
    }
}
