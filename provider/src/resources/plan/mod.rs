//! `awsbackup:index:Plan`: a backup plan, its rules and advanced settings.
//!
//! `types.rs` holds the inputs and outputs, `checks.rs` their validation rules, `document.rs`
//! their conversion to and from the plan document AWS takes and answers; this file is the
//! resource's life cycle.

mod checks;
mod document;
mod types;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use self::checks::{
    air_gapped_target_name, air_gapped_target_problem, check_plan, copy_destinations_in,
    copy_into_air_gapped_problem, outside_lock_range,
};
pub use self::checks::{check_schedule, PLAN_NAME};
use self::document::{
    advanced_from, document, drop_plan_defaults, fallback_state, rules_from, state_from,
};
pub use self::types::{
    AdvancedBackupSettingArgs, CopyActionArgs, IndexActionArgs, LifecycleArgs, PlanArgs, PlanState,
    RuleArgs, RuleState,
};
use crate::aws::{Plan as AwsPlan, Tags, Vault};
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::tags;
use crate::retry::{self, Poll, WaitError};

/// How long a delete waits for AWS to forget the plan's deleted selections (the delete's custom
/// timeout replaces it).
const SELECTIONS_GONE_WAIT: Duration = Duration::from_secs(120);
/// How long the plan's listed selections may stay unchanged before the delete concludes that
/// nothing is deleting them (a quarter of the wait when that is shorter).
const SELECTIONS_STUCK_GRACE: Duration = Duration::from_secs(30);

pub struct Plan;

#[async_trait]
impl Resource for Plan {
    type Args = PlanArgs;
    type State = PlanState;

    const TOKEN: &'static str = "awsbackup:index:Plan";
    const REQUIRED_INPUTS: &'static [&'static str] = &["rules"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const NAME: Option<NameRule> = Some(PLAN_NAME);
    const OUTPUTS_CHANGED_BY_UPDATE: &'static [&'static str] = &["versionId"];
    const KEYED_LISTS: &'static [(&'static str, &'static str)] = &[
        ("rules", "ruleName"),
        ("advancedBackupSettings", "resourceType"),
    ];
    const PREFLIGHT: bool = true;

    fn check(&self, ctx: &mut CheckContext, args: &mut PlanArgs) {
        check_plan(ctx, args);
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        drop_plan_defaults(old);
        drop_plan_defaults(new);
    }

    async fn preflight(&self, ctx: &Context, args: &PlanArgs) -> Result<(), OpError> {
        let mut problems = Vec::new();
        let mut vaults: BTreeMap<String, Option<Vault>> = BTreeMap::new();
        for (i, rule) in args.rules.iter().flatten().enumerate() {
            let Some(vault_name) = rule.target_vault_name.clone() else {
                continue;
            };
            if !vaults.contains_key(&vault_name) {
                // Only what can be seen counts: no credentials or no such vault yet is no finding.
                let live = ctx.vaults.get(ctx.api.as_ref(), &vault_name).await.unwrap_or_else(|e| {
                    tracing::debug!(vault = %vault_name, error = %e, "cannot look up the target vault's lock");
                    None
                });
                vaults.insert(vault_name.clone(), live);
            }
            if let Some(vault) = vaults[&vault_name].as_ref().filter(|v| v.locked) {
                problems.extend(outside_lock_range(i, rule, &vault_name, vault));
            }
        }
        for (i, rule) in args.rules.iter().flatten().enumerate() {
            let Some(name) = air_gapped_target_name(rule) else {
                continue;
            };
            let found = ctx.vaults.get(ctx.api.as_ref(), name).await.unwrap_or_else(|e| {
                tracing::debug!(vault = %name, error = %e, "cannot look up the air-gapped target");
                None
            });
            if let Some(vault) = found {
                problems.extend(air_gapped_target_problem(i, rule, &vault));
            }
        }
        // Copies into this account and region's vaults: an air-gapped one holds them to its range.
        let region = ctx.api.region();
        let copies: Vec<_> = args
            .rules
            .iter()
            .flatten()
            .enumerate()
            .flat_map(|(i, rule)| {
                copy_destinations_in(rule, &region)
                    .into_iter()
                    .map(move |(j, account, name)| (i, rule, j, account, name))
            })
            .collect();
        if !copies.is_empty() {
            let own = ctx.api.account_id().await.ok().flatten();
            for (i, rule, j, account, name) in copies {
                if own.as_deref() != Some(account) {
                    continue;
                }
                let found = ctx.vaults.get(ctx.api.as_ref(), name).await.unwrap_or(None);
                if let Some(vault) = found {
                    problems.extend(copy_into_air_gapped_problem(i, j, rule, &vault));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(OpError::Failed(problems.join("; ")))
        }
    }

    async fn create(&self, ctx: &Context, args: PlanArgs) -> Result<(String, PlanState), OpError> {
        self.preflight(ctx, &args).await?;
        let name = args.name.clone().unwrap_or_default();
        // A repeated create (a retry, or the next update after an interrupted one) gets back the
        // plan the first one made.
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let created = ctx
            .api
            .create_plan(
                &document(&args)?,
                &args.tags.clone().unwrap_or_default(),
                Some(&token),
            )
            .await
            .map_err(|e| {
                if e.is_already_exists() {
                    OpError::Failed(format!(
                        "a backup plan named '{name}' (or with the same document) already exists; adopt it with \
                         `pulumi import {} <resource name> <plan id>` or choose another name",
                        Self::TOKEN
                    ))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(plan = %name, id = %created.id, "created backup plan");
        let fallback = fallback_state(&created.id, &created.arn, &created.version_id, &args);
        match ctx.api.get_plan(&created.id).await {
            Ok(Some(plan)) => Ok((
                created.id.clone(),
                state_from(&plan, &args, args.tags.clone()),
            )),
            Ok(None) => Err(OpError::partial(
                &created.id,
                &fallback,
                "the new plan could not be read back",
            )),
            Err(e) => Err(OpError::partial(
                &created.id,
                &fallback,
                format!("reading the new plan failed: {e}"),
            )),
        }
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<PlanArgs>,
    ) -> Result<Option<ReadResult<PlanArgs, PlanState>>, OpError> {
        let Some(plan) = ctx.api.get_plan(id).await? else {
            return Ok(None);
        };
        let live_tags = tags::managed(ctx.api.list_tags(&plan.arn).await?);
        Ok(Some(read_back(&plan, old, live_tags)))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: PlanState,
        news: PlanArgs,
    ) -> Result<PlanState, OpError> {
        self.preflight(ctx, &news).await?;
        let old_rules: Vec<RuleArgs> = old.rules.iter().map(|r| r.rule.clone()).collect();
        let document_changed = news.rules.as_ref() != Some(&old_rules)
            || news.advanced_backup_settings != old.advanced_backup_settings;
        if news.tags != old.tags {
            tags::change(
                ctx.api.as_ref(),
                &old.arn,
                &old.tags.clone().unwrap_or_default(),
                &news.tags.clone().unwrap_or_default(),
            )
            .await?;
        }
        if !document_changed {
            return Ok(PlanState {
                tags: news.tags.clone(),
                ..old
            });
        }
        let version = ctx.api.update_plan(id, &document(&news)?).await?;
        tracing::debug!(plan = %id, version = %version.version_id, "updated backup plan");
        // The new version's rule ids are only in GetBackupPlan.
        let fallback = fallback_state(id, &old.arn, &version.version_id, &news);
        match ctx.api.get_plan(id).await {
            Ok(Some(plan)) => Ok(state_from(&plan, &news, news.tags.clone())),
            Ok(None) => Err(OpError::partial(
                id,
                &fallback,
                format!("backup plan '{id}' no longer exists; run `pulumi refresh`"),
            )),
            Err(e) => Err(OpError::partial(
                id,
                &fallback,
                format!("reading the updated plan failed: {e}"),
            )),
        }
    }

    async fn delete(&self, ctx: &Context, id: &str, _state: PlanState) -> Result<(), OpError> {
        let budget = ctx.wait_budget(SELECTIONS_GONE_WAIT);
        let grace = SELECTIONS_STUCK_GRACE.min(budget / 4);
        // The selections AWS last listed for the plan, and since when that list is unchanged.
        let stuck: std::sync::Mutex<Option<(Vec<(String, String)>, tokio::time::Instant)>> =
            Default::default();
        let deleted = retry::wait(
            budget,
            Duration::from_millis(500),
            Duration::from_secs(5),
            || async {
                let refusal = match ctx.api.delete_plan(id).await {
                    Ok(_) => return Ok(Poll::Done(())),
                    Err(e) if e.is_plan_has_selections() => e,
                    Err(e) => return Err(OpError::from(e)),
                };
                // Selections still listed are either being deleted right now (the engine deletes
                // them before or alongside the plan) or going nowhere; none listed means AWS has
                // not caught up with their deletion yet, which only takes waiting.
                let now = tokio::time::Instant::now();
                match ctx.api.list_selections(id).await {
                    Ok(mut listed) if !listed.is_empty() => {
                        listed.sort();
                        let mut stuck = stuck.lock().expect("stuck lock");
                        match stuck.as_ref() {
                            Some((before, since)) if *before == listed => {
                                if now.duration_since(*since) >= grace {
                                    return Err(OpError::Failed(selections_left_behind(
                                        id, &listed, grace,
                                    )));
                                }
                            }
                            _ => *stuck = Some((listed, now)),
                        }
                    }
                    Ok(_) => *stuck.lock().expect("stuck lock") = None,
                    Err(e) => {
                        tracing::debug!(plan = %id, error = %e, "cannot list the plan's selections")
                    }
                }
                tracing::debug!(plan = %id, "selections still attached; retrying delete");
                Ok(Poll::Pending(refusal.message))
            },
        )
        .await;
        match deleted {
            Ok(()) => Ok(()),
            Err(WaitError::Failed(e)) => Err(e),
            Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
                "backup plan '{id}' still has selections after {:.0}s: {last}",
                waited.as_secs_f64()
            ))),
            Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
        }
    }
}

/// A live plan as the resource reads it: its inputs, shaped like `old` (the previous inputs;
/// `None` on import, and for `getPlan`: then only what differs from AWS's defaults shows), and
/// its state. `live_tags` are the plan's tags without AWS's own.
pub fn read_back(
    plan: &AwsPlan,
    old: Option<PlanArgs>,
    live_tags: Tags,
) -> ReadResult<PlanArgs, PlanState> {
    let old = old.unwrap_or_default();
    let tags = (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags);
    let inputs = PlanArgs {
        name: Some(plan.document.name.clone()),
        rules: Some(rules_from(plan, old.rules.as_ref())),
        advanced_backup_settings: advanced_from(plan, old.advanced_backup_settings.as_ref()),
        tags: tags.clone(),
    };
    let state = state_from(plan, &inputs, tags);
    ReadResult { inputs, state }
}

/// Why a plan cannot be deleted while selections nobody is deleting still belong to it.
fn selections_left_behind(id: &str, listed: &[(String, String)], grace: Duration) -> String {
    let names: Vec<String> = listed
        .iter()
        .map(|(sel, name)| format!("'{name}' ({id}|{sel})"))
        .collect();
    format!(
        "backup plan '{id}' cannot be deleted: AWS deletes a plan only after its selections, and \
         {} selection(s) of it stayed in place for {}s: {}. If they are in this stack (after \
         `pulumi import`, the state records no dependency between a selection and its plan), make \
         each selection's planId refer to the plan resource's planId output and run `pulumi up` \
         once, which records the dependency, then delete again. Otherwise delete those selections \
         first (`pulumi destroy --target <selection urn>`, or DeleteBackupSelection)",
        listed.len(),
        grace.as_secs(),
        names.join(", ")
    )
}
