//! Report plans: CRUD, what Describe fills in, the template rules, idempotency, the delivery
//! channel's rules and tags.

use aws_sdk_backup::types::{ReportDeliveryChannel, ReportSetting};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

const FRAMEWORK: &str =
    "arn:aws:backup:us-east-1:123456789012:framework:fw_a-0123abcd-4567-89ef-0123-456789abcdef";

fn channel(bucket: &str) -> ReportDeliveryChannel {
    ReportDeliveryChannel::builder()
        .s3_bucket_name(bucket)
        .build()
        .unwrap()
}

fn setting(template: &str) -> aws_sdk_backup::types::builders::ReportSettingBuilder {
    ReportSetting::builder().report_template(template)
}

async fn setup() -> (LocalEndpoint, Client) {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    (ep, c)
}

#[tokio::test]
async fn a_plan_round_trips_with_the_default_format_and_its_framework_count() {
    let (_ep, c) = setup().await;
    let created = c
        .create_report_plan()
        .report_plan_name("daily_compliance")
        .report_delivery_channel(channel("audit-reports"))
        .report_setting(
            setting("CONTROL_COMPLIANCE_REPORT")
                .framework_arns(FRAMEWORK)
                .build()
                .unwrap(),
        )
        .report_plan_tags("team", "a")
        .send()
        .await
        .unwrap();
    let arn = created.report_plan_arn().unwrap().to_string();
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:123456789012:report-plan:daily_compliance-"),
        "{arn}"
    );
    let got = c
        .describe_report_plan()
        .report_plan_name("daily_compliance")
        .send()
        .await
        .unwrap();
    let p = got.report_plan().unwrap();
    assert_eq!(p.deployment_status(), Some("COMPLETED"));
    let ch = p.report_delivery_channel().unwrap();
    assert_eq!(ch.formats(), ["CSV"]);
    assert_eq!(ch.s3_key_prefix(), None);
    let s = p.report_setting().unwrap();
    assert_eq!(s.number_of_frameworks(), 1);
    assert_eq!(s.framework_arns(), [FRAMEWORK]);
    let tags = c.list_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(
        tags.tags().unwrap().get("team").map(String::as_str),
        Some("a")
    );
    let listed = c.list_report_plans().send().await.unwrap();
    assert_eq!(listed.report_plans().len(), 1);

    // An update replaces what it names and keeps the rest.
    c.update_report_plan()
        .report_plan_name("daily_compliance")
        .report_delivery_channel(
            ReportDeliveryChannel::builder()
                .s3_bucket_name("audit-reports")
                .formats("JSON")
                .formats("CSV")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let got = c
        .describe_report_plan()
        .report_plan_name("daily_compliance")
        .send()
        .await
        .unwrap();
    let p = got.report_plan().unwrap();
    assert_eq!(
        p.report_delivery_channel().unwrap().formats(),
        ["JSON", "CSV"]
    );
    assert_eq!(p.report_setting().unwrap().framework_arns(), [FRAMEWORK]);

    c.delete_report_plan()
        .report_plan_name("daily_compliance")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.describe_report_plan()
            .report_plan_name("daily_compliance")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "daily_compliance",
    );
    assert_fails(
        c.delete_report_plan()
            .report_plan_name("daily_compliance")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "daily_compliance",
    );
}

#[tokio::test]
async fn the_template_decides_whether_frameworks_are_needed_refused_or_left_out() {
    let (_ep, c) = setup().await;
    let create = |name: &str, s: ReportSetting| {
        c.create_report_plan()
            .report_plan_name(name)
            .report_delivery_channel(channel("audit-reports"))
            .report_setting(s)
            .send()
    };
    assert_fails(
        create("a", setting("RESOURCE_COMPLIANCE_REPORT").build().unwrap()).await,
        400,
        "MissingParameterValueException",
        "FrameworkArns",
    );
    assert_invalid(
        create(
            "b",
            setting("BACKUP_JOB_REPORT")
                .framework_arns(FRAMEWORK)
                .build()
                .unwrap(),
        )
        .await,
        "compliance reports only",
    );
    assert_invalid(
        create(
            "c",
            setting("CONTROL_COMPLIANCE_REPORT")
                .framework_arns(FRAMEWORK)
                .accounts("ROOT")
                .build()
                .unwrap(),
        )
        .await,
        "leave FrameworkArns out",
    );
    assert_invalid(
        create("d", setting("AUDIT_REPORT").build().unwrap()).await,
        "ReportTemplate",
    );
    assert_invalid(
        create(
            "e",
            setting("CONTROL_COMPLIANCE_REPORT")
                .framework_arns("arn:aws:backup:us-east-1:123456789012:backup-plan:p")
                .build()
                .unwrap(),
        )
        .await,
        "framework ARN",
    );
    assert_invalid(
        create(
            "f",
            setting("CONTROL_COMPLIANCE_REPORT")
                .framework_arns(FRAMEWORK)
                .number_of_frameworks(3)
                .build()
                .unwrap(),
        )
        .await,
        "NumberOfFrameworks",
    );
    // A cross-account compliance report covers every framework; job reports take no frameworks.
    create(
        "g",
        setting("RESOURCE_COMPLIANCE_REPORT")
            .organization_units("ou-ab12-cdef3456")
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    create(
        "h",
        setting("SCAN_JOB_REPORT").regions("*").build().unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_delivery_channel_takes_s3_bucket_names_and_csv_only_for_cross_account_reports() {
    let (_ep, c) = setup().await;
    let create = |name: &str, ch: ReportDeliveryChannel, s: ReportSetting| {
        c.create_report_plan()
            .report_plan_name(name)
            .report_delivery_channel(ch)
            .report_setting(s)
            .send()
    };
    let jobs = || setting("BACKUP_JOB_REPORT").build().unwrap();
    for bad in [
        "Audit",
        "ab",
        "a..b",
        "-audit",
        "192.168.0.1",
        "audit_reports",
    ] {
        assert_invalid(create("a", channel(bad), jobs()).await, "S3BucketName");
    }
    let formats = |list: &[&str]| {
        ReportDeliveryChannel::builder()
            .s3_bucket_name("audit-reports")
            .set_formats(Some(list.iter().map(|f| f.to_string()).collect()))
            .build()
            .unwrap()
    };
    assert_invalid(create("b", formats(&["XML"]), jobs()).await, "Formats");
    assert_invalid(
        create("c", formats(&["CSV", "CSV"]), jobs()).await,
        "more than once",
    );
    assert_invalid(
        create(
            "d",
            formats(&["JSON"]),
            setting("COPY_JOB_REPORT")
                .regions("us-east-1")
                .build()
                .unwrap(),
        )
        .await,
        "CSV only",
    );
    create("e", formats(&["JSON", "CSV"]), jobs())
        .await
        .unwrap();
}

#[tokio::test]
async fn names_are_unique_and_a_replayed_create_answers_the_first_one() {
    let (_ep, c) = setup().await;
    let create = |name: &str, token: &str| {
        c.create_report_plan()
            .report_plan_name(name)
            .report_delivery_channel(channel("audit-reports"))
            .report_setting(setting("RESTORE_JOB_REPORT").build().unwrap())
            .idempotency_token(token)
            .send()
    };
    let first = create("jobs", "token-1").await.unwrap();
    let again = create("jobs", "token-1").await.unwrap();
    assert_eq!(first.report_plan_arn(), again.report_plan_arn());
    assert_fails(
        create("other", "token-1").await,
        400,
        "AlreadyExistsException",
        "token-1",
    );
    assert_fails(
        create("jobs", "token-2").await,
        400,
        "AlreadyExistsException",
        "already exists",
    );
    for bad in ["1jobs", "jobs-daily", "_jobs"] {
        assert_invalid(create(bad, "token-3").await, "ReportPlanName");
    }
    assert_eq!(
        c.list_report_plans()
            .send()
            .await
            .unwrap()
            .report_plans()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_deploying_plan_refuses_changes_with_conflict_until_it_is_deployed() {
    let (ep, c) = setup().await;
    ep.set_faults(serde_json::json!({ "reportPlanDeployingCalls": 2 }))
        .unwrap();
    c.create_report_plan()
        .report_plan_name("slow")
        .report_delivery_channel(channel("audit-reports"))
        .report_setting(setting("COPY_JOB_REPORT").build().unwrap())
        .send()
        .await
        .unwrap();
    let status = || async {
        c.describe_report_plan()
            .report_plan_name("slow")
            .send()
            .await
            .unwrap()
            .report_plan
            .unwrap()
            .deployment_status
            .unwrap()
    };
    let update = || {
        c.update_report_plan()
            .report_plan_name("slow")
            .report_plan_description("copies")
            .send()
    };
    assert_fails(
        update().await,
        400,
        "ConflictException",
        "CREATE_IN_PROGRESS",
    );
    assert_fails(
        c.delete_report_plan().report_plan_name("slow").send().await,
        400,
        "ConflictException",
        "CREATE_IN_PROGRESS",
    );
    assert_eq!(status().await, "CREATE_IN_PROGRESS");
    assert_eq!(status().await, "CREATE_IN_PROGRESS");
    assert_eq!(status().await, "COMPLETED");
    // An update deploys in turn.
    update().await.unwrap();
    assert_eq!(status().await, "UPDATE_IN_PROGRESS");
    assert_fails(
        c.delete_report_plan().report_plan_name("slow").send().await,
        400,
        "ConflictException",
        "UPDATE_IN_PROGRESS",
    );
    assert_eq!(status().await, "UPDATE_IN_PROGRESS");
    assert_eq!(status().await, "COMPLETED");
    c.delete_report_plan()
        .report_plan_name("slow")
        .send()
        .await
        .unwrap();
}
