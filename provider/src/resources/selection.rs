//! `awsbackup:index:Selection`: a backup selection, the set of resources a backup plan protects.
//!
//! AWS has no update for selections, so every input replaces the selection when it changes. The
//! id is `<planId>|<selectionId>`, which is also the import id.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_backup::types::{
    BackupSelection, Condition, ConditionParameter, ConditionType, Conditions,
};
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aws::{DeleteIfPresent, Selection as AwsSelection};
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::retry::{self, Poll, WaitError};

/// A backup selection: assigns resources to a backup plan, by ARN (`resources`), by tag
/// (`listOfTags`), or by ARN narrowed with tag conditions (`resources` plus `conditions`). The
/// ARNs in `resources` and the entries of `listOfTags` are combined with OR; the `conditions` are
/// combined with AND and narrow the selection; `notResources` are subtracted. AWS cannot change a
/// selection, so any change replaces it. The id is `<planId>|<selectionId>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelectionArgs {
    /// The id of the backup plan the selection belongs to. Changing it replaces the selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The selection name: 1 to 50 letters, digits, hyphens, underscores and periods. Autonamed
    /// `<resource name>-<7 chars>` when omitted. Changing it replaces the selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ARN of the IAM role AWS Backup assumes to create and manage the backups, e.g.
    /// `arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole`. The role needs a
    /// trust policy for `backup.amazonaws.com` and, to select by tag, `tag:GetResources`. A
    /// just-created role takes a while to become usable: the provider retries for up to 2 minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_role_arn: Option<String>,
    /// ARNs of the resources to back up; a resource matching any of them is selected (OR). An ARN
    /// may end with `*` as a prefix pattern (`arn:aws:s3:::logs-*`, or service-wide
    /// `arn:aws:fsx:*`), its region and account may be `*`, and `*` alone means every supported
    /// resource. At most 500 ARNs, or 30 when any contains a `*`. Combined with `listOfTags` by OR: to select only
    /// the tagged resources among these ARNs, use `conditions` instead of `listOfTags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    /// ARNs of resources to exclude from the selection (same rules as `resources`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_resources: Option<Vec<String>>,
    /// Tag conditions; a resource matching any of them is selected (OR), in addition to the ones
    /// in `resources`. AWS recommends `conditions` instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_of_tags: Option<Vec<SelectionTagCondition>>,
    /// Tag conditions that a selected resource must all match (AND); they narrow the resources
    /// selected by `resources`. AWS refuses a selection with only `conditions`: use
    /// `resources: ["*"]` with them to select every resource whose tags match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<SelectionConditions>,
}

/// One entry of a selection's `listOfTags`: resources tagged `conditionKey` = `conditionValue`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionTagCondition {
    /// The comparison; AWS Backup documents only `STRINGEQUALS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_type: Option<String>,
    /// The tag key, e.g. `backup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_key: Option<String>,
    /// The tag value, e.g. `daily`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_value: Option<String>,
}

/// Tag conditions of a selection, all of which a resource must match (AND). Matching is case
/// sensitive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionConditions {
    /// The resource's tag must equal the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_equals: Option<Vec<SelectionConditionParameter>>,
    /// The resource's tag must not equal the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_not_equals: Option<Vec<SelectionConditionParameter>>,
    /// The resource's tag must match the value, in which `*` matches any characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_like: Option<Vec<SelectionConditionParameter>>,
    /// The resource's tag must not match the value, in which `*` matches any characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_not_like: Option<Vec<SelectionConditionParameter>>,
}

/// One tag condition of `conditions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionConditionParameter {
    /// The tag, as `aws:ResourceTag/<tag key>`, e.g. `aws:ResourceTag/backup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_key: Option<String>,
    /// The value to compare the tag's value with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub condition_value: Option<String>,
}

/// The state of a backup selection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelectionState {
    #[serde(flatten)]
    pub args: SelectionArgs,
    /// The selection's id within its plan, assigned by AWS.
    pub selection_id: String,
    /// When the selection was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
}

pub const SELECTION_NAME: NameRule = NameRule {
    field: "name",
    what: "a backup selection name",
    min_len: 1,
    max_len: 50,
    allowed: |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    allowed_text: "letters, digits, hyphens (-), underscores (_) and periods (.)",
};

/// How long Create keeps retrying while AWS Backup cannot yet use the IAM role (a role that was
/// just created, or just given its permissions, takes a while to propagate); the create's custom
/// timeout replaces it.
pub const IAM_PROPAGATION_WINDOW: Duration = Duration::from_secs(120);
/// The first pause between those retries; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(5);

const MAX_ARNS: usize = 500;
const MAX_WILDCARD_ARNS: usize = 30;
const STRING_EQUALS: &str = "STRINGEQUALS";
const TAG_KEY_PREFIX: &str = "aws:ResourceTag/";

pub struct Selection;

fn iam_role_arn() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]+$")
            .expect("valid regex")
    })
}

/// What a `resources`/`notResources` entry may be, as AWS documents it: `*`; a full ARN
/// `arn:<partition>:<service>:<region>:<account>:<resource>` whose region and account are empty
/// (S3), literal or `*`; or an ARN cut short by a trailing `*` after at least its service, a
/// prefix pattern such as `arn:aws:fsx:*` (every FSx resource). `Ok(true)` when a `*` stands
/// inside the resource part rather than at its end, which AWS does not document.
fn resource_pattern(arn: &str) -> Result<bool, String> {
    if arn == "*" {
        return Ok(false);
    }
    let shape =
        "must be '*', a resource ARN (arn:<partition>:<service>:<region>:<account-id>:<resource>, \
                 optionally ending with *) or an ARN prefix ending with * after the service (e.g. \
                 arn:aws:fsx:* or arn:aws:ec2:*:*:volume/*)";
    if arn.chars().any(char::is_whitespace) {
        return Err(format!("{shape}; got '{arn}', which contains whitespace"));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let literal = |f: &str| !f.is_empty() && !f.contains('*');
    if parts[0] != "arn" || parts.len() < 4 || !literal(parts[1]) || !literal(parts[2]) {
        return Err(format!("{shape}; got '{arn}'"));
    }
    // Region and account: empty, literal, or exactly `*`.
    let field_ok = |f: &str| !f.contains('*') || f == "*";
    if parts.len() < 6 {
        // A prefix pattern: the last field present ends with the only `*` it has.
        let (last, middle) = parts[3..].split_last().expect("at least one field");
        let ok = last.ends_with('*')
            && !last[..last.len() - 1].contains('*')
            && middle.iter().all(|f| field_ok(f));
        return if ok {
            Ok(false)
        } else {
            Err(format!(
                "{shape}; got '{arn}', which has fewer than 6 ARN fields without being a prefix \
                 pattern ending with *"
            ))
        };
    }
    let (region, account, resource) = (parts[3], parts[4], parts[5]);
    if !field_ok(region) || !field_ok(account) {
        return Err(format!(
            "{shape}; got '{arn}': a region or account field is either literal or exactly *"
        ));
    }
    if resource.is_empty() {
        return Err(format!(
            "{shape}; got '{arn}', whose resource part is empty"
        ));
    }
    Ok(resource.trim_end_matches('*').contains('*'))
}

/// Splits `<planId>|<selectionId>`.
fn parse_id(id: &str) -> Option<(&str, &str)> {
    let (plan, selection) = id.split_once('|')?;
    (!plan.is_empty() && !selection.is_empty() && !selection.contains('|'))
        .then_some((plan, selection))
}

fn id_error(id: &str) -> OpError {
    OpError::Failed(format!(
        "'{id}' is not a backup selection id: expected '<planId>|<selectionId>' \
         (e.g. `pulumi import {} <resource name> '<planId>|<selectionId>'`)",
        Selection::TOKEN
    ))
}

fn non_empty<T>(list: &Option<Vec<T>>) -> bool {
    list.as_ref().is_some_and(|l| !l.is_empty())
}

impl SelectionConditions {
    fn lists(&self) -> [(&'static str, &Option<Vec<SelectionConditionParameter>>); 4] {
        [
            ("stringEquals", &self.string_equals),
            ("stringNotEquals", &self.string_not_equals),
            ("stringLike", &self.string_like),
            ("stringNotLike", &self.string_not_like),
        ]
    }

    fn is_all_empty(&self) -> bool {
        self.lists().iter().all(|(_, l)| !non_empty(l))
    }
}

/// Checks the ARNs of `resources` or `notResources`.
fn check_arns(ctx: &mut CheckContext, field: &str, arns: &Option<Vec<String>>) {
    let Some(arns) = arns else { return };
    for (i, arn) in arns.iter().enumerate() {
        let path = format!("{field}[{i}]");
        match resource_pattern(arn) {
            Err(reason) => ctx.fail(&path, reason),
            Ok(true) => ctx.warn(format!(
                "{path}: '{arn}' has a * before the end of its resource part; AWS Backup documents \
                 wildcards there only as a prefix pattern ending with * (e.g. arn:aws:s3:::my-bucket-*), \
                 so it may not match what you expect"
            )),
            Ok(false) => {}
        }
    }
    let wildcard = arns.iter().any(|a| a.contains('*'));
    let limit = if wildcard {
        MAX_WILDCARD_ARNS
    } else {
        MAX_ARNS
    };
    if arns.len() > limit {
        let why = if wildcard {
            " when any of them contains a wildcard (*)"
        } else {
            ""
        };
        ctx.fail(
            field,
            format!("AWS accepts at most {limit} ARNs{why}, got {}", arns.len()),
        );
    }
}

fn check_tag_conditions(ctx: &mut CheckContext, tags: &Option<Vec<SelectionTagCondition>>) {
    let Some(tags) = tags else { return };
    for (i, tag) in tags.iter().enumerate() {
        let base = format!("listOfTags[{i}]");
        for (field, value) in [
            ("conditionType", &tag.condition_type),
            ("conditionKey", &tag.condition_key),
            ("conditionValue", &tag.condition_value),
        ] {
            let path = format!("{base}.{field}");
            if value.is_none() && !ctx.is_unknown(&path) {
                let hint = if field == "conditionType" {
                    " (use STRINGEQUALS)"
                } else {
                    ""
                };
                ctx.fail(
                    &path,
                    format!("is required: each listOfTags entry needs conditionType, conditionKey and conditionValue{hint}"),
                );
            }
        }
        if tag.condition_key.as_deref() == Some("") {
            ctx.fail(format!("{base}.conditionKey"), "must not be empty");
        }
        if let Some(ty) = tag
            .condition_type
            .as_deref()
            .filter(|t| *t != STRING_EQUALS)
        {
            ctx.warn(format!(
                "{base}.conditionType: '{ty}' is not a condition type AWS Backup documents for \
                 listOfTags (only {STRING_EQUALS}); it is passed on as is and AWS may refuse it. \
                 For StringLike, StringNotEquals or StringNotLike matching use `conditions`"
            ));
        }
    }
}

fn check_conditions(ctx: &mut CheckContext, conditions: &Option<SelectionConditions>) {
    let Some(conditions) = conditions else { return };
    for (list_name, list) in conditions.lists() {
        let Some(list) = list else { continue };
        for (i, c) in list.iter().enumerate() {
            let base = format!("conditions.{list_name}[{i}]");
            for (field, value) in [
                ("conditionKey", &c.condition_key),
                ("conditionValue", &c.condition_value),
            ] {
                let path = format!("{base}.{field}");
                if value.is_none() && !ctx.is_unknown(&path) {
                    ctx.fail(
                        &path,
                        "is required: each condition needs conditionKey and conditionValue",
                    );
                }
            }
            match c.condition_key.as_deref() {
                Some("") => ctx.fail(format!("{base}.conditionKey"), "must not be empty"),
                Some(key) if !key.starts_with(TAG_KEY_PREFIX) => ctx.warn(format!(
                    "{base}.conditionKey: '{key}' does not start with '{TAG_KEY_PREFIX}'; AWS Backup \
                     matches tags in conditions by keys of the form {TAG_KEY_PREFIX}<tag key>, so this \
                     condition probably matches no resource (did you mean '{TAG_KEY_PREFIX}{key}'?)"
                )),
                _ => {}
            }
        }
    }
}

/// The selection AWS is asked to create. Empty lists are left out (AWS treats them as absent).
fn to_aws(args: &SelectionArgs) -> Result<BackupSelection, OpError> {
    let missing = |what: &str| OpError::Failed(format!("invalid inputs: {what} is missing"));
    let list = |l: &Option<Vec<String>>| l.clone().filter(|l| !l.is_empty());
    let tags = args
        .list_of_tags
        .iter()
        .flatten()
        .map(|t| {
            Condition::builder()
                .condition_type(ConditionType::from(
                    t.condition_type.as_deref().unwrap_or(STRING_EQUALS),
                ))
                .condition_key(t.condition_key.clone().unwrap_or_default())
                .condition_value(t.condition_value.clone().unwrap_or_default())
                .build()
                .map_err(|e| OpError::Failed(format!("invalid listOfTags entry: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let conditions = args
        .conditions
        .as_ref()
        .filter(|c| !c.is_all_empty())
        .map(|c| {
            let params = |l: &Option<Vec<SelectionConditionParameter>>| {
                l.as_ref().filter(|l| !l.is_empty()).map(|l| {
                    l.iter()
                        .map(|p| {
                            ConditionParameter::builder()
                                .set_condition_key(p.condition_key.clone())
                                .set_condition_value(p.condition_value.clone())
                                .build()
                        })
                        .collect()
                })
            };
            Conditions::builder()
                .set_string_equals(params(&c.string_equals))
                .set_string_not_equals(params(&c.string_not_equals))
                .set_string_like(params(&c.string_like))
                .set_string_not_like(params(&c.string_not_like))
                .build()
        });
    BackupSelection::builder()
        .selection_name(args.name.clone().ok_or_else(|| missing("name"))?)
        .iam_role_arn(
            args.iam_role_arn
                .clone()
                .ok_or_else(|| missing("iamRoleArn"))?,
        )
        .set_resources(list(&args.resources))
        .set_not_resources(list(&args.not_resources))
        .set_list_of_tags((!tags.is_empty()).then_some(tags))
        .set_conditions(conditions)
        .build()
        .map_err(|e| OpError::Failed(format!("invalid selection: {e}")))
}

/// Whether two lists hold the same elements, in any order.
fn same_elements<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let count = |l: &[T], x: &T| l.iter().filter(|y| *y == x).count();
    a.len() == b.len() && a.iter().all(|x| count(a, x) == count(b, x))
}

/// The input for a list AWS returned: an empty list is absent unless the previous inputs had it
/// explicitly empty; the user's order is kept when AWS returns the same elements in another one.
fn list_input<T: PartialEq + Clone>(live: Vec<T>, old: Option<&Vec<T>>) -> Option<Vec<T>> {
    if live.is_empty() {
        return old.filter(|o| o.is_empty()).cloned();
    }
    match old {
        Some(old) if same_elements(&live, old) => Some(old.clone()),
        _ => Some(live),
    }
}

fn conditions_input(
    live: Option<&Conditions>,
    old: Option<&SelectionConditions>,
) -> Option<SelectionConditions> {
    let params = |l: &[ConditionParameter]| -> Vec<SelectionConditionParameter> {
        l.iter()
            .map(|p| SelectionConditionParameter {
                condition_key: p.condition_key.clone(),
                condition_value: p.condition_value.clone(),
            })
            .collect()
    };
    let empty = Conditions::builder().build();
    let live = live.unwrap_or(&empty);
    let input = SelectionConditions {
        string_equals: list_input(
            params(live.string_equals()),
            old.and_then(|o| o.string_equals.as_ref()),
        ),
        string_not_equals: list_input(
            params(live.string_not_equals()),
            old.and_then(|o| o.string_not_equals.as_ref()),
        ),
        string_like: list_input(
            params(live.string_like()),
            old.and_then(|o| o.string_like.as_ref()),
        ),
        string_not_like: list_input(
            params(live.string_not_like()),
            old.and_then(|o| o.string_not_like.as_ref()),
        ),
    };
    if input.is_all_empty() {
        // No condition at all: absent, unless the program wrote an empty `conditions`.
        return old.filter(|o| o.is_all_empty()).cloned();
    }
    Some(input)
}

/// The inputs a live selection corresponds to, shaped like the previous inputs where AWS's
/// answer means the same thing.
fn inputs_from(plan_id: &str, live: &AwsSelection, old: &SelectionArgs) -> SelectionArgs {
    let s = &live.selection;
    let tags = s
        .list_of_tags()
        .iter()
        .map(|c| SelectionTagCondition {
            condition_type: Some(c.condition_type().as_str().to_string()),
            condition_key: Some(c.condition_key().to_string()),
            condition_value: Some(c.condition_value().to_string()),
        })
        .collect();
    SelectionArgs {
        plan_id: Some(plan_id.to_string()),
        name: Some(s.selection_name().to_string()),
        iam_role_arn: Some(s.iam_role_arn().to_string()),
        resources: list_input(s.resources().to_vec(), old.resources.as_ref()),
        not_resources: list_input(s.not_resources().to_vec(), old.not_resources.as_ref()),
        list_of_tags: list_input(tags, old.list_of_tags.as_ref()),
        conditions: conditions_input(s.conditions(), old.conditions.as_ref()),
    }
}

/// Input lists whose emptiness or order means nothing to AWS.
const LISTS: [&str; 3] = ["resources", "notResources", "listOfTags"];
const CONDITION_LISTS: [&str; 4] = [
    "stringEquals",
    "stringNotEquals",
    "stringLike",
    "stringNotLike",
];

/// Drops empty lists (and a `conditions` left empty), which AWS treats as absent.
fn drop_empty(inputs: &mut Value) {
    let Some(obj) = inputs.as_object_mut() else {
        return;
    };
    let is_empty_list = |v: &Value| v.as_array().is_some_and(Vec::is_empty);
    for key in LISTS {
        if obj.get(key).is_some_and(is_empty_list) {
            obj.remove(key);
        }
    }
    if let Some(conditions) = obj.get_mut("conditions").and_then(Value::as_object_mut) {
        conditions.retain(|_, v| !is_empty_list(v) && !v.is_null());
        if conditions.is_empty() {
            obj.remove("conditions");
        }
    }
}

/// Gives `old` the order of `new` where the two lists hold the same elements.
fn align_order(old: &mut Value, new: &Value) {
    if let (Value::Array(o), Value::Array(n)) = (&*old, new) {
        if o != n && same_elements(o, n) {
            *old = new.clone();
        }
    }
}

#[async_trait]
impl Resource for Selection {
    type Args = SelectionArgs;
    type State = SelectionState;

    const TOKEN: &'static str = "awsbackup:index:Selection";
    const REQUIRED_INPUTS: &'static [&'static str] = &["planId", "iamRoleArn"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "planId",
        "name",
        "iamRoleArn",
        "resources",
        "notResources",
        "listOfTags",
        "conditions",
    ];
    const NAME: Option<NameRule> = Some(SELECTION_NAME);

    fn check(&self, ctx: &mut CheckContext, args: &mut SelectionArgs) {
        if let Some(plan) = &args.plan_id {
            if plan.is_empty() || plan.contains('|') {
                ctx.fail(
                    "planId",
                    format!("must be a backup plan id (the planId output of an awsbackup:index:Plan); got '{plan}'"),
                );
            }
        }
        if let Some(arn) = &args.iam_role_arn {
            if !iam_role_arn().is_match(arn) {
                let hint = if !arn.starts_with("arn:") {
                    " (give the role's ARN, not its name)"
                } else if arn.contains(":user/") {
                    " (a user ARN is not accepted: AWS Backup assumes a role)"
                } else {
                    ""
                };
                ctx.fail(
                    "iamRoleArn",
                    format!(
                        "must be an IAM role ARN like arn:aws:iam::<12-digit account id>:role/<name> \
                         or ...:role/<path>/<name>{hint}; got '{arn}'"
                    ),
                );
            }
        }
        check_arns(ctx, "resources", &args.resources);
        check_arns(ctx, "notResources", &args.not_resources);
        check_tag_conditions(ctx, &args.list_of_tags);
        check_conditions(ctx, &args.conditions);

        let has_resources = non_empty(&args.resources);
        let has_tags = non_empty(&args.list_of_tags);
        if !has_resources
            && !has_tags
            && !ctx.is_unknown("resources")
            && !ctx.is_unknown("listOfTags")
        {
            let hint = if args.conditions.as_ref().is_some_and(|c| !c.is_all_empty())
                || ctx.is_unknown("conditions")
            {
                ": `conditions` only narrow a selection. To select every resource whose tags match \
                 them, add resources: [\"*\"]"
            } else {
                ""
            };
            ctx.fail(
                "resources",
                format!(
                    "a selection needs `resources` or `listOfTags` (non-empty); AWS refuses a selection \
                     with neither{hint}"
                ),
            );
        }
        if has_tags {
            let wildcards: Vec<&str> = args
                .resources
                .iter()
                .flatten()
                .filter(|a| a.contains('*'))
                .map(String::as_str)
                .collect();
            if !wildcards.is_empty() {
                ctx.warn(format!(
                    "resources {wildcards:?} contain a wildcard and listOfTags is set: AWS combines \
                     resources and listOfTags with OR, so every resource matching the wildcard is \
                     selected whatever its tags. To back up only the tagged resources among them, \
                     replace listOfTags with `conditions` (stringEquals with keys \
                     '{TAG_KEY_PREFIX}<tag key>'), which AWS combines with AND"
                ));
            }
        }
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        // An empty list means the same as none to AWS, and the order of these lists means
        // nothing (OR or AND of their entries): neither is a reason to replace the selection.
        drop_empty(old);
        drop_empty(new);
        for key in LISTS {
            if let (Some(o), Some(n)) = (old.get_mut(key), new.get(key)) {
                align_order(o, n);
            }
        }
        if let (Some(o), Some(n)) = (old.get_mut("conditions"), new.get("conditions")) {
            for key in CONDITION_LISTS {
                if let (Some(ol), Some(nl)) = (o.get_mut(key), n.get(key)) {
                    align_order(ol, nl);
                }
            }
        }
    }

    async fn create(
        &self,
        ctx: &Context,
        args: SelectionArgs,
    ) -> Result<(String, SelectionState), OpError> {
        let plan_id = args
            .plan_id
            .clone()
            .ok_or_else(|| OpError::Failed("invalid inputs: planId is missing".into()))?;
        let selection = to_aws(&args)?;
        let role = selection.iam_role_arn().to_string();
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let window = ctx.wait_budget(IAM_PROPAGATION_WINDOW);
        // A new IAM role takes a while before AWS Backup can use it: wait for it.
        let created = retry::wait(window, FIRST_PAUSE, MAX_PAUSE, || async {
            match ctx
                .api
                .create_selection(&plan_id, selection.clone(), Some(&token))
                .await
            {
                Ok(created) => Ok(Poll::Done(created)),
                Err(e) if e.is_iam_not_ready() => {
                    tracing::debug!(role = %role, error = %e.message, "IAM role not usable by AWS Backup yet; retrying");
                    Ok(Poll::Pending(e.message))
                }
                Err(e) => Err(e),
            }
        })
        .await;
        let (selection_id, creation_date) = match created {
            Ok(created) => created,
            // The plan never existed, or it has been deleted.
            Err(WaitError::Failed(e)) if e.is_not_found() || e.is_plan_gone() => {
                return Err(OpError::Failed(format!(
                    "backup plan '{plan_id}' does not exist; create it first (an awsbackup:index:Plan) \
                     and pass its planId ({})",
                    e.message
                )))
            }
            Err(WaitError::Failed(e)) => return Err(e.into()),
            Err(WaitError::TimedOut { waited, last }) => {
                return Err(OpError::Failed(format!(
                    "AWS Backup still cannot use the IAM role '{role}' after retrying for {:.0}s: {last}. \
                     Check that the role's trust policy lets backup.amazonaws.com assume it and that it \
                     has the AWS Backup permissions (e.g. the AWSBackupServiceRolePolicyForBackup managed \
                     policy, which includes tag:GetResources)",
                    waited.as_secs_f64()
                )))
            }
            Err(WaitError::Cancelled) => {
                return Err(OpError::Failed("the operation was cancelled".into()))
            }
        };
        tracing::debug!(plan = %plan_id, selection = %selection_id, "created backup selection");
        let id = format!("{plan_id}|{selection_id}");
        Ok((
            id,
            SelectionState {
                args,
                selection_id,
                creation_date,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<SelectionArgs>,
    ) -> Result<Option<ReadResult<SelectionArgs, SelectionState>>, OpError> {
        let (plan_id, selection_id) = parse_id(id).ok_or_else(|| id_error(id))?;
        let Some(live) = ctx.api.get_selection(plan_id, selection_id).await? else {
            return Ok(None);
        };
        let inputs = inputs_from(plan_id, &live, &old.unwrap_or_default());
        let state = SelectionState {
            args: inputs.clone(),
            selection_id: selection_id.to_string(),
            creation_date: live.creation_date.clone(),
        };
        Ok(Some(ReadResult { inputs, state }))
    }

    async fn update(
        &self,
        _ctx: &Context,
        id: &str,
        _old: SelectionState,
        _news: SelectionArgs,
    ) -> Result<SelectionState, OpError> {
        Err(OpError::Failed(format!(
            "backup selection '{id}' cannot be updated: AWS has no update for selections, so every \
             change replaces it (this is a provider bug; please report it)"
        )))
    }

    async fn delete(&self, ctx: &Context, id: &str, state: SelectionState) -> Result<(), OpError> {
        let (plan_id, selection_id) = match parse_id(id) {
            Some(ids) => ids,
            None => match state.args.plan_id.as_deref() {
                Some(plan) if !state.selection_id.is_empty() => (plan, state.selection_id.as_str()),
                _ => return Err(id_error(id)),
            },
        };
        if ctx
            .api
            .delete_selection_if_present(plan_id, selection_id)
            .await?
        {
            tracing::debug!(plan = %plan_id, selection = %selection_id, "deleted backup selection");
        }
        Ok(())
    }
}
