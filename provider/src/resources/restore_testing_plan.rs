//! `awsbackup:index:RestoreTestingPlan`: when AWS Backup runs restore tests and which recovery
//! points it restores.
//!
//! The id and the import id are the plan name. Every input but the name changes in place
//! (UpdateRestoreTestingPlan, tags through Tag/UntagResource); AWS's defaults (time zone, start
//! window, selection window, no excluded vaults) are no diff when the inputs leave them out, and
//! the vault and type lists are sets.

use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::restore_testing::RecoveryPointSelection;
use crate::aws::{RestoreTestingPlan as AwsPlan, RestoreTestingPlanDocument, Tags};
use crate::naming::NameRule;
use crate::resource::{
    creator_request_id, sort_sets, CheckContext, Context, OpError, ReadResult, Resource,
};
use crate::resources::plan::check_schedule;
use crate::resources::tags;
use crate::retry::{self, Poll, WaitError};
use crate::value::Path;

/// A restore testing plan: on a schedule, AWS Backup picks recovery points from the vaults named
/// and restores them to check that they can be restored. The resources to restore are the
/// plan's `awsbackup:index:RestoreTestingSelection`s. The id is the plan name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestoreTestingPlanArgs {
    /// The plan name: 1 to 50 letters, digits and underscores, unique per account and region.
    /// Autonamed `<resource name>_<7 chars>` (hyphens become underscores) when omitted. AWS
    /// cannot rename a plan: changing it replaces the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When restore tests run: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, at
    /// most hourly, one of the day fields `?`, e.g. `cron(0 5 ? * * *)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// The IANA time zone of the schedule, e.g. `Europe/Paris`. AWS's default is UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression_timezone: Option<String>,
    /// Hours after the scheduled time within which a restore job must start, or it is
    /// cancelled: 1 to 168. AWS's default is 24.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_window_hours: Option<i64>,
    /// Which recovery points the plan restores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_point_selection: Option<RecoveryPointSelectionArgs>,
    /// Tags for the plan; the provider's `defaultTags` are merged under them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// Which recovery points a restore testing plan restores.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryPointSelectionArgs {
    /// `LATEST_WITHIN_WINDOW` (the newest recovery point in the selection window) or
    /// `RANDOM_WITHIN_WINDOW` (any recovery point in it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// The vaults recovery points are picked from, at least one: `*` for every vault, or backup
    /// vault ARNs, which may end in `*` (`arn:aws:backup:us-east-1:123456789012:backup-vault:prod-*`).
    /// Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_vaults: Option<Vec<String>>,
    /// Vaults whose recovery points are never picked, in the same forms as `includeVaults`.
    /// AWS's default is none. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_vaults: Option<Vec<String>>,
    /// The kinds of recovery point to restore, one or both: `SNAPSHOT`, `CONTINUOUS` (point in
    /// time). Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_point_types: Option<Vec<String>>,
    /// How many days back recovery points are picked from, counted from the restore job's
    /// start: 1 to 365. AWS's default is 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection_window_days: Option<i64>,
}

/// The state of a restore testing plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestoreTestingPlanState {
    #[serde(flatten)]
    pub args: RestoreTestingPlanArgs,
    /// The plan's ARN.
    pub arn: String,
    /// When the plan was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
}

/// How long a delete retries while AWS still holds selections of the plan (the delete's custom
/// timeout replaces it).
const SELECTIONS_GONE_WAIT: Duration = Duration::from_secs(60);

/// Names of restore testing plans and selections.
pub const RESTORE_TESTING_NAME: NameRule = NameRule {
    field: "name",
    what: "a restore testing plan name",
    min_len: 1,
    max_len: 50,
    allowed: |c| c.is_ascii_alphanumeric() || c == '_',
    allowed_text: "letters, digits and underscores (_)",
};

pub const ALGORITHMS: &[&str] = &["LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW"];
pub const RECOVERY_POINT_TYPES: &[&str] = &["SNAPSHOT", "CONTINUOUS"];
/// What AWS fills in for what the inputs leave out.
const DEFAULT_TIMEZONES: &[&str] = &["Etc/UTC", "UTC"];
const DEFAULT_START_WINDOW_HOURS: i64 = 24;
const DEFAULT_SELECTION_WINDOW_DAYS: i64 = 30;
const START_WINDOW_HOURS: (i64, i64) = (1, 168);
const SELECTION_WINDOW_DAYS: (i64, i64) = (1, 365);
/// The inputs that are sets, under `recoveryPointSelection`.
const SET_LISTS: &[&str] = &["includeVaults", "excludeVaults", "recoveryPointTypes"];

/// Why a vault entry is neither `*` nor a backup vault ARN (with an optional trailing `*`).
fn vault_entry_refusal(entry: &str) -> Option<String> {
    if entry == "*" {
        return None;
    }
    let parts: Vec<&str> = entry.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "backup"
        && parts[5]
            .strip_prefix("backup-vault:")
            .is_some_and(|name| !name.is_empty());
    (!ok).then(|| {
        format!(
            "must be \"*\" or a backup vault ARN like \
             arn:aws:backup:<region>:<account-id>:backup-vault:<name> (the name may end in *), \
             got '{entry}'"
        )
    })
}

/// Checks a list that is a set: no repeats, and each element by `refusal`.
fn check_set(
    ctx: &mut CheckContext,
    path: &Path,
    list: &[String],
    refusal: impl Fn(&str) -> Option<String>,
) {
    for (i, item) in list.iter().enumerate() {
        let at = path.index(i);
        if let Some(first) = list[..i].iter().position(|x| x == item) {
            ctx.fail(
                &at,
                format!("'{item}' is listed twice (also {}); the list is a set", path.index(first)),
            );
        } else if let Some(reason) = refusal(item) {
            ctx.fail(&at, reason);
        }
    }
}

fn check_range(ctx: &mut CheckContext, path: &Path, value: Option<i64>, (min, max): (i64, i64), unit: &str) {
    if let Some(v) = value.filter(|v| !(min..=max).contains(v)) {
        ctx.fail(path, format!("must be between {min} and {max} {unit}, got {v}"));
    }
}

/// The rules AWS documents for a plan's inputs.
fn check_plan(ctx: &mut CheckContext, args: &RestoreTestingPlanArgs) {
    if let Some(expr) = &args.schedule_expression {
        if let Err(e) = check_schedule(expr) {
            ctx.fail("scheduleExpression", e);
        }
    }
    if let Some(tz) = &args.schedule_expression_timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            ctx.fail(
                "scheduleExpressionTimezone",
                format!("must be an IANA time zone name such as Etc/UTC or Europe/Paris, got '{tz}'"),
            );
        }
    }
    check_range(ctx, &Path::root().key("startWindowHours"), args.start_window_hours, START_WINDOW_HOURS, "hours");
    let Some(sel) = &args.recovery_point_selection else {
        return;
    };
    let root = Path::root().key("recoveryPointSelection");
    let required = |ctx: &mut CheckContext, field: &str, present: bool| {
        let path = root.key(field);
        if !present && !ctx.is_unknown(&path.to_string()) {
            ctx.fail(&path, "is required");
        }
    };
    required(ctx, "algorithm", sel.algorithm.is_some());
    required(ctx, "includeVaults", sel.include_vaults.is_some());
    required(ctx, "recoveryPointTypes", sel.recovery_point_types.is_some());
    if let Some(a) = sel.algorithm.as_deref().filter(|a| !ALGORITHMS.contains(a)) {
        ctx.fail(
            root.key("algorithm"),
            format!("must be one of {}, got '{a}'", ALGORITHMS.join(", ")),
        );
    }
    if let Some(vaults) = &sel.include_vaults {
        if vaults.is_empty() {
            ctx.fail(root.key("includeVaults"), "must name at least one vault, or \"*\" for all");
        }
        check_set(ctx, &root.key("includeVaults"), vaults, vault_entry_refusal);
    }
    if let Some(vaults) = &sel.exclude_vaults {
        check_set(ctx, &root.key("excludeVaults"), vaults, vault_entry_refusal);
    }
    if let Some(types) = &sel.recovery_point_types {
        if types.is_empty() {
            ctx.fail(
                root.key("recoveryPointTypes"),
                format!("must name at least one of {}", RECOVERY_POINT_TYPES.join(", ")),
            );
        }
        check_set(ctx, &root.key("recoveryPointTypes"), types, |t| {
            (!RECOVERY_POINT_TYPES.contains(&t)).then(|| {
                format!("must be one of {}, got '{t}'", RECOVERY_POINT_TYPES.join(", "))
            })
        });
    }
    check_range(
        ctx,
        &root.key("selectionWindowDays"),
        sel.selection_window_days,
        SELECTION_WINDOW_DAYS,
        "days",
    );
}

/// The plan AWS is sent for these inputs.
fn document(args: &RestoreTestingPlanArgs) -> RestoreTestingPlanDocument {
    let sel = args.recovery_point_selection.clone().unwrap_or_default();
    RestoreTestingPlanDocument {
        name: args.name.clone().unwrap_or_default(),
        schedule_expression: args.schedule_expression.clone().unwrap_or_default(),
        schedule_expression_timezone: args.schedule_expression_timezone.clone(),
        start_window_hours: args.start_window_hours,
        recovery_point_selection: RecoveryPointSelection {
            algorithm: sel.algorithm.unwrap_or_default(),
            include_vaults: sel.include_vaults.unwrap_or_default(),
            exclude_vaults: sel.exclude_vaults.unwrap_or_default(),
            recovery_point_types: sel.recovery_point_types.unwrap_or_default(),
            selection_window_days: sel.selection_window_days,
        },
    }
}

/// The document an update sends: what the inputs leave out goes back to AWS's default (an update
/// that omits a field would keep the old value).
fn update_document(args: &RestoreTestingPlanArgs) -> RestoreTestingPlanDocument {
    let mut d = document(args);
    d.schedule_expression_timezone
        .get_or_insert_with(|| DEFAULT_TIMEZONES[0].to_string());
    d.start_window_hours.get_or_insert(DEFAULT_START_WINDOW_HOURS);
    d.recovery_point_selection
        .selection_window_days
        .get_or_insert(DEFAULT_SELECTION_WINDOW_DAYS);
    d
}

/// A live value as an input: kept when the inputs had it, or when it is not AWS's default.
fn user_value<T: PartialEq>(live: Option<T>, had: bool, is_default: impl Fn(&T) -> bool) -> Option<T> {
    live.filter(|v| had || !is_default(v))
}

/// Whether two lists hold the same elements, in any order.
pub(crate) fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// A live set as an input, in the previous order when it holds the same elements.
fn set_input(live: Vec<String>, old: Option<&Vec<String>>) -> Vec<String> {
    match old {
        Some(old) if same_set(&live, old) => old.clone(),
        _ => live,
    }
}

/// A live plan as the resource reads it: inputs shaped like `old` (the previous inputs, `None`
/// on import: then AWS's defaults are left out), and the state.
pub fn read_back(
    plan: &AwsPlan,
    old: Option<RestoreTestingPlanArgs>,
    live_tags: Tags,
) -> ReadResult<RestoreTestingPlanArgs, RestoreTestingPlanState> {
    let old = old.unwrap_or_default();
    let old_sel = old.recovery_point_selection.clone().unwrap_or_default();
    let d = &plan.document;
    let live = &d.recovery_point_selection;
    let tags = (!live_tags.is_empty() || old.tags.is_some()).then_some(live_tags);
    let exclude = set_input(live.exclude_vaults.clone(), old_sel.exclude_vaults.as_ref());
    let inputs = RestoreTestingPlanArgs {
        name: Some(d.name.clone()),
        schedule_expression: Some(d.schedule_expression.clone()),
        schedule_expression_timezone: user_value(
            d.schedule_expression_timezone.clone(),
            old.schedule_expression_timezone.is_some(),
            |tz| DEFAULT_TIMEZONES.contains(&tz.as_str()),
        ),
        start_window_hours: user_value(
            d.start_window_hours,
            old.start_window_hours.is_some(),
            |h| *h == DEFAULT_START_WINDOW_HOURS,
        ),
        recovery_point_selection: Some(RecoveryPointSelectionArgs {
            algorithm: Some(live.algorithm.clone()),
            include_vaults: Some(set_input(
                live.include_vaults.clone(),
                old_sel.include_vaults.as_ref(),
            )),
            exclude_vaults: (!exclude.is_empty() || old_sel.exclude_vaults.is_some())
                .then_some(exclude),
            recovery_point_types: Some(set_input(
                live.recovery_point_types.clone(),
                old_sel.recovery_point_types.as_ref(),
            )),
            selection_window_days: user_value(
                live.selection_window_days,
                old_sel.selection_window_days.is_some(),
                |d| *d == DEFAULT_SELECTION_WINDOW_DAYS,
            ),
        }),
        tags: tags.clone(),
    };
    let state = RestoreTestingPlanState {
        args: inputs.clone(),
        arn: plan.arn.clone(),
        creation_time: plan.creation_time.clone(),
    };
    ReadResult { inputs, state }
}

/// Drops what means AWS's default and sorts the sets, so that neither shows as a change.
fn drop_defaults(inputs: &mut Value) {
    let Some(obj) = inputs.as_object_mut() else {
        return;
    };
    fn is(v: Option<&Value>, f: impl Fn(&Value) -> bool) -> bool {
        v.is_some_and(f)
    }
    if is(obj.get("scheduleExpressionTimezone"), |v| {
        v.as_str().is_some_and(|tz| DEFAULT_TIMEZONES.contains(&tz))
    }) {
        obj.remove("scheduleExpressionTimezone");
    }
    if is(obj.get("startWindowHours"), |v| v.as_i64() == Some(DEFAULT_START_WINDOW_HOURS)) {
        obj.remove("startWindowHours");
    }
    let Some(sel) = obj
        .get_mut("recoveryPointSelection")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if is(sel.get("selectionWindowDays"), |v| {
        v.as_i64() == Some(DEFAULT_SELECTION_WINDOW_DAYS)
    }) {
        sel.remove("selectionWindowDays");
    }
    if is(sel.get("excludeVaults"), |v| v.as_array().is_some_and(Vec::is_empty)) {
        sel.remove("excludeVaults");
    }
    sort_sets(sel, SET_LISTS);
}

fn missing_plan(id: &str, e: impl std::fmt::Display) -> OpError {
    OpError::Failed(format!(
        "restore testing plan '{id}' no longer exists; run `pulumi refresh` ({e})"
    ))
}

pub struct RestoreTestingPlan;

#[async_trait]
impl Resource for RestoreTestingPlan {
    type Args = RestoreTestingPlanArgs;
    type State = RestoreTestingPlanState;

    const TOKEN: &'static str = "awsbackup:index:RestoreTestingPlan";
    const REQUIRED_INPUTS: &'static [&'static str] =
        &["scheduleExpression", "recoveryPointSelection"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const NAME: Option<NameRule> = Some(RESTORE_TESTING_NAME);

    fn check(&self, ctx: &mut CheckContext, args: &mut RestoreTestingPlanArgs) {
        check_plan(ctx, args);
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        drop_defaults(old);
        drop_defaults(new);
    }

    async fn create(
        &self,
        ctx: &Context,
        args: RestoreTestingPlanArgs,
    ) -> Result<(String, RestoreTestingPlanState), OpError> {
        let name = args.name.clone().unwrap_or_default();
        // The same token for a retried create of the same resource: AWS answers the plan the
        // first attempt made.
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let tags = args.tags.clone().unwrap_or_default();
        let created = ctx
            .api
            .create_restore_testing_plan(&document(&args), &tags, &token)
            .await
            .map_err(|e| {
                if e.is_already_exists() {
                    OpError::Failed(format!(
                        "a restore testing plan named '{name}' already exists in this account and \
                         region; adopt it with `pulumi import {} <resource name> {name}` or choose \
                         another name ({e})",
                        Self::TOKEN
                    ))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(plan = %name, "created restore testing plan");
        // Create answers the ARN and the time; the rest is what was sent.
        let state = RestoreTestingPlanState {
            args,
            arn: created.arn,
            creation_time: created.creation_time,
        };
        Ok((name, state))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<RestoreTestingPlanArgs>,
    ) -> Result<Option<ReadResult<RestoreTestingPlanArgs, RestoreTestingPlanState>>, OpError>
    {
        let Some(plan) = ctx.api.get_restore_testing_plan(id).await? else {
            return Ok(None);
        };
        let live_tags = tags::managed(ctx.api.list_tags(&plan.arn).await?);
        Ok(Some(read_back(&plan, old, live_tags)))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: RestoreTestingPlanState,
        news: RestoreTestingPlanArgs,
    ) -> Result<RestoreTestingPlanState, OpError> {
        let gone = |e: crate::aws::AwsError| {
            if e.is_not_found() {
                missing_plan(id, e)
            } else {
                e.into()
            }
        };
        let mut before = serde_json::to_value(RestoreTestingPlanArgs {
            tags: None,
            ..old.args.clone()
        })
        .unwrap_or_default();
        let mut after = serde_json::to_value(RestoreTestingPlanArgs {
            tags: None,
            ..news.clone()
        })
        .unwrap_or_default();
        drop_defaults(&mut before);
        drop_defaults(&mut after);
        if before != after {
            let d = RestoreTestingPlanDocument {
                name: id.to_string(),
                ..update_document(&news)
            };
            ctx.api.update_restore_testing_plan(&d).await.map_err(gone)?;
            tracing::debug!(plan = %id, "updated restore testing plan");
        }
        let what = format!("restore testing plan '{id}'");
        tags::update(ctx.api.as_ref(), &what, &old.arn, &old.args.tags, &news.tags).await?;
        Ok(RestoreTestingPlanState { args: news, ..old })
    }

    async fn delete(
        &self,
        ctx: &Context,
        id: &str,
        _state: RestoreTestingPlanState,
    ) -> Result<(), OpError> {
        // AWS deletes a plan only once its selections are gone. The engine deletes them first
        // when the state records that they depend on the plan, and alongside it when it does not
        // (after an import): so a refusal is retried for a while.
        let budget = ctx.wait_budget(SELECTIONS_GONE_WAIT);
        let deleted = retry::wait(budget, Duration::from_millis(250), Duration::from_secs(5), || async {
            match ctx.api.delete_restore_testing_plan(id).await {
                Ok(true) => {
                    tracing::debug!(plan = %id, "deleted restore testing plan");
                    Ok(Poll::Done(()))
                }
                Ok(false) => {
                    tracing::debug!(plan = %id, "restore testing plan already gone");
                    Ok(Poll::Done(()))
                }
                Err(e) if e.is_plan_has_selections() => Ok(Poll::Pending(e.message)),
                Err(e) => Err(OpError::from(e)),
            }
        })
        .await;
        match deleted {
            Ok(()) => Ok(()),
            Err(WaitError::Failed(e)) => Err(e),
            Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
                "restore testing plan '{id}' still has restore testing selections after {:.0}s; \
                 delete them first (in this stack, make each selection's restoreTestingPlanName \
                 refer to this plan's name output, so that they are deleted before it): {last}",
                waited.as_secs_f64()
            ))),
            Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use serde_json::json;

    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;

    fn run(args: &RestoreTestingPlanArgs) -> Vec<(String, String)> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        check_plan(&mut ctx, args);
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn valid() -> RestoreTestingPlanArgs {
        RestoreTestingPlanArgs {
            name: Some("weekly".into()),
            schedule_expression: Some("cron(0 5 ? * SUN *)".into()),
            recovery_point_selection: Some(RecoveryPointSelectionArgs {
                algorithm: Some("LATEST_WITHIN_WINDOW".into()),
                include_vaults: Some(strings(&["*"])),
                recovery_point_types: Some(strings(&["SNAPSHOT"])),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_plan_passes_and_each_broken_rule_names_its_property() {
        assert_eq!(run(&valid()), vec![]);
        type Edit = Box<dyn Fn(&mut RestoreTestingPlanArgs)>;
        let cases: Vec<(Edit, &str, &str)> = vec![
            (
                Box::new(|a| a.schedule_expression = Some("rate(1 day)".into())),
                "scheduleExpression",
                "cron",
            ),
            (
                Box::new(|a| a.schedule_expression_timezone = Some("Mars/Olympus".into())),
                "scheduleExpressionTimezone",
                "IANA time zone",
            ),
            (
                Box::new(|a| a.start_window_hours = Some(169)),
                "startWindowHours",
                "between 1 and 168 hours, got 169",
            ),
            (
                Box::new(|a| a.start_window_hours = Some(0)),
                "startWindowHours",
                "got 0",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().algorithm = Some("OLDEST".into())
                }),
                "recoveryPointSelection.algorithm",
                "LATEST_WITHIN_WINDOW, RANDOM_WITHIN_WINDOW",
            ),
            (
                Box::new(|a| a.recovery_point_selection.as_mut().unwrap().algorithm = None),
                "recoveryPointSelection.algorithm",
                "is required",
            ),
            (
                Box::new(|a| a.recovery_point_selection.as_mut().unwrap().include_vaults = None),
                "recoveryPointSelection.includeVaults",
                "is required",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().include_vaults = Some(vec![])
                }),
                "recoveryPointSelection.includeVaults",
                "at least one vault",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().include_vaults =
                        Some(strings(&["my-vault"]))
                }),
                "recoveryPointSelection.includeVaults[0]",
                "backup vault ARN",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().exclude_vaults = Some(strings(&[
                        "arn:aws:backup:us-east-1:123456789012:backup-vault:old",
                        "arn:aws:backup:us-east-1:123456789012:backup-vault:old",
                    ]))
                }),
                "recoveryPointSelection.excludeVaults[1]",
                "listed twice (also recoveryPointSelection.excludeVaults[0])",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().recovery_point_types =
                        Some(strings(&["SNAPSHOT", "PITR"]))
                }),
                "recoveryPointSelection.recoveryPointTypes[1]",
                "SNAPSHOT, CONTINUOUS, got 'PITR'",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().recovery_point_types =
                        Some(vec![])
                }),
                "recoveryPointSelection.recoveryPointTypes",
                "at least one",
            ),
            (
                Box::new(|a| {
                    a.recovery_point_selection.as_mut().unwrap().selection_window_days = Some(366)
                }),
                "recoveryPointSelection.selectionWindowDays",
                "between 1 and 365 days, got 366",
            ),
        ];
        for (edit, property, part) in cases {
            let mut args = valid();
            edit(&mut args);
            let failures = run(&args);
            assert!(
                failures
                    .iter()
                    .any(|(p, r)| p == property && r.contains(part)),
                "expected {property} / {part}, got {failures:?}"
            );
        }
    }

    #[test]
    fn vault_entries_are_a_wildcard_or_backup_vault_arns() {
        for ok in [
            "*",
            "arn:aws:backup:us-east-1:123456789012:backup-vault:prod",
            "arn:aws:backup:*:*:backup-vault:prod-*",
        ] {
            assert_eq!(vault_entry_refusal(ok), None, "{ok}");
        }
        for bad in [
            "prod",
            "arn:aws:s3:::bucket",
            "arn:aws:backup:us-east-1:123456789012:backup-plan:p",
            "arn:aws:backup:us-east-1:123456789012:backup-vault:",
        ] {
            assert!(vault_entry_refusal(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn aws_defaults_and_set_order_are_no_change() {
        let mut explicit = json!({
            "scheduleExpression": "cron(0 5 ? * * *)",
            "scheduleExpressionTimezone": "Etc/UTC",
            "startWindowHours": 24,
            "recoveryPointSelection": {
                "algorithm": "LATEST_WITHIN_WINDOW",
                "includeVaults": ["b", "a"],
                "excludeVaults": [],
                "recoveryPointTypes": ["SNAPSHOT", "CONTINUOUS"],
                "selectionWindowDays": 30,
            },
        });
        let mut omitted = json!({
            "scheduleExpression": "cron(0 5 ? * * *)",
            "recoveryPointSelection": {
                "algorithm": "LATEST_WITHIN_WINDOW",
                "includeVaults": ["a", "b"],
                "recoveryPointTypes": ["CONTINUOUS", "SNAPSHOT"],
            },
        });
        RestoreTestingPlan.normalize_for_diff(&Value::Null, &mut explicit, &mut omitted);
        assert_eq!(explicit, omitted);
        // A value other than AWS's default stays a change.
        let mut old = json!({"startWindowHours": 48});
        let mut new = json!({});
        RestoreTestingPlan.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_ne!(old, new);
    }

    #[test]
    fn read_back_leaves_out_aws_defaults_the_inputs_did_not_set() {
        let plan = AwsPlan {
            arn: "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly-1".into(),
            creation_time: Some("2026-01-01T00:00:00Z".into()),
            creator_request_id: None,
            document: RestoreTestingPlanDocument {
                name: "weekly".into(),
                schedule_expression: "cron(0 5 ? * SUN *)".into(),
                schedule_expression_timezone: Some("Etc/UTC".into()),
                start_window_hours: Some(24),
                recovery_point_selection: RecoveryPointSelection {
                    algorithm: "LATEST_WITHIN_WINDOW".into(),
                    include_vaults: strings(&["*"]),
                    exclude_vaults: vec![],
                    recovery_point_types: strings(&["CONTINUOUS", "SNAPSHOT"]),
                    selection_window_days: Some(30),
                },
            },
        };
        let imported = read_back(&plan, None, Tags::new()).inputs;
        assert_eq!(imported.schedule_expression_timezone, None);
        assert_eq!(imported.start_window_hours, None);
        let sel = imported.recovery_point_selection.unwrap();
        assert_eq!(sel.selection_window_days, None);
        assert_eq!(sel.exclude_vaults, None);
        // On refresh, values the inputs set stay, and the previous order of a set is kept.
        let mut old = valid();
        old.start_window_hours = Some(24);
        old.recovery_point_selection.as_mut().unwrap().recovery_point_types =
            Some(strings(&["SNAPSHOT", "CONTINUOUS"]));
        let refreshed = read_back(&plan, Some(old), Tags::new()).inputs;
        assert_eq!(refreshed.start_window_hours, Some(24));
        assert_eq!(
            refreshed.recovery_point_selection.unwrap().recovery_point_types,
            Some(strings(&["SNAPSHOT", "CONTINUOUS"]))
        );
    }

    #[test]
    fn an_update_sends_aws_defaults_for_what_the_inputs_leave_out() {
        let d = update_document(&valid());
        assert_eq!(d.schedule_expression_timezone.as_deref(), Some("Etc/UTC"));
        assert_eq!(d.start_window_hours, Some(24));
        assert_eq!(d.recovery_point_selection.selection_window_days, Some(30));
    }
}
