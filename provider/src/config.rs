//! Provider configuration (`awsbackup:*` stack config or an explicit provider resource) and the
//! AWS SDK configuration built from it on first use.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
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
    /// `AWS_ENDPOINT_URL_BACKUP` and `AWS_ENDPOINT_URL` work too. It applies to AWS Backup only:
    /// `assumeRole` calls STS at `stsEndpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// A URL that overrides the STS endpoint `assumeRole` calls (for a local endpoint or a VPC
    /// endpoint). Without it, STS is found as the AWS SDKs find it: `AWS_ENDPOINT_URL_STS`,
    /// `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else AWS's regional STS endpoint; the
    /// `endpoint` key does not apply to STS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sts_endpoint: Option<String>,
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

/// A role to assume with the base credentials (`accessKey`/`secretKey`, `profile` or the
/// standard chain). The assumed-role credentials are cached and renewed before they expire.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssumeRole {
    /// The ARN of the role, `arn:aws:iam::<account>:role/<name>`.
    pub role_arn: String,
    /// The session name, 2 to 64 characters of letters, digits and `_+=,.@-` (default:
    /// `pulumi-awsbackup`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// The external id the role's trust policy expects (`sts:ExternalId`), 2 to 1224 characters
    /// of letters, digits and `_+=,.@:/-`.
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
            .field("sts_endpoint", &self.sts_endpoint)
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
        let (sdk, sts) = self.sdk_configs().await;
        let policy = Policy {
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            ..Policy::default()
        };
        let limiter = (self.retry_mode.unwrap_or_default() == RetryMode::Adaptive)
            .then(|| shared_limiter(&self.limiter_key(&sdk)));
        Arc::new(SdkBackup::new(&sdk, &sts, policy, limiter))
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

    /// The configurations of the AWS Backup client and of STS: the same region, retries and
    /// credentials; `endpoint` for AWS Backup, `stsEndpoint` (else the SDK's own resolution) for
    /// STS.
    async fn sdk_configs(&self) -> (aws_config::SdkConfig, aws_config::SdkConfig) {
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
        let base = loader.load().await;
        let mut config = base.clone().into_builder();
        if let Some(role) = &self.assume_role {
            // STS is configured like AWS Backup (region, retries, base credentials), except
            // for the endpoint: `stsEndpoint`, else the SDK's own resolution.
            let mut sts = base.into_builder();
            if let Some(url) = &self.sts_endpoint {
                sts.set_endpoint_url(Some(url.clone()));
            }
            let mut builder = AssumeRoleProvider::builder(&role.role_arn)
                .session_name(
                    role.session_name
                        .clone()
                        .unwrap_or_else(|| DEFAULT_SESSION_NAME.into()),
                )
                .configure(&sts.build());
            if let Some(id) = &role.external_id {
                builder = builder.external_id(id);
            }
            if let Some(secs) = role.duration_seconds {
                builder = builder.session_length(Duration::from_secs(secs.into()));
            }
            // The client's identity cache (the SdkConfig's lazy cache) keeps the credentials
            // and asks for new ones shortly before they expire.
            config.set_credentials_provider(Some(SharedCredentialsProvider::new(
                RoleCredentials {
                    role_arn: role.role_arn.clone(),
                    inner: builder.build().await,
                },
            )));
        }
        let shared = config.build();
        // Without `stsEndpoint`, STS keeps what the loader found (`AWS_ENDPOINT_URL`, the
        // profile); the STS client itself prefers `AWS_ENDPOINT_URL_STS`.
        let mut sts = shared.to_builder();
        if let Some(url) = &self.sts_endpoint {
            sts.set_endpoint_url(Some(url.clone()));
        }
        let mut backup = shared.into_builder();
        if let Some(endpoint) = &self.endpoint {
            backup.set_endpoint_url(Some(endpoint.clone()));
        }
        (backup.build(), sts.build())
    }

    /// The configuration's own mistakes, each naming its key (`assumeRole.roleArn`), found
    /// before anything reaches AWS.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut fail = |key: &str, reason: String| found.push((key.to_string(), reason));
        if let Some(url) = &self.sts_endpoint {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                fail(
                    "stsEndpoint",
                    format!("{url:?} is not a URL (http:// or https://)"),
                );
            }
        }
        let Some(role) = &self.assume_role else {
            return found;
        };
        if !role_arn_pattern().is_match(&role.role_arn) {
            fail(
                "assumeRole.roleArn",
                format!(
                    "{:?} is not a role ARN: expected arn:aws:iam::<12-digit account>:role/<name> \
                     (a path before the name is allowed)",
                    role.role_arn
                ),
            );
        }
        if let Some(name) = &role.session_name {
            let n = name.chars().count();
            if !(2..=64).contains(&n) || !name.chars().all(|c| is_word(c) || "+=,.@-".contains(c)) {
                fail(
                    "assumeRole.sessionName",
                    format!(
                        "{name:?} must have 2 to 64 characters, letters, digits and _+=,.@- only"
                    ),
                );
            }
        }
        if let Some(secs) = role.duration_seconds {
            if !(900..=43200).contains(&secs) {
                fail(
                    "assumeRole.durationSeconds",
                    format!("{secs} must be between 900 and 43200 seconds"),
                );
            }
        }
        if let Some(id) = &role.external_id {
            let n = id.chars().count();
            if !(2..=1224).contains(&n) || !id.chars().all(|c| is_word(c) || "+=,.@:/-".contains(c))
            {
                fail(
                    "assumeRole.externalId",
                    "must have 2 to 1224 characters, letters, digits and _+=,.@:/- only".into(),
                );
            }
        }
        found
    }
}

/// The session name when `assumeRole.sessionName` is not set.
pub const DEFAULT_SESSION_NAME: &str = "pulumi-awsbackup";

fn role_arn_pattern() -> &'static regex::Regex {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| {
        regex::Regex::new(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([!-~]+/)*[\w+=,.@-]{1,64}$")
            .expect("valid pattern")
    })
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// aws-config's AssumeRoleProvider, whose failures say which role and which provider key
/// are involved, with STS's code and message.
#[derive(Debug)]
struct RoleCredentials {
    role_arn: String,
    inner: AssumeRoleProvider,
}

impl ProvideCredentials for RoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.inner.provide_credentials().await.map_err(|e| {
                CredentialsError::provider_error(AssumeRoleFailed::new(&self.role_arn, &e))
            })
        })
    }
}

/// The provider could not assume `assumeRole.roleArn`.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "could not assume the role {role_arn} of the provider's `assumeRole` configuration \
     (check assumeRole.roleArn, assumeRole.externalId and the role's trust policy): {code}: {message}"
)]
pub struct AssumeRoleFailed {
    pub role_arn: String,
    /// STS's error code (`AccessDenied`), or what kind of failure it was.
    pub code: String,
    pub message: String,
}

impl AssumeRoleFailed {
    fn new(role_arn: &str, err: &CredentialsError) -> Self {
        use std::error::Error;
        type StsError = aws_sdk_sts::error::SdkError<
            aws_sdk_sts::operation::assume_role::AssumeRoleError,
            aws_sdk_sts::config::http::HttpResponse,
        >;
        let mut source = err.source();
        while let Some(e) = source {
            if let Some(sts) = e.downcast_ref::<StsError>() {
                if let (Some(code), message) = (sts.code(), sts.message()) {
                    return AssumeRoleFailed {
                        role_arn: role_arn.to_string(),
                        code: code.to_string(),
                        message: message.unwrap_or_default().to_string(),
                    };
                }
                return AssumeRoleFailed {
                    role_arn: role_arn.to_string(),
                    code: "StsUnreachable".into(),
                    message: aws_sdk_sts::error::DisplayErrorContext(sts).to_string(),
                };
            }
            source = e.source();
        }
        AssumeRoleFailed {
            role_arn: role_arn.to_string(),
            code: "CredentialsError".into(),
            message: aws_sdk_sts::error::DisplayErrorContext(err).to_string(),
        }
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
    fn problems_name_the_key_of_each_bad_setting() {
        let role = |v: Value| ProviderConfig {
            assume_role: Some(serde_json::from_value(v).unwrap()),
            ..Default::default()
        };
        let keys = |c: ProviderConfig| -> Vec<String> {
            c.problems().into_iter().map(|(k, _)| k).collect()
        };
        let good = json!({"roleArn": "arn:aws:iam::123456789012:role/a/b/deploy",
            "sessionName": "ci.run@1", "externalId": "x:y/z-1", "durationSeconds": 43200});
        assert!(keys(role(good)).is_empty());
        assert!(keys(role(
            json!({"roleArn": "arn:aws-cn:iam::123456789012:role/r"})
        ))
        .is_empty());
        for (bad, key) in [
            (
                json!({"roleArn": "arn:aws:iam::123:role/r"}),
                "assumeRole.roleArn",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:user/r"}),
                "assumeRole.roleArn",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/"}),
                "assumeRole.roleArn",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/r", "sessionName": "a b"}),
                "assumeRole.sessionName",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/r", "sessionName": "a"}),
                "assumeRole.sessionName",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/r", "durationSeconds": 899}),
                "assumeRole.durationSeconds",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/r", "durationSeconds": 43201}),
                "assumeRole.durationSeconds",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/r", "externalId": "x"}),
                "assumeRole.externalId",
            ),
            (
                json!({"roleArn": "arn:aws:iam::123456789012:role/r", "externalId": "a#b"}),
                "assumeRole.externalId",
            ),
        ] {
            assert_eq!(keys(role(bad.clone())), [key], "{bad}");
        }
        let sts = |url: &str| ProviderConfig {
            sts_endpoint: Some(url.into()),
            ..Default::default()
        };
        assert!(keys(sts("https://sts.eu-west-1.amazonaws.com")).is_empty());
        assert_eq!(keys(sts("sts.amazonaws.com")), ["stsEndpoint"]);
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
