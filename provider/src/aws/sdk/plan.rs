//! Backup plans, and plan documents to and from the SDK's types.

use std::collections::HashMap;

use aws_sdk_backup::error::BuildError;
use aws_sdk_backup::types as sdk;

use super::{rfc3339, unbuildable, SdkBackup};
use crate::aws::plan::{AdvancedBackupSetting, CopyAction, IndexAction, Lifecycle, Rule};
use crate::aws::{AwsError, Plan, PlanDocument, PlanVersion, Tags};

pub(super) async fn create(
    api: &SdkBackup,
    document: &PlanDocument,
    tags: &Tags,
    creator_request_id: Option<&str>,
) -> Result<PlanVersion, AwsError> {
    const OPERATION: &str = "CreateBackupPlan";
    let plan = plan_input(document).map_err(|e| unbuildable(OPERATION, e))?;
    let tags = (!tags.is_empty()).then(|| hash_map(tags));
    let out = api
        .send(OPERATION, || {
            api.client
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

pub(super) async fn get(api: &SdkBackup, id: &str) -> Result<Option<Plan>, AwsError> {
    let answer = api
        .send("GetBackupPlan", || {
            api.client.get_backup_plan().backup_plan_id(id).send()
        })
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    // A deleted plan may still be readable, with its deletion date.
    if out.deletion_date.is_some() {
        return Ok(None);
    }
    let Some(plan) = out.backup_plan else {
        return Ok(None);
    };
    Ok(Some(Plan {
        id: out.backup_plan_id.unwrap_or_else(|| id.to_string()),
        arn: out.backup_plan_arn.unwrap_or_default(),
        version_id: out.version_id.unwrap_or_default(),
        document: PlanDocument {
            name: plan.backup_plan_name,
            rules: plan.rules.into_iter().map(rule_from).collect(),
            // Read from the top level of GetBackupPlan (the copy inside the document is always
            // empty).
            advanced_backup_settings: out
                .advanced_backup_settings
                .map(|list| list.into_iter().map(advanced_setting_from).collect()),
        },
        creation_date: out.creation_date.as_ref().map(rfc3339),
    }))
}

pub(super) async fn update(
    api: &SdkBackup,
    id: &str,
    document: &PlanDocument,
) -> Result<PlanVersion, AwsError> {
    const OPERATION: &str = "UpdateBackupPlan";
    let plan = plan_input(document).map_err(|e| unbuildable(OPERATION, e))?;
    let out = api
        .send(OPERATION, || {
            api.client
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

pub(super) async fn delete(api: &SdkBackup, id: &str) -> Result<bool, AwsError> {
    let answer = api
        .send("DeleteBackupPlan", || {
            api.client.delete_backup_plan().backup_plan_id(id).send()
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

pub(super) async fn list(api: &SdkBackup) -> Result<Vec<(String, String)>, AwsError> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let out = api
            .send("ListBackupPlans", || {
                api.client
                    .list_backup_plans()
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        found.extend(
            out.backup_plans_list
                .unwrap_or_default()
                .into_iter()
                // ListBackupPlans leaves deleted plans out unless asked; a deletion date is
                // checked all the same.
                .filter(|p| p.deletion_date.is_none())
                .map(|p| {
                    (
                        p.backup_plan_id.unwrap_or_default(),
                        p.backup_plan_name.unwrap_or_default(),
                    )
                }),
        );
        token = out.next_token;
        if token.is_none() {
            return Ok(found);
        }
    }
}

fn hash_map(tags: &Tags) -> HashMap<String, String> {
    tags.clone().into_iter().collect()
}

fn plan_input(document: &PlanDocument) -> Result<sdk::BackupPlanInput, BuildError> {
    let rules = document
        .rules
        .iter()
        .map(rule_input)
        .collect::<Result<Vec<_>, _>>()?;
    let advanced = document
        .advanced_backup_settings
        .as_ref()
        .map(|list| list.iter().map(advanced_setting).collect());
    sdk::BackupPlanInput::builder()
        .backup_plan_name(&document.name)
        .set_rules(Some(rules))
        .set_advanced_backup_settings(advanced)
        .build()
}

fn rule_input(rule: &Rule) -> Result<sdk::BackupRuleInput, BuildError> {
    let copies = rule
        .copy_actions
        .as_ref()
        .map(|copies| {
            copies
                .iter()
                .map(copy_action)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let index = rule.index_actions.as_ref().map(|actions| {
        actions
            .iter()
            .map(|i| {
                sdk::IndexAction::builder()
                    .set_resource_types(i.resource_types.clone())
                    .build()
            })
            .collect()
    });
    sdk::BackupRuleInput::builder()
        .rule_name(&rule.rule_name)
        .target_backup_vault_name(&rule.target_vault_name)
        .set_schedule_expression(rule.schedule_expression.clone())
        .set_schedule_expression_timezone(rule.schedule_expression_timezone.clone())
        .set_start_window_minutes(rule.start_window_minutes)
        .set_completion_window_minutes(rule.completion_window_minutes)
        .set_lifecycle(rule.lifecycle.as_ref().map(lifecycle))
        .set_recovery_point_tags(rule.recovery_point_tags.as_ref().map(hash_map))
        .set_copy_actions(copies)
        .set_enable_continuous_backup(rule.enable_continuous_backup)
        .set_index_actions(index)
        .set_target_logically_air_gapped_backup_vault_arn(rule.target_air_gapped_vault_arn.clone())
        .build()
}

fn copy_action(copy: &CopyAction) -> Result<sdk::CopyAction, BuildError> {
    sdk::CopyAction::builder()
        .destination_backup_vault_arn(&copy.destination_vault_arn)
        .set_lifecycle(copy.lifecycle.as_ref().map(lifecycle))
        .build()
}

fn lifecycle(l: &Lifecycle) -> sdk::Lifecycle {
    sdk::Lifecycle::builder()
        .set_move_to_cold_storage_after_days(l.move_to_cold_storage_after_days)
        .set_delete_after_days(l.delete_after_days)
        .set_opt_in_to_archive_for_supported_resources(l.opt_in_to_archive_for_supported_resources)
        .build()
}

fn advanced_setting(a: &AdvancedBackupSetting) -> sdk::AdvancedBackupSetting {
    sdk::AdvancedBackupSetting::builder()
        .set_resource_type(a.resource_type.clone())
        .set_backup_options(
            a.backup_options
                .as_ref()
                .map(|o| o.clone().into_iter().collect()),
        )
        .build()
}

fn rule_from(rule: sdk::BackupRule) -> Rule {
    Rule {
        rule_name: rule.rule_name,
        target_vault_name: rule.target_backup_vault_name,
        schedule_expression: rule.schedule_expression,
        schedule_expression_timezone: rule.schedule_expression_timezone,
        start_window_minutes: rule.start_window_minutes,
        completion_window_minutes: rule.completion_window_minutes,
        lifecycle: rule.lifecycle.map(lifecycle_from),
        recovery_point_tags: rule.recovery_point_tags.map(|t| t.into_iter().collect()),
        copy_actions: rule.copy_actions.map(|copies| {
            copies
                .into_iter()
                .map(|c| CopyAction {
                    destination_vault_arn: c.destination_backup_vault_arn,
                    lifecycle: c.lifecycle.map(lifecycle_from),
                })
                .collect()
        }),
        enable_continuous_backup: rule.enable_continuous_backup,
        index_actions: rule.index_actions.map(|actions| {
            actions
                .into_iter()
                .map(|i| IndexAction {
                    resource_types: i.resource_types,
                })
                .collect()
        }),
        target_air_gapped_vault_arn: rule.target_logically_air_gapped_backup_vault_arn,
        rule_id: rule.rule_id,
    }
}

pub(super) fn lifecycle_from(l: sdk::Lifecycle) -> Lifecycle {
    Lifecycle {
        move_to_cold_storage_after_days: l.move_to_cold_storage_after_days,
        delete_after_days: l.delete_after_days,
        opt_in_to_archive_for_supported_resources: l.opt_in_to_archive_for_supported_resources,
    }
}

fn advanced_setting_from(a: sdk::AdvancedBackupSetting) -> AdvancedBackupSetting {
    AdvancedBackupSetting {
        resource_type: a.resource_type,
        backup_options: a.backup_options.map(|o| o.into_iter().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_rule() -> Rule {
        Rule {
            rule_name: "daily".into(),
            target_vault_name: "vault".into(),
            schedule_expression: Some("cron(0 6 ? * * *)".into()),
            schedule_expression_timezone: Some("Europe/Paris".into()),
            start_window_minutes: Some(60),
            completion_window_minutes: Some(120),
            lifecycle: Some(Lifecycle {
                delete_after_days: Some(30),
                ..Lifecycle::default()
            }),
            recovery_point_tags: Some(Tags::from([("k".into(), "v".into())])),
            copy_actions: Some(vec![CopyAction {
                destination_vault_arn: "arn:dest".into(),
                lifecycle: None,
            }]),
            enable_continuous_backup: Some(false),
            index_actions: Some(vec![IndexAction {
                resource_types: Some(vec!["EBS".into()]),
            }]),
            target_air_gapped_vault_arn: Some("arn:airgap".into()),
            rule_id: None,
        }
    }

    #[test]
    fn a_document_reaches_the_sdk_field_by_field_and_what_is_none_stays_out() {
        let document = PlanDocument {
            name: "plan".into(),
            rules: vec![
                full_rule(),
                Rule {
                    rule_name: "bare".into(),
                    target_vault_name: "vault".into(),
                    ..Rule::default()
                },
            ],
            advanced_backup_settings: Some(vec![AdvancedBackupSetting {
                resource_type: Some("EC2".into()),
                backup_options: Some([("WindowsVSS".into(), "enabled".into())].into()),
            }]),
        };
        let input = plan_input(&document).unwrap();
        assert_eq!(input.backup_plan_name, "plan");
        let full = &input.rules[0];
        assert_eq!(full.rule_name, "daily");
        assert_eq!(full.target_backup_vault_name, "vault");
        assert_eq!(
            full.schedule_expression_timezone.as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(
            (full.start_window_minutes, full.completion_window_minutes),
            (Some(60), Some(120))
        );
        assert_eq!(full.lifecycle.as_ref().unwrap().delete_after_days, Some(30));
        assert_eq!(full.recovery_point_tags.as_ref().unwrap()["k"], "v");
        let copy = &full.copy_actions()[0];
        assert_eq!(copy.destination_backup_vault_arn, "arn:dest");
        assert!(copy.lifecycle.is_none());
        assert_eq!(full.enable_continuous_backup, Some(false));
        assert_eq!(full.index_actions()[0].resource_types(), ["EBS"]);
        assert_eq!(
            full.target_logically_air_gapped_backup_vault_arn.as_deref(),
            Some("arn:airgap")
        );
        let bare = &input.rules[1];
        assert!(bare.schedule_expression.is_none() && bare.lifecycle.is_none());
        assert!(bare.recovery_point_tags.is_none() && bare.copy_actions.is_none());
        assert!(bare.index_actions.is_none() && bare.enable_continuous_backup.is_none());
        assert!(bare.target_logically_air_gapped_backup_vault_arn.is_none());
        let advanced = &input.advanced_backup_settings()[0];
        assert_eq!(advanced.resource_type.as_deref(), Some("EC2"));
        assert_eq!(
            advanced.backup_options.as_ref().unwrap()["WindowsVSS"],
            "enabled"
        );
    }

    #[test]
    fn a_rule_read_back_keeps_every_field_and_its_id() {
        let read = sdk::BackupRule::builder()
            .rule_name("daily")
            .target_backup_vault_name("vault")
            .rule_id("rule-1")
            .schedule_expression("cron(0 6 ? * * *)")
            .schedule_expression_timezone("Europe/Paris")
            .start_window_minutes(60)
            .completion_window_minutes(120)
            .lifecycle(sdk::Lifecycle::builder().delete_after_days(30).build())
            .recovery_point_tags("k", "v")
            .copy_actions(
                sdk::CopyAction::builder()
                    .destination_backup_vault_arn("arn:dest")
                    .build()
                    .unwrap(),
            )
            .enable_continuous_backup(false)
            .index_actions(sdk::IndexAction::builder().resource_types("EBS").build())
            .target_logically_air_gapped_backup_vault_arn("arn:airgap")
            .build()
            .unwrap();
        assert_eq!(
            rule_from(read),
            Rule {
                rule_id: Some("rule-1".into()),
                ..full_rule()
            }
        );
    }
}
