//! The validation rules of a selection's inputs, checked at every preview.

use regex::Regex;

use super::document::STRING_EQUALS;
use super::types::{non_empty, SelectionArgs, SelectionConditions, SelectionTagCondition};
use crate::naming::NameRule;
use crate::resource::CheckContext;

pub const SELECTION_NAME: NameRule = NameRule {
    field: "name",
    what: "a backup selection name",
    min_len: 1,
    max_len: 50,
    allowed: |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    allowed_text: "letters, digits, hyphens (-), underscores (_) and periods (.)",
};

const MAX_ARNS: usize = 500;
const MAX_WILDCARD_ARNS: usize = 30;
const TAG_KEY_PREFIX: &str = "aws:ResourceTag/";

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

/// The rules of a selection's inputs (its name is checked by the adapter).
pub(super) fn check_selection(ctx: &mut CheckContext, args: &SelectionArgs) {
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
    if !has_resources && !has_tags && !ctx.is_unknown("resources") && !ctx.is_unknown("listOfTags")
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    use crate::config::ProviderConfig;
    use crate::resources::selection::SelectionConditionParameter;
    use crate::value::Marks;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

    /// What `check_selection` reports: failures as (property, reason), and warnings.
    fn run(args: &SelectionArgs) -> (Vec<(String, String)>, Vec<String>) {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        check_selection(&mut ctx, args);
        let (failures, warnings) = ctx.into_parts();
        let failures = failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect();
        (failures, warnings)
    }

    fn selecting(resources: &[&str]) -> SelectionArgs {
        SelectionArgs {
            plan_id: Some("plan-1".into()),
            iam_role_arn: Some(ROLE.into()),
            resources: Some(resources.iter().map(|r| r.to_string()).collect()),
            ..SelectionArgs::default()
        }
    }

    #[test]
    fn resource_patterns_aws_documents_pass() {
        for arn in [
            "*",
            "arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
            "arn:aws:s3:::my-bucket",
            "arn:aws:s3:::logs-*",
            "arn:aws:fsx:*",
            "arn:aws:ec2:*:*:volume/*",
            "arn:aws-us-gov:rds:*:123456789012:db:prod-*",
        ] {
            assert_eq!(resource_pattern(arn), Ok(false), "{arn}");
        }
        // A `*` inside the resource part passes, flagged as undocumented.
        assert_eq!(
            resource_pattern("arn:aws:ec2:us-east-1:123456789012:volume/*-prod"),
            Ok(true)
        );
    }

    #[test]
    fn resource_patterns_are_refused_with_what_is_wrong() {
        for (arn, wrong) in [
            ("vol-1", "got 'vol-1'"),
            ("arn:aws:ec2:us-east-1:1 23:volume/v", "contains whitespace"),
            ("arn:aws:*", "got 'arn:aws:*'"),
            ("arn:aws:ec2:us-east-1", "fewer than 6 ARN fields"),
            (
                "arn:aws:ec2:us-*:123456789012:volume/v",
                "either literal or exactly *",
            ),
            (
                "arn:aws:ec2:us-east-1:123456789012:",
                "resource part is empty",
            ),
        ] {
            let err = resource_pattern(arn).unwrap_err();
            assert!(err.contains(wrong), "{arn}: {err}");
        }
    }

    #[test]
    fn role_arns_are_told_apart_from_names_and_users() {
        assert!(iam_role_arn().is_match(ROLE));
        assert!(iam_role_arn().is_match("arn:aws-cn:iam::123456789012:role/backup"));
        for (arn, hint) in [
            ("BackupRole", "give the role's ARN, not its name"),
            (
                "arn:aws:iam::123456789012:user/alice",
                "a user ARN is not accepted",
            ),
            (
                "arn:aws:iam::1234:role/backup",
                "got 'arn:aws:iam::1234:role/backup'",
            ),
        ] {
            let args = SelectionArgs {
                iam_role_arn: Some(arn.into()),
                ..selecting(&["*"])
            };
            let (failures, _) = run(&args);
            assert_eq!(failures.len(), 1, "{arn}: {failures:?}");
            assert_eq!(failures[0].0, "iamRoleArn");
            assert!(failures[0].1.contains(hint), "{arn}: {}", failures[0].1);
        }
    }

    #[test]
    fn a_selection_selects_by_resources_or_tags_and_conditions_alone_do_not() {
        let (failures, _) = run(&selecting(&["arn:aws:s3:::b"]));
        assert!(failures.is_empty(), "{failures:?}");
        let only_conditions = SelectionArgs {
            resources: None,
            conditions: Some(SelectionConditions {
                string_equals: Some(vec![SelectionConditionParameter {
                    condition_key: Some("aws:ResourceTag/backup".into()),
                    condition_value: Some("daily".into()),
                }]),
                ..SelectionConditions::default()
            }),
            ..selecting(&[])
        };
        let (failures, _) = run(&only_conditions);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].0, "resources");
        assert!(failures[0].1.contains("add resources: [\"*\"]"));
    }

    #[test]
    fn wildcard_arns_are_limited_to_30() {
        let many: Vec<String> = (0..31).map(|i| format!("arn:aws:s3:::b{i}-*")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let (failures, _) = run(&selecting(&refs));
        assert_eq!(
            failures,
            vec![(
                "resources".to_string(),
                "AWS accepts at most 30 ARNs when any of them contains a wildcard (*), got 31"
                    .to_string()
            )]
        );
        let (failures, _) = run(&selecting(&refs[..30]));
        assert!(failures.is_empty(), "{failures:?}");
    }

    #[test]
    fn tag_entries_need_all_three_fields_and_odd_ones_warn() {
        let args = SelectionArgs {
            list_of_tags: Some(vec![
                SelectionTagCondition {
                    condition_key: Some("backup".into()),
                    condition_value: Some("daily".into()),
                    ..SelectionTagCondition::default()
                },
                SelectionTagCondition {
                    condition_type: Some("STRINGLIKE".into()),
                    condition_key: Some("backup".into()),
                    condition_value: Some("d*".into()),
                },
            ]),
            ..selecting(&[])
        };
        let (failures, warnings) = run(&args);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].0, "listOfTags[0].conditionType");
        assert!(failures[0].1.ends_with("(use STRINGEQUALS)"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("listOfTags[1].conditionType: 'STRINGLIKE'"));
    }

    #[test]
    fn tags_with_a_wildcard_arn_warn_that_aws_combines_them_with_or() {
        let args = SelectionArgs {
            list_of_tags: Some(vec![SelectionTagCondition {
                condition_type: Some(STRING_EQUALS.into()),
                condition_key: Some("backup".into()),
                condition_value: Some("daily".into()),
            }]),
            ..selecting(&["arn:aws:ec2:*:*:volume/*"])
        };
        let (failures, warnings) = run(&args);
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("AWS combines resources and listOfTags with OR"));
    }

    #[test]
    fn condition_keys_without_the_resource_tag_prefix_warn() {
        let args = SelectionArgs {
            conditions: Some(SelectionConditions {
                string_like: Some(vec![SelectionConditionParameter {
                    condition_key: Some("backup".into()),
                    condition_value: Some("d*".into()),
                }]),
                ..SelectionConditions::default()
            }),
            ..selecting(&["*"])
        };
        let (failures, warnings) = run(&args);
        assert!(failures.is_empty(), "{failures:?}");
        assert!(
            warnings[0].contains("did you mean 'aws:ResourceTag/backup'?"),
            "{warnings:?}"
        );
    }
}
