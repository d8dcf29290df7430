//! Backup Audit Manager frameworks: CRUD, the deployment that runs after a create or an update
//! (and the ConflictException while it runs), validation, quotas, idempotency and tags.

use aws_sdk_backup::types::{ControlInputParameter, ControlScope, FrameworkControl};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

use crate::common::*;

fn control(name: &str) -> FrameworkControl {
    FrameworkControl::builder()
        .control_name(name)
        .build()
        .unwrap()
}

fn retention(days: &str) -> FrameworkControl {
    FrameworkControl::builder()
        .control_name("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")
        .control_input_parameters(
            ControlInputParameter::builder()
                .parameter_name("requiredRetentionDays")
                .parameter_value(days)
                .build(),
        )
        .build()
        .unwrap()
}

async fn status(c: &Client, name: &str) -> String {
    let d = c
        .describe_framework()
        .framework_name(name)
        .send()
        .await
        .unwrap();
    d.deployment_status().unwrap_or_default().to_string()
}

#[tokio::test]
async fn framework_create_deploys_after_the_configured_reads_and_update_deploys_again() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    ep.set_faults(json!({ "frameworkDeployingCalls": 2 }))
        .unwrap();
    let created = c
        .create_framework()
        .framework_name("audit")
        .framework_description("policy")
        .framework_controls(retention("35"))
        .framework_tags("team", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(created.framework_name(), Some("audit"));
    let arn = created.framework_arn().unwrap().to_string();
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:123456789012:framework:audit-"),
        "{arn}"
    );
    // Update and Delete are refused while the deployment runs; each refusal counts as a call.
    assert_fails(
        c.delete_framework().framework_name("audit").send().await,
        409,
        "ConflictException",
        "CREATE_IN_PROGRESS",
    );
    assert_eq!(status(&c, "audit").await, "CREATE_IN_PROGRESS");
    assert_eq!(status(&c, "audit").await, "COMPLETED");
    let d = c
        .describe_framework()
        .framework_name("audit")
        .send()
        .await
        .unwrap();
    assert_eq!(d.framework_arn(), Some(arn.as_str()));
    assert_eq!(d.framework_description(), Some("policy"));
    assert_eq!(d.framework_status(), Some("ACTIVE"));
    assert!(d.creation_time().is_some());
    let controls = d.framework_controls();
    assert_eq!(controls.len(), 1);
    assert_eq!(
        controls[0].control_input_parameters()[0].parameter_value(),
        Some("35")
    );
    let tags = c.list_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(
        tags.tags().unwrap().get("team").map(String::as_str),
        Some("a")
    );

    ep.set_faults(json!({ "frameworkDeployingCalls": 1 }))
        .unwrap();
    let updated = c
        .update_framework()
        .framework_name("audit")
        .framework_controls(retention("90"))
        .framework_controls(control("BACKUP_RECOVERY_POINT_ENCRYPTED"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.framework_arn(), Some(arn.as_str()));
    assert_fails(
        c.update_framework()
            .framework_name("audit")
            .framework_description("again")
            .send()
            .await,
        409,
        "ConflictException",
        "UPDATE_IN_PROGRESS",
    );
    assert_eq!(status(&c, "audit").await, "COMPLETED");
    let d = c
        .describe_framework()
        .framework_name("audit")
        .send()
        .await
        .unwrap();
    // The update replaced the controls and kept the description it left out.
    assert_eq!(d.framework_controls().len(), 2);
    assert_eq!(d.framework_description(), Some("policy"));
    let listed = c.list_frameworks().send().await.unwrap();
    assert_eq!(listed.frameworks()[0].number_of_controls(), 2);
    c.delete_framework()
        .framework_name("audit")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.describe_framework().framework_name("audit").send().await,
        400,
        "ResourceNotFoundException",
        "audit",
    );
    assert_fails(
        c.delete_framework().framework_name("audit").send().await,
        400,
        "ResourceNotFoundException",
        "audit",
    );
}

#[tokio::test]
async fn framework_deployment_can_end_failed() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    ep.set_faults(json!({ "frameworkDeployingCalls": 0, "frameworkFailed": true }))
        .unwrap();
    c.create_framework()
        .framework_name("broken")
        .framework_controls(control("BACKUP_RECOVERY_POINT_ENCRYPTED"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(&c, "broken").await, "FAILED");
    // A failed framework can still be deleted.
    c.delete_framework()
        .framework_name("broken")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn framework_inputs_are_validated() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let create = |name: &str| c.create_framework().framework_name(name);
    assert_invalid(
        create("1abc").framework_controls(control("X")).send().await,
        "FrameworkName",
    );
    assert_invalid(
        create("has-hyphen")
            .framework_controls(control("X"))
            .send()
            .await,
        "FrameworkName",
    );
    assert_invalid(
        create(&"a".repeat(257))
            .framework_controls(control("X"))
            .send()
            .await,
        "FrameworkName",
    );
    assert_invalid(
        create("blank")
            .framework_description("   ")
            .framework_controls(control("X"))
            .send()
            .await,
        "FrameworkDescription",
    );
    assert_invalid(
        create("none")
            .set_framework_controls(Some(vec![]))
            .send()
            .await,
        "at least one control",
    );
    let scoped = |scope: ControlScope| {
        FrameworkControl::builder()
            .control_name("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN")
            .control_scope(scope)
            .build()
            .unwrap()
    };
    assert_invalid(
        create("ids")
            .framework_controls(scoped(
                ControlScope::builder()
                    .compliance_resource_ids("vol-1")
                    .build(),
            ))
            .send()
            .await,
        "exactly one ComplianceResourceTypes",
    );
    assert_invalid(
        create("tags")
            .framework_controls(scoped(
                ControlScope::builder()
                    .tags("a", "1")
                    .tags("b", "2")
                    .build(),
            ))
            .send()
            .await,
        "at most one tag",
    );
    let ok = ControlScope::builder()
        .compliance_resource_ids("vol-1")
        .compliance_resource_types("EBS")
        .build();
    create("scoped")
        .framework_controls(scoped(ok))
        .send()
        .await
        .unwrap();
    assert_fails(
        create("scoped")
            .framework_controls(control("X"))
            .send()
            .await,
        400,
        "AlreadyExistsException",
        "scoped",
    );
    assert_invalid(
        c.list_frameworks().max_results(0).send().await,
        "MaxResults",
    );
}

#[tokio::test]
async fn framework_quotas_count_frameworks_and_controls() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    ep.set_faults(json!({ "frameworkDeployingCalls": 0 }))
        .unwrap();
    for i in 0..15 {
        c.create_framework()
            .framework_name(format!("f{i}"))
            .framework_controls(control("BACKUP_RECOVERY_POINT_ENCRYPTED"))
            .send()
            .await
            .unwrap();
    }
    assert_fails(
        c.create_framework()
            .framework_name("f15")
            .framework_controls(control("A"))
            .send()
            .await,
        400,
        "LimitExceededException",
        "15 frameworks",
    );
    // 14 controls elsewhere plus 36 here is the 50 allowed; one more is refused.
    let grow = |n: usize| {
        let mut req = c.update_framework().framework_name("f0");
        for _ in 0..n {
            req = req.framework_controls(control("BACKUP_RECOVERY_POINT_ENCRYPTED"));
        }
        req.send()
    };
    grow(36).await.unwrap();
    assert_fails(grow(37).await, 400, "LimitExceededException", "50 controls");
}

#[tokio::test]
async fn framework_create_replays_by_idempotency_token() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let send = |name: &str, token: &str| {
        c.create_framework()
            .framework_name(name)
            .framework_controls(control("BACKUP_RECOVERY_POINT_ENCRYPTED"))
            .idempotency_token(token)
            .send()
    };
    let first = send("once", "tok-1").await.unwrap();
    let again = send("once", "tok-1").await.unwrap();
    assert_eq!(first.framework_arn(), again.framework_arn());
    assert_eq!(
        c.list_frameworks().send().await.unwrap().frameworks().len(),
        1
    );
    assert_fails(
        send("other", "tok-1").await,
        400,
        "AlreadyExistsException",
        "tok-1",
    );
    let d = c
        .describe_framework()
        .framework_name("once")
        .send()
        .await
        .unwrap();
    assert_eq!(d.idempotency_token(), Some("tok-1"));
}

#[tokio::test]
async fn framework_list_pages() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    for name in ["a", "b", "c"] {
        c.create_framework()
            .framework_name(name)
            .framework_controls(control("BACKUP_RECOVERY_POINT_ENCRYPTED"))
            .send()
            .await
            .unwrap();
    }
    let first = c.list_frameworks().max_results(2).send().await.unwrap();
    assert_eq!(first.frameworks().len(), 2);
    let token = first.next_token().unwrap();
    let second = c
        .list_frameworks()
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.frameworks()[0].framework_name(), Some("c"));
    assert_eq!(second.next_token(), None);
    // The first listing was each framework's one deploying call: they are deployed now.
    assert_eq!(
        second.frameworks()[0].deployment_status(),
        Some("CREATE_IN_PROGRESS")
    );
    assert_eq!(status(&c, "a").await, "COMPLETED");
}

#[tokio::test]
async fn framework_update_replayed_with_its_token_answers_again_without_a_conflict() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    ep.set_faults(json!({ "frameworkDeployingCalls": 0 }))
        .unwrap();
    c.create_framework()
        .framework_name("audit")
        .framework_controls(retention("35"))
        .send()
        .await
        .unwrap();
    ep.set_faults(json!({ "frameworkDeployingCalls": 5 }))
        .unwrap();
    let update = |token: &str, days: &str| {
        c.update_framework()
            .framework_name("audit")
            .framework_controls(retention(days))
            .idempotency_token(token)
            .send()
    };
    let first = update("u-1", "40").await.unwrap();
    // The same request again (a retry of it) is answered, although the deployment runs.
    let replay = update("u-1", "40").await.unwrap();
    assert_eq!(first.framework_arn(), replay.framework_arn());
    // Another request, even with that token, meets the running deployment.
    assert_fails(
        update("u-1", "41").await,
        409,
        "ConflictException",
        "UPDATE_IN_PROGRESS",
    );
    assert_fails(
        update("u-2", "40").await,
        409,
        "ConflictException",
        "UPDATE_IN_PROGRESS",
    );
}
