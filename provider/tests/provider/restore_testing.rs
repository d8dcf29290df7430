//! RestoreTestingPlan and RestoreTestingSelection over gRPC against the local endpoint, AWS
//! looked at and changed out of band with the SDK.

use aws_sdk_backup::types::{
    KeyValue, ProtectedResourceConditions, RestoreTestingPlanForUpdate,
    RestoreTestingSelectionForUpdate,
};
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;
use awsbackup::proto::pulumirpc as rpc;

const PLAN: Resource = Resource {
    token: "awsbackup:index:RestoreTestingPlan",
    name: "weekly-restore",
};
const SELECTION: Resource = Resource {
    token: "awsbackup:index:RestoreTestingSelection",
    name: "volumes",
};
const VAULT_ARN: &str = "arn:aws:backup:us-east-1:123456789012:backup-vault:prod";
const OLD_VAULT_ARN: &str = "arn:aws:backup:us-east-1:123456789012:backup-vault:old";

fn plan_inputs(name: &str) -> Value {
    json!({
        "name": name,
        "scheduleExpression": "cron(0 5 ? * SUN *)",
        "recoveryPointSelection": {
            "algorithm": "LATEST_WITHIN_WINDOW",
            "includeVaults": ["*"],
            "recoveryPointTypes": ["SNAPSHOT", "CONTINUOUS"],
        },
    })
}

fn selection_inputs(plan: &str, name: &str) -> Value {
    json!({
        "restoreTestingPlanName": plan,
        "name": name,
        "protectedResourceType": "EBS",
        "iamRoleArn": BACKUP_ROLE,
        "protectedResourceArns": [VOLUME],
    })
}

async fn live_plan(
    aws: &Aws,
    name: &str,
) -> Option<aws_sdk_backup::types::RestoreTestingPlanForGet> {
    aws.sdk
        .get_restore_testing_plan()
        .restore_testing_plan_name(name)
        .send()
        .await
        .ok()
        .and_then(|o| o.restore_testing_plan)
}

async fn live_selection(
    aws: &Aws,
    plan: &str,
    name: &str,
) -> Option<aws_sdk_backup::types::RestoreTestingSelectionForGet> {
    aws.sdk
        .get_restore_testing_selection()
        .restore_testing_plan_name(plan)
        .restore_testing_selection_name(name)
        .send()
        .await
        .ok()
        .and_then(|o| o.restore_testing_selection)
}

/// Checks `news` as the engine would and returns the checked inputs.
#[tokio::test]
async fn check_names_the_property_of_each_broken_rule_and_autonames_within_the_rules() {
    let (_aws, mut client) = start().await;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = plan_inputs("p");
        edit(&mut v);
        v
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&|v| v["name"] = json!("has-hyphen")), "name", "'-'"),
        (
            with(&|v| v["scheduleExpression"] = json!("cron(*/10 * ? * * *)")),
            "scheduleExpression",
            "more often than hourly",
        ),
        (
            with(&|v| v["startWindowHours"] = json!(200)),
            "startWindowHours",
            "between 1 and 168",
        ),
        (
            with(&|v| v["recoveryPointSelection"]["selectionWindowDays"] = json!(0)),
            "recoveryPointSelection.selectionWindowDays",
            "between 1 and 365",
        ),
        (
            with(&|v| v["recoveryPointSelection"]["algorithm"] = json!("NEWEST")),
            "recoveryPointSelection.algorithm",
            "must be one of",
        ),
        (
            with(&|v| {
                v["recoveryPointSelection"]
                    .as_object_mut()
                    .unwrap()
                    .remove("includeVaults");
            }),
            "recoveryPointSelection.includeVaults",
            "is required",
        ),
        (
            with(&|v| v["recoveryPointSelection"]["recoveryPointTypes"] = json!(["PITR"])),
            "recoveryPointSelection.recoveryPointTypes[0]",
            "must be one of SNAPSHOT, CONTINUOUS",
        ),
        (
            json!({"recoveryPointSelection": plan_inputs("p")["recoveryPointSelection"]}),
            "scheduleExpression",
            "is required",
        ),
    ];
    PLAN.assert_check_fails(&mut client, cases).await;
    // Autonamed from "weekly-restore": hyphens become underscores, as the name rule needs.
    let mut news = plan_inputs("x");
    news.as_object_mut().unwrap().remove("name");
    let inputs = PLAN.checked(&mut client, news).await;
    let name = inputs["name"].as_str().unwrap();
    assert!(
        name.starts_with("weekly_restore_") && name.len() == "weekly_restore_".len() + 7,
        "{name}"
    );

    // A selection with neither ARNs nor conditions fails naming the ARNs.
    let mut news = selection_inputs("p", "s");
    news.as_object_mut()
        .unwrap()
        .remove("protectedResourceArns");
    let resp = SELECTION.check(&mut client, news).await;
    assert!(
        resp.failures
            .iter()
            .any(|f| failure_path(f) == "protectedResourceArns"
                && f.reason.contains("needs protectedResourceArns")),
        "{:?}",
        resp.failures
    );
    let mut news = selection_inputs("p", "s");
    news["protectedResourceConditions"] = json!({"stringEquals": [{"key": "team", "value": "a"}]});
    let resp = SELECTION.check(&mut client, news).await;
    assert!(
        resp.failures
            .iter()
            .any(|f| failure_path(f) == "protectedResourceConditions"),
        "{:?}",
        resp.failures
    );
}

#[tokio::test]
async fn a_plan_is_created_read_updated_in_place_and_deleted() {
    let (aws, mut client) = start().await;
    let mut program = plan_inputs("weekly");
    program["tags"] = json!({"team": "platform"});
    let inputs = PLAN.checked(&mut client, program.clone()).await;
    let created = PLAN.create(&mut client, &inputs).await.unwrap();
    assert_eq!(created.id, "weekly");
    let state = from_struct(&created.properties);
    assert!(
        state["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly-"),
        "{state}"
    );
    assert!(state["creationTime"].is_string(), "{state}");
    let live = live_plan(&aws, "weekly").await.expect("the plan exists");
    assert_eq!(live.schedule_expression(), "cron(0 5 ? * SUN *)");
    // The create is idempotent: it carries a CreatorRequestId of the provider's own.
    let token = live.creator_request_id().expect("a CreatorRequestId");
    assert!(token.starts_with("pulumi-") && token.len() <= 50, "{token}");
    assert_eq!(
        aws.tags(state["arn"].as_str().unwrap()).await["team"],
        "platform"
    );

    // AWS's defaults, spelled out, are no change.
    let mut explicit = program.clone();
    explicit["scheduleExpressionTimezone"] = json!("Etc/UTC");
    explicit["startWindowHours"] = json!(24);
    explicit["recoveryPointSelection"]["selectionWindowDays"] = json!(30);
    explicit["recoveryPointSelection"]["excludeVaults"] = json!([]);
    explicit["recoveryPointSelection"]["recoveryPointTypes"] = json!(["CONTINUOUS", "SNAPSHOT"]);
    let d = PLAN
        .diff(&mut client, "weekly", &state, &inputs, &explicit)
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    // A new schedule and a tag change: an update in place.
    let mut news = program.clone();
    news["scheduleExpression"] = json!("cron(0 6 ? * MON *)");
    news["startWindowHours"] = json!(48);
    news["tags"] = json!({"team": "data"});
    let d = PLAN
        .diff(&mut client, "weekly", &state, &inputs, &news)
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
    // A conflict with a change still in progress is retried.
    aws.fail_next(
        "UpdateRestoreTestingPlan",
        "ConflictException",
        409,
        MAX_RETRIES,
    );
    let updated = PLAN
        .update(&mut client, "weekly", &state, &news)
        .await
        .unwrap();
    assert_eq!(
        aws.count("UpdateRestoreTestingPlan"),
        MAX_RETRIES as usize + 1
    );
    let state = from_struct(&updated.properties);
    assert_eq!(state["scheduleExpression"], "cron(0 6 ? * MON *)");
    let live = live_plan(&aws, "weekly").await.unwrap();
    assert_eq!(live.schedule_expression(), "cron(0 6 ? * MON *)");
    assert_eq!(live.start_window_hours(), 48);
    assert_eq!(
        aws.tags(state["arn"].as_str().unwrap()).await["team"],
        "data"
    );

    // Dropping the start window puts AWS's default back.
    let d_back = PLAN
        .diff(&mut client, "weekly", &state, &news, &program)
        .await;
    assert_eq!(d_back.changes, DiffChanges::DiffSome as i32);
    PLAN.update(&mut client, "weekly", &state, &program)
        .await
        .unwrap();
    assert_eq!(
        live_plan(&aws, "weekly")
            .await
            .unwrap()
            .start_window_hours(),
        24
    );

    // A rename replaces, and the preview says which property forced it.
    let d = PLAN
        .diff(
            &mut client,
            "weekly",
            &state,
            &news,
            &plan_inputs("monthly"),
        )
        .await;
    assert_eq!(d.replaces, vec!["name".to_string()]);

    PLAN.delete(&mut client, "weekly", &state).await.unwrap();
    assert!(live_plan(&aws, "weekly").await.is_none());
    // Deleting it again (gone) succeeds.
    PLAN.delete(&mut client, "weekly", &state).await.unwrap();
    let gone = PLAN
        .read(&mut client, "weekly", Some((&state, &news)))
        .await
        .unwrap();
    assert!(gone.id.is_empty(), "a deleted plan reads as gone");
}

#[tokio::test]
async fn plan_drift_is_read_back_and_an_import_has_no_diff() {
    let (aws, mut client) = start().await;
    let mut program = plan_inputs("drifty");
    program["recoveryPointSelection"]["includeVaults"] = json!([VAULT_ARN, "*"]);
    program["recoveryPointSelection"]["includeVaults"] = json!([VAULT_ARN]);
    program["recoveryPointSelection"]["excludeVaults"] = json!([OLD_VAULT_ARN]);
    let inputs = PLAN.checked(&mut client, program.clone()).await;
    let created = PLAN.create(&mut client, &inputs).await.unwrap();
    let state = from_struct(&created.properties);

    // Out of band: another schedule.
    aws.sdk
        .update_restore_testing_plan()
        .restore_testing_plan_name("drifty")
        .restore_testing_plan(
            RestoreTestingPlanForUpdate::builder()
                .schedule_expression("cron(0 1 ? * * *)")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let read = PLAN
        .read(&mut client, "drifty", Some((&state, &inputs)))
        .await
        .unwrap();
    let refreshed = from_struct(&read.inputs);
    assert_eq!(refreshed["scheduleExpression"], "cron(0 1 ? * * *)");
    // Defaults the program left out stay out.
    assert!(refreshed.get("startWindowHours").is_none(), "{refreshed}");
    assert!(
        refreshed["recoveryPointSelection"]
            .get("selectionWindowDays")
            .is_none(),
        "{refreshed}"
    );
    let d = PLAN
        .diff(
            &mut client,
            "drifty",
            &from_struct(&read.properties),
            &refreshed,
            &program,
        )
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert_eq!(d.diffs, vec!["scheduleExpression".to_string()]);
    assert!(d.replaces.is_empty());

    // Import: the program (with its sets in another order) has no diff.
    let imported = PLAN.read(&mut client, "drifty", None).await.unwrap();
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(imported_inputs["name"], "drifty");
    assert!(imported_inputs.get("scheduleExpressionTimezone").is_none());
    let mut again = program.clone();
    again["scheduleExpression"] = json!("cron(0 1 ? * * *)");
    again["recoveryPointSelection"]["recoveryPointTypes"] = json!(["CONTINUOUS", "SNAPSHOT"]);
    let again = PLAN.checked(&mut client, again).await;
    let d = PLAN
        .diff(
            &mut client,
            "drifty",
            &from_struct(&imported.properties),
            &imported_inputs,
            &again,
        )
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );
}

#[tokio::test]
async fn a_selection_is_created_updated_in_place_and_deleted_before_its_plan() {
    let (aws, mut client) = start().await;
    let plan = PLAN.checked(&mut client, plan_inputs("weekly")).await;
    let plan_state = from_struct(&PLAN.create(&mut client, &plan).await.unwrap().properties);

    let mut program = selection_inputs("weekly", "vols");
    program["validationWindowHours"] = json!(12);
    program["restoreMetadataOverrides"] = json!({"availabilityZone": "us-east-1a"});
    let inputs = SELECTION.checked(&mut client, program.clone()).await;
    let created = SELECTION.create(&mut client, &inputs).await.unwrap();
    assert_eq!(created.id, "weekly|vols");
    let state = from_struct(&created.properties);
    let live = live_selection(&aws, "weekly", "vols").await.unwrap();
    assert_eq!(live.protected_resource_arns(), [VOLUME]);
    assert_eq!(live.validation_window_hours(), 12);
    assert!(live.creator_request_id().unwrap().starts_with("pulumi-"));

    // The plan cannot go while it keeps the selection: the delete retries until its timeout,
    // then says why.
    let err = client
        .delete(rpc::DeleteRequest {
            id: "weekly".into(),
            urn: PLAN.urn(),
            properties: to_struct(plan_state.clone()),
            r#type: PLAN.token.into(),
            timeout: 2.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.message().contains("delete them first"), "{err:?}");
    assert!(aws.count("DeleteRestoreTestingPlan") >= 2, "retried");
    assert!(live_plan(&aws, "weekly").await.is_some());

    // From ARNs to conditions: in place, and AWS holds ["*"] with the conditions.
    let mut news = selection_inputs("weekly", "vols");
    news.as_object_mut()
        .unwrap()
        .remove("protectedResourceArns");
    news["protectedResourceConditions"] =
        json!({"stringEquals": [{"key": "team", "value": "a"}, {"key": "env", "value": "prod"}]});
    news["validationWindowHours"] = json!(24);
    let news = SELECTION.checked(&mut client, news).await;
    assert_eq!(news["protectedResourceArns"], json!(["*"]));
    let d = SELECTION
        .diff(&mut client, "weekly|vols", &state, &inputs, &news)
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
    aws.fail_next("UpdateRestoreTestingSelection", "ConflictException", 409, 1);
    let updated = SELECTION
        .update(&mut client, "weekly|vols", &state, &news)
        .await
        .unwrap();
    let state = from_struct(&updated.properties);
    let live = live_selection(&aws, "weekly", "vols").await.unwrap();
    assert_eq!(live.protected_resource_arns(), ["*"]);
    assert_eq!(
        live.protected_resource_conditions()
            .unwrap()
            .string_equals()
            .len(),
        2
    );
    assert_eq!(live.validation_window_hours(), 24);
    assert!(live
        .restore_metadata_overrides()
        .is_none_or(|m| m.is_empty()));

    // The conditions in another order, and AWS's empty lists, are no change.
    let mut reordered = news.clone();
    reordered["protectedResourceConditions"] = json!({
        "stringEquals": [{"key": "env", "value": "prod"}, {"key": "team", "value": "a"}],
        "stringNotEquals": [],
    });
    let d = SELECTION
        .diff(&mut client, "weekly|vols", &state, &news, &reordered)
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );
    // Another type replaces, naming it.
    let mut retyped = news.clone();
    retyped["protectedResourceType"] = json!("EFS");
    let d = SELECTION
        .diff(&mut client, "weekly|vols", &state, &news, &retyped)
        .await;
    assert_eq!(d.replaces, vec!["protectedResourceType".to_string()]);

    SELECTION
        .delete(&mut client, "weekly|vols", &state)
        .await
        .unwrap();
    assert!(live_selection(&aws, "weekly", "vols").await.is_none());
    SELECTION
        .delete(&mut client, "weekly|vols", &state)
        .await
        .unwrap();
    PLAN.delete(&mut client, "weekly", &plan_state)
        .await
        .unwrap();
    assert!(live_plan(&aws, "weekly").await.is_none());
}

#[tokio::test]
async fn selection_drift_is_read_back_and_an_import_has_no_diff() {
    let (aws, mut client) = start().await;
    let plan = PLAN.checked(&mut client, plan_inputs("weekly")).await;
    PLAN.create(&mut client, &plan).await.unwrap();
    let mut program = selection_inputs("weekly", "tagged");
    program
        .as_object_mut()
        .unwrap()
        .remove("protectedResourceArns");
    program["protectedResourceConditions"] =
        json!({"stringNotEquals": [{"key": "env", "value": "test"}]});
    let inputs = SELECTION.checked(&mut client, program.clone()).await;
    let created = SELECTION.create(&mut client, &inputs).await.unwrap();
    let state = from_struct(&created.properties);

    // Out of band: another condition and a validation window.
    aws.sdk
        .update_restore_testing_selection()
        .restore_testing_plan_name("weekly")
        .restore_testing_selection_name("tagged")
        .restore_testing_selection(
            RestoreTestingSelectionForUpdate::builder()
                .protected_resource_conditions(
                    ProtectedResourceConditions::builder()
                        .string_not_equals(
                            KeyValue::builder().key("env").value("dev").build().unwrap(),
                        )
                        .build(),
                )
                .validation_window_hours(6)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let read = SELECTION
        .read(&mut client, "weekly|tagged", Some((&state, &inputs)))
        .await
        .unwrap();
    let refreshed = from_struct(&read.inputs);
    assert_eq!(
        refreshed["protectedResourceConditions"]["stringNotEquals"],
        json!([{"key": "env", "value": "dev"}])
    );
    let d = SELECTION
        .diff(
            &mut client,
            "weekly|tagged",
            &from_struct(&read.properties),
            &refreshed,
            &inputs,
        )
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert_eq!(d.diffs, vec!["protectedResourceConditions".to_string()]);
    assert!(d.replaces.is_empty());

    // Import by `<plan>|<name>`: the program (as it now stands) has no diff, and AWS's empty
    // stringEquals list reads as absent.
    let imported = SELECTION
        .read(&mut client, "weekly|tagged", None)
        .await
        .unwrap();
    assert_eq!(imported.id, "weekly|tagged");
    let imported_inputs = from_struct(&imported.inputs);
    assert!(
        imported_inputs["protectedResourceConditions"]
            .get("stringEquals")
            .is_none(),
        "{imported_inputs}"
    );
    let mut now = program.clone();
    now["protectedResourceConditions"] =
        json!({"stringNotEquals": [{"key": "env", "value": "dev"}]});
    now["validationWindowHours"] = json!(6);
    let now = SELECTION.checked(&mut client, now).await;
    let d = SELECTION
        .diff(
            &mut client,
            "weekly|tagged",
            &from_struct(&imported.properties),
            &imported_inputs,
            &now,
        )
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    // Gone out of band: read answers nothing, delete succeeds.
    aws.sdk
        .delete_restore_testing_selection()
        .restore_testing_plan_name("weekly")
        .restore_testing_selection_name("tagged")
        .send()
        .await
        .unwrap();
    let gone = SELECTION
        .read(&mut client, "weekly|tagged", Some((&state, &inputs)))
        .await
        .unwrap();
    assert!(gone.id.is_empty());
    SELECTION
        .delete(&mut client, "weekly|tagged", &state)
        .await
        .unwrap();
    let err = SELECTION
        .read(&mut client, "weekly", None)
        .await
        .unwrap_err();
    assert!(
        err.message().contains("<plan name>|<selection name>"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_selection_in_a_missing_plan_fails_naming_the_plan() {
    let (_aws, mut client) = start().await;
    let inputs = SELECTION
        .checked(&mut client, selection_inputs("nope", "s"))
        .await;
    let err = SELECTION.create(&mut client, &inputs).await.unwrap_err();
    assert!(
        err.message()
            .contains("restore testing plan 'nope' does not exist"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_create_retried_after_an_interruption_gets_back_what_the_first_made() {
    let (aws, mut client) = start().await;
    let plan = PLAN.checked(&mut client, plan_inputs("retried")).await;
    let first = PLAN.create(&mut client, &plan).await.unwrap();
    // The engine never heard back, and creates again with the same inputs.
    let again = PLAN.create(&mut client, &plan).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(
        from_struct(&again.properties)["arn"],
        from_struct(&first.properties)["arn"]
    );
    let tokens: Vec<Value> = aws
        .inputs_of("CreateRestoreTestingPlan")
        .iter()
        .map(|i| i["CreatorRequestId"].clone())
        .collect();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0], tokens[1], "the same CreatorRequestId both times");

    let selection = SELECTION
        .checked(&mut client, selection_inputs("retried", "vols"))
        .await;
    let first = SELECTION.create(&mut client, &selection).await.unwrap();
    let again = SELECTION.create(&mut client, &selection).await.unwrap();
    assert_eq!(again.id, first.id);
    let listed = aws
        .sdk
        .list_restore_testing_selections()
        .restore_testing_plan_name("retried")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.restore_testing_selections().len(), 1);

    // Another resource (another URN) with the same name is refused with the import advice.
    let other = Resource {
        token: PLAN.token,
        name: "other",
    };
    let err = other.create(&mut client, &plan).await.unwrap_err();
    assert!(
        err.message().contains("already exists") && err.message().contains("pulumi import"),
        "{err:?}"
    );
}
