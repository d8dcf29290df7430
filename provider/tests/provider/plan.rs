//! Plan over gRPC, against the local endpoint.

use std::time::Duration;

use aws_sdk_backup::types::{BackupPlanInput, BackupRuleInput, BackupSelection, Lifecycle};
use awsbackup::proto::pulumirpc as rpc;
use rpc::diff_response::DiffChanges;
use rpc::property_diff::Kind;
use serde_json::{json, Value};

use crate::common::*;

const PLAN: &str = "awsbackup:index:Plan";
/// The vault every rule here targets (AWS requires it to exist).
const TARGET_VAULT: &str = "vault-1";

fn plan_urn() -> String {
    format!("urn:pulumi:test::proj::{PLAN}::daily")
}

/// A selection made out of band, e.g. by a program that imported it.
async fn create_selection(aws: &Aws, plan_id: &str, name: &str) -> String {
    let selection = BackupSelection::builder()
        .selection_name(name)
        .iam_role_arn(BACKUP_ROLE)
        .resources("*")
        .build()
        .unwrap();
    aws.sdk
        .create_backup_selection()
        .backup_plan_id(plan_id)
        .backup_selection(selection)
        .send()
        .await
        .unwrap()
        .selection_id
        .unwrap()
}

async fn check(client: &mut Client, news: Value) -> rpc::CheckResponse {
    client
        .check(rpc::CheckRequest {
            urn: plan_urn(),
            olds: to_struct(json!({})),
            news: to_struct(news),
            random_seed: vec![7; 32],
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn diff(
    client: &mut Client,
    olds: Value,
    old_inputs: Value,
    news: Value,
) -> Result<rpc::DiffResponse, tonic::Status> {
    client
        .diff(rpc::DiffRequest {
            id: "plan-1".into(),
            urn: plan_urn(),
            olds: to_struct(olds),
            old_inputs: to_struct(old_inputs),
            news: to_struct(news),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

fn rule(name: &str, delete_after: i64) -> Value {
    json!({"ruleName": name, "targetVaultName": "vault-1", "scheduleExpression": "cron(0 5 ? * * *)",
           "lifecycle": {"deleteAfterDays": delete_after}})
}

fn plan(rules: Vec<Value>) -> Value {
    json!({"name": "backup_daily_30_days_retention", "rules": rules})
}

#[tokio::test]
async fn check_names_each_rule_path_and_the_rule_broken() {
    let (_aws, mut client) = start().await;
    let with = |patch: Value| {
        let mut r = rule("daily", 30);
        for (k, v) in patch.as_object().unwrap() {
            r[k] = v.clone();
        }
        plan(vec![rule("weekly", 60), r])
    };
    let cases = [
        (json!({"name": "bad name"}), "name", "' '"),
        (json!({"rules": []}), "rules", "1 to 10"),
        (
            json!({"rules": (0..11).map(|i| rule(&format!("r{i}"), 30)).collect::<Vec<_>>()}),
            "rules",
            "1 to 10",
        ),
        (
            plan(vec![rule("same", 30), rule("same", 30)]),
            "rules[1].ruleName",
            "unique",
        ),
        (
            with(json!({"ruleName": "bad/name"})),
            "rules[1].ruleName",
            "'/'",
        ),
        (
            with(json!({"targetVaultName": "a"})),
            "rules[1].targetVaultName",
            "2 to 50",
        ),
        (
            with(json!({"scheduleExpression": "rate(1 hour)"})),
            "rules[1].scheduleExpression",
            "only cron",
        ),
        (
            with(json!({"scheduleExpression": "cron(0 5 * *)"})),
            "rules[1].scheduleExpression",
            "6 fields",
        ),
        (
            with(json!({"scheduleExpression": "cron(*/15 * ? * * *)"})),
            "rules[1].scheduleExpression",
            "more often than hourly",
        ),
        (
            with(json!({"scheduleExpression": "cron(0 5 * * * *)"})),
            "rules[1].scheduleExpression",
            "must be '?'",
        ),
        (
            with(json!({"scheduleExpression": "cron(0 25 ? * * *)"})),
            "rules[1].scheduleExpression",
            "0 to 23",
        ),
        (
            with(json!({"scheduleExpressionTimezone": "Mars/Olympus"})),
            "rules[1].scheduleExpressionTimezone",
            "IANA",
        ),
        (
            with(json!({"startWindowMinutes": 30})),
            "rules[1].startWindowMinutes",
            "between 60",
        ),
        (
            with(json!({"startWindowMinutes": 120, "completionWindowMinutes": 120})),
            "rules[1].completionWindowMinutes",
            "greater than startWindowMinutes (120)",
        ),
        (
            with(json!({"lifecycle": {"deleteAfterDays": 0}})),
            "rules[1].lifecycle.deleteAfterDays",
            "between 1 and 36500",
        ),
        (
            with(json!({"lifecycle": {"deleteAfterDays": 36501}})),
            "rules[1].lifecycle.deleteAfterDays",
            "between 1 and 36500",
        ),
        (
            with(json!({"lifecycle": {"moveToColdStorageAfterDays": 30, "deleteAfterDays": 100}})),
            "rules[1].lifecycle.deleteAfterDays",
            "+ 90 = 120",
        ),
        (
            with(json!({"enableContinuousBackup": true, "lifecycle": {"deleteAfterDays": 36}})),
            "rules[1].lifecycle.deleteAfterDays",
            "1 and 35",
        ),
        (
            with(json!({"enableContinuousBackup": true, "lifecycle": null})),
            "rules[1].lifecycle.deleteAfterDays",
            "required with continuous",
        ),
        (
            with(
                json!({"enableContinuousBackup": true, "lifecycle": {"deleteAfterDays": 30, "moveToColdStorageAfterDays": 1}}),
            ),
            "rules[1].lifecycle.moveToColdStorageAfterDays",
            "not available with continuous",
        ),
        (
            with(
                json!({"copyActions": [{"destinationVaultArn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr"}, {"destinationVaultArn": "vault-2"}]}),
            ),
            "rules[1].copyActions[1].destinationVaultArn",
            "backup vault ARN",
        ),
        (
            with(
                json!({"copyActions": (0..6).map(|i| json!({"destinationVaultArn": format!("arn:aws:backup:eu-west-1:123456789012:backup-vault:dr{i}")})).collect::<Vec<_>>()}),
            ),
            "rules[1].copyActions",
            "at most 5",
        ),
        (
            with(
                json!({"copyActions": [{"destinationVaultArn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr", "lifecycle": {"moveToColdStorageAfterDays": 10, "deleteAfterDays": 20}}]}),
            ),
            "rules[1].copyActions[0].lifecycle.deleteAfterDays",
            "+ 90",
        ),
        (
            json!({"rules": [rule("r", 30)], "advancedBackupSettings": [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "on"}}]}),
            "advancedBackupSettings[0].backupOptions.WindowsVSS",
            "enabled",
        ),
        (
            with(json!({"lifecycel": {}})),
            "rules[1].lifecycel",
            "unknown field",
        ),
        (json!({"name": "p"}), "rules", "is required"),
    ];
    for (news, property, rule) in cases {
        let resp = check(&mut client, news.clone()).await;
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f) == property && f.reason.contains(rule)),
            "{news}\nexpected a failure on {property} mentioning {rule:?}, got {:?}",
            resp.failures
        );
    }
    // Unknown enumeration values are warnings, and a good plan passes.
    let ok = check(
        &mut client,
        json!({"rules": [{"ruleName": "r", "targetVaultName": "v1", "indexActions": [{"resourceTypes": ["FSX"]}],
                          "scheduleExpressionTimezone": "Europe/Paris", "startWindowMinutes": 60, "completionWindowMinutes": 120,
                          "lifecycle": {"moveToColdStorageAfterDays": 30, "deleteAfterDays": 120}}],
               "advancedBackupSettings": [{"resourceType": "NEWTYPE", "backupOptions": {"x": "y"}}]}),
    )
    .await;
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
    let name = from_struct(&ok.inputs)["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(name.starts_with("daily-"), "autonamed: {name}");
}

#[tokio::test]
async fn unknown_values_are_not_judged() {
    let (_aws, mut client) = start().await;
    let unknown = awsbackup::value::UNKNOWN;
    let resp = check(
        &mut client,
        json!({"rules": [{"ruleName": "r", "targetVaultName": unknown, "enableContinuousBackup": true,
                          "lifecycle": {"deleteAfterDays": unknown}}]}),
    )
    .await;
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
}

#[tokio::test]
async fn rules_are_matched_by_name_in_diffs() {
    let (_aws, mut client) = start().await;
    let old = plan(vec![rule("daily", 30), rule("weekly", 90)]);

    let reordered = diff(
        &mut client,
        json!({}),
        old.clone(),
        plan(vec![rule("weekly", 90), rule("daily", 30)]),
    )
    .await
    .unwrap();
    assert_eq!(
        reordered.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        reordered.detailed_diff
    );

    let edited = diff(
        &mut client,
        json!({}),
        old.clone(),
        plan(vec![rule("weekly", 90), rule("daily", 35)]),
    )
    .await
    .unwrap();
    assert_eq!(edited.detailed_diff.len(), 1, "{:?}", edited.detailed_diff);
    assert_eq!(
        edited.detailed_diff["rules[1].lifecycle.deleteAfterDays"].kind,
        Kind::Update as i32
    );
    assert!(edited.replaces.is_empty());

    let added = diff(
        &mut client,
        json!({}),
        old.clone(),
        plan(vec![
            rule("daily", 30),
            rule("weekly", 90),
            rule("monthly", 365),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(
        added.detailed_diff.keys().collect::<Vec<_>>(),
        vec!["rules[2]"]
    );
    assert_eq!(added.detailed_diff["rules[2]"].kind, Kind::Add as i32);

    let removed = diff(
        &mut client,
        json!({}),
        old.clone(),
        plan(vec![rule("weekly", 90)]),
    )
    .await
    .unwrap();
    assert_eq!(
        removed.detailed_diff.keys().collect::<Vec<_>>(),
        vec!["rules[0]"]
    );
    assert_eq!(removed.detailed_diff["rules[0]"].kind, Kind::Delete as i32);

    let mut renamed = old.clone();
    renamed["name"] = json!("other");
    let renamed = diff(&mut client, json!({}), old, renamed).await.unwrap();
    assert_eq!(renamed.replaces, vec!["name"]);
}

#[tokio::test]
async fn create_update_read_round_trip_without_perpetual_diffs() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    let inputs = json!({"name": "p1", "rules": [rule("daily", 30), {"ruleName": "pitr", "targetVaultName": "vault-1",
        "enableContinuousBackup": true, "lifecycle": {"deleteAfterDays": 35},
        "copyActions": [{"destinationVaultArn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr"}]}],
        "tags": {"team": "platform"}});
    let created = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(inputs.clone()),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = from_struct(&created.properties);
    let id = created.id.clone();
    assert_eq!(state["planId"], id.as_str());
    assert!(state["rules"][0]["ruleId"].is_string() && state["rules"][1]["ruleId"].is_string());
    let sent = &aws.inputs_of("CreateBackupPlan")[0]["BackupPlan"]["Rules"][1]["CopyActions"][0];
    assert!(
        sent.get("Lifecycle").is_none(),
        "an omitted copy lifecycle is not sent as an empty one: {sent}"
    );
    let stored = aws.plan(&id).await.unwrap().backup_plan.unwrap();
    let copy = &stored.rules[1].copy_actions()[0];
    assert!(copy.lifecycle.is_none());

    // AWS filled in timezone, windows and a schedule: a refresh must not turn them into inputs.
    let read = client
        .read(rpc::ReadRequest {
            id: id.clone(),
            urn: plan_urn(),
            properties: to_struct(state.clone()),
            inputs: to_struct(inputs.clone()),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let refreshed = from_struct(&read.inputs);
    assert_eq!(refreshed, inputs, "refresh of an unchanged plan");
    let imported = client
        .read(rpc::ReadRequest {
            id: id.clone(),
            urn: plan_urn(),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let imported_inputs = from_struct(&imported.inputs);
    let no_change = diff(
        &mut client,
        from_struct(&imported.properties),
        imported_inputs.clone(),
        inputs.clone(),
    )
    .await
    .unwrap();
    assert_eq!(
        no_change.changes,
        DiffChanges::DiffNone as i32,
        "import then the same program: {imported_inputs} {:?}",
        no_change.detailed_diff
    );

    // A rule field changed: one UpdateBackupPlan, a new version.
    let mut news = inputs.clone();
    news["rules"][0]["lifecycle"]["deleteAfterDays"] = json!(60);
    let updated = client
        .update(rpc::UpdateRequest {
            id: id.clone(),
            urn: plan_urn(),
            olds: to_struct(state.clone()),
            news: to_struct(news.clone()),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let new_state = from_struct(&updated.properties);
    assert_ne!(new_state["versionId"], state["versionId"]);
    assert_eq!(aws.count("UpdateBackupPlan"), 1);
    let stored = aws.plan(&id).await.unwrap();
    assert_eq!(stored.version_id(), new_state["versionId"].as_str());
    let rule = &stored.backup_plan.unwrap().rules[0];
    assert_eq!(rule.lifecycle.as_ref().unwrap().delete_after_days, Some(60));

    // Only tags changed: no new plan version.
    let mut tagged = news.clone();
    tagged["tags"] = json!({"team": "data"});
    let retagged = client
        .update(rpc::UpdateRequest {
            id: id.clone(),
            urn: plan_urn(),
            olds: to_struct(new_state.clone()),
            news: to_struct(tagged),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        from_struct(&retagged.properties)["versionId"],
        new_state["versionId"]
    );
    assert_eq!(aws.count("UpdateBackupPlan"), 1);
    let arn = new_state["arn"].as_str().unwrap();
    assert_eq!(aws.tags(arn).await["team"], "data");
}

#[tokio::test]
async fn drift_in_a_rule_shows_on_refresh() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    let inputs = plan(vec![rule("daily", 30)]);
    let created = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(inputs.clone()),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    // Somebody changes the rule's start window (a default the program left to AWS).
    let edited = BackupRuleInput::builder()
        .rule_name("daily")
        .target_backup_vault_name(TARGET_VAULT)
        .schedule_expression("cron(0 5 ? * * *)")
        .lifecycle(Lifecycle::builder().delete_after_days(30).build())
        .start_window_minutes(120)
        .build()
        .unwrap();
    aws.sdk
        .update_backup_plan()
        .backup_plan_id(&created.id)
        .backup_plan(
            BackupPlanInput::builder()
                .backup_plan_name(inputs["name"].as_str().unwrap())
                .rules(edited)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let read = client
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: plan_urn(),
            properties: created.properties.clone(),
            inputs: to_struct(inputs.clone()),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        from_struct(&read.inputs)["rules"][0]["startWindowMinutes"],
        120,
        "a changed default is drift"
    );
}

#[tokio::test]
async fn retention_outside_the_target_vaults_lock_fails_at_preview_and_apply() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    aws.sdk
        .put_backup_vault_lock_configuration()
        .backup_vault_name(TARGET_VAULT)
        .min_retention_days(7)
        .max_retention_days(35)
        .send()
        .await
        .unwrap();
    let inputs = plan(vec![rule("daily", 30), rule("yearly", 365)]);
    let err = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(inputs.clone()),
            preview: true,
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("rules[1] ('yearly') keeps recovery points 365 days, outside the lock range of vault 'vault-1' (7 to 35 days)"),
        "{}",
        err.message()
    );
    let err = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(inputs),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.message().contains("outside the lock range"));
    assert_eq!(aws.count("CreateBackupPlan"), 0, "nothing was created");
    let fine = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(plan(vec![rule("daily", 30)])),
            preview: true,
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await;
    assert!(fine.is_ok());
}

#[tokio::test]
async fn delete_waits_for_deleted_selections_to_stop_counting() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    let created = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(plan(vec![rule("daily", 30)])),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let sel = create_selection(&aws, &created.id, "s").await;
    // Another resource's delete removes the selection while the plan's delete waits.
    let later = aws.sdk.clone();
    let plan_id = created.id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        later
            .delete_backup_selection()
            .backup_plan_id(plan_id)
            .selection_id(sel)
            .send()
            .await
            .unwrap();
    });
    client
        .delete(rpc::DeleteRequest {
            id: created.id.clone(),
            urn: plan_urn(),
            properties: created.properties,
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(aws.plan(&created.id).await.is_none());
    assert!(
        aws.count("DeleteBackupPlan") >= 2,
        "refused while the selection stayed: {:?}",
        aws.calls()
    );
}

/// An import reads the plan from its id alone: a continuous rule's own schedule is an input,
/// while the schedule AWS fills in for a rule without one is not; the program declaring the
/// rules then has no diff.
#[tokio::test]
async fn import_keeps_the_schedule_a_continuous_rule_chose() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    let own = json!({"ruleName": "pitr-noon", "targetVaultName": "vault-1",
        "enableContinuousBackup": true, "scheduleExpression": "cron(0 12 * * ? *)",
        "lifecycle": {"deleteAfterDays": 14}});
    let filled_in = json!({"ruleName": "pitr", "targetVaultName": "vault-1",
        "enableContinuousBackup": true, "lifecycle": {"deleteAfterDays": 35}});
    let inputs = json!({"name": "pitr-plan", "rules": [own, filled_in]});
    let created = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(inputs.clone()),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let stored = aws.plan(&created.id).await.unwrap().backup_plan.unwrap();
    assert_eq!(
        stored.rules[1].schedule_expression.as_deref(),
        Some("cron(0 5 ? * * *)"),
        "AWS fills in its default schedule"
    );
    let imported = client
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: plan_urn(),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(
        imported_inputs["rules"][0]["scheduleExpression"], "cron(0 12 * * ? *)",
        "{imported_inputs}"
    );
    assert!(
        imported_inputs["rules"][1]
            .get("scheduleExpression")
            .is_none(),
        "{imported_inputs}"
    );
    let d = diff(
        &mut client,
        from_struct(&imported.properties),
        imported_inputs.clone(),
        inputs,
    )
    .await
    .unwrap();
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{imported_inputs}: {:?}",
        d.detailed_diff
    );
}

/// A selection that nothing deletes (imported with its plan, so the engine knows no order) makes
/// the plan's delete fail after a short grace, naming the selection and what to run; it does not
/// wait out the whole delete timeout.
#[tokio::test]
async fn delete_fails_fast_with_advice_when_selections_stay() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    let created = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(plan(vec![rule("daily", 30)])),
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let sel = create_selection(&aws, &created.id, "imported-sel").await;
    let started = std::time::Instant::now();
    let err = client
        .delete(rpc::DeleteRequest {
            id: created.id.clone(),
            urn: plan_urn(),
            properties: created.properties,
            r#type: PLAN.into(),
            timeout: 8.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let took = started.elapsed();
    // The grace is a quarter of the 7.2 s wait budget (the backoff rounds it up to 3.5 s).
    assert!(took < Duration::from_secs(6), "took {took:?}");
    let message = err.message();
    assert!(
        message.contains(&format!("'imported-sel' ({}|{sel})", created.id)),
        "{message}"
    );
    assert!(message.contains("pulumi import"), "{message}");
    assert!(message.contains("pulumi up"), "{message}");
    assert!(aws.plan(&created.id).await.is_some());
}

/// A preview looks each target vault up once for the life of the provider, however many plans
/// and rules target it; the provider's own lock write on that vault makes the next look fresh.
#[tokio::test]
async fn previews_look_each_target_vault_up_once() {
    let (aws, mut client) = start().await;
    aws.create_vault(TARGET_VAULT, None).await;
    for i in 0..5 {
        client
            .create(rpc::CreateRequest {
                urn: format!("urn:pulumi:test::proj::{PLAN}::p{i}"),
                properties: to_struct(plan(vec![rule("daily", 30), rule("weekly", 60)])),
                preview: true,
                r#type: PLAN.into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    assert_eq!(aws.count("DescribeBackupVault"), 1, "{:?}", aws.calls());

    // The provider locks the vault (7 to 35 days): the next preview sees the lock.
    client
        .create(rpc::CreateRequest {
            urn: "urn:pulumi:test::proj::awsbackup:index:VaultLock::l".into(),
            properties: to_struct(
                json!({"backupVaultName": "vault-1", "minRetentionDays": 7, "maxRetentionDays": 35}),
            ),
            r#type: "awsbackup:index:VaultLock".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = client
        .create(rpc::CreateRequest {
            urn: plan_urn(),
            properties: to_struct(plan(vec![rule("weekly", 60)])),
            preview: true,
            r#type: PLAN.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("outside the lock range"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn copy_actions_need_a_vault_arn_and_another_vault_than_the_target() {
    let copy_to = |arn: &str| {
        let mut r = rule("daily", 30);
        r["copyActions"] = json!([{"destinationVaultArn": arn}]);
        plan(vec![rule("weekly", 60), r])
    };
    let property = "rules[1].copyActions[0].destinationVaultArn";
    let own = format!("arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:vault-1");
    let elsewhere = format!("arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:vault-1");

    let (aws, mut client) = start().await;
    let bad = check(&mut client, copy_to("vault-2")).await;
    assert!(
        bad.failures.iter().any(|f| failure_path(f) == property
            && f.reason
                .contains(": must be a backup vault ARN like arn:<partition>:backup:")
            && f.reason.contains("looks like a vault name")),
        "{:?}",
        bad.failures
    );
    // Without an assumed role the provider's account is unknown at preview: the same name in
    // the same region may be another account's vault, so it is not refused.
    let unsure = check(&mut client, copy_to(&own)).await;
    assert!(unsure.failures.is_empty(), "{:?}", unsure.failures);

    // With the account known (the role the provider assumes), a copy into the rule's own vault
    // is refused at preview.
    let mut config = provider_config(&aws.endpoint);
    config["assumeRole"] = json!({"roleArn": format!("arn:aws:iam::{ACCOUNT}:role/deployer")});
    let mut client = serve(config).await;
    let refused = check(&mut client, copy_to(&own)).await;
    assert_eq!(refused.failures.len(), 1, "{:?}", refused.failures);
    assert_eq!(failure_path(&refused.failures[0]), property);
    assert!(
        refused.failures[0]
            .reason
            .contains("is the rule's own target vault 'vault-1'"),
        "{}",
        refused.failures[0].reason
    );
    let ok = check(&mut client, copy_to(&elsewhere)).await;
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
}
