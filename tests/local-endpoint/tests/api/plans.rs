//! Backup plans: every rule check, defaults, versions, idempotency, deletion.

use aws_sdk_backup::types::{AdvancedBackupSetting, BackupPlanInput, CopyAction};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

async fn setup() -> (LocalEndpoint, Client) {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "vault").await;
    (ep, c)
}

/// Creating a one-rule plan built from `r` must fail with `message_part`.
async fn assert_rule_invalid(
    c: &Client,
    r: aws_sdk_backup::types::builders::BackupRuleInputBuilder,
    message_part: &str,
) {
    let f = assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan("p", vec![r]))
            .send()
            .await,
        message_part,
    );
    assert!(f.message.starts_with("Error in rule r : "), "{}", f.message);
}

#[tokio::test]
async fn get_backup_plan_fills_aws_defaults() {
    let (_ep, c) = setup().await;
    let created = c
        .create_backup_plan()
        .backup_plan(plan(
            "my-plan",
            vec![rule("r", "vault").lifecycle(lifecycle(None, Some(35)))],
        ))
        .backup_plan_tags("team", "storage")
        .send()
        .await
        .unwrap();
    let id = created.backup_plan_id().unwrap();
    assert_eq!(
        created.backup_plan_arn().unwrap(),
        format!("arn:aws:backup:us-east-1:123456789012:backup-plan:{id}")
    );
    assert_eq!(created.version_id().unwrap().len(), 48);

    let got = c.get_backup_plan().backup_plan_id(id).send().await.unwrap();
    assert_eq!(got.version_id(), created.version_id());
    assert!(
        got.creator_request_id().is_some(),
        "the SDK fills CreatorRequestId"
    );
    let r = &got.backup_plan().unwrap().rules()[0];
    assert_eq!(r.rule_name(), "r");
    assert_eq!(r.schedule_expression(), Some("cron(0 5 ? * * *)"));
    assert_eq!(r.schedule_expression_timezone(), Some("Etc/UTC"));
    assert_eq!(r.start_window_minutes(), Some(480));
    assert_eq!(r.completion_window_minutes(), Some(10_080));
    assert_eq!(r.rule_id().map(str::len), Some(36));
    assert_eq!(r.lifecycle().unwrap().delete_after_days(), Some(35));
    assert_eq!(
        r.lifecycle()
            .unwrap()
            .opt_in_to_archive_for_supported_resources(),
        Some(false)
    );
}

#[tokio::test]
async fn plan_and_rule_names_and_target_vault_are_checked() {
    let (_ep, c) = setup().await;
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan("bad name!", vec![rule("r", "vault")]))
            .send()
            .await,
        "Invalid backup plan name",
    );
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan(&"p".repeat(201), vec![rule("r", "vault")]))
            .send()
            .await,
        "Invalid backup plan name",
    );
    let f = assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan("p", vec![rule("bad rule", "vault")]))
            .send()
            .await,
        "Invalid rule name",
    );
    assert!(f.message.starts_with("Error in rule bad rule : "));
    assert_rule_invalid(&c, rule("r", "v"), "Invalid TargetBackupVaultName").await;
    assert_rule_invalid(&c, rule("r", "no-such-vault"), "does not exist").await;
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan(
                "p",
                vec![rule("same", "vault"), rule("same", "vault")],
            ))
            .send()
            .await,
        "unique",
    );
}

#[tokio::test]
async fn a_plan_has_one_to_ten_rules() {
    let (_ep, c) = setup().await;
    let rules = |n: usize| {
        (0..n)
            .map(|i| rule(&format!("r{i}"), "vault"))
            .collect::<Vec<_>>()
    };
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan("p", rules(11)))
            .send()
            .await,
        "at most 10 rules",
    );
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan("p", rules(0)))
            .send()
            .await,
        "at least one rule",
    );
    c.create_backup_plan()
        .backup_plan(plan("p", rules(10)))
        .send()
        .await
        .unwrap();
    // Missing required members answer MissingParameterValueException.
    assert_fails(
        c.create_backup_plan().send().await,
        400,
        "MissingParameterValueException",
        "BackupPlan",
    );
}

#[tokio::test]
async fn schedules_are_aws_cron_at_most_hourly() {
    let (_ep, c) = setup().await;
    for bad in [
        "rate(1 day)",
        "cron(0 5 * * * *)",
        "cron(0 5 ? * ? *)",
        "cron(0 5 ? *)",
        "cron(*/15 * ? * * *)",
        "cron(0 25 ? * * *)",
    ] {
        assert_rule_invalid(
            &c,
            rule("r", "vault").schedule_expression(bad),
            "Invalid ScheduleExpression",
        )
        .await;
    }
    let id = c
        .create_backup_plan()
        .backup_plan(plan(
            "p",
            vec![rule("r", "vault").schedule_expression("cron(0 12 ? * MON-FRI *)")],
        ))
        .send()
        .await
        .unwrap()
        .backup_plan_id
        .unwrap();
    let got = c.get_backup_plan().backup_plan_id(id).send().await.unwrap();
    assert_eq!(
        got.backup_plan().unwrap().rules()[0].schedule_expression(),
        Some("cron(0 12 ? * MON-FRI *)")
    );
}

#[tokio::test]
async fn timezones_are_iana_names() {
    let (_ep, c) = setup().await;
    assert_rule_invalid(
        &c,
        rule("r", "vault").schedule_expression_timezone("Mars/Olympus_Mons"),
        "ScheduleExpressionTimezone",
    )
    .await;
    let id = c
        .create_backup_plan()
        .backup_plan(plan(
            "p",
            vec![rule("r", "vault").schedule_expression_timezone("Europe/Paris")],
        ))
        .send()
        .await
        .unwrap()
        .backup_plan_id
        .unwrap();
    let got = c.get_backup_plan().backup_plan_id(id).send().await.unwrap();
    assert_eq!(
        got.backup_plan().unwrap().rules()[0].schedule_expression_timezone(),
        Some("Europe/Paris")
    );
}

#[tokio::test]
async fn windows_have_aws_bounds() {
    let (_ep, c) = setup().await;
    assert_rule_invalid(
        &c,
        rule("r", "vault").start_window_minutes(59),
        "StartWindowMinutes",
    )
    .await;
    assert_rule_invalid(
        &c,
        rule("r", "vault").start_window_minutes(52_560_001),
        "StartWindowMinutes",
    )
    .await;
    assert_rule_invalid(
        &c,
        rule("r", "vault").completion_window_minutes(0),
        "CompletionWindowMinutes",
    )
    .await;
    c.create_backup_plan()
        .backup_plan(plan(
            "p",
            vec![rule("r", "vault")
                .start_window_minutes(60)
                .completion_window_minutes(120)],
        ))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn lifecycles_need_90_days_in_cold_storage() {
    let (_ep, c) = setup().await;
    let f = assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan(
                "p",
                vec![rule("r", "vault").lifecycle(lifecycle(Some(30), Some(60)))],
            ))
            .send()
            .await,
        "",
    );
    assert_eq!(
        f.message,
        "Error in rule r : Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays"
    );
    assert_rule_invalid(
        &c,
        rule("r", "vault").lifecycle(lifecycle(None, Some(36_501))),
        "DeleteAfterDays cannot be less than 1 or more than 36500 days",
    )
    .await;
    assert_rule_invalid(
        &c,
        rule("r", "vault").lifecycle(lifecycle(None, Some(0))),
        "DeleteAfterDays",
    )
    .await;
    assert_rule_invalid(
        &c,
        rule("r", "vault").lifecycle(lifecycle(Some(-1), Some(30))),
        "MoveToColdStorageAfterDays",
    )
    .await;
    for (i, (cold, delete)) in [
        (Some(30), Some(120)),
        (Some(-1), Some(-1)),
        (None, Some(1)),
        (Some(10), None),
    ]
    .into_iter()
    .enumerate()
    {
        c.create_backup_plan()
            .backup_plan(plan(
                &format!("ok{i}"),
                vec![rule("r", "vault").lifecycle(lifecycle(cold, delete))],
            ))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn continuous_backup_limits() {
    let (_ep, c) = setup().await;
    let pitr = || rule("r", "vault").enable_continuous_backup(true);
    assert_rule_invalid(&c, pitr(), "Lifecycle must be specified").await;
    assert_rule_invalid(
        &c,
        pitr().lifecycle(lifecycle(None, Some(36))),
        "DeleteAfterDays",
    )
    .await;
    let f = assert_invalid(
        c.create_backup_plan()
            .backup_plan(plan(
                "p",
                vec![pitr().lifecycle(lifecycle(Some(1), Some(35)))],
            ))
            .send()
            .await,
        "",
    );
    assert_eq!(
        f.message,
        "Error in rule r : Invalid lifecycle. MoveToColdStorageAfterDays is unavailable"
    );
    c.create_backup_plan()
        .backup_plan(plan("p", vec![pitr().lifecycle(lifecycle(None, Some(35)))]))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn copy_actions_are_checked() {
    let (_ep, c) = setup().await;
    let dest = "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr";
    let copy = |arn: &str, lc: Option<aws_sdk_backup::types::Lifecycle>| {
        CopyAction::builder()
            .destination_backup_vault_arn(arn)
            .set_lifecycle(lc)
            .build()
            .unwrap()
    };
    let mut six = rule("r", "vault");
    for _ in 0..6 {
        six = six.copy_actions(copy(dest, None));
    }
    assert_rule_invalid(&c, six, "at most 5 copy actions").await;
    for bad in [
        "not-an-arn",
        "arn:aws:s3:::bucket",
        "arn:aws:backup:eu-west-1:123456789012:backup-plan:x",
        "arn:aws:backup:eu-west-1:123456789012:backup-vault:a",
    ] {
        assert_rule_invalid(
            &c,
            rule("r", "vault").copy_actions(copy(bad, None)),
            "DestinationBackupVaultArn",
        )
        .await;
    }
    assert_rule_invalid(
        &c,
        rule("r", "vault").copy_actions(copy(dest, Some(lifecycle(Some(10), Some(20))))),
        "90 days",
    )
    .await;
    c.create_backup_plan()
        .backup_plan(plan(
            "p",
            vec![rule("r", "vault").copy_actions(copy(dest, Some(lifecycle(Some(10), Some(100)))))],
        ))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn advanced_backup_settings_are_checked_and_top_level() {
    let (_ep, c) = setup().await;
    let with = |rt: &str, k: &str, v: &str| {
        BackupPlanInput::builder()
            .backup_plan_name("adv")
            .rules(rule("r", "vault").build().unwrap())
            .advanced_backup_settings(
                AdvancedBackupSetting::builder()
                    .resource_type(rt)
                    .backup_options(k, v)
                    .build(),
            )
            .build()
            .unwrap()
    };
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(with("RDS", "WindowsVSS", "enabled"))
            .send()
            .await,
        "ResourceType",
    );
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(with("EC2", "WindowsVSS", "maybe"))
            .send()
            .await,
        "backup option",
    );
    assert_invalid(
        c.create_backup_plan()
            .backup_plan(with("EC2", "Other", "enabled"))
            .send()
            .await,
        "backup option",
    );
    let created = c
        .create_backup_plan()
        .backup_plan(with("EC2", "WindowsVSS", "enabled"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.advanced_backup_settings().len(), 1);
    let got = c
        .get_backup_plan()
        .backup_plan_id(created.backup_plan_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.advanced_backup_settings()[0].resource_type(),
        Some("EC2")
    );
    assert!(got
        .backup_plan()
        .unwrap()
        .advanced_backup_settings()
        .is_empty());
}

#[tokio::test]
async fn duplicate_names_and_creator_request_id_idempotency() {
    let (_ep, c) = setup().await;
    let first = c
        .create_backup_plan()
        .backup_plan(plan("p", vec![rule("r", "vault")]))
        .creator_request_id("plan-token")
        .send()
        .await
        .unwrap();
    // Same CreatorRequestId: the existing plan is returned.
    let again = c
        .create_backup_plan()
        .backup_plan(plan("p", vec![rule("r", "vault")]))
        .creator_request_id("plan-token")
        .send()
        .await
        .unwrap();
    assert_eq!(again.backup_plan_id(), first.backup_plan_id());
    assert_eq!(again.version_id(), first.version_id());
    assert_fails(
        c.create_backup_plan()
            .backup_plan(plan("p", vec![rule("r", "vault")]))
            .send()
            .await,
        400,
        "AlreadyExistsException",
        "Backup plan with the same plan document already exists",
    );
    // The name of a deleted plan can be used again.
    c.delete_backup_plan()
        .backup_plan_id(first.backup_plan_id().unwrap())
        .send()
        .await
        .unwrap();
    let reborn = make_plan(&c, "p", "vault").await;
    assert_ne!(Some(reborn.as_str()), first.backup_plan_id());
}

#[tokio::test]
async fn update_creates_versions_and_keeps_rule_ids() {
    let (_ep, c) = setup().await;
    let id = make_plan(&c, "versioned", "vault").await;
    let v1 = c
        .get_backup_plan()
        .backup_plan_id(&id)
        .send()
        .await
        .unwrap();
    let rule_id = v1.backup_plan().unwrap().rules()[0]
        .rule_id()
        .unwrap()
        .to_string();

    let mut version_ids = vec![v1.version_id().unwrap().to_string()];
    for days in [10, 20] {
        let out = c
            .update_backup_plan()
            .backup_plan_id(&id)
            .backup_plan(plan(
                "versioned",
                vec![
                    rule("daily", "vault").lifecycle(lifecycle(None, Some(days))),
                    rule("extra", "vault"),
                ],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(out.backup_plan_id(), Some(id.as_str()));
        let v = out.version_id().unwrap().to_string();
        assert!(!version_ids.contains(&v), "each update has a new VersionId");
        version_ids.push(v);
    }
    let cur = c
        .get_backup_plan()
        .backup_plan_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(cur.version_id(), Some(version_ids[2].as_str()));
    let rules = cur.backup_plan().unwrap().rules();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].rule_id(), Some(rule_id.as_str()));
    assert_eq!(rules[0].lifecycle().unwrap().delete_after_days(), Some(20));

    let old = c
        .get_backup_plan()
        .backup_plan_id(&id)
        .version_id(&version_ids[1])
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.backup_plan().unwrap().rules()[0]
            .lifecycle()
            .unwrap()
            .delete_after_days(),
        Some(10)
    );
    let first = c
        .get_backup_plan()
        .backup_plan_id(&id)
        .version_id(&version_ids[0])
        .send()
        .await
        .unwrap();
    assert_eq!(first.backup_plan().unwrap().rules().len(), 1);
    assert_fails(
        c.get_backup_plan()
            .backup_plan_id(&id)
            .version_id("nope")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "version",
    );

    let versions = c
        .list_backup_plan_versions()
        .backup_plan_id(&id)
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = versions
        .backup_plan_versions_list()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    assert_eq!(
        listed,
        version_ids.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let page = c
        .list_backup_plan_versions()
        .backup_plan_id(&id)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.backup_plan_versions_list().len(), 2);
    assert!(page.next_token().is_some());

    // Updates are validated like creates, and the name cannot change.
    assert_invalid(
        c.update_backup_plan()
            .backup_plan_id(&id)
            .backup_plan(plan("renamed", vec![rule("daily", "vault")]))
            .send()
            .await,
        "cannot be changed",
    );
    assert_invalid(
        c.update_backup_plan()
            .backup_plan_id(&id)
            .backup_plan(plan(
                "versioned",
                vec![rule("daily", "vault").start_window_minutes(5)],
            ))
            .send()
            .await,
        "Error in rule daily",
    );
    assert_fails(
        c.update_backup_plan()
            .backup_plan_id("missing")
            .backup_plan(plan("versioned", vec![rule("daily", "vault")]))
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "missing",
    );
    assert_invalid(
        c.get_backup_plan()
            .backup_plan_id(&id)
            .max_scheduled_runs_preview(11)
            .send()
            .await,
        "MaxScheduledRunsPreview",
    );
}

#[tokio::test]
async fn delete_plan_refused_while_selections_exist() {
    let (_ep, c) = setup().await;
    let id = make_plan(&c, "with-selection", "vault").await;
    let sel = c
        .create_backup_selection()
        .backup_plan_id(&id)
        .backup_selection(selection("sel"))
        .send()
        .await
        .unwrap();
    assert_fails(
        c.delete_backup_plan().backup_plan_id(&id).send().await,
        400,
        "InvalidRequestException",
        "Related backup plan selections must be deleted prior to backup plan deletion",
    );
    c.delete_backup_selection()
        .backup_plan_id(&id)
        .selection_id(sel.selection_id().unwrap())
        .send()
        .await
        .unwrap();
    let deleted = c
        .delete_backup_plan()
        .backup_plan_id(&id)
        .send()
        .await
        .unwrap();
    assert!(deleted.deletion_date().is_some());
    assert_eq!(deleted.backup_plan_id(), Some(id.as_str()));

    // Gone for Get/Delete/Update; still listed with includeDeleted and in versions.
    assert_fails(
        c.get_backup_plan().backup_plan_id(&id).send().await,
        400,
        "ResourceNotFoundException",
        &id,
    );
    assert_fails(
        c.delete_backup_plan().backup_plan_id(&id).send().await,
        400,
        "ResourceNotFoundException",
        &id,
    );
    let live = c.list_backup_plans().send().await.unwrap();
    assert!(live.backup_plans_list().is_empty());
    let all = c
        .list_backup_plans()
        .include_deleted(true)
        .send()
        .await
        .unwrap();
    assert_eq!(all.backup_plans_list().len(), 1);
    assert!(all.backup_plans_list()[0].deletion_date().is_some());
    let versions = c
        .list_backup_plan_versions()
        .backup_plan_id(&id)
        .send()
        .await
        .unwrap();
    assert!(versions.backup_plan_versions_list()[0]
        .deletion_date()
        .is_some());
    assert_fails(
        c.list_backup_plan_versions()
            .backup_plan_id("never")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "never",
    );
}

#[tokio::test]
async fn list_backup_plans_paginates() {
    let (_ep, c) = setup().await;
    for i in 0..3 {
        make_plan(&c, &format!("plan-{i}"), "vault").await;
    }
    let p1 = c.list_backup_plans().max_results(2).send().await.unwrap();
    assert_eq!(p1.backup_plans_list().len(), 2);
    let p2 = c
        .list_backup_plans()
        .max_results(2)
        .next_token(p1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.backup_plans_list().len(), 1);
    assert_eq!(p2.next_token(), None);
    assert_eq!(p2.backup_plans_list()[0].backup_plan_name(), Some("plan-2"));
}
