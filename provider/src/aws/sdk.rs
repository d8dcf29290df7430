//! [`BackupApi`] on top of aws-sdk-backup.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use async_trait::async_trait;
use aws_sdk_backup::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_backup::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_backup::error::BoxError;
use aws_sdk_backup::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_backup::Client;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::retry::ErrorKind;
use aws_smithy_types::DateTime;

use aws_sdk_backup::types::{BackupPlanInput, BackupSelection, BackupVaultEvent};

use super::{
    code, AwsError, BackupApi, CreateVault, Plan, PlanVersion, Selection, Tags, Vault,
    VaultCreated, VaultLockConfig, VaultNotificationConfig, VaultNotifications,
};
use crate::retry::{self, Policy, RateLimiter};

/// The SDK client makes one attempt per call; [`retry::call`] retries it under the provider's
/// policy and, in adaptive mode, paces it with the limiter shared by the account and region.
pub struct SdkBackup {
    client: Client,
    clock: Arc<ServerClock>,
    policy: Policy,
    limiter: Option<Arc<RateLimiter>>,
}

impl SdkBackup {
    pub fn new(
        sdk: &aws_config::SdkConfig,
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
            let sent = build();
            async move { sent.await.map_err(|e| aws_error(operation, e)) }
        })
        .await
    }
}

/// AWS's clock as seen in the `Date` header of the last response, and when it was seen.
#[derive(Debug, Default)]
struct ServerClock {
    seen: Mutex<Option<(SystemTime, Instant)>>,
}

#[derive(Debug)]
struct DateHeader(Arc<ServerClock>);

impl Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "ServerClock"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let date = context.response().headers().get("date");
        if let Some(t) = date
            .and_then(|d| DateTime::from_str(d, Format::HttpDate).ok())
            .and_then(|d| SystemTime::try_from(d).ok())
        {
            *self.0.seen.lock().expect("clock lock") = Some((t, Instant::now()));
        }
        Ok(())
    }
}

fn aws_error<E>(operation: &'static str, err: SdkError<E>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
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

pub fn rfc3339(d: &DateTime) -> String {
    d.fmt(Format::DateTime).unwrap_or_default()
}

#[async_trait]
impl BackupApi for SdkBackup {
    fn server_now(&self) -> SystemTime {
        match *self.clock.seen.lock().expect("clock lock") {
            Some((at, seen)) => at + seen.elapsed(),
            None => SystemTime::now(),
        }
    }

    async fn create_vault(&self, input: CreateVault) -> Result<VaultCreated, AwsError> {
        let tags = (!input.tags.is_empty()).then(|| input.tags.clone().into_iter().collect());
        let out = self
            .send("CreateBackupVault", || {
                self.client
                    .create_backup_vault()
                    .backup_vault_name(&input.name)
                    .set_encryption_key_arn(input.encryption_key_arn.clone())
                    .set_backup_vault_tags(tags.clone())
                    .set_creator_request_id(input.creator_request_id.clone())
                    .send()
            })
            .await?;
        Ok(VaultCreated {
            arn: out.backup_vault_arn.unwrap_or_default(),
            creation_date: out.creation_date.as_ref().map(rfc3339),
        })
    }

    async fn describe_vault(&self, name: &str) -> Result<Option<Vault>, AwsError> {
        let out = match self
            .send("DescribeBackupVault", || {
                self.client
                    .describe_backup_vault()
                    .backup_vault_name(name)
                    .send()
            })
            .await
        {
            Ok(out) => out,
            Err(err) if err.is_vault_gone() => return Ok(None),
            Err(err) => return Err(err),
        };
        Ok(Some(Vault {
            name: out.backup_vault_name.unwrap_or_else(|| name.to_string()),
            arn: out.backup_vault_arn.unwrap_or_default(),
            encryption_key_arn: out.encryption_key_arn,
            creation_date: out.creation_date.as_ref().map(rfc3339),
            recovery_points: out.number_of_recovery_points,
            locked: out.locked.unwrap_or(false),
            min_retention_days: out.min_retention_days,
            max_retention_days: out.max_retention_days,
            lock_date: out.lock_date.as_ref().map(rfc3339),
            creator_request_id: out.creator_request_id,
        }))
    }

    async fn delete_vault(&self, name: &str) -> Result<(), AwsError> {
        self.send("DeleteBackupVault", || {
            self.client
                .delete_backup_vault()
                .backup_vault_name(name)
                .send()
        })
        .await?;
        Ok(())
    }

    async fn put_vault_lock(&self, vault: &str, lock: &VaultLockConfig) -> Result<(), AwsError> {
        self.send("PutBackupVaultLockConfiguration", || {
            self.client
                .put_backup_vault_lock_configuration()
                .backup_vault_name(vault)
                .set_min_retention_days(lock.min_retention_days)
                .set_max_retention_days(lock.max_retention_days)
                .set_changeable_for_days(lock.changeable_for_days)
                .send()
        })
        .await?;
        Ok(())
    }

    async fn delete_vault_lock(&self, vault: &str) -> Result<(), AwsError> {
        self.send("DeleteBackupVaultLockConfiguration", || {
            self.client
                .delete_backup_vault_lock_configuration()
                .backup_vault_name(vault)
                .send()
        })
        .await?;
        Ok(())
    }

    // Vault notifications.
    async fn put_vault_notifications(
        &self,
        vault: &str,
        config: &VaultNotificationConfig,
    ) -> Result<(), AwsError> {
        let events: Vec<BackupVaultEvent> = config
            .events
            .iter()
            .map(|e| BackupVaultEvent::from(e.as_str()))
            .collect();
        self.send("PutBackupVaultNotifications", || {
            self.client
                .put_backup_vault_notifications()
                .backup_vault_name(vault)
                .sns_topic_arn(&config.sns_topic_arn)
                .set_backup_vault_events(Some(events.clone()))
                .send()
        })
        .await?;
        Ok(())
    }

    async fn get_vault_notifications(
        &self,
        vault: &str,
    ) -> Result<Option<VaultNotifications>, AwsError> {
        let out = match self
            .send("GetBackupVaultNotifications", || {
                self.client
                    .get_backup_vault_notifications()
                    .backup_vault_name(vault)
                    .send()
            })
            .await
        {
            Ok(out) => out,
            // No configuration (NotFound), or no vault (NotFound or AccessDenied).
            Err(err) if err.is_vault_gone() => return Ok(None),
            Err(err) => return Err(err),
        };
        Ok(Some(VaultNotifications {
            vault_name: out.backup_vault_name.unwrap_or_else(|| vault.to_string()),
            vault_arn: out.backup_vault_arn.unwrap_or_default(),
            config: VaultNotificationConfig {
                sns_topic_arn: out.sns_topic_arn.unwrap_or_default(),
                events: out
                    .backup_vault_events
                    .unwrap_or_default()
                    .iter()
                    .map(|e| e.as_str().to_string())
                    .collect(),
            },
        }))
    }

    async fn delete_vault_notifications(&self, vault: &str) -> Result<bool, AwsError> {
        match self
            .send("DeleteBackupVaultNotifications", || {
                self.client
                    .delete_backup_vault_notifications()
                    .backup_vault_name(vault)
                    .send()
            })
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.is_vault_gone() => Ok(false),
            Err(err) => Err(err),
        }
    }

    async fn create_plan(
        &self,
        plan: BackupPlanInput,
        tags: &Tags,
        creator_request_id: Option<&str>,
    ) -> Result<PlanVersion, AwsError> {
        let tags = (!tags.is_empty()).then(|| tags.clone().into_iter().collect());
        let out = self
            .send("CreateBackupPlan", || {
                self.client
                    .create_backup_plan()
                    .backup_plan(plan.clone())
                    .set_backup_plan_tags(tags.clone())
                    .set_creator_request_id(creator_request_id.map(str::to_string))
                    .send()
            })
            .await?;
        Ok(PlanVersion {
            id: out.backup_plan_id.unwrap_or_default(),
            arn: out.backup_plan_arn.unwrap_or_default(),
            version_id: out.version_id.unwrap_or_default(),
        })
    }

    async fn get_plan(&self, id: &str) -> Result<Option<Plan>, AwsError> {
        let out = match self
            .send("GetBackupPlan", || {
                self.client.get_backup_plan().backup_plan_id(id).send()
            })
            .await
        {
            Ok(out) => out,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        // A deleted plan may still be readable, with its deletion date.
        if out.deletion_date.is_some() {
            return Ok(None);
        }
        let Some(document) = out.backup_plan else {
            return Ok(None);
        };
        Ok(Some(Plan {
            id: out.backup_plan_id.unwrap_or_else(|| id.to_string()),
            arn: out.backup_plan_arn.unwrap_or_default(),
            version_id: out.version_id.unwrap_or_default(),
            document,
            advanced_backup_settings: out.advanced_backup_settings.unwrap_or_default(),
            creation_date: out.creation_date.as_ref().map(rfc3339),
        }))
    }

    async fn update_plan(&self, id: &str, plan: BackupPlanInput) -> Result<PlanVersion, AwsError> {
        let out = self
            .send("UpdateBackupPlan", || {
                self.client
                    .update_backup_plan()
                    .backup_plan_id(id)
                    .backup_plan(plan.clone())
                    .send()
            })
            .await?;
        Ok(PlanVersion {
            id: out.backup_plan_id.unwrap_or_else(|| id.to_string()),
            arn: out.backup_plan_arn.unwrap_or_default(),
            version_id: out.version_id.unwrap_or_default(),
        })
    }

    async fn delete_plan(&self, id: &str) -> Result<(), AwsError> {
        self.send("DeleteBackupPlan", || {
            self.client.delete_backup_plan().backup_plan_id(id).send()
        })
        .await?;
        Ok(())
    }

    async fn create_selection(
        &self,
        plan_id: &str,
        selection: BackupSelection,
        creator_request_id: Option<&str>,
    ) -> Result<(String, Option<String>), AwsError> {
        let out = self
            .send("CreateBackupSelection", || {
                self.client
                    .create_backup_selection()
                    .backup_plan_id(plan_id)
                    .backup_selection(selection.clone())
                    .set_creator_request_id(creator_request_id.map(str::to_string))
                    .send()
            })
            .await?;
        Ok((
            out.selection_id.unwrap_or_default(),
            out.creation_date.as_ref().map(rfc3339),
        ))
    }

    async fn get_selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<Option<Selection>, AwsError> {
        let out = match self
            .send("GetBackupSelection", || {
                self.client
                    .get_backup_selection()
                    .backup_plan_id(plan_id)
                    .selection_id(selection_id)
                    .send()
            })
            .await
        {
            Ok(out) => out,
            Err(err) if err.is_selection_gone() => return Ok(None),
            Err(err) => return Err(err),
        };
        let Some(selection) = out.backup_selection else {
            return Ok(None);
        };
        Ok(Some(Selection {
            plan_id: out.backup_plan_id.unwrap_or_else(|| plan_id.to_string()),
            selection_id: out.selection_id.unwrap_or_else(|| selection_id.to_string()),
            selection,
            creation_date: out.creation_date.as_ref().map(rfc3339),
        }))
    }

    async fn delete_selection(&self, plan_id: &str, selection_id: &str) -> Result<(), AwsError> {
        self.send("DeleteBackupSelection", || {
            self.client
                .delete_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(selection_id)
                .send()
        })
        .await?;
        Ok(())
    }

    async fn list_selections(&self, plan_id: &str) -> Result<Vec<(String, String)>, AwsError> {
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .send("ListBackupSelections", || {
                    self.client
                        .list_backup_selections()
                        .backup_plan_id(plan_id)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            found.extend(
                out.backup_selections_list
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| {
                        (
                            s.selection_id.unwrap_or_default(),
                            s.selection_name.unwrap_or_default(),
                        )
                    }),
            );
            token = out.next_token;
            if token.is_none() {
                return Ok(found);
            }
        }
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        let mut tags = Tags::new();
        let mut token = None;
        loop {
            let out = self
                .send("ListTags", || {
                    self.client
                        .list_tags()
                        .resource_arn(arn)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            tags.extend(out.tags.unwrap_or_default());
            token = out.next_token;
            if token.is_none() {
                return Ok(tags);
            }
        }
    }

    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        let tags: std::collections::HashMap<String, String> = tags.clone().into_iter().collect();
        self.send("TagResource", || {
            self.client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.send("UntagResource", || {
            self.client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_key_list(Some(keys.to_vec()))
                .send()
        })
        .await?;
        Ok(())
    }

    async fn list_recovery_points(&self, vault: &str) -> Result<Vec<String>, AwsError> {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .send("ListRecoveryPointsByBackupVault", || {
                    self.client
                        .list_recovery_points_by_backup_vault()
                        .backup_vault_name(vault)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            arns.extend(
                out.recovery_points
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|rp| rp.recovery_point_arn),
            );
            token = out.next_token;
            if token.is_none() {
                return Ok(arns);
            }
        }
    }

    async fn delete_recovery_point(&self, vault: &str, arn: &str) -> Result<(), AwsError> {
        self.send("DeleteRecoveryPoint", || {
            self.client
                .delete_recovery_point()
                .backup_vault_name(vault)
                .recovery_point_arn(arn)
                .send()
        })
        .await?;
        Ok(())
    }
}
