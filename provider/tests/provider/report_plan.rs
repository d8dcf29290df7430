//! ReportPlan over gRPC against the local endpoint, AWS looked at and changed out of band with
//! the SDK.

use aws_sdk_backup::types::{ReportDeliveryChannel, ReportSetting};
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;
use awsbackup::proto::pulumirpc as rpc;

const PLAN: Resource = Resource {
    token: "awsbackup:index:ReportPlan",
    name: "daily-compliance",
};
const FW_A: &str =
    "arn:aws:backup:us-east-1:123456789012:framework:fw_a-0123abcd-4567-89ef-0123-456789abcdef";
const FW_B: &str =
    "arn:aws:backup:us-east-1:123456789012:framework:fw_b-89abcdef-0123-4567-89ab-cdef01234567";

fn plan_inputs(name: &str) -> Value {
    json!({
        "name": name,
        "reportDeliveryChannel": { "s3BucketName": "audit-reports", "s3KeyPrefix": "backup" },
        "reportSetting": {
            "reportTemplate": "CONTROL_COMPLIANCE_REPORT",
            "frameworkArns": [FW_A, FW_B],
        },
    })
}

async fn live_plan(aws: &Aws, name: &str) -> Option<aws_sdk_backup::types::ReportPlan> {
    aws.sdk
        .describe_report_plan()
        .report_plan_name(name)
        .send()
        .await
        .ok()
        .and_then(|o| o.report_plan)
}

/// Checks `news` as the engine would and returns the checked inputs.
#[tokio::test]
async fn check_names_the_property_of_each_template_rule_and_autonames_within_the_rules() {
    let (_aws, mut client) = start().await;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = plan_inputs("p");
        edit(&mut v);
        v
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&|v| v["name"] = json!("has-hyphen")), "name", "'-'"),
        (
            with(&|v| v["name"] = json!("_plan")),
            "name",
            "start with a letter",
        ),
        (
            with(&|v| v["reportSetting"]["reportTemplate"] = json!("AUDIT_REPORT")),
            "reportSetting.reportTemplate",
            "must be one of",
        ),
        (
            with(&|v| {
                v["reportSetting"]
                    .as_object_mut()
                    .unwrap()
                    .remove("frameworkArns");
            }),
            "reportSetting.frameworkArns",
            "is required for CONTROL_COMPLIANCE_REPORT",
        ),
        (
            with(&|v| v["reportSetting"]["reportTemplate"] = json!("COPY_JOB_REPORT")),
            "reportSetting.frameworkArns",
            "only compliance reports",
        ),
        (
            with(&|v| v["reportSetting"]["accounts"] = json!(["ROOT"])),
            "reportSetting.frameworkArns",
            "leave frameworkArns out",
        ),
        (
            with(&|v| v["reportSetting"]["frameworkArns"] = json!([FW_A, "fw_b"])),
            "reportSetting.frameworkArns[1]",
            "framework ARN",
        ),
        (
            with(&|v| v["reportSetting"]["numberOfFrameworks"] = json!(3)),
            "reportSetting.numberOfFrameworks",
            "must equal the number of frameworkArns (2)",
        ),
        (
            with(&|v| v["reportSetting"]["regions"] = json!(["us-east-1", "us-east-1"])),
            "reportSetting.regions[1]",
            "listed twice",
        ),
        (
            with(&|v| {
                v["reportSetting"]["regions"] = json!(["*"]);
                v["reportDeliveryChannel"]["formats"] = json!(["JSON"]);
            }),
            "reportDeliveryChannel.formats[0]",
            "CSV only",
        ),
        (
            with(&|v| v["reportDeliveryChannel"]["formats"] = json!(["CSV", "XLSX"])),
            "reportDeliveryChannel.formats[1]",
            "must be one of CSV, JSON",
        ),
        (
            with(&|v| v["reportDeliveryChannel"]["s3BucketName"] = json!("Audit.Reports")),
            "reportDeliveryChannel.s3BucketName",
            "not an S3 bucket name",
        ),
        (
            with(&|v| v["reportSetting"]["organizationUnits"] = json!(["r-ab12"])),
            "reportSetting.organizationUnits[0]",
            "organizational unit",
        ),
        (
            json!({ "reportSetting": plan_inputs("p")["reportSetting"] }),
            "reportDeliveryChannel",
            "",
        ),
    ];
    PLAN.assert_check_fails(&mut client, cases).await;
    // Autonamed from "daily-compliance": hyphens become underscores, as the name rule needs.
    let mut news = plan_inputs("x");
    news.as_object_mut().unwrap().remove("name");
    let inputs = PLAN.checked(&mut client, news).await;
    let name = inputs["name"].as_str().unwrap();
    assert!(
        name.starts_with("daily_compliance_") && name.len() == "daily_compliance_".len() + 7,
        "{name}"
    );
}

#[tokio::test]
async fn a_plan_is_created_read_updated_in_place_and_deleted() {
    let (aws, mut client) = start().await;
    let mut program = plan_inputs("compliance");
    program["tags"] = json!({"team": "audit"});
    let inputs = PLAN.checked(&mut client, program.clone()).await;
    let created = PLAN.create(&mut client, &inputs).await.unwrap();
    assert_eq!(created.id, "compliance");
    let state = from_struct(&created.properties);
    assert!(
        state["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:backup:us-east-1:123456789012:report-plan:compliance-"),
        "{state}"
    );
    assert!(state["creationTime"].is_string(), "{state}");
    assert_eq!(state["deploymentStatus"], "COMPLETED");
    let live = live_plan(&aws, "compliance")
        .await
        .expect("the plan exists");
    assert_eq!(
        live.report_setting().unwrap().framework_arns(),
        [FW_A, FW_B]
    );
    // The create carries an IdempotencyToken of the provider's own.
    let token = aws.inputs_of("CreateReportPlan")[0]["IdempotencyToken"].clone();
    assert!(
        token.as_str().is_some_and(|t| t.starts_with("pulumi-")),
        "{token}"
    );
    assert_eq!(
        aws.tags(state["arn"].as_str().unwrap()).await["team"],
        "audit"
    );

    // AWS's defaults spelled out, and the frameworks in another order, are no change.
    let mut explicit = program.clone();
    explicit["reportDeliveryChannel"]["formats"] = json!(["CSV"]);
    explicit["reportSetting"]["frameworkArns"] = json!([FW_B, FW_A]);
    explicit["reportSetting"]["numberOfFrameworks"] = json!(2);
    explicit["reportSetting"]["regions"] = json!([]);
    let d = PLAN
        .diff(&mut client, "compliance", &state, &inputs, &explicit)
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    // Both formats and a tag change: an update in place, no replacement.
    let mut news = program.clone();
    news["reportDeliveryChannel"]["formats"] = json!(["JSON", "CSV"]);
    news["tags"] = json!({"team": "security"});
    let d = PLAN
        .diff(&mut client, "compliance", &state, &inputs, &news)
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
    assert!(
        d.diffs.contains(&"reportDeliveryChannel".to_string()),
        "{:?}",
        d.diffs
    );
    // A conflict with a deployment still running is retried.
    aws.fail_next("UpdateReportPlan", "ConflictException", 409, MAX_RETRIES);
    let updated = PLAN
        .update(&mut client, "compliance", &state, &news)
        .await
        .unwrap();
    assert_eq!(aws.count("UpdateReportPlan"), MAX_RETRIES as usize + 1);
    let state = from_struct(&updated.properties);
    assert_eq!(
        state["reportDeliveryChannel"]["formats"],
        json!(["JSON", "CSV"])
    );
    let live = live_plan(&aws, "compliance").await.unwrap();
    assert_eq!(
        live.report_delivery_channel().unwrap().formats(),
        ["JSON", "CSV"]
    );
    assert_eq!(
        aws.tags(state["arn"].as_str().unwrap()).await["team"],
        "security"
    );
    // The formats in another order are no change.
    let mut reordered = news.clone();
    reordered["reportDeliveryChannel"]["formats"] = json!(["CSV", "JSON"]);
    let d = PLAN
        .diff(&mut client, "compliance", &state, &news, &reordered)
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    // Dropping the formats goes back to AWS's default, CSV.
    PLAN.update(&mut client, "compliance", &state, &program)
        .await
        .unwrap();
    let live = live_plan(&aws, "compliance").await.unwrap();
    assert_eq!(live.report_delivery_channel().unwrap().formats(), ["CSV"]);

    // A rename replaces, and the preview says which property forced it.
    let d = PLAN
        .diff(
            &mut client,
            "compliance",
            &state,
            &program,
            &plan_inputs("other"),
        )
        .await;
    assert_eq!(d.replaces, vec!["name".to_string()]);

    aws.fail_next("DeleteReportPlan", "ConflictException", 409, 1);
    PLAN.delete(&mut client, "compliance", &state)
        .await
        .unwrap();
    assert!(live_plan(&aws, "compliance").await.is_none());
    // Deleting it again (gone) succeeds, and a read says it is gone.
    PLAN.delete(&mut client, "compliance", &state)
        .await
        .unwrap();
    let gone = PLAN
        .read(&mut client, "compliance", Some((&state, &program)))
        .await
        .unwrap();
    assert!(gone.id.is_empty(), "a deleted plan reads as gone");
}

#[tokio::test]
async fn drift_is_read_back_and_an_import_has_no_diff() {
    let (aws, mut client) = start().await;
    let mut program = plan_inputs("drifty");
    program["description"] = json!("compliance of the daily frameworks");
    let inputs = PLAN.checked(&mut client, program.clone()).await;
    let created = PLAN.create(&mut client, &inputs).await.unwrap();
    let state = from_struct(&created.properties);

    // Out of band: one framework fewer and another bucket.
    aws.sdk
        .update_report_plan()
        .report_plan_name("drifty")
        .report_delivery_channel(
            ReportDeliveryChannel::builder()
                .s3_bucket_name("other-bucket")
                .build()
                .unwrap(),
        )
        .report_setting(
            ReportSetting::builder()
                .report_template("CONTROL_COMPLIANCE_REPORT")
                .framework_arns(FW_B)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let read = PLAN
        .read(&mut client, "drifty", Some((&state, &inputs)))
        .await
        .unwrap();
    let refreshed = from_struct(&read.inputs);
    assert_eq!(
        refreshed["reportDeliveryChannel"]["s3BucketName"],
        "other-bucket"
    );
    assert_eq!(refreshed["reportSetting"]["frameworkArns"], json!([FW_B]));
    // The default format and the framework count, left out by the program, stay out.
    assert!(
        refreshed["reportDeliveryChannel"].get("formats").is_none(),
        "{refreshed}"
    );
    assert!(
        refreshed["reportSetting"]
            .get("numberOfFrameworks")
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
    let mut diffs = d.diffs.clone();
    diffs.sort();
    assert_eq!(
        diffs,
        vec![
            "reportDeliveryChannel".to_string(),
            "reportSetting".to_string()
        ]
    );
    assert!(d.replaces.is_empty());

    // Import by name: the program, as AWS now holds it and its frameworks in another order,
    // has no diff.
    let imported = PLAN.read(&mut client, "drifty", None).await.unwrap();
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(imported_inputs["name"], "drifty");
    assert_eq!(
        imported_inputs["description"],
        "compliance of the daily frameworks"
    );
    let mut now = program.clone();
    now["reportDeliveryChannel"] = json!({ "s3BucketName": "other-bucket" });
    now["reportSetting"]["frameworkArns"] = json!([FW_B]);
    let now = PLAN.checked(&mut client, now).await;
    let d = PLAN
        .diff(
            &mut client,
            "drifty",
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

    // A description cannot be removed: the check says so, naming it.
    let mut without = now.clone();
    without.as_object_mut().unwrap().remove("description");
    let resp = client
        .check(rpc::CheckRequest {
            urn: PLAN.urn(),
            olds: to_struct(imported_inputs.clone()),
            news: to_struct(without),
            r#type: PLAN.token.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        resp.failures
            .iter()
            .any(|f| failure_path(f) == "description" && f.reason.contains("cannot remove")),
        "{:?}",
        resp.failures
    );

    // With a new name the plan is replaced, and may go without it.
    let mut renamed = now.clone();
    renamed.as_object_mut().unwrap().remove("description");
    renamed["name"] = json!("renamed");
    let resp = client
        .check(rpc::CheckRequest {
            urn: PLAN.urn(),
            olds: to_struct(imported_inputs.clone()),
            news: to_struct(renamed),
            r#type: PLAN.token.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);

    // Gone out of band: read answers nothing, delete succeeds.
    aws.sdk
        .delete_report_plan()
        .report_plan_name("drifty")
        .send()
        .await
        .unwrap();
    let gone = PLAN
        .read(&mut client, "drifty", Some((&state, &inputs)))
        .await
        .unwrap();
    assert!(gone.id.is_empty());
    PLAN.delete(&mut client, "drifty", &state).await.unwrap();
}

#[tokio::test]
async fn a_job_report_across_accounts_and_regions_round_trips() {
    let (aws, mut client) = start().await;
    let program = json!({
        "name": "org_jobs",
        "reportDeliveryChannel": { "s3BucketName": "audit-reports", "formats": ["CSV"] },
        "reportSetting": {
            "reportTemplate": "BACKUP_JOB_REPORT",
            "accounts": ["ROOT"],
            "organizationUnits": ["ou-ab12-cdef3456", "ou-ab12-99998888"],
            "regions": ["us-east-1", "eu-west-1"],
        },
    });
    let inputs = PLAN.checked(&mut client, program.clone()).await;
    let created = PLAN.create(&mut client, &inputs).await.unwrap();
    let state = from_struct(&created.properties);
    let live = live_plan(&aws, "org_jobs").await.unwrap();
    assert_eq!(
        live.report_setting().unwrap().regions(),
        ["us-east-1", "eu-west-1"]
    );
    // The lists in another order are no change.
    let mut reordered = program.clone();
    reordered["reportSetting"]["organizationUnits"] =
        json!(["ou-ab12-99998888", "ou-ab12-cdef3456"]);
    reordered["reportSetting"]["regions"] = json!(["eu-west-1", "us-east-1"]);
    let d = PLAN
        .diff(&mut client, "org_jobs", &state, &inputs, &reordered)
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );
    // A read keeps the program's order.
    let read = PLAN
        .read(&mut client, "org_jobs", Some((&state, &reordered)))
        .await
        .unwrap();
    assert_eq!(
        from_struct(&read.inputs)["reportSetting"]["regions"],
        json!(["eu-west-1", "us-east-1"])
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
        .inputs_of("CreateReportPlan")
        .iter()
        .map(|i| i["IdempotencyToken"].clone())
        .collect();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0], tokens[1], "the same IdempotencyToken both times");
    let listed = aws.sdk.list_report_plans().send().await.unwrap();
    assert_eq!(listed.report_plans().len(), 1);

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

#[tokio::test]
async fn create_and_update_wait_for_the_deployment_and_delete_retries_the_conflict() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"reportPlanDeployingCalls": 2}))
        .unwrap();
    let inputs = PLAN.checked(&mut client, plan_inputs("slow")).await;
    let created = PLAN.create(&mut client, &inputs).await.unwrap();
    let state = from_struct(&created.properties);
    // Two reads saw the deployment in progress, the third its end.
    assert_eq!(aws.count("DescribeReportPlan"), 3);
    assert_eq!(state["deploymentStatus"], "COMPLETED");

    let mut news = plan_inputs("slow");
    news["description"] = json!("slow to deploy");
    let updated = PLAN
        .update(&mut client, "slow", &state, &news)
        .await
        .unwrap();
    assert_eq!(aws.count("DescribeReportPlan"), 6);
    assert_eq!(
        from_struct(&updated.properties)["deploymentStatus"],
        "COMPLETED"
    );
    assert_eq!(
        live_plan(&aws, "slow")
            .await
            .unwrap()
            .report_plan_description(),
        Some("slow to deploy")
    );

    // An update made out of band is still deploying: the delete's ConflictException is retried
    // until the deployment ends.
    aws.endpoint
        .set_faults(json!({"reportPlanDeployingCalls": 1}))
        .unwrap();
    aws.sdk
        .update_report_plan()
        .report_plan_name("slow")
        .report_plan_description("again")
        .send()
        .await
        .unwrap();
    let before = aws.count("DeleteReportPlan");
    let delete = PLAN.delete(&mut client, "slow", &state);
    // Nothing reads the plan while the delete retries; a Describe here ends the deployment.
    let finish = async {
        while aws.count("DeleteReportPlan") == before {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        live_plan(&aws, "slow").await
    };
    let (deleted, _) = tokio::join!(delete, finish);
    deleted.unwrap();
    assert!(aws.count("DeleteReportPlan") >= before + 2, "retried");
    assert!(live_plan(&aws, "slow").await.is_none());
}
