//! A plan's inputs to AWS's plan document and back: what AWS fills in by default, and how a live
//! plan reads as inputs shaped like the user's.

use serde_json::Value;

use super::types::{
    AdvancedBackupSettingArgs, CopyActionArgs, IndexActionArgs, LifecycleArgs, PlanArgs, PlanState,
    RuleArgs, RuleState,
};
use crate::aws::plan::{AdvancedBackupSetting, CopyAction, IndexAction, Lifecycle, Rule};
use crate::aws::{Plan as AwsPlan, PlanDocument, Tags};
use crate::resource::OpError;

/// What AWS fills in for a rule that does not set them.
const DEFAULT_SCHEDULE: &str = "cron(0 5 ? * * *)";
const DEFAULT_TIMEZONE: &str = "Etc/UTC";
/// Another name AWS may report its default time zone by.
const DEFAULT_TIMEZONE_ALIAS: &str = "UTC";
pub(super) const DEFAULT_START_WINDOW: i64 = 480;
const DEFAULT_COMPLETION_WINDOW: i64 = 10_080;

/// Removes from plan inputs what AWS fills in when it is left out, and empty collections: writing
/// AWS's default explicitly, or leaving it out, deploys the same plan.
pub(super) fn drop_plan_defaults(inputs: &mut Value) {
    for rule in inputs
        .get_mut("rules")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        drop_defaults(rule);
    }
    drop_empty(inputs, &["advancedBackupSettings", "tags"]);
}

/// Removes rule fields that equal what AWS fills in, and empty collections.
fn drop_defaults(rule: &mut Value) {
    let Some(r) = rule.as_object_mut() else {
        return;
    };
    let defaults = [
        ("scheduleExpression", Value::from(DEFAULT_SCHEDULE)),
        ("scheduleExpressionTimezone", Value::from(DEFAULT_TIMEZONE)),
        (
            "scheduleExpressionTimezone",
            Value::from(DEFAULT_TIMEZONE_ALIAS),
        ),
        ("startWindowMinutes", Value::from(DEFAULT_START_WINDOW)),
        (
            "completionWindowMinutes",
            Value::from(DEFAULT_COMPLETION_WINDOW),
        ),
        ("enableContinuousBackup", Value::Bool(false)),
    ];
    for (field, default) in defaults {
        if r.get(field) == Some(&default) {
            r.remove(field);
        }
    }
    let no_archive = |l: Option<&mut Value>| {
        if let Some(o) = l.and_then(Value::as_object_mut) {
            if o.get("optInToArchiveForSupportedResources") == Some(&Value::Bool(false)) {
                o.remove("optInToArchiveForSupportedResources");
            }
        }
    };
    no_archive(r.get_mut("lifecycle"));
    if let Some(copies) = r.get_mut("copyActions").and_then(Value::as_array_mut) {
        for copy in copies {
            no_archive(copy.get_mut("lifecycle"));
            drop_empty(copy, &["lifecycle"]);
        }
    }
    drop_empty(
        rule,
        &[
            "lifecycle",
            "recoveryPointTags",
            "copyActions",
            "indexActions",
        ],
    );
}

/// Removes the named fields when they hold an empty object or list.
fn drop_empty(v: &mut Value, fields: &[&str]) {
    let Some(o) = v.as_object_mut() else { return };
    for f in fields {
        let empty = match o.get(*f) {
            Some(Value::Object(m)) => m.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Null) => true,
            _ => false,
        };
        if empty {
            o.remove(*f);
        }
    }
}

/// A lifecycle, or none when nothing is set: an empty lifecycle is never sent.
fn lifecycle(l: Option<&LifecycleArgs>) -> Option<Lifecycle> {
    let l = l?;
    if l == &LifecycleArgs::default() {
        return None;
    }
    Some(Lifecycle {
        move_to_cold_storage_after_days: l.move_to_cold_storage_after_days,
        delete_after_days: l.delete_after_days,
        opt_in_to_archive_for_supported_resources: l.opt_in_to_archive_for_supported_resources,
    })
}

/// The plan document AWS is asked to create or update to.
pub(super) fn document(args: &PlanArgs) -> Result<PlanDocument, OpError> {
    let missing = |what: String| OpError::Failed(format!("invalid plan: {what} is missing"));
    let name = args.name.clone().ok_or_else(|| missing("name".into()))?;
    let mut rules = Vec::new();
    for (i, r) in args.rules.iter().flatten().enumerate() {
        let copy_actions = r
            .copy_actions
            .as_ref()
            .map(|copies| {
                copies
                    .iter()
                    .enumerate()
                    .map(|(j, c)| {
                        Ok(CopyAction {
                            destination_vault_arn: c.destination_vault_arn.clone().ok_or_else(
                                || {
                                    missing(format!(
                                        "rules[{i}].copyActions[{j}].destinationVaultArn"
                                    ))
                                },
                            )?,
                            lifecycle: lifecycle(c.lifecycle.as_ref()),
                        })
                    })
                    .collect::<Result<Vec<_>, OpError>>()
            })
            .transpose()?;
        rules.push(Rule {
            rule_name: r
                .rule_name
                .clone()
                .ok_or_else(|| missing(format!("rules[{i}].ruleName")))?,
            target_vault_name: r
                .target_vault_name
                .clone()
                .ok_or_else(|| missing(format!("rules[{i}].targetVaultName")))?,
            schedule_expression: r.schedule_expression.clone(),
            schedule_expression_timezone: r.schedule_expression_timezone.clone(),
            start_window_minutes: r.start_window_minutes,
            completion_window_minutes: r.completion_window_minutes,
            lifecycle: lifecycle(r.lifecycle.as_ref()),
            recovery_point_tags: r.recovery_point_tags.clone().filter(|t| !t.is_empty()),
            copy_actions,
            enable_continuous_backup: r.enable_continuous_backup,
            index_actions: r.index_actions.as_ref().map(|actions| {
                actions
                    .iter()
                    .map(|a| IndexAction {
                        resource_types: a.resource_types.clone(),
                    })
                    .collect()
            }),
            target_air_gapped_vault_arn: r.target_logically_air_gapped_backup_vault_arn.clone(),
            rule_id: None,
        });
    }
    let advanced_backup_settings = args.advanced_backup_settings.as_ref().map(|list| {
        list.iter()
            .map(|a| AdvancedBackupSetting {
                resource_type: a.resource_type.clone(),
                backup_options: a.backup_options.clone(),
            })
            .collect()
    });
    Ok(PlanDocument {
        name,
        rules,
        advanced_backup_settings,
    })
}

/// The value to show as an input: AWS's value when the user set one before, otherwise only when
/// it differs from what AWS fills in by default (so defaults never show as drift).
fn user_value<T: PartialEq>(live: Option<T>, had: bool, defaults: &[T]) -> Option<T> {
    match live {
        Some(v) if had || !defaults.contains(&v) => Some(v),
        _ => None,
    }
}

fn lifecycle_from(l: Option<&Lifecycle>, old: Option<&LifecycleArgs>) -> Option<LifecycleArgs> {
    let l = l?;
    let old = old.cloned().unwrap_or_default();
    let args = LifecycleArgs {
        move_to_cold_storage_after_days: l.move_to_cold_storage_after_days,
        delete_after_days: l.delete_after_days,
        opt_in_to_archive_for_supported_resources: user_value(
            l.opt_in_to_archive_for_supported_resources,
            old.opt_in_to_archive_for_supported_resources.is_some(),
            &[false],
        ),
    };
    (args != LifecycleArgs::default()).then_some(args)
}

/// The inputs a live rule stands for, given the user's previous version of it (if any).
fn rule_from(r: &Rule, old: Option<&RuleArgs>) -> RuleArgs {
    let had = old.cloned().unwrap_or_default();
    let copies: Vec<CopyActionArgs> = r
        .copy_actions
        .iter()
        .flatten()
        .map(|c| {
            let old_copy = had.copy_actions.iter().flatten().find(|o| {
                o.destination_vault_arn.as_deref() == Some(c.destination_vault_arn.as_str())
            });
            CopyActionArgs {
                destination_vault_arn: Some(c.destination_vault_arn.clone()),
                lifecycle: lifecycle_from(
                    c.lifecycle.as_ref(),
                    old_copy.and_then(|o| o.lifecycle.as_ref()),
                ),
            }
        })
        .collect();
    let index: Vec<IndexActionArgs> = r
        .index_actions
        .iter()
        .flatten()
        .map(|i| IndexActionArgs {
            resource_types: i.resource_types.clone(),
        })
        .collect();
    let tags = r.recovery_point_tags.clone().unwrap_or_default();
    RuleArgs {
        rule_name: Some(r.rule_name.clone()),
        target_vault_name: Some(r.target_vault_name.clone()),
        // AWS fills in its default schedule for every rule without one, continuous rules too;
        // a schedule the user chose is kept, on refresh and on import alike.
        schedule_expression: user_value(
            r.schedule_expression.clone(),
            had.schedule_expression.is_some(),
            &[DEFAULT_SCHEDULE.to_string()],
        ),
        schedule_expression_timezone: user_value(
            r.schedule_expression_timezone.clone(),
            had.schedule_expression_timezone.is_some(),
            &[
                DEFAULT_TIMEZONE.to_string(),
                DEFAULT_TIMEZONE_ALIAS.to_string(),
            ],
        ),
        start_window_minutes: user_value(
            r.start_window_minutes,
            had.start_window_minutes.is_some(),
            &[DEFAULT_START_WINDOW],
        ),
        completion_window_minutes: user_value(
            r.completion_window_minutes,
            had.completion_window_minutes.is_some(),
            &[DEFAULT_COMPLETION_WINDOW],
        ),
        lifecycle: lifecycle_from(r.lifecycle.as_ref(), had.lifecycle.as_ref()),
        recovery_point_tags: (!tags.is_empty() || had.recovery_point_tags.is_some())
            .then_some(tags),
        copy_actions: (!copies.is_empty() || had.copy_actions.is_some()).then_some(copies),
        enable_continuous_backup: user_value(
            r.enable_continuous_backup,
            had.enable_continuous_backup.is_some(),
            &[false],
        ),
        index_actions: (!index.is_empty() || had.index_actions.is_some()).then_some(index),
        target_logically_air_gapped_backup_vault_arn: r.target_air_gapped_vault_arn.clone(),
    }
}

/// Live rules as inputs, in the user's order (rules AWS has that the user did not write come last).
pub(super) fn rules_from(plan: &AwsPlan, old: Option<&Vec<RuleArgs>>) -> Vec<RuleArgs> {
    let live = &plan.document.rules;
    let old = old.cloned().unwrap_or_default();
    let old_of = |name: &str| old.iter().find(|o| o.rule_name.as_deref() == Some(name));
    let mut ordered: Vec<&Rule> = Vec::new();
    for o in &old {
        if let Some(r) = live
            .iter()
            .find(|r| Some(r.rule_name.as_str()) == o.rule_name.as_deref())
        {
            ordered.push(r);
        }
    }
    for r in live {
        if !ordered.iter().any(|x| x.rule_name == r.rule_name) {
            ordered.push(r);
        }
    }
    ordered
        .into_iter()
        .map(|r| rule_from(r, old_of(&r.rule_name)))
        .collect()
}

pub(super) fn advanced_from(
    plan: &AwsPlan,
    old: Option<&Vec<AdvancedBackupSettingArgs>>,
) -> Option<Vec<AdvancedBackupSettingArgs>> {
    let list: Vec<AdvancedBackupSettingArgs> = plan
        .document
        .advanced_backup_settings
        .iter()
        .flatten()
        .map(|a| AdvancedBackupSettingArgs {
            resource_type: a.resource_type.clone(),
            backup_options: a.backup_options.clone(),
        })
        .collect();
    (!list.is_empty() || old.is_some()).then_some(list)
}

pub(super) fn state_from(plan: &AwsPlan, args: &PlanArgs, tags: Option<Tags>) -> PlanState {
    let rules = args
        .rules
        .iter()
        .flatten()
        .map(|r| RuleState {
            rule_id: plan
                .document
                .rules
                .iter()
                .find(|live| Some(live.rule_name.as_str()) == r.rule_name.as_deref())
                .and_then(|live| live.rule_id.clone()),
            rule: r.clone(),
        })
        .collect();
    PlanState {
        name: Some(plan.document.name.clone()),
        rules,
        advanced_backup_settings: args.advanced_backup_settings.clone(),
        tags,
        arn: plan.arn.clone(),
        plan_id: plan.id.clone(),
        version_id: plan.version_id.clone(),
    }
}

pub(super) fn fallback_state(id: &str, arn: &str, version: &str, args: &PlanArgs) -> PlanState {
    PlanState {
        name: args.name.clone(),
        rules: args
            .rules
            .iter()
            .flatten()
            .map(|r| RuleState {
                rule: r.clone(),
                rule_id: None,
            })
            .collect(),
        advanced_backup_settings: args.advanced_backup_settings.clone(),
        tags: args.tags.clone(),
        arn: arn.into(),
        plan_id: id.into(),
        version_id: version.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(name: &str) -> RuleArgs {
        RuleArgs {
            rule_name: Some(name.into()),
            target_vault_name: Some("vault".into()),
            ..RuleArgs::default()
        }
    }

    /// A rule as GetBackupPlan answers it for `rule(name)`: AWS's defaults filled in.
    fn live_rule(name: &str) -> Rule {
        Rule {
            rule_name: name.into(),
            target_vault_name: "vault".into(),
            rule_id: Some(format!("id-{name}")),
            schedule_expression: Some(DEFAULT_SCHEDULE.into()),
            schedule_expression_timezone: Some(DEFAULT_TIMEZONE.into()),
            start_window_minutes: Some(DEFAULT_START_WINDOW),
            completion_window_minutes: Some(DEFAULT_COMPLETION_WINDOW),
            ..Rule::default()
        }
    }

    fn live_plan(rules: Vec<Rule>) -> AwsPlan {
        AwsPlan {
            id: "plan-1".into(),
            arn: "arn:aws:backup:us-east-1:123456789012:backup-plan:plan-1".into(),
            version_id: "v1".into(),
            document: PlanDocument {
                name: "plan".into(),
                rules,
                advanced_backup_settings: None,
            },
            creation_date: None,
        }
    }

    #[test]
    fn aws_defaults_and_empty_collections_are_dropped_for_the_diff() {
        let mut inputs = json!({
            "rules": [{
                "ruleName": "r",
                "targetVaultName": "vault",
                "scheduleExpression": "cron(0 5 ? * * *)",
                "scheduleExpressionTimezone": "UTC",
                "startWindowMinutes": 480,
                "completionWindowMinutes": 10080,
                "enableContinuousBackup": false,
                "lifecycle": {"optInToArchiveForSupportedResources": false},
                "copyActions": [{"destinationVaultArn": "arn", "lifecycle": {}}],
                "recoveryPointTags": {},
                "indexActions": null,
            }],
            "advancedBackupSettings": [],
            "tags": {},
        });
        drop_plan_defaults(&mut inputs);
        assert_eq!(
            inputs,
            json!({"rules": [{
                "ruleName": "r",
                "targetVaultName": "vault",
                "copyActions": [{"destinationVaultArn": "arn"}],
            }]})
        );
    }

    #[test]
    fn values_other_than_aws_defaults_stay_in_the_diff() {
        let chosen = json!({
            "ruleName": "r",
            "scheduleExpression": "cron(0 6 ? * * *)",
            "scheduleExpressionTimezone": "Europe/Paris",
            "startWindowMinutes": 60,
            "enableContinuousBackup": true,
            "lifecycle": {"optInToArchiveForSupportedResources": true},
        });
        let mut inputs = json!({"rules": [chosen.clone()]});
        drop_plan_defaults(&mut inputs);
        assert_eq!(inputs, json!({"rules": [chosen]}));
    }

    #[test]
    fn the_document_leaves_out_what_is_unset_or_empty() {
        let args = PlanArgs {
            name: Some("plan".into()),
            rules: Some(vec![RuleArgs {
                lifecycle: Some(LifecycleArgs::default()),
                recovery_point_tags: Some(Tags::new()),
                copy_actions: Some(vec![CopyActionArgs {
                    destination_vault_arn: Some("arn:dest".into()),
                    lifecycle: Some(LifecycleArgs {
                        delete_after_days: Some(30),
                        ..LifecycleArgs::default()
                    }),
                }]),
                ..rule("r")
            }]),
            ..PlanArgs::default()
        };
        let doc = document(&args).unwrap();
        assert_eq!(doc.name, "plan");
        let r = &doc.rules[0];
        assert_eq!(
            (r.rule_name.as_str(), r.target_vault_name.as_str()),
            ("r", "vault")
        );
        assert!(r.lifecycle.is_none() && r.recovery_point_tags.is_none());
        assert!(r.schedule_expression.is_none() && r.start_window_minutes.is_none());
        let copy = &r.copy_actions.as_ref().unwrap()[0];
        assert_eq!(copy.destination_vault_arn, "arn:dest");
        assert_eq!(copy.lifecycle.as_ref().unwrap().delete_after_days, Some(30));
        assert!(doc.advanced_backup_settings.is_none());
    }

    #[test]
    fn a_document_aws_cannot_take_is_an_error_naming_what_is_missing() {
        let args = PlanArgs {
            name: Some("plan".into()),
            rules: Some(vec![rule("r"), RuleArgs::default()]),
            ..PlanArgs::default()
        };
        let err = document(&args).unwrap_err().to_string();
        assert_eq!(err, "invalid plan: rules[1].ruleName is missing");
    }

    #[test]
    fn a_live_rule_reads_without_the_defaults_aws_filled_in() {
        let live = live_rule("r");
        assert_eq!(rule_from(&live, None), rule("r"));
        // A default the user wrote explicitly stays an input.
        let written = RuleArgs {
            schedule_expression: Some(DEFAULT_SCHEDULE.into()),
            recovery_point_tags: Some(Tags::new()),
            ..rule("r")
        };
        assert_eq!(rule_from(&live, Some(&written)), written);
        // A value AWS reports that is not its default is always an input.
        let paris = Rule {
            schedule_expression_timezone: Some("Europe/Paris".into()),
            ..live_rule("r")
        };
        assert_eq!(
            rule_from(&paris, None)
                .schedule_expression_timezone
                .as_deref(),
            Some("Europe/Paris")
        );
    }

    #[test]
    fn a_live_lifecycle_reads_opt_in_false_as_unset_unless_the_user_wrote_it() {
        let live = Lifecycle {
            delete_after_days: Some(30),
            opt_in_to_archive_for_supported_resources: Some(false),
            ..Lifecycle::default()
        };
        let read = lifecycle_from(Some(&live), None).unwrap();
        assert_eq!(read.opt_in_to_archive_for_supported_resources, None);
        let old = LifecycleArgs {
            opt_in_to_archive_for_supported_resources: Some(false),
            ..LifecycleArgs::default()
        };
        let read = lifecycle_from(Some(&live), Some(&old)).unwrap();
        assert_eq!(read.opt_in_to_archive_for_supported_resources, Some(false));
        let nothing = Lifecycle::default();
        assert_eq!(lifecycle_from(Some(&nothing), None), None);
    }

    #[test]
    fn live_rules_keep_the_users_order_and_new_ones_come_last() {
        let plan = live_plan(vec![live_rule("a"), live_rule("extra"), live_rule("b")]);
        let old = vec![rule("b"), rule("a"), rule("removed")];
        let names: Vec<String> = rules_from(&plan, Some(&old))
            .into_iter()
            .filter_map(|r| r.rule_name)
            .collect();
        assert_eq!(names, ["b", "a", "extra"]);
    }

    #[test]
    fn the_state_gives_each_rule_its_aws_id_by_name() {
        let plan = live_plan(vec![live_rule("a"), live_rule("b")]);
        let args = PlanArgs {
            rules: Some(vec![rule("b"), rule("unsaved")]),
            ..PlanArgs::default()
        };
        let state = state_from(&plan, &args, None);
        let ids: Vec<Option<&str>> = state.rules.iter().map(|r| r.rule_id.as_deref()).collect();
        assert_eq!(ids, [Some("id-b"), None]);
        assert_eq!(
            (state.plan_id.as_str(), state.version_id.as_str()),
            ("plan-1", "v1")
        );
    }
}
