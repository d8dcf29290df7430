//! [`BackupApi`] on top of aws-sdk-backup: the only module that knows the SDK's types. Each
//! resource's operations, and the conversion of the provider's types to and from the SDK's, are
//! in their own file; this one sends the requests and turns the SDK's failures into
//! [`AwsError`]s.

mod clock;
mod framework;
mod plan;
mod report_plan;
mod restore_testing;
mod selection;
mod settings;
mod tags;
mod vault;
mod vault_notifications;
mod vault_policy;

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_backup::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_backup::Client;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::retry::ErrorKind;
use aws_smithy_types::DateTime;

use self::clock::{DateHeader, ServerClock};
use super::{
    code, AwsError, BackupApi, CreateAirGappedVault, CreateVault, Framework, FrameworkDocument,
    GlobalSettings, Plan, PlanDocument, PlanVersion, RecoveryPoint, RecoveryPointFilter,
    RegionSettings, ReportPlan, ReportPlanCreated, ReportPlanDocument, RestoreTestingPlan,
    RestoreTestingPlanCreated, RestoreTestingPlanDocument, RestoreTestingSelection,
    RestoreTestingSelectionDocument, Selection, SelectionCreated, SelectionDocument, Tags, Vault,
    VaultCreated, VaultLockConfig, VaultNotificationConfig, VaultNotifications, VaultPolicy,
};
use crate::retry::{self, Policy, RateLimiter};

/// The SDK client makes one attempt per call; [`retry::call`] retries it under the provider's
/// policy and, in adaptive mode, paces it with the limiter shared by the account and region.
pub struct SdkBackup {
    client: Client,
    clock: Arc<ServerClock>,
    policy: Policy,
    limiter: Option<Arc<RateLimiter>>,
    /// The credentials the client signs with, for the account they may carry.
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// STS with the same credentials, for GetCallerIdentity.
    sts: aws_sdk_sts::Client,
    /// The account the credentials belong to, once found.
    account: std::sync::OnceLock<String>,
    region: String,
}

impl SdkBackup {
    /// `sdk` configures AWS Backup, `sts` (the same but for its endpoint) STS.
    pub fn new(
        sdk: &aws_config::SdkConfig,
        sts: &aws_config::SdkConfig,
        policy: Policy,
        limiter: Option<Arc<RateLimiter>>,
    ) -> Self {
        let clock = Arc::new(ServerClock::default());
        let config = aws_sdk_backup::config::Builder::from(sdk)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .interceptor(DateHeader(clock.clone()))
            .build();
        SdkBackup {
            client: Client::from_conf(config),
            clock,
            policy,
            limiter,
            credentials: sdk.credentials_provider(),
            account: std::sync::OnceLock::new(),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(sts)
                    .retry_config(aws_config::retry::RetryConfig::disabled())
                    .build(),
            ),
            region: sdk.region().map(|r| r.to_string()).unwrap_or_default(),
        }
    }

    /// Sends the request `build` makes, retrying as the policy says.
    async fn send<T, E, Fut>(
        &self,
        operation: &'static str,
        mut build: impl FnMut() -> Fut,
    ) -> Result<T, AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        retry::call(&self.policy, self.limiter.as_deref(), || {
            // The SDK's future takes about 5 KiB; boxed, the retry layers around it (and every
            // future that awaits them) hold and move a pointer instead of copies of it.
            let sent = Box::pin(build());
            retry::attempt_within(operation, async move {
                sent.await.map_err(|e| aws_error(operation, e))
            })
        })
        .await
    }
}

fn aws_error<E>(operation: &'static str, err: SdkError<E>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let Some(failed) = assume_role_failure(&err) {
        return AwsError::new(operation, code::ASSUME_ROLE_FAILED, failed.to_string());
    }
    let status = match &err {
        SdkError::ServiceError(e) => Some(e.raw().status().as_u16()),
        SdkError::ResponseError(e) => Some(e.raw().status().as_u16()),
        _ => None,
    };
    let (code, message) = match &err {
        SdkError::ServiceError(e) => (
            e.err().code().unwrap_or(code::UNKNOWN).to_string(),
            e.err().message().unwrap_or_default().to_string(),
        ),
        SdkError::TimeoutError(_) => (code::TIMEOUT.into(), "the request timed out".into()),
        // A lost or refused connection may work next time; no credentials or a bad endpoint
        // will not.
        SdkError::DispatchFailure(e)
            if e.is_io()
                || e.is_timeout()
                || matches!(
                    e.as_other(),
                    Some(
                        ErrorKind::TransientError
                            | ErrorKind::ThrottlingError
                            | ErrorKind::ServerError
                    )
                ) =>
        {
            (code::DISPATCH_FAILURE.into(), format!("{e:?}"))
        }
        SdkError::DispatchFailure(e) => (code::CLIENT_ERROR.into(), format!("{e:?}")),
        SdkError::ResponseError(e) => (code::RESPONSE_ERROR.into(), format!("{e:?}")),
        other => (code::UNKNOWN.into(), other.to_string()),
    };
    let message = if message.is_empty() {
        aws_sdk_backup::error::DisplayErrorContext(&err).to_string()
    } else {
        message
    };
    AwsError {
        operation,
        code,
        message,
        status,
    }
}

/// The provider's `assumeRole` failing under a call (the credentials are resolved for it).
fn assume_role_failure<E>(err: &SdkError<E>) -> Option<&crate::config::AssumeRoleFailed>
where
    E: std::error::Error + 'static,
{
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        if let Some(failed) = e.downcast_ref::<crate::config::AssumeRoleFailed>() {
            return Some(failed);
        }
        source = e.source();
    }
    None
}

/// A request the SDK refused to build (a required member missing): it never leaves the client.
fn unbuildable(operation: &'static str, err: BuildError) -> AwsError {
    AwsError::new(
        operation,
        code::CLIENT_ERROR,
        format!("invalid request: {err}"),
    )
}

pub fn rfc3339(d: &DateTime) -> String {
    d.fmt(Format::DateTime).unwrap_or_default()
}

#[async_trait]
impl BackupApi for SdkBackup {
    fn server_now(&self) -> SystemTime {
        self.clock.now()
    }

    async fn create_vault(&self, input: CreateVault) -> Result<VaultCreated, AwsError> {
        vault::create(self, input).await
    }

    async fn create_air_gapped_vault(
        &self,
        input: CreateAirGappedVault,
    ) -> Result<VaultCreated, AwsError> {
        vault::create_air_gapped(self, input).await
    }

    async fn describe_vault(&self, name: &str) -> Result<Option<Vault>, AwsError> {
        vault::describe(self, name).await
    }

    async fn visible_vault(&self, name: &str) -> Result<Option<Vault>, AwsError> {
        vault::visible(self, name).await
    }

    async fn delete_vault(&self, name: &str) -> Result<bool, AwsError> {
        vault::delete(self, name).await
    }

    async fn put_vault_lock(&self, vault: &str, lock: &VaultLockConfig) -> Result<(), AwsError> {
        vault::put_lock(self, vault, lock).await
    }

    async fn delete_vault_lock(&self, vault: &str) -> Result<bool, AwsError> {
        vault::delete_lock(self, vault).await
    }

    async fn put_vault_notifications(
        &self,
        vault: &str,
        config: &VaultNotificationConfig,
    ) -> Result<(), AwsError> {
        vault_notifications::put(self, vault, config).await
    }

    async fn get_vault_notifications(
        &self,
        vault: &str,
    ) -> Result<Option<VaultNotifications>, AwsError> {
        vault_notifications::get(self, vault).await
    }

    async fn delete_vault_notifications(&self, vault: &str) -> Result<bool, AwsError> {
        vault_notifications::delete(self, vault).await
    }

    async fn put_vault_policy(&self, vault: &str, policy: &str) -> Result<(), AwsError> {
        vault_policy::put(self, vault, policy).await
    }

    async fn get_vault_policy(&self, vault: &str) -> Result<Option<VaultPolicy>, AwsError> {
        vault_policy::get(self, vault).await
    }

    async fn delete_vault_policy(&self, vault: &str) -> Result<bool, AwsError> {
        vault_policy::delete(self, vault).await
    }

    async fn create_plan(
        &self,
        document: &PlanDocument,
        tags: &Tags,
        creator_request_id: Option<&str>,
    ) -> Result<PlanVersion, AwsError> {
        plan::create(self, document, tags, creator_request_id).await
    }

    async fn get_plan(&self, id: &str) -> Result<Option<Plan>, AwsError> {
        plan::get(self, id).await
    }

    async fn update_plan(
        &self,
        id: &str,
        document: &PlanDocument,
    ) -> Result<PlanVersion, AwsError> {
        plan::update(self, id, document).await
    }

    async fn delete_plan(&self, id: &str) -> Result<bool, AwsError> {
        plan::delete(self, id).await
    }

    async fn create_selection(
        &self,
        plan_id: &str,
        selection: &SelectionDocument,
        creator_request_id: Option<&str>,
    ) -> Result<SelectionCreated, AwsError> {
        selection::create(self, plan_id, selection, creator_request_id).await
    }

    async fn get_selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<Option<Selection>, AwsError> {
        selection::get(self, plan_id, selection_id).await
    }

    async fn delete_selection(&self, plan_id: &str, selection_id: &str) -> Result<bool, AwsError> {
        selection::delete(self, plan_id, selection_id).await
    }

    async fn list_selections(&self, plan_id: &str) -> Result<Vec<(String, String)>, AwsError> {
        selection::list(self, plan_id).await
    }

    async fn list_plans(&self) -> Result<Vec<(String, String)>, AwsError> {
        plan::list(self).await
    }

    async fn create_framework(
        &self,
        document: &FrameworkDocument,
        tags: &Tags,
        idempotency_token: &str,
    ) -> Result<String, AwsError> {
        framework::create(self, document, tags, idempotency_token).await
    }

    async fn describe_framework(&self, name: &str) -> Result<Option<Framework>, AwsError> {
        framework::describe(self, name).await
    }

    async fn update_framework(&self, document: &FrameworkDocument) -> Result<(), AwsError> {
        framework::update(self, document).await
    }

    async fn delete_framework(&self, name: &str) -> Result<bool, AwsError> {
        framework::delete(self, name).await
    }

    async fn create_report_plan(
        &self,
        document: &ReportPlanDocument,
        tags: &Tags,
        token: &str,
    ) -> Result<ReportPlanCreated, AwsError> {
        report_plan::create(self, document, tags, token).await
    }

    async fn get_report_plan(&self, name: &str) -> Result<Option<ReportPlan>, AwsError> {
        report_plan::get(self, name).await
    }

    async fn update_report_plan(&self, document: &ReportPlanDocument) -> Result<(), AwsError> {
        report_plan::update(self, document).await
    }

    async fn delete_report_plan(&self, name: &str) -> Result<bool, AwsError> {
        report_plan::delete(self, name).await
    }

    async fn create_restore_testing_plan(
        &self,
        document: &RestoreTestingPlanDocument,
        tags: &Tags,
        creator_request_id: &str,
    ) -> Result<RestoreTestingPlanCreated, AwsError> {
        restore_testing::create_plan(self, document, tags, creator_request_id).await
    }

    async fn get_restore_testing_plan(
        &self,
        name: &str,
    ) -> Result<Option<RestoreTestingPlan>, AwsError> {
        restore_testing::get_plan(self, name).await
    }

    async fn update_restore_testing_plan(
        &self,
        document: &RestoreTestingPlanDocument,
    ) -> Result<(), AwsError> {
        restore_testing::update_plan(self, document).await
    }

    async fn delete_restore_testing_plan(&self, name: &str) -> Result<bool, AwsError> {
        restore_testing::delete_plan(self, name).await
    }

    async fn create_restore_testing_selection(
        &self,
        plan: &str,
        document: &RestoreTestingSelectionDocument,
        creator_request_id: &str,
    ) -> Result<Option<String>, AwsError> {
        restore_testing::create_selection(self, plan, document, creator_request_id).await
    }

    async fn get_restore_testing_selection(
        &self,
        plan: &str,
        name: &str,
    ) -> Result<Option<RestoreTestingSelection>, AwsError> {
        restore_testing::get_selection(self, plan, name).await
    }

    async fn update_restore_testing_selection(
        &self,
        plan: &str,
        document: &RestoreTestingSelectionDocument,
    ) -> Result<(), AwsError> {
        restore_testing::update_selection(self, plan, document).await
    }

    async fn delete_restore_testing_selection(
        &self,
        plan: &str,
        name: &str,
    ) -> Result<bool, AwsError> {
        restore_testing::delete_selection(self, plan, name).await
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        tags::list(self, arn).await
    }

    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        tags::tag(self, arn, tags).await
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        tags::untag(self, arn, keys).await
    }

    async fn list_recovery_points(
        &self,
        vault: &str,
        filter: &RecoveryPointFilter,
    ) -> Result<Option<Vec<RecoveryPoint>>, AwsError> {
        vault::list_recovery_points(self, vault, filter).await
    }

    async fn account_id(&self) -> Result<Option<String>, AwsError> {
        settings::account_id(self).await
    }

    fn region(&self) -> String {
        self.region.clone()
    }

    async fn describe_global_settings(&self) -> Result<GlobalSettings, AwsError> {
        settings::describe_global(self).await
    }

    async fn update_global_settings(&self, settings: &GlobalSettings) -> Result<(), AwsError> {
        settings::update_global(self, settings).await
    }

    async fn describe_region_settings(&self) -> Result<RegionSettings, AwsError> {
        settings::describe_region(self).await
    }

    async fn update_region_settings(&self, settings: &RegionSettings) -> Result<(), AwsError> {
        settings::update_region(self, settings).await
    }

    async fn delete_recovery_point(&self, vault: &str, arn: &str) -> Result<bool, AwsError> {
        vault::delete_recovery_point(self, vault, arn).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every future that awaits an AWS call (the resources' operations, the async_trait boxes
    /// around them) holds the SDK's future behind a pointer, not a copy of its several KiB.
    #[tokio::test]
    async fn calls_hold_the_sdks_future_boxed() {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let api = SdkBackup::new(&config, &config, Policy::default(), None);
        let sdk = std::mem::size_of_val(
            &api.client
                .describe_backup_vault()
                .backup_vault_name("v")
                .send(),
        );
        let describe = std::mem::size_of_val(&vault::describe(&api, "v"));
        let list_tags = std::mem::size_of_val(&tags::list(&api, "arn"));
        assert!(
            describe < sdk / 2 && list_tags < sdk / 2,
            "SDK future {sdk} B; DescribeBackupVault through the provider {describe} B, ListTags {list_tags} B"
        );
    }
}
