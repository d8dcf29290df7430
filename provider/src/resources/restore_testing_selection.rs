//! `awsbackup:index:RestoreTestingSelection`: the protected resources a restore testing plan
//! restores, and how.
//!
//! The id and the import id are `<plan name>|<selection name>`. The plan, the name and the
//! resource type replace the selection; the rest changes in place (UpdateRestoreTestingSelection,
//! which is sent whole, so a selection switches between ARNs and conditions in one call).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::restore_testing::KeyValue;
use crate::aws::{RestoreTestingSelection as AwsSelection, RestoreTestingSelectionDocument};
use crate::naming::NameRule;
use crate::resource::{
    creator_request_id, sort_sets, CheckContext, Context, OpError, ReadResult, Resource,
};
use crate::resources::restore_testing_plan::{same_set, RESTORE_TESTING_NAME};
use crate::retry::{self, Poll, WaitError};
use crate::value::Path;

/// A restore testing selection: the resources of one type that a restore testing plan restores
/// (by ARN, or every resource of the type, narrowed by the tags of their latest recovery point),
/// the role the restores run as and how long restored resources are kept for validation. Give
/// `protectedResourceArns`, `protectedResourceConditions`, or both with `["*"]`. The id is
/// `<plan name>|<selection name>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestoreTestingSelectionArgs {
    /// The name of the restore testing plan the selection belongs to. Changing it replaces the
    /// selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_testing_plan_name: Option<String>,
    /// The selection name: 1 to 50 letters, digits and underscores, unique in its plan.
    /// Autonamed `<resource name>_<7 chars>` (hyphens become underscores) when omitted. Changing
    /// it replaces the selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The type of the resources restored: Aurora, DocumentDB, DynamoDB, EBS, EC2, EFS, FSx,
    /// Neptune, RDS or S3. Changing it replaces the selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected_resource_type: Option<String>,
    /// The ARN of the IAM role the restores run as. AWS Backup must be able to assume it
    /// (`backup.amazonaws.com` in its trust policy) and it needs restore permissions, e.g. the
    /// AWSBackupServiceRolePolicyForRestores managed policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_role_arn: Option<String>,
    /// The resources restored: 1 to 30 ARNs, or `["*"]` for every resource of the type (which
    /// `protectedResourceConditions` may narrow). Defaults to `["*"]` when conditions are given.
    /// Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected_resource_arns: Option<Vec<String>>,
    /// Conditions on the tags of each resource's latest recovery point, with
    /// `protectedResourceArns` `["*"]` only: at most 30 in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected_resource_conditions: Option<ProtectedResourceConditionsArgs>,
    /// Restore settings that replace the ones AWS Backup infers from the recovery point, e.g.
    /// `subnetId` for EC2 or `dbSubnetGroupName` for RDS; keys are case-insensitive, list values
    /// are JSON arrays in a string (`["sg-1"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_metadata_overrides: Option<BTreeMap<String, String>>,
    /// Hours a restored resource is kept for validation before AWS Backup deletes it: 1 to 168.
    /// When omitted, the selection keeps whatever AWS holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_window_hours: Option<i64>,
}

/// Tag conditions of a restore testing selection. A resource is restored when its latest
/// recovery point has every `stringEquals` tag and none of the `stringNotEquals` ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProtectedResourceConditionsArgs {
    /// Tags the recovery point must have. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_equals: Option<Vec<RestoreTestingConditionArgs>>,
    /// Tags the recovery point must not have. Their order does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_not_equals: Option<Vec<RestoreTestingConditionArgs>>,
}

/// A tag condition.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestoreTestingConditionArgs {
    /// The tag key, as the tag is named (no `aws:ResourceTag/` prefix): 1 to 128 characters,
    /// not starting with `aws:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The tag value, at most 256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The state of a restore testing selection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestoreTestingSelectionState {
    #[serde(flatten)]
    pub args: RestoreTestingSelectionArgs,
    /// When the selection was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
}

const SELECTION_NAME: NameRule = NameRule {
    what: "a restore testing selection name",
    ..RESTORE_TESTING_NAME
};
const PLAN_NAME: NameRule = NameRule {
    field: "restoreTestingPlanName",
    ..RESTORE_TESTING_NAME
};

pub const PROTECTED_RESOURCE_TYPES: &[&str] = &[
    "Aurora",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "S3",
];
const MAX_ARNS: usize = 30;
const MAX_CONDITIONS: usize = 30;
const MAX_KEY_LEN: usize = 128;
const MAX_VALUE_LEN: usize = 256;
const VALIDATION_WINDOW_HOURS: (i64, i64) = (1, 168);
const WILDCARD: &str = "*";

/// How long Create retries while AWS Backup cannot use a new IAM role yet.
const IAM_PROPAGATION_WINDOW: Duration = Duration::from_secs(120);
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// `<plan name>|<selection name>`.
fn parse_id(id: &str) -> Option<(&str, &str)> {
    let (plan, name) = id.split_once('|')?;
    (!plan.is_empty() && !name.is_empty() && !name.contains('|')).then_some((plan, name))
}

fn id_error(id: &str) -> OpError {
    OpError::Failed(format!(
        "'{id}' is not a restore testing selection id: expected <plan name>|<selection name>"
    ))
}

fn role_arn_refusal(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|r| !r.is_empty());
    (!ok).then(|| {
        format!("must be an IAM role ARN like arn:aws:iam::<account-id>:role/<name>, got '{arn}'")
    })
}

fn resource_arn_refusal(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty();
    (!ok).then(|| format!("must be a resource ARN, or \"*\" alone, got '{arn}'"))
}

/// Every tag condition of the inputs, both lists.
fn conditions_of(args: &RestoreTestingSelectionArgs) -> Vec<&RestoreTestingConditionArgs> {
    let Some(c) = &args.protected_resource_conditions else {
        return Vec::new();
    };
    c.string_equals
        .iter()
        .flatten()
        .chain(c.string_not_equals.iter().flatten())
        .collect()
}

/// The rules AWS documents for a selection's inputs; fills in `["*"]` for the ARNs of a
/// selection by conditions.
fn check_selection(ctx: &mut CheckContext, args: &mut RestoreTestingSelectionArgs) {
    if let Some(plan) = &args.restore_testing_plan_name {
        if let Err(reason) = PLAN_NAME.check(plan) {
            ctx.fail("restoreTestingPlanName", reason);
        }
    }
    if let Some(t) = args
        .protected_resource_type
        .as_deref()
        .filter(|t| !PROTECTED_RESOURCE_TYPES.contains(t))
    {
        let hint = PROTECTED_RESOURCE_TYPES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(t))
            .map(|known| format!(" (did you mean {known}?)"))
            .unwrap_or_default();
        ctx.fail(
            "protectedResourceType",
            format!(
                "restore testing supports {}; got '{t}'{hint}",
                PROTECTED_RESOURCE_TYPES.join(", ")
            ),
        );
    }
    if let Some(reason) = args.iam_role_arn.as_deref().and_then(role_arn_refusal) {
        ctx.fail("iamRoleArn", reason);
    }
    let conditions = conditions_of(args).len();
    let unknown = ctx.is_unknown("protectedResourceArns") || ctx.is_unknown("protectedResourceConditions");
    match &args.protected_resource_arns {
        None if conditions == 0 && !unknown => ctx.fail(
            "protectedResourceArns",
            "a selection needs protectedResourceArns (1 to 30 resource ARNs, or [\"*\"] for every \
             resource of the type) or protectedResourceConditions (which select among every \
             resource of the type)",
        ),
        None => {}
        Some(arns) => check_arns(ctx, arns, args.protected_resource_type.as_deref()),
    }
    let specific = args
        .protected_resource_arns
        .as_ref()
        .is_some_and(|a| a.iter().any(|x| x != WILDCARD));
    if specific && conditions > 0 {
        ctx.fail(
            "protectedResourceConditions",
            "conditions select among every resource of the type: use them with \
             protectedResourceArns [\"*\"] (or leave protectedResourceArns out), not with \
             specific ARNs",
        );
    }
    if conditions > MAX_CONDITIONS {
        ctx.fail(
            "protectedResourceConditions",
            format!("at most {MAX_CONDITIONS} conditions are allowed in all, got {conditions}"),
        );
    }
    check_conditions(ctx, args);
    if let Some(h) = args
        .validation_window_hours
        .filter(|h| !(VALIDATION_WINDOW_HOURS.0..=VALIDATION_WINDOW_HOURS.1).contains(h))
    {
        ctx.fail(
            "validationWindowHours",
            format!(
                "must be between {} and {} hours, got {h}",
                VALIDATION_WINDOW_HOURS.0, VALIDATION_WINDOW_HOURS.1
            ),
        );
    }
    if let Some(overrides) = &args.restore_metadata_overrides {
        let mut seen: BTreeMap<String, &String> = BTreeMap::new();
        for key in overrides.keys() {
            if let Some(first) = seen.insert(key.to_ascii_lowercase(), key) {
                ctx.fail(
                    Path::root().key("restoreMetadataOverrides").key(key),
                    format!("keys are case-insensitive: '{key}' repeats '{first}'"),
                );
            }
        }
    }
    // Conditions alone select among every resource of the type, which AWS spells ["*"].
    if args.protected_resource_arns.is_none() && conditions > 0 && !unknown {
        args.protected_resource_arns = Some(vec![WILDCARD.to_string()]);
    }
}

/// The service in the ARNs of each protected resource type.
fn arn_service(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "Aurora" | "DocumentDB" | "Neptune" | "RDS" => "rds",
        "EBS" | "EC2" => "ec2",
        "DynamoDB" => "dynamodb",
        "EFS" => "elasticfilesystem",
        "FSx" => "fsx",
        "S3" => "s3",
        _ => return None,
    })
}

/// The ARNs' rules; with the type known, each ARN must be of the type's service.
fn check_arns(ctx: &mut CheckContext, arns: &[String], resource_type: Option<&str>) {
    let path = Path::root().key("protectedResourceArns");
    if arns.is_empty() {
        ctx.fail(&path, "must hold 1 to 30 resource ARNs, or [\"*\"]");
        return;
    }
    if arns.iter().any(|a| a == WILDCARD) && arns.len() > 1 {
        ctx.fail(&path, "\"*\" selects every resource of the type: it stands alone, without ARNs");
        return;
    }
    if arns.len() > MAX_ARNS {
        ctx.fail(
            &path,
            format!("at most {MAX_ARNS} ARNs are allowed (or [\"*\"]), got {}", arns.len()),
        );
    }
    for (i, arn) in arns.iter().enumerate() {
        if arn == WILDCARD {
            continue;
        }
        if let Some(first) = arns[..i].iter().position(|a| a == arn) {
            ctx.fail(path.index(i), format!("'{arn}' is listed twice (also protectedResourceArns[{first}])"));
        } else if let Some(reason) = resource_arn_refusal(arn) {
            ctx.fail(path.index(i), reason);
        } else if let Some((t, service)) =
            resource_type.and_then(|t| arn_service(t).map(|s| (t, s)))
        {
            if arn.split(':').nth(2) != Some(service) {
                ctx.fail(
                    path.index(i),
                    format!(
                        "protectedResourceType is {t}, whose resources have arn:<partition>:{service}:… ARNs; got '{arn}'"
                    ),
                );
            }
        }
    }
}

fn check_conditions(ctx: &mut CheckContext, args: &RestoreTestingSelectionArgs) {
    let Some(c) = &args.protected_resource_conditions else {
        return;
    };
    let root = Path::root().key("protectedResourceConditions");
    for (list_name, list) in [
        ("stringEquals", &c.string_equals),
        ("stringNotEquals", &c.string_not_equals),
    ] {
        for (i, kv) in list.iter().flatten().enumerate() {
            let at = root.key(list_name).index(i);
            match kv.key.as_deref() {
                None => ctx.fail(at.key("key"), "is required"),
                Some(key) => {
                    let len = key.chars().count();
                    if len == 0 || len > MAX_KEY_LEN {
                        ctx.fail(
                            at.key("key"),
                            format!("must be 1 to {MAX_KEY_LEN} characters long, got {len}"),
                        );
                    } else if key.to_ascii_lowercase().starts_with("aws:") {
                        ctx.fail(
                            at.key("key"),
                            format!(
                                "is a bare tag key: '{key}' starts with 'aws:' (write the tag's own \
                                 name, without aws:ResourceTag/)"
                            ),
                        );
                    } else if let Some(bad) = key.chars().find(|ch| {
                        !(ch.is_alphanumeric() || ch.is_whitespace() || "_.:/=+-@".contains(*ch))
                    }) {
                        ctx.fail(
                            at.key("key"),
                            format!("may contain only letters, digits, spaces and _.:/=+-@; '{key}' contains '{bad}'"),
                        );
                    }
                }
            }
            match kv.value.as_deref() {
                None => ctx.fail(at.key("value"), "is required"),
                Some(v) if v.chars().count() > MAX_VALUE_LEN => ctx.fail(
                    at.key("value"),
                    format!(
                        "may be at most {MAX_VALUE_LEN} characters long, got {}",
                        v.chars().count()
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

fn key_values(list: &Option<Vec<RestoreTestingConditionArgs>>) -> Vec<KeyValue> {
    list.iter()
        .flatten()
        .map(|kv| KeyValue {
            key: kv.key.clone().unwrap_or_default(),
            value: kv.value.clone().unwrap_or_default(),
        })
        .collect()
}

fn document(args: &RestoreTestingSelectionArgs) -> RestoreTestingSelectionDocument {
    let c = args.protected_resource_conditions.clone().unwrap_or_default();
    RestoreTestingSelectionDocument {
        name: args.name.clone().unwrap_or_default(),
        protected_resource_type: args.protected_resource_type.clone().unwrap_or_default(),
        iam_role_arn: args.iam_role_arn.clone().unwrap_or_default(),
        protected_resource_arns: args.protected_resource_arns.clone().unwrap_or_default(),
        string_equals: key_values(&c.string_equals),
        string_not_equals: key_values(&c.string_not_equals),
        restore_metadata_overrides: args.restore_metadata_overrides.clone().unwrap_or_default(),
        validation_window_hours: args.validation_window_hours,
    }
}

/// Live conditions as inputs, in the previous order when they are the same set.
fn conditions_input(
    live: &[KeyValue],
    old: Option<&Vec<RestoreTestingConditionArgs>>,
) -> Option<Vec<RestoreTestingConditionArgs>> {
    let mut items: Vec<RestoreTestingConditionArgs> = live
        .iter()
        .map(|kv| RestoreTestingConditionArgs {
            key: Some(kv.key.clone()),
            value: Some(kv.value.clone()),
        })
        .collect();
    if let Some(old) = old {
        let (mut a, mut b) = (items.clone(), old.clone());
        a.sort();
        b.sort();
        if a == b {
            items = old.clone();
        }
    }
    (!items.is_empty() || old.is_some()).then_some(items)
}

/// A live selection as the resource reads it: inputs shaped like `old` (`None` on import: AWS's
/// empty lists then read as absent), and the state.
fn read_back(
    live: &AwsSelection,
    old: Option<RestoreTestingSelectionArgs>,
) -> ReadResult<RestoreTestingSelectionArgs, RestoreTestingSelectionState> {
    let old = old.unwrap_or_default();
    let d = &live.document;
    let old_c = old.protected_resource_conditions.clone().unwrap_or_default();
    let string_equals = conditions_input(&d.string_equals, old_c.string_equals.as_ref());
    let string_not_equals =
        conditions_input(&d.string_not_equals, old_c.string_not_equals.as_ref());
    let conditions = (string_equals.is_some()
        || string_not_equals.is_some()
        || old.protected_resource_conditions.is_some())
    .then_some(ProtectedResourceConditionsArgs {
        string_equals,
        string_not_equals,
    });
    let arns = match &old.protected_resource_arns {
        Some(o) if same_set(o, &d.protected_resource_arns) => o.clone(),
        _ => d.protected_resource_arns.clone(),
    };
    let overrides = &d.restore_metadata_overrides;
    let inputs = RestoreTestingSelectionArgs {
        restore_testing_plan_name: Some(live.plan_name.clone()),
        name: Some(d.name.clone()),
        protected_resource_type: Some(d.protected_resource_type.clone()),
        iam_role_arn: Some(d.iam_role_arn.clone()),
        protected_resource_arns: Some(arns),
        protected_resource_conditions: conditions,
        restore_metadata_overrides: (!overrides.is_empty()
            || old.restore_metadata_overrides.is_some())
        .then(|| overrides.clone()),
        validation_window_hours: d.validation_window_hours,
    };
    let state = RestoreTestingSelectionState {
        args: inputs.clone(),
        creation_time: live.creation_time.clone(),
    };
    ReadResult { inputs, state }
}

/// Drops what means nothing (empty conditions and overrides) and sorts the sets.
fn normalize(inputs: &mut Value) {
    let Some(obj) = inputs.as_object_mut() else {
        return;
    };
    sort_sets(obj, &["protectedResourceArns"]);
    if let Some(Value::Object(c)) = obj.get_mut("protectedResourceConditions") {
        for list in ["stringEquals", "stringNotEquals"] {
            let empty = matches!(c.get(list), Some(Value::Array(items)) if items.is_empty());
            if empty {
                c.remove(list);
            }
        }
        sort_sets(c, &["stringEquals", "stringNotEquals"]);
        if c.is_empty() {
            obj.remove("protectedResourceConditions");
        }
    }
    if obj
        .get("restoreMetadataOverrides")
        .and_then(Value::as_object)
        .is_some_and(|m| m.is_empty())
    {
        obj.remove("restoreMetadataOverrides");
    }
}

pub struct RestoreTestingSelection;

#[async_trait]
impl Resource for RestoreTestingSelection {
    type Args = RestoreTestingSelectionArgs;
    type State = RestoreTestingSelectionState;

    const TOKEN: &'static str = "awsbackup:index:RestoreTestingSelection";
    const REQUIRED_INPUTS: &'static [&'static str] =
        &["restoreTestingPlanName", "protectedResourceType", "iamRoleArn"];
    const REPLACE_ON_CHANGES: &'static [&'static str] =
        &["restoreTestingPlanName", "name", "protectedResourceType"];
    const NAME: Option<NameRule> = Some(SELECTION_NAME);

    fn check(&self, ctx: &mut CheckContext, args: &mut RestoreTestingSelectionArgs) {
        check_selection(ctx, args);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        normalize(old);
        normalize(new);
        // An omitted validation window keeps whatever AWS holds: no change.
        if new.get("validationWindowHours").is_none() {
            if let Some(o) = old.as_object_mut() {
                o.remove("validationWindowHours");
            }
        }
    }

    async fn create(
        &self,
        ctx: &Context,
        args: RestoreTestingSelectionArgs,
    ) -> Result<(String, RestoreTestingSelectionState), OpError> {
        let plan = args.restore_testing_plan_name.clone().unwrap_or_default();
        let d = document(&args);
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let window = ctx.wait_budget(IAM_PROPAGATION_WINDOW);
        // AWS Backup cannot use a new IAM role for a while: wait for it.
        let created = retry::wait(window, FIRST_PAUSE, MAX_PAUSE, || async {
            match ctx
                .api
                .create_restore_testing_selection(&plan, &d, &token)
                .await
            {
                Ok(created) => Ok(Poll::Done(created)),
                Err(e) if e.is_iam_not_ready() => Ok(Poll::Pending(e.message)),
                Err(e) => Err(e),
            }
        })
        .await;
        let creation_time = match created {
            Ok(time) => time,
            Err(WaitError::Failed(e)) if e.is_not_found() => {
                return Err(OpError::Failed(format!(
                    "restore testing plan '{plan}' does not exist; create it first (an \
                     awsbackup:index:RestoreTestingPlan) and name it in restoreTestingPlanName ({})",
                    e.message
                )))
            }
            Err(WaitError::Failed(e)) if e.is_already_exists() => {
                return Err(OpError::Failed(format!(
                    "restore testing plan '{plan}' already has a selection named '{}'; adopt it \
                     with `pulumi import {} <resource name> '{plan}|{}'` or choose another name",
                    d.name,
                    Self::TOKEN,
                    d.name
                )))
            }
            Err(WaitError::Failed(e)) => return Err(e.into()),
            Err(WaitError::TimedOut { waited, last }) => {
                return Err(OpError::Failed(format!(
                    "AWS Backup still cannot use the IAM role '{}' after retrying for {:.0}s: {last}. \
                     Check that its trust policy lets backup.amazonaws.com assume it and that it has \
                     restore permissions (e.g. AWSBackupServiceRolePolicyForRestores)",
                    d.iam_role_arn,
                    waited.as_secs_f64()
                )))
            }
            Err(WaitError::Cancelled) => {
                return Err(OpError::Failed("the operation was cancelled".into()))
            }
        };
        tracing::debug!(plan = %plan, selection = %d.name, "created restore testing selection");
        let id = format!("{plan}|{}", d.name);
        Ok((
            id,
            RestoreTestingSelectionState {
                args,
                creation_time,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<RestoreTestingSelectionArgs>,
    ) -> Result<
        Option<ReadResult<RestoreTestingSelectionArgs, RestoreTestingSelectionState>>,
        OpError,
    > {
        let (plan, name) = parse_id(id).ok_or_else(|| id_error(id))?;
        let Some(live) = ctx.api.get_restore_testing_selection(plan, name).await? else {
            return Ok(None);
        };
        Ok(Some(read_back(&live, old)))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: RestoreTestingSelectionState,
        news: RestoreTestingSelectionArgs,
    ) -> Result<RestoreTestingSelectionState, OpError> {
        let (plan, name) = parse_id(id).ok_or_else(|| id_error(id))?;
        let d = RestoreTestingSelectionDocument {
            name: name.to_string(),
            ..document(&news)
        };
        ctx.api
            .update_restore_testing_selection(plan, &d)
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    OpError::Failed(format!(
                        "restore testing selection '{id}' no longer exists; run `pulumi refresh` ({e})"
                    ))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(plan = %plan, selection = %name, "updated restore testing selection");
        // An omitted validation window kept AWS's value.
        let validation_window_hours = news
            .validation_window_hours
            .or(old.args.validation_window_hours);
        Ok(RestoreTestingSelectionState {
            args: RestoreTestingSelectionArgs {
                validation_window_hours,
                ..news
            },
            creation_time: old.creation_time,
        })
    }

    async fn delete(
        &self,
        ctx: &Context,
        id: &str,
        state: RestoreTestingSelectionState,
    ) -> Result<(), OpError> {
        let fallback;
        let (plan, name) = match parse_id(id) {
            Some(ids) => ids,
            None => {
                fallback = (
                    state.args.restore_testing_plan_name.clone().unwrap_or_default(),
                    state.args.name.clone().unwrap_or_default(),
                );
                if fallback.0.is_empty() || fallback.1.is_empty() {
                    return Err(id_error(id));
                }
                (fallback.0.as_str(), fallback.1.as_str())
            }
        };
        if ctx.api.delete_restore_testing_selection(plan, name).await? {
            tracing::debug!(plan = %plan, selection = %name, "deleted restore testing selection");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use serde_json::json;

    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;

    const ROLE: &str = "arn:aws:iam::123456789012:role/restore";
    const EBS: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-1";

    fn run(args: &mut RestoreTestingSelectionArgs) -> Vec<(String, String)> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        check_selection(&mut ctx, args);
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    fn kv(key: &str, value: &str) -> RestoreTestingConditionArgs {
        RestoreTestingConditionArgs {
            key: Some(key.into()),
            value: Some(value.into()),
        }
    }

    fn valid() -> RestoreTestingSelectionArgs {
        RestoreTestingSelectionArgs {
            restore_testing_plan_name: Some("weekly".into()),
            name: Some("volumes".into()),
            protected_resource_type: Some("EBS".into()),
            iam_role_arn: Some(ROLE.into()),
            protected_resource_arns: Some(vec![EBS.into()]),
            ..Default::default()
        }
    }

    fn by_tags() -> ProtectedResourceConditionsArgs {
        ProtectedResourceConditionsArgs {
            string_equals: Some(vec![kv("team", "a")]),
            string_not_equals: None,
        }
    }

    #[test]
    fn ids_are_a_plan_name_and_a_selection_name() {
        assert_eq!(parse_id("weekly|volumes"), Some(("weekly", "volumes")));
        for bad in ["weekly", "|volumes", "weekly|", "a|b|c"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn conditions_alone_select_every_resource_of_the_type() {
        let mut args = RestoreTestingSelectionArgs {
            protected_resource_arns: None,
            protected_resource_conditions: Some(by_tags()),
            ..valid()
        };
        assert_eq!(run(&mut args), vec![]);
        assert_eq!(args.protected_resource_arns, Some(vec!["*".to_string()]));
    }

    #[test]
    fn each_broken_rule_names_its_property() {
        type Edit = Box<dyn Fn(&mut RestoreTestingSelectionArgs)>;
        let cases: Vec<(Edit, &str, &str)> = vec![
            (
                Box::new(|a| a.protected_resource_arns = None),
                "protectedResourceArns",
                "a selection needs protectedResourceArns",
            ),
            (
                Box::new(|a| a.protected_resource_arns = Some(vec![])),
                "protectedResourceArns",
                "1 to 30",
            ),
            (
                Box::new(|a| a.protected_resource_arns = Some(vec!["*".into(), EBS.into()])),
                "protectedResourceArns",
                "stands alone",
            ),
            (
                Box::new(|a| a.protected_resource_arns = Some(vec!["vol-1".into()])),
                "protectedResourceArns[0]",
                "resource ARN",
            ),
            (
                Box::new(|a| {
                    a.protected_resource_arns =
                        Some((0..31).map(|i| format!("{EBS}{i}")).collect())
                }),
                "protectedResourceArns",
                "at most 30",
            ),
            (
                Box::new(|a| a.protected_resource_conditions = Some(by_tags())),
                "protectedResourceConditions",
                "not with specific ARNs",
            ),
            (
                Box::new(|a| {
                    a.protected_resource_type = Some("RDS".into());
                }),
                "protectedResourceArns[0]",
                "protectedResourceType is RDS, whose resources have arn:<partition>:rds:",
            ),
            (
                Box::new(|a| {
                    a.protected_resource_arns = Some(vec!["*".into()]);
                    a.protected_resource_conditions = Some(ProtectedResourceConditionsArgs {
                        string_equals: Some(vec![kv("aws:ResourceTag/team", "a")]),
                        string_not_equals: None,
                    });
                }),
                "protectedResourceConditions.stringEquals[0].key",
                "bare tag key",
            ),
            (
                Box::new(|a| {
                    a.protected_resource_arns = Some(vec!["*".into()]);
                    a.protected_resource_conditions = Some(ProtectedResourceConditionsArgs {
                        string_equals: None,
                        string_not_equals: Some(vec![kv("env", &"x".repeat(257))]),
                    });
                }),
                "protectedResourceConditions.stringNotEquals[0].value",
                "at most 256",
            ),
            (
                Box::new(|a| {
                    a.protected_resource_arns = Some(vec!["*".into()]);
                    a.protected_resource_conditions = Some(ProtectedResourceConditionsArgs {
                        string_equals: Some((0..31).map(|i| kv(&format!("k{i}"), "v")).collect()),
                        string_not_equals: None,
                    });
                }),
                "protectedResourceConditions",
                "at most 30 conditions",
            ),
            (
                Box::new(|a| a.protected_resource_type = Some("ebs".into())),
                "protectedResourceType",
                "did you mean EBS?",
            ),
            (
                Box::new(|a| a.protected_resource_type = Some("Redshift".into())),
                "protectedResourceType",
                "restore testing supports Aurora",
            ),
            (
                Box::new(|a| a.iam_role_arn = Some("restore-role".into())),
                "iamRoleArn",
                "IAM role ARN",
            ),
            (
                Box::new(|a| a.validation_window_hours = Some(169)),
                "validationWindowHours",
                "between 1 and 168 hours, got 169",
            ),
            (
                Box::new(|a| a.restore_testing_plan_name = Some("weekly-plan".into())),
                "restoreTestingPlanName",
                "'-'",
            ),
            (
                Box::new(|a| {
                    a.restore_metadata_overrides = Some(BTreeMap::from([
                        ("SubnetId".to_string(), "a".to_string()),
                        ("subnetId".to_string(), "b".to_string()),
                    ]))
                }),
                "restoreMetadataOverrides.subnetId",
                "case-insensitive",
            ),
        ];
        for (edit, property, part) in cases {
            let mut args = valid();
            edit(&mut args);
            let failures = run(&mut args);
            assert!(
                failures
                    .iter()
                    .any(|(p, r)| p == property && r.contains(part)),
                "expected {property} / {part}, got {failures:?}"
            );
        }
        assert_eq!(run(&mut valid()), vec![]);
        // Every type has its service, and a matching ARN passes.
        for t in PROTECTED_RESOURCE_TYPES {
            assert!(arn_service(t).is_some(), "{t}");
        }
        let mut aurora = RestoreTestingSelectionArgs {
            protected_resource_type: Some("Aurora".into()),
            protected_resource_arns: Some(vec!["arn:aws:rds:us-east-1:123456789012:cluster:db".into()]),
            ..valid()
        };
        assert_eq!(run(&mut aurora), vec![]);
    }

    #[test]
    fn empty_conditions_set_order_and_an_omitted_window_are_no_change() {
        let r = RestoreTestingSelection;
        let mut old = json!({
            "protectedResourceArns": ["b", "a"],
            "protectedResourceConditions": {"stringEquals": [], "stringNotEquals": []},
            "restoreMetadataOverrides": {},
            "validationWindowHours": 12,
        });
        let mut new = json!({"protectedResourceArns": ["a", "b"]});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old, new);
        let mut old = json!({"protectedResourceConditions": {"stringEquals": [
            {"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}});
        let mut new = json!({"protectedResourceConditions": {"stringEquals": [
            {"key": "b", "value": "2"}, {"key": "a", "value": "1"}]}});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_eq!(old, new);
        let mut old = json!({"validationWindowHours": 12});
        let mut new = json!({"validationWindowHours": 24});
        r.normalize_for_diff(&Value::Null, &mut old, &mut new);
        assert_ne!(old, new);
    }

    #[test]
    fn an_import_reads_empty_conditions_as_absent() {
        let live = AwsSelection {
            plan_name: "weekly".into(),
            creation_time: None,
            creator_request_id: None,
            document: RestoreTestingSelectionDocument {
                name: "volumes".into(),
                protected_resource_type: "EBS".into(),
                iam_role_arn: ROLE.into(),
                protected_resource_arns: vec![EBS.into()],
                ..Default::default()
            },
        };
        let inputs = read_back(&live, None).inputs;
        assert_eq!(inputs.protected_resource_conditions, None);
        assert_eq!(inputs.restore_metadata_overrides, None);
        assert_eq!(inputs.validation_window_hours, None);
        assert_eq!(inputs.restore_testing_plan_name.as_deref(), Some("weekly"));
    }
}
