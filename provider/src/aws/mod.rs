//! Every AWS Backup call the provider makes goes through [`BackupApi`], in the provider's own
//! types ([`vault`], [`vault_notifications`], [`vault_policy`], [`plan`], [`selection`],
//! [`restore_testing`], [`framework`], [`report_plan`]); [`sdk::SdkBackup`] implements it on
//! aws-sdk-backup, the only place that knows the SDK's types.
//!
//! This layer is the only one that knows AWS's error codes ([`errors`]) and the only one that
//! reads an answer as "does not exist": reads answer `None`, and deletes `Ok(false)`, for what
//! is already gone.

pub mod errors;
pub mod framework;
pub mod plan;
pub mod report_plan;
pub mod restore_testing;
pub mod sdk;
pub mod selection;
pub mod settings;
pub mod vault;
pub mod vault_notifications;
pub mod vault_policy;

pub use errors::{code, AwsError};
pub use framework::{Framework, FrameworkDocument};
pub use plan::{Plan, PlanDocument, PlanVersion};
pub use report_plan::{ReportPlan, ReportPlanCreated, ReportPlanDocument};
pub use restore_testing::{
    RestoreTestingPlan, RestoreTestingPlanCreated, RestoreTestingPlanDocument,
    RestoreTestingSelection, RestoreTestingSelectionDocument,
};
pub use selection::{Selection, SelectionCreated, SelectionDocument};
pub use settings::{GlobalSettings, RegionSettings};
pub use vault::{
    CreateAirGappedVault, CreateVault, RecoveryPoint, RecoveryPointFilter, Vault, VaultCreated,
    VaultLockConfig, AIR_GAPPED_VAULT_TYPE, BACKUP_VAULT_TYPE, VAULT_AVAILABLE, VAULT_FAILED,
};
pub use vault_notifications::{VaultNotificationConfig, VaultNotifications};
pub use vault_policy::VaultPolicy;

use std::collections::BTreeMap;
use std::time::SystemTime;

use async_trait::async_trait;

pub type Tags = BTreeMap<String, String>;

/// The AWS Backup operations the provider uses. Reads answer `None` for what does not exist;
/// deletes answer whether they deleted something (`Ok(false)`: it was already gone).
#[async_trait]
pub trait BackupApi: Send + Sync {
    /// AWS's current time, as far as the client can tell (the local clock until a response
    /// has been seen).
    fn server_now(&self) -> SystemTime;

    async fn create_vault(&self, input: CreateVault) -> Result<VaultCreated, AwsError>;
    async fn create_air_gapped_vault(
        &self,
        input: CreateAirGappedVault,
    ) -> Result<VaultCreated, AwsError>;
    /// `None` when the vault does not exist.
    async fn describe_vault(&self, name: &str) -> Result<Option<Vault>, AwsError>;
    /// The vault as the credentials see it: `None` when AWS does not show it, missing or
    /// denied alike (AWS answers AccessDenied for a missing vault), without the further call
    /// that tells the two apart. For checks where only what can be seen counts.
    async fn visible_vault(&self, name: &str) -> Result<Option<Vault>, AwsError>;
    async fn delete_vault(&self, name: &str) -> Result<bool, AwsError>;

    async fn put_vault_lock(&self, vault: &str, lock: &VaultLockConfig) -> Result<(), AwsError>;
    /// `Ok(false)` when the vault is gone.
    async fn delete_vault_lock(&self, vault: &str) -> Result<bool, AwsError>;

    // Vault notifications (a vault has at most one configuration; a Put replaces it whole).
    async fn put_vault_notifications(
        &self,
        vault: &str,
        config: &VaultNotificationConfig,
    ) -> Result<(), AwsError>;
    /// `None` when the vault has no notification configuration, or does not exist.
    async fn get_vault_notifications(
        &self,
        vault: &str,
    ) -> Result<Option<VaultNotifications>, AwsError>;
    /// `Ok(false)` when there was nothing to delete (no configuration, or no vault).
    async fn delete_vault_notifications(&self, vault: &str) -> Result<bool, AwsError>;

    // Vault access policies (a vault has at most one; a Put replaces it whole).
    async fn put_vault_policy(&self, vault: &str, policy: &str) -> Result<(), AwsError>;
    /// `None` when the vault has no access policy, or does not exist.
    async fn get_vault_policy(&self, vault: &str) -> Result<Option<VaultPolicy>, AwsError>;
    /// `Ok(false)` when there was nothing to delete (no policy, or no vault).
    async fn delete_vault_policy(&self, vault: &str) -> Result<bool, AwsError>;

    /// A repeated create with the same `creator_request_id` answers the plan it created first.
    async fn create_plan(
        &self,
        document: &PlanDocument,
        tags: &Tags,
        creator_request_id: Option<&str>,
    ) -> Result<PlanVersion, AwsError>;
    /// `None` when the plan does not exist or has been deleted.
    async fn get_plan(&self, id: &str) -> Result<Option<Plan>, AwsError>;
    async fn update_plan(&self, id: &str, document: &PlanDocument)
        -> Result<PlanVersion, AwsError>;
    async fn delete_plan(&self, id: &str) -> Result<bool, AwsError>;

    /// A repeated create with the same `creator_request_id` answers the selection it created
    /// first.
    async fn create_selection(
        &self,
        plan_id: &str,
        selection: &SelectionDocument,
        creator_request_id: Option<&str>,
    ) -> Result<SelectionCreated, AwsError>;
    /// `None` when the selection, or its plan, does not exist.
    async fn get_selection(
        &self,
        plan_id: &str,
        selection_id: &str,
    ) -> Result<Option<Selection>, AwsError>;
    /// `Ok(false)` also when the plan is gone, which takes its selections with it.
    async fn delete_selection(&self, plan_id: &str, selection_id: &str) -> Result<bool, AwsError>;
    /// The selections of a plan as ListBackupSelections reports them: (selection id, name).
    async fn list_selections(&self, plan_id: &str) -> Result<Vec<(String, String)>, AwsError>;
    /// The plans ListBackupPlans reports (deleted ones left out): (plan id, name).
    async fn list_plans(&self) -> Result<Vec<(String, String)>, AwsError>;

    // Restore testing: plans by name, selections by plan and selection name. ConflictException
    // (an earlier change still in progress) is retried like a throttle.
    /// A repeated create with the same `creator_request_id` answers the plan it created first.
    async fn create_restore_testing_plan(
        &self,
        document: &RestoreTestingPlanDocument,
        tags: &Tags,
        creator_request_id: &str,
    ) -> Result<RestoreTestingPlanCreated, AwsError>;
    /// `None` when the plan does not exist.
    async fn get_restore_testing_plan(
        &self,
        name: &str,
    ) -> Result<Option<RestoreTestingPlan>, AwsError>;
    /// Sends every field of `document` but the name (which cannot change).
    async fn update_restore_testing_plan(
        &self,
        document: &RestoreTestingPlanDocument,
    ) -> Result<(), AwsError>;
    async fn delete_restore_testing_plan(&self, name: &str) -> Result<bool, AwsError>;
    /// A repeated create with the same `creator_request_id` answers the selection it created
    /// first.
    async fn create_restore_testing_selection(
        &self,
        plan: &str,
        document: &RestoreTestingSelectionDocument,
        creator_request_id: &str,
    ) -> Result<Option<String>, AwsError>;
    /// `None` when the selection, or its plan, does not exist.
    async fn get_restore_testing_selection(
        &self,
        plan: &str,
        name: &str,
    ) -> Result<Option<RestoreTestingSelection>, AwsError>;
    /// Sends every field of `document` but the name and the type (which cannot change); empty
    /// conditions and overrides clear them.
    async fn update_restore_testing_selection(
        &self,
        plan: &str,
        document: &RestoreTestingSelectionDocument,
    ) -> Result<(), AwsError>;
    /// `Ok(false)` also when the plan is gone.
    async fn delete_restore_testing_selection(
        &self,
        plan: &str,
        name: &str,
    ) -> Result<bool, AwsError>;

    // Backup Audit Manager frameworks, by name. ConflictException (a deployment still in
    // progress) is retried like a throttle.
    /// Answers the ARN; a repeated create with the same `idempotency_token` answers the
    /// framework it created first.
    async fn create_framework(
        &self,
        document: &FrameworkDocument,
        tags: &Tags,
        idempotency_token: &str,
    ) -> Result<String, AwsError>;
    /// `None` when the framework does not exist.
    async fn describe_framework(&self, name: &str) -> Result<Option<Framework>, AwsError>;
    /// Sends the description (when there is one) and the whole control list.
    async fn update_framework(&self, document: &FrameworkDocument) -> Result<(), AwsError>;
    async fn delete_framework(&self, name: &str) -> Result<bool, AwsError>;

    // Report plans, by name. ConflictException (an earlier change still deploying) is retried
    // like a throttle.
    /// A repeated create with the same `token` answers the plan it created first.
    async fn create_report_plan(
        &self,
        document: &ReportPlanDocument,
        tags: &Tags,
        token: &str,
    ) -> Result<ReportPlanCreated, AwsError>;
    /// `None` when the plan does not exist.
    async fn get_report_plan(&self, name: &str) -> Result<Option<ReportPlan>, AwsError>;
    /// Sends the channel and the setting whole, and the description when set.
    async fn update_report_plan(&self, document: &ReportPlanDocument) -> Result<(), AwsError>;
    async fn delete_report_plan(&self, name: &str) -> Result<bool, AwsError>;

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError>;
    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), AwsError>;
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), AwsError>;

    /// The vault's recovery points that pass `filter`, every page of them; `None` when the vault
    /// does not exist.
    async fn list_recovery_points(
        &self,
        vault: &str,
        filter: &RecoveryPointFilter,
    ) -> Result<Option<Vec<RecoveryPoint>>, AwsError>;
    async fn delete_recovery_point(&self, vault: &str, arn: &str) -> Result<bool, AwsError>;

    // Settings: an account's global settings, the region's settings.
    /// The account the calls are made as, when it can be told (see `sdk/settings.rs`).
    async fn account_id(&self) -> Result<Option<String>, AwsError>;
    /// The region the calls go to.
    fn region(&self) -> String;
    async fn describe_global_settings(&self) -> Result<GlobalSettings, AwsError>;
    /// Changes the settings named; the others keep their values.
    async fn update_global_settings(&self, settings: &GlobalSettings) -> Result<(), AwsError>;
    /// Every resource type AWS knows in the region, with its values.
    async fn describe_region_settings(&self) -> Result<RegionSettings, AwsError>;
    /// Changes the types named; the others keep their values.
    async fn update_region_settings(&self, settings: &RegionSettings) -> Result<(), AwsError>;
}
