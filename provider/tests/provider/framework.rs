//! Framework over gRPC against the local endpoint, AWS looked at and changed out of band with
//! the SDK.

use aws_sdk_backup::types::{ControlInputParameter, FrameworkControl};
use awsbackup::proto::pulumirpc as rpc;
use rpc::diff_response::DiffChanges;
use serde_json::{json, Value};

use crate::common::*;

const FRAMEWORK: Resource = Resource {
    token: "awsbackup:index:Framework",
    name: "audit-framework",
};

fn inputs(name: &str) -> Value {
    json!({
        "name": name,
        "description": "backup policy",
        "controls": [
            {
                "name": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                "inputParameters": [{"name": "requiredRetentionDays", "value": "35"}],
            },
            {
                "name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                "inputParameters": [
                    {"name": "requiredFrequencyUnit", "value": "hours"},
                    {"name": "requiredFrequencyValue", "value": "12"},
                ],
                "scope": {"complianceResourceTypes": ["EBS", "RDS"]},
            },
        ],
    })
}

async fn live(
    aws: &Aws,
    name: &str,
) -> Option<aws_sdk_backup::operation::describe_framework::DescribeFrameworkOutput> {
    aws.sdk
        .describe_framework()
        .framework_name(name)
        .send()
        .await
        .ok()
}

/// The value of a control's parameter as AWS holds it.
fn live_param(
    out: &aws_sdk_backup::operation::describe_framework::DescribeFrameworkOutput,
    control: &str,
    param: &str,
) -> Option<String> {
    out.framework_controls()
        .iter()
        .find(|c| c.control_name() == control)?
        .control_input_parameters()
        .iter()
        .find(|p| p.parameter_name() == Some(param))
        .and_then(|p| p.parameter_value().map(String::from))
}

#[tokio::test]
async fn framework_check_names_the_property_of_each_broken_rule_and_autonames() {
    let (_aws, mut client) = start().await;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = inputs("f");
        edit(&mut v);
        v
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&|v| v["name"] = json!("has-hyphen")), "name", "'-'"),
        (
            with(&|v| v["name"] = json!("9lives")),
            "name",
            "start with a letter",
        ),
        (
            with(&|v| v["controls"][1]["inputParameters"][1]["value"] = json!("48")),
            "controls[1].inputParameters[1].value",
            "from 1 to 24",
        ),
        (
            with(&|v| {
                v["controls"][1] = json!({"name": "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"});
            }),
            "controls[1].inputParameters",
            "needs the parameter 'maxRestoreTime'",
        ),
        (
            with(&|v| v["controls"][1]["name"] = v["controls"][0]["name"].clone()),
            "controls[1].name",
            "already controls[0]",
        ),
        (
            with(&|v| v["controls"] = json!([])),
            "controls",
            "at least one",
        ),
        (json!({"description": "x"}), "controls", "is required"),
    ];
    FRAMEWORK.assert_check_fails(&mut client, cases).await;
    // Autonamed from "audit-framework": hyphens become underscores.
    let mut news = inputs("x");
    news.as_object_mut().unwrap().remove("name");
    let name = FRAMEWORK.checked(&mut client, news).await["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        name.starts_with("audit_framework_") && name.len() == "audit_framework_".len() + 7,
        "{name}"
    );
}

#[tokio::test]
async fn framework_is_created_once_deployed_updated_in_place_and_deleted() {
    let (aws, mut client) = start().await;
    // Three reads see the deployment running: the create waits them out.
    aws.endpoint
        .set_faults(json!({"frameworkDeployingCalls": 3}))
        .unwrap();
    let mut program = inputs("audit");
    program["tags"] = json!({"team": "platform"});
    let inputs_ = FRAMEWORK.checked(&mut client, program.clone()).await;
    let created = FRAMEWORK.create(&mut client, &inputs_).await.unwrap();
    assert_eq!(created.id, "audit");
    let state = from_struct(&created.properties);
    assert_eq!(state["deploymentStatus"], "COMPLETED", "{state}");
    assert_eq!(state["status"], "ACTIVE");
    assert!(state["creationTime"].is_string(), "{state}");
    assert!(
        aws.count("DescribeFramework") >= 4,
        "waited: {:?}",
        aws.calls()
    );
    let arn = state["arn"].as_str().unwrap().to_string();
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:123456789012:framework:audit-"),
        "{arn}"
    );
    let framework = live(&aws, "audit").await.expect("the framework exists");
    let token = framework.idempotency_token().expect("a token");
    assert!(token.starts_with("pulumi-"), "{token}");
    assert_eq!(aws.tags(&arn).await["team"], "platform");

    // Reordered controls, parameters and scope types are no change.
    let mut reordered = program.clone();
    let controls = reordered["controls"].as_array_mut().unwrap();
    controls.reverse();
    controls[0]["inputParameters"]
        .as_array_mut()
        .unwrap()
        .reverse();
    controls[0]["scope"]["complianceResourceTypes"] = json!(["RDS", "EBS"]);
    let d = FRAMEWORK
        .diff(&mut client, "audit", &state, &inputs_, &reordered)
        .await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    // A control's parameter changes in place, and the update waits for the new deployment
    // (the first attempt meets a conflict, which is retried).
    aws.endpoint
        .set_faults(json!({"frameworkDeployingCalls": 2}))
        .unwrap();
    let mut news = program.clone();
    news["controls"][0]["inputParameters"][0]["value"] = json!("90");
    let d = FRAMEWORK
        .diff(&mut client, "audit", &state, &inputs_, &news)
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
    assert_eq!(d.diffs, vec!["controls".to_string()]);
    aws.fail_next("UpdateFramework", "ConflictException", 409, 1);
    let before = aws.count("DescribeFramework");
    let updated = FRAMEWORK
        .update(&mut client, "audit", &state, &news)
        .await
        .unwrap();
    assert_eq!(aws.count("UpdateFramework"), 2);
    assert!(aws.count("DescribeFramework") >= before + 3, "waited");
    let state = from_struct(&updated.properties);
    assert_eq!(state["deploymentStatus"], "COMPLETED");
    let framework = live(&aws, "audit").await.unwrap();
    assert_eq!(
        live_param(
            &framework,
            "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
            "requiredRetentionDays"
        )
        .as_deref(),
        Some("90")
    );
    assert_eq!(framework.deployment_status(), Some("COMPLETED"));

    // Tags alone change through TagResource, with no UpdateFramework.
    let mut retagged = news.clone();
    retagged["tags"] = json!({"team": "data"});
    FRAMEWORK
        .update(&mut client, "audit", &state, &retagged)
        .await
        .unwrap();
    assert_eq!(aws.count("UpdateFramework"), 2);
    assert_eq!(aws.tags(&arn).await["team"], "data");

    // A rename replaces, and the preview names the property.
    let d = FRAMEWORK
        .diff(&mut client, "audit", &state, &news, &inputs("audit_two"))
        .await;
    assert_eq!(d.replaces, vec!["name".to_string()]);

    // A delete that meets a deployment in progress waits until AWS lets it through.
    aws.endpoint
        .set_faults(json!({"frameworkDeployingCalls": 2}))
        .unwrap();
    aws.sdk
        .update_framework()
        .framework_name("audit")
        .framework_description("changed")
        .send()
        .await
        .unwrap();
    FRAMEWORK
        .delete(&mut client, "audit", &state)
        .await
        .unwrap();
    assert!(
        aws.count("DeleteFramework") >= 3,
        "retried: {}",
        aws.count("DeleteFramework")
    );
    assert!(live(&aws, "audit").await.is_none());
    // Deleting it again (gone) succeeds, and a read finds it gone.
    FRAMEWORK
        .delete(&mut client, "audit", &state)
        .await
        .unwrap();
    let gone = FRAMEWORK
        .read(&mut client, "audit", Some((&state, &news)))
        .await
        .unwrap();
    assert!(gone.id.is_empty(), "a deleted framework reads as gone");
}

#[tokio::test]
async fn framework_drift_is_read_back_and_an_import_has_no_diff() {
    let (aws, mut client) = start().await;
    let program = inputs("drifty");
    let inputs_ = FRAMEWORK.checked(&mut client, program.clone()).await;
    let state = from_struct(
        &FRAMEWORK
            .create(&mut client, &inputs_)
            .await
            .unwrap()
            .properties,
    );

    // Out of band: another retention, and one control fewer.
    aws.sdk
        .update_framework()
        .framework_name("drifty")
        .framework_controls(
            FrameworkControl::builder()
                .control_name("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")
                .control_input_parameters(
                    ControlInputParameter::builder()
                        .parameter_name("requiredRetentionDays")
                        .parameter_value("7")
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let read = FRAMEWORK
        .read(&mut client, "drifty", Some((&state, &inputs_)))
        .await
        .unwrap();
    let refreshed = from_struct(&read.inputs);
    assert_eq!(
        refreshed["controls"].as_array().unwrap().len(),
        1,
        "{refreshed}"
    );
    assert_eq!(refreshed["controls"][0]["inputParameters"][0]["value"], "7");
    let d = FRAMEWORK
        .diff(
            &mut client,
            "drifty",
            &from_struct(&read.properties),
            &refreshed,
            &program,
        )
        .await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert_eq!(d.diffs, vec!["controls".to_string()]);
    assert!(d.replaces.is_empty());

    // Import: the program as AWS now holds it, in another order, has no diff.
    let imported = FRAMEWORK.read(&mut client, "drifty", None).await.unwrap();
    assert_eq!(imported.id, "drifty");
    let imported_inputs = from_struct(&imported.inputs);
    assert_eq!(imported_inputs["name"], "drifty");
    assert_eq!(imported_inputs["description"], "backup policy");
    let again = FRAMEWORK
        .checked(
            &mut client,
            json!({
                "name": "drifty",
                "description": "backup policy",
                "controls": [{
                    "name": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                    "inputParameters": [{"name": "requiredRetentionDays", "value": "7"}],
                }],
            }),
        )
        .await;
    let d = FRAMEWORK
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
async fn framework_create_cut_short_or_failed_is_kept_as_a_partial_state() {
    let (aws, mut client) = start().await;
    // More reads see the deployment running than a 2-second create makes.
    aws.endpoint
        .set_faults(json!({"frameworkDeployingCalls": 50}))
        .unwrap();
    let news = FRAMEWORK.checked(&mut client, inputs("slow")).await;
    let err = client
        .create(rpc::CreateRequest {
            urn: FRAMEWORK.urn(),
            properties: to_struct(news.clone()),
            r#type: FRAMEWORK.token.into(),
            timeout: 2.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let (id, state) = partial_state(&err);
    assert_eq!(id, "slow");
    assert!(
        state["arn"].as_str().unwrap().contains(":framework:slow-"),
        "{state}"
    );
    assert!(err.message().contains("CREATE_IN_PROGRESS"), "{err:?}");
    assert!(
        live(&aws, "slow").await.is_some(),
        "the framework is kept, not left behind"
    );

    // A deployment AWS fails is an error naming the cause; the framework stays in the state.
    aws.endpoint
        .set_faults(json!({"frameworkDeployingCalls": 0, "frameworkFailed": true}))
        .unwrap();
    let news = FRAMEWORK.checked(&mut client, inputs("broken")).await;
    let err = FRAMEWORK.create(&mut client, &news).await.unwrap_err();
    let (id, state) = partial_state(&err);
    assert_eq!(id, "broken");
    assert_eq!(state["deploymentStatus"], "FAILED");
    assert!(err.message().contains("AWS Config"), "{err:?}");
}

#[tokio::test]
async fn framework_retried_create_gets_the_first_framework_back() {
    let (aws, mut client) = start().await;
    aws.endpoint
        .set_faults(json!({"frameworkDeployingCalls": 0}))
        .unwrap();
    let news = FRAMEWORK.checked(&mut client, inputs("once")).await;
    let first = FRAMEWORK.create(&mut client, &news).await.unwrap();
    // The engine retrying the same create (same URN, same inputs) gets the same framework.
    let again = FRAMEWORK.create(&mut client, &news).await.unwrap();
    assert_eq!(
        from_struct(&first.properties)["arn"],
        from_struct(&again.properties)["arn"]
    );
    let listed = aws.sdk.list_frameworks().send().await.unwrap();
    assert_eq!(listed.frameworks().len(), 1);
}
