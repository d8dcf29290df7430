//! Selection over gRPC, against the local endpoint: AWS answers empty lists for what was not set,
//! and the endpoint's controls make AWS fail while an IAM role propagates or reorder the lists
//! it answers.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_backup::types::{
    BackupPlanInput, BackupRuleInput, BackupSelection, Condition, ConditionParameter,
    ConditionType, Conditions,
};
use awsbackup::proto::pulumirpc as rpc;
use awsbackup::value::UNKNOWN;
use rpc::diff_response::DiffChanges;
use rpc::property_diff::Kind;
use serde_json::{json, Value};

use crate::common::*;

const SELECTION: &str = "awsbackup:index:Selection";
const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";

fn sel_urn(name: &str) -> String {
    format!("urn:pulumi:test::proj::{SELECTION}::{name}")
}

// ---------------------------------------------------------------------------------------------
// Warnings: Check logs them (the engine shows them); a global tracing layer collects them here.

static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct CollectWarnings;

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CollectWarnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            let mut m = Message(String::new());
            event.record(&mut m);
            WARNINGS.lock().unwrap().push(m.0);
        }
    }
}

fn collect_warnings() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(CollectWarnings),
        );
    });
}

/// The warnings logged so far that mention `marker` (tests run in parallel).
fn warnings_about(marker: &str) -> Vec<String> {
    WARNINGS
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.contains(marker))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Requests.

async fn check(client: &mut Client, name: &str, olds: Value, news: Value) -> rpc::CheckResponse {
    client
        .check(rpc::CheckRequest {
            urn: sel_urn(name),
            name: name.into(),
            olds: to_struct(olds),
            news: to_struct(news),
            random_seed: vec![7; 32],
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn create(client: &mut Client, inputs: Value) -> Result<rpc::CreateResponse, tonic::Status> {
    client
        .create(rpc::CreateRequest {
            urn: sel_urn("sel"),
            properties: to_struct(inputs),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

async fn read(
    client: &mut Client,
    id: &str,
    state: Option<Value>,
    inputs: Option<Value>,
) -> Result<rpc::ReadResponse, tonic::Status> {
    client
        .read(rpc::ReadRequest {
            id: id.into(),
            urn: sel_urn("sel"),
            properties: state.and_then(to_struct),
            inputs: inputs.and_then(to_struct),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

async fn diff(
    client: &mut Client,
    state: &Value,
    old_inputs: &Value,
    news: &Value,
) -> rpc::DiffResponse {
    client
        .diff(rpc::DiffRequest {
            id: "plan|sel".into(),
            urn: sel_urn("sel"),
            olds: to_struct(state.clone()),
            old_inputs: to_struct(old_inputs.clone()),
            news: to_struct(news.clone()),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn delete(client: &mut Client, id: &str, state: Value) -> Result<(), tonic::Status> {
    client
        .delete(rpc::DeleteRequest {
            id: id.into(),
            urn: sel_urn("sel"),
            properties: to_struct(state),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .map(|_| ())
}

/// A plan (and the vault its rule targets) made out of band; returns the plan id.
async fn new_plan(aws: &Aws) -> String {
    aws.create_vault("v1", None).await;
    let rule = BackupRuleInput::builder()
        .rule_name("daily")
        .target_backup_vault_name("v1")
        .build()
        .unwrap();
    let plan = BackupPlanInput::builder()
        .backup_plan_name("p")
        .rules(rule)
        .build()
        .unwrap();
    let created = aws.sdk.create_backup_plan().backup_plan(plan).send().await;
    created.unwrap().backup_plan_id.unwrap()
}

/// Valid inputs for a selection in `plan`.
fn inputs(plan: &str) -> Value {
    json!({
        "planId": plan,
        "name": "databases",
        "iamRoleArn": ROLE,
        "resources": [
            "arn:aws:rds:us-east-1:123456789012:db:orders",
            "arn:aws:dynamodb:us-east-1:123456789012:table/carts",
        ],
    })
}

fn arns(n: usize, wildcard: bool) -> Vec<String> {
    (0..n)
        .map(|i| {
            if wildcard && i == 0 {
                "arn:aws:s3:::logs-*".to_string()
            } else {
                format!("arn:aws:dynamodb:us-east-1:123456789012:table/t{i}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Check.

#[tokio::test]
async fn check_names_the_property_and_the_rule_of_each_failure() {
    let (_aws, mut client) = start().await;
    let base = inputs("plan-1");
    let with = |patch: Value| {
        let mut v = base.clone();
        for (k, val) in patch.as_object().unwrap() {
            if val.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k.as_str()] = val.clone();
            }
        }
        v
    };
    let cases = [
        (json!({}), "planId", "is required"),
        (json!({}), "iamRoleArn", "is required"),
        (
            with(json!({"name": "daily backups"})),
            "name",
            "contains ' '",
        ),
        (with(json!({"name": "a".repeat(51)})), "name", "1 to 50"),
        (with(json!({"planId": "a|b"})), "planId", "backup plan id"),
        (
            with(json!({"iamRoleArn": "AWSBackupDefaultServiceRole"})),
            "iamRoleArn",
            "not its name",
        ),
        (
            with(json!({"iamRoleArn": "arn:aws:iam::123456789012:user/bob"})),
            "iamRoleArn",
            "user ARN",
        ),
        (
            with(json!({"iamRoleArn": "arn:aws:iam::1234:role/backup"})),
            "iamRoleArn",
            "IAM role ARN like arn:aws:iam::<12-digit account id>:role/<name>",
        ),
        (
            with(json!({"iamRoleArn": "arn:aws:iam::123456789012:role/"})),
            "iamRoleArn",
            "IAM role ARN",
        ),
        (
            with(
                json!({"resources": ["arn:aws:rds:us-east-1:123456789012:db:a", "arn:aws:s3:::b", "arn:aws:s3:::c", "orders-table"]}),
            ),
            "resources[3]",
            "must be '*', a resource ARN",
        ),
        (
            with(json!({"notResources": ["vol-123"]})),
            "notResources[0]",
            "must be '*', a resource ARN",
        ),
        (
            with(json!({"resources": ["arn:aws:*"]})),
            "resources[0]",
            "an ARN prefix ending with * after the service (e.g. arn:aws:fsx:*",
        ),
        (
            with(json!({"notResources": ["arn:aws:fsx:*:x"]})),
            "notResources[0]",
            "fewer than 6 ARN fields without being a prefix pattern",
        ),
        (
            with(json!({"resources": ["arn:aws:ec2:eu*1:*:volume/*"]})),
            "resources[0]",
            "either literal or exactly *",
        ),
        (
            with(json!({"resources": arns(501, false)})),
            "resources",
            "at most 500 ARNs, got 501",
        ),
        (
            with(json!({"resources": arns(31, true)})),
            "resources",
            "at most 30 ARNs when any of them contains a wildcard (*), got 31",
        ),
        (
            with(json!({"notResources": arns(31, true)})),
            "notResources",
            "at most 30 ARNs when any of them contains a wildcard",
        ),
        (
            with(
                json!({"resources": null, "conditions": {"stringEquals": [{"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"}]}}),
            ),
            "resources",
            "add resources: [\"*\"]",
        ),
        (
            with(json!({"resources": [], "listOfTags": []})),
            "resources",
            "a selection needs `resources` or `listOfTags` (non-empty)",
        ),
        (
            with(json!({"listOfTags": [{"conditionKey": "backup", "conditionValue": "yes"}]})),
            "listOfTags[0].conditionType",
            "is required",
        ),
        (
            with(json!({"listOfTags": [
                {"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": "yes"},
                {"conditionType": "STRINGEQUALS", "conditionKey": "tier"},
            ]})),
            "listOfTags[1].conditionValue",
            "is required",
        ),
        (
            with(
                json!({"listOfTags": [{"conditionType": "STRINGEQUALS", "conditionValue": "yes"}]}),
            ),
            "listOfTags[0].conditionKey",
            "is required",
        ),
        (
            with(json!({"conditions": {"stringLike": [
                {"conditionKey": "aws:ResourceTag/env", "conditionValue": "prod*"},
                {"conditionValue": "x"},
            ]}})),
            "conditions.stringLike[1].conditionKey",
            "is required",
        ),
        (
            with(
                json!({"conditions": {"stringNotEquals": [{"conditionKey": "aws:ResourceTag/env"}]}}),
            ),
            "conditions.stringNotEquals[0].conditionValue",
            "is required",
        ),
        (
            with(json!({"conditions": {"stringequals": []}})),
            "conditions.stringequals",
            "unknown field `stringequals`",
        ),
        (
            with(json!({"resourcez": ["*"]})),
            "resourcez",
            "unknown property",
        ),
    ];
    for (news, property, rule) in cases {
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(
            resp.failures
                .iter()
                .any(|f| failure_path(f) == property && f.reason.contains(rule)),
            "{news}: expected a failure on {property} mentioning {rule:?}, got {:?}",
            resp.failures
        );
    }

    // The limits themselves are accepted, as are S3 ARNs and `*`.
    for news in [
        with(json!({"resources": arns(500, false)})),
        with(json!({"resources": arns(30, true), "notResources": arns(30, true)})),
        with(json!({"resources": ["*"], "notResources": ["arn:aws:s3:::scratch"]})),
        // Service-wide prefix patterns, as AWS's guide uses them.
        with(
            json!({"resources": ["arn:aws:ec2:*", "arn:aws:rds:eu-west-1:*"], "notResources": ["arn:aws:fsx:*"]}),
        ),
        with(json!({"name": "a", "iamRoleArn": "arn:aws-us-gov:iam::123456789012:role/backup"})),
        with(
            json!({"name": "db.backups_v-2", "resources": null, "listOfTags": [
                {"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": ""},
            ]}),
        ),
    ] {
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(resp.failures.is_empty(), "{news}: {:?}", resp.failures);
    }
}

#[tokio::test]
async fn check_warns_without_failing() {
    collect_warnings();
    let (_aws, mut client) = start().await;
    let cases = [
        (
            json!({
                "resources": ["arn:aws:s3:::warn-or-*"],
                "listOfTags": [{"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": "yes"}],
            }),
            "arn:aws:s3:::warn-or-*",
            "AWS combines resources and listOfTags with OR",
        ),
        (
            json!({"listOfTags": [{"conditionType": "STRINGLIKE", "conditionKey": "warn-type", "conditionValue": "y*"}]}),
            "listOfTags[0].conditionType: 'STRINGLIKE'",
            "only STRINGEQUALS",
        ),
        (
            json!({
                "resources": ["*"],
                "conditions": {"stringEquals": [{"conditionKey": "warn-prefix", "conditionValue": "yes"}]},
            }),
            "conditions.stringEquals[0].conditionKey: 'warn-prefix'",
            "did you mean 'aws:ResourceTag/warn-prefix'?",
        ),
        (
            json!({"resources": ["arn:aws:s3:::*-warn-suffix"]}),
            "arn:aws:s3:::*-warn-suffix",
            "prefix pattern",
        ),
    ];
    for (patch, marker, text) in cases {
        let mut news = json!({"planId": "plan-1", "iamRoleArn": ROLE});
        for (k, v) in patch.as_object().unwrap() {
            news[k.as_str()] = v.clone();
        }
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(
            resp.failures.is_empty(),
            "{news}: a warning is not a failure: {:?}",
            resp.failures
        );
        let found = warnings_about(marker);
        assert!(
            found.iter().any(|w| w.contains(text)),
            "{news}: expected a warning mentioning {text:?}, got {found:?}"
        );
    }

    // The recommended forms draw no warning.
    let news = json!({
        "planId": "plan-1",
        "iamRoleArn": ROLE,
        "resources": ["arn:aws:s3:::quiet-*"],
        "conditions": {"stringEquals": [{"conditionKey": "aws:ResourceTag/quiet", "conditionValue": "yes"}]},
    });
    let resp = check(&mut client, "sel", json!({}), news).await;
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    assert!(
        warnings_about("quiet").is_empty(),
        "{:?}",
        warnings_about("quiet")
    );
}

#[tokio::test]
async fn check_skips_unknown_values() {
    let (_aws, mut client) = start().await;
    let cases = [
        json!({"planId": UNKNOWN, "iamRoleArn": UNKNOWN, "resources": ["*"]}),
        // The list may turn out non-empty.
        json!({"planId": "p", "iamRoleArn": ROLE, "resources": UNKNOWN}),
        json!({"planId": "p", "iamRoleArn": ROLE, "resources": ["arn:aws:s3:::a", UNKNOWN]}),
        json!({"planId": "p", "iamRoleArn": ROLE, "listOfTags": UNKNOWN}),
        json!({"planId": "p", "iamRoleArn": ROLE, "listOfTags": [
            {"conditionType": "STRINGEQUALS", "conditionKey": UNKNOWN, "conditionValue": UNKNOWN},
        ]}),
        json!({"planId": "p", "iamRoleArn": ROLE, "resources": ["*"], "conditions": {
            "stringEquals": [{"conditionKey": "aws:ResourceTag/a", "conditionValue": UNKNOWN}],
            "stringLike": UNKNOWN,
        }}),
    ];
    for news in cases {
        let resp = check(&mut client, "sel", json!({}), news.clone()).await;
        assert!(resp.failures.is_empty(), "{news}: {:?}", resp.failures);
        let out = from_struct(&resp.inputs);
        for key in ["planId", "iamRoleArn", "resources", "listOfTags"] {
            if news.get(key) == Some(&json!(UNKNOWN)) {
                assert_eq!(out[key], UNKNOWN, "{key} stays unknown");
            }
        }
    }
}

#[tokio::test]
async fn check_autonames_the_selection_and_keeps_the_name() {
    let (_aws, mut client) = start().await;
    let mut news = inputs("plan-1");
    news.as_object_mut().unwrap().remove("name");
    // Periods are allowed in selection names (not in vault names).
    let first = check(&mut client, "prod.db", json!({}), news.clone()).await;
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    let checked = from_struct(&first.inputs);
    let name = checked["name"].as_str().unwrap().to_string();
    let suffix = name.strip_prefix("prod.db-").expect(&name);
    assert_eq!(suffix.len(), 7);
    assert!(suffix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert_eq!(checked["__autonamed"], true);

    let again = check(&mut client, "prod.db", checked.clone(), news.clone()).await;
    assert_eq!(from_struct(&again.inputs)["name"], name.as_str());

    // A long resource name is cut to fit the 50 characters.
    let long = check(&mut client, &"x".repeat(60), json!({}), news.clone()).await;
    assert!(long.failures.is_empty(), "{:?}", long.failures);
    assert_eq!(
        from_struct(&long.inputs)["name"].as_str().unwrap().len(),
        50
    );

    let bad = check(&mut client, "prod db", json!({}), news).await;
    assert_eq!(bad.failures[0].property, "name");
    assert!(
        bad.failures[0].reason.contains("' '"),
        "{}",
        bad.failures[0].reason
    );
}

// ---------------------------------------------------------------------------------------------
// Create.

#[tokio::test]
async fn create_returns_the_ids_and_sends_what_was_set() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;

    let preview = client
        .create(rpc::CreateRequest {
            urn: sel_urn("sel"),
            properties: to_struct(inputs(&plan)),
            preview: true,
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let outputs = from_struct(&preview.properties);
    assert_eq!(outputs["selectionId"], UNKNOWN);
    assert_eq!(outputs["creationDate"], UNKNOWN);
    assert_eq!(aws.count("CreateBackupSelection"), 0);

    let mut args = inputs(&plan);
    args["notResources"] = json!([]);
    args["conditions"] = json!({"stringEquals": [{"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"}]});
    let created = create(&mut client, args.clone()).await.unwrap();
    let state = from_struct(&created.properties);
    let selection_id = state["selectionId"].as_str().unwrap();
    assert!(!selection_id.is_empty());
    assert_eq!(created.id, format!("{plan}|{selection_id}"));
    let got = aws.selection(&plan, selection_id).await.unwrap();
    assert_eq!(state["creationDate"], rfc3339(got.creation_date()));
    for key in [
        "planId",
        "name",
        "iamRoleArn",
        "resources",
        "notResources",
        "conditions",
    ] {
        assert_eq!(state[key], args[key], "{key} is an output too");
    }

    let stored = got.backup_selection.unwrap();
    assert_eq!(stored.selection_name, "databases");
    assert_eq!(stored.iam_role_arn, ROLE);
    assert_eq!(stored.resources().len(), 2);
    let conditions = stored.conditions.unwrap();
    assert_eq!(
        conditions.string_equals()[0].condition_key(),
        Some("aws:ResourceTag/backup")
    );
    let sent = &aws.inputs_of("CreateBackupSelection")[0]["BackupSelection"];
    assert!(
        sent.get("NotResources").is_none(),
        "an empty list is not sent: {sent}"
    );
    assert!(sent.get("ListOfTags").is_none(), "{sent}");
    assert_eq!(
        sent["Conditions"],
        json!({"StringEquals": [{"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "yes"}]}),
        "only the condition list that was set"
    );
}

#[tokio::test]
async fn create_retries_while_the_iam_role_propagates() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;
    // AWS answers its two IAM propagation messages in turn, three times.
    aws.endpoint
        .set_faults(json!({"iamPropagationCalls": 3}))
        .unwrap();

    let created = create(&mut client, inputs(&plan)).await.unwrap();
    assert_eq!(aws.count("CreateBackupSelection"), 4);
    assert_eq!(aws.endpoint.stats()["faultsByKind"]["iamPropagation"], 3);
    let state = from_struct(&created.properties);
    let selection_id = state["selectionId"].as_str().unwrap();
    assert!(aws.selection(&plan, selection_id).await.is_some());
}

#[tokio::test]
async fn create_gives_up_when_the_role_never_becomes_usable() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;
    aws.endpoint
        .set_faults(json!({"iamPropagationSeconds": 3_600}))
        .unwrap();

    // The create's custom timeout (1 s) replaces the 2-minute window; the wait keeps a tenth
    // of it to report why it gave up.
    let started = Instant::now();
    let err = client
        .create(rpc::CreateRequest {
            urn: sel_urn("sel"),
            properties: to_struct(inputs(&plan)),
            r#type: SELECTION.into(),
            timeout: 1.0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let elapsed = started.elapsed();

    assert!(
        err.message().contains(&format!(
            "AWS Backup still cannot use the IAM role '{ROLE}'"
        )) && err.message().contains("trust policy"),
        "{}",
        err.message()
    );
    assert!(elapsed >= Duration::from_millis(850), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(1),
        "the wait ends before the timeout: {elapsed:?}"
    );
    assert!(aws.count("CreateBackupSelection") >= 3);
    let listed = aws
        .sdk
        .list_backup_selections()
        .backup_plan_id(&plan)
        .send()
        .await
        .unwrap();
    assert!(
        listed.backup_selections_list().is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn create_does_not_retry_other_errors_and_names_a_missing_plan() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;

    // The same exception as while a role propagates, with another message.
    aws.endpoint
        .add_failure(json!({
            "operation": "CreateBackupSelection",
            "code": "InvalidParameterValueException",
            "status": 400,
            "message": "Invalid selection: the resource type is not supported",
        }))
        .unwrap();
    let err = create(&mut client, inputs(&plan)).await.unwrap_err();
    assert!(
        err.message().contains("InvalidParameterValueException"),
        "{}",
        err.message()
    );
    assert_eq!(
        aws.count("CreateBackupSelection"),
        1,
        "only IAM propagation is retried"
    );

    let err = create(&mut client, inputs("no-such-plan"))
        .await
        .unwrap_err();
    assert!(
        err.message()
            .contains("backup plan 'no-such-plan' does not exist"),
        "{}",
        err.message()
    );
    assert_eq!(aws.count("CreateBackupSelection"), 2);
}

// ---------------------------------------------------------------------------------------------
// Read.

#[tokio::test]
async fn refresh_returns_unchanged_inputs_and_sees_drift_and_deletion() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;

    // The program wrote an explicit empty notResources and no conditions; AWS answers with empty
    // lists everywhere.
    let mut args = inputs(&plan);
    args["notResources"] = json!([]);
    args["listOfTags"] = json!([
        {"conditionType": "STRINGEQUALS", "conditionKey": "backup", "conditionValue": "daily"},
        {"conditionType": "STRINGEQUALS", "conditionKey": "tier", "conditionValue": "gold"},
    ]);
    let created = create(&mut client, args.clone()).await.unwrap();
    let state = from_struct(&created.properties);

    let refreshed = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    assert_eq!(refreshed.id, created.id);
    assert_eq!(
        from_struct(&refreshed.inputs),
        args,
        "inputs come back identical"
    );
    assert_eq!(from_struct(&refreshed.properties), state);

    // AWS returning the same elements in another order is not drift.
    aws.endpoint
        .set_faults(json!({"reverseSelectionLists": true}))
        .unwrap();
    let reordered = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    assert_eq!(from_struct(&reordered.inputs), args);
    aws.endpoint.set_faults(json!({})).unwrap();

    // A change out of band shows: a tag condition removed, and conditions added. AWS changes no
    // selection in place, so somebody replaced it with another of the same name, which the
    // provider reads with the inputs it had.
    let selection_id = state["selectionId"].as_str().unwrap();
    aws.sdk
        .delete_backup_selection()
        .backup_plan_id(&plan)
        .selection_id(selection_id)
        .send()
        .await
        .unwrap();
    let replacement = BackupSelection::builder()
        .selection_name("databases")
        .iam_role_arn(ROLE)
        .set_resources(serde_json::from_value(args["resources"].clone()).unwrap())
        .list_of_tags(
            Condition::builder()
                .condition_type(ConditionType::Stringequals)
                .condition_key("backup")
                .condition_value("daily")
                .build()
                .unwrap(),
        )
        .conditions(
            Conditions::builder()
                .string_like(
                    ConditionParameter::builder()
                        .condition_key("aws:ResourceTag/env")
                        .condition_value("prod*")
                        .build(),
                )
                .build(),
        )
        .build()
        .unwrap();
    let replaced = aws
        .sdk
        .create_backup_selection()
        .backup_plan_id(&plan)
        .backup_selection(replacement)
        .send()
        .await
        .unwrap();
    let replaced_id = format!("{plan}|{}", replaced.selection_id().unwrap());
    let drifted = read(
        &mut client,
        &replaced_id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    let live = from_struct(&drifted.inputs);
    assert_eq!(live["listOfTags"], json!([args["listOfTags"][0].clone()]));
    assert_eq!(
        live["conditions"],
        json!({"stringLike": [{"conditionKey": "aws:ResourceTag/env", "conditionValue": "prod*"}]}),
        "empty condition lists are left out"
    );
    let d = diff(&mut client, &from_struct(&drifted.properties), &live, &args).await;
    assert_eq!(d.changes, DiffChanges::DiffSome as i32);
    assert_eq!(
        d.detailed_diff["listOfTags"].kind,
        Kind::UpdateReplace as i32
    );
    assert_eq!(
        d.detailed_diff["conditions"].kind,
        Kind::DeleteReplace as i32
    );

    // Deleted out of band (the provider's own, above): gone.
    let gone = read(&mut client, &created.id, Some(state), Some(args))
        .await
        .unwrap();
    assert_eq!(gone.id, "");
    assert!(gone.properties.is_none());
}

#[tokio::test]
async fn refresh_keeps_explicitly_empty_conditions_and_nothing_else() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;

    let mut args = inputs(&plan);
    args["conditions"] = json!({"stringEquals": []});
    let created = create(&mut client, args.clone()).await.unwrap();
    let state = from_struct(&created.properties);
    let refreshed = read(
        &mut client,
        &created.id,
        Some(state.clone()),
        Some(args.clone()),
    )
    .await
    .unwrap();
    assert_eq!(from_struct(&refreshed.inputs), args);

    // Without the explicit empty value in the previous inputs, AWS's empties are absent.
    let plain = inputs(&plan);
    let refreshed = read(&mut client, &created.id, Some(state), Some(plain.clone()))
        .await
        .unwrap();
    assert_eq!(from_struct(&refreshed.inputs), plain);
}

#[tokio::test]
async fn import_reads_the_selection_from_its_id_alone() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;

    let mut args = inputs(&plan);
    args["notResources"] = json!(["arn:aws:rds:us-east-1:123456789012:db:scratch"]);
    args["conditions"] = json!({
        "stringEquals": [{"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"}],
        "stringNotLike": [{"conditionKey": "aws:ResourceTag/env", "conditionValue": "dev*"}],
    });
    let created = create(&mut client, args.clone()).await.unwrap();

    let imported = read(&mut client, &created.id, None, None).await.unwrap();
    assert_eq!(imported.id, created.id);
    let inputs = from_struct(&imported.inputs);
    assert_eq!(inputs, args, "no empty lists, nothing missing");
    let state = from_struct(&imported.properties);
    assert_eq!(
        state["selectionId"],
        from_struct(&created.properties)["selectionId"]
    );
    let selection_id = state["selectionId"].as_str().unwrap();
    let live = aws.selection(&plan, selection_id).await.unwrap();
    assert_eq!(state["creationDate"], rfc3339(live.creation_date()));

    // The program that matches the imported selection shows no change.
    let d = diff(&mut client, &state, &inputs, &args).await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );

    let err = read(&mut client, "just-a-selection-id", None, None)
        .await
        .unwrap_err();
    assert!(
        err.message().contains("'<planId>|<selectionId>'"),
        "{}",
        err.message()
    );
    let missing = read(&mut client, &format!("{plan}|nope"), None, None)
        .await
        .unwrap();
    assert_eq!(missing.id, "");
}

// ---------------------------------------------------------------------------------------------
// Diff.

#[tokio::test]
async fn every_change_replaces_and_names_the_property() {
    let (_aws, mut client) = start().await;
    let mut old = inputs("plan-1");
    old["conditions"] = json!({"stringEquals": [
        {"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"},
        {"conditionKey": "aws:ResourceTag/env", "conditionValue": "prod"},
    ]});
    let mut state = old.clone();
    state["selectionId"] = json!("sel-1");
    let changed = |patch: Value| {
        let mut v = old.clone();
        for (k, val) in patch.as_object().unwrap() {
            if val.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k.as_str()] = val.clone();
            }
        }
        v
    };

    let same = diff(&mut client, &state, &old, &old).await;
    assert_eq!(
        same.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        same.detailed_diff
    );

    let cases = [
        (
            changed(json!({"iamRoleArn": "arn:aws:iam::123456789012:role/other"})),
            "iamRoleArn",
            "iamRoleArn",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"planId": "plan-2"})),
            "planId",
            "planId",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"name": "renamed"})),
            "name",
            "name",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"resources": ["arn:aws:rds:us-east-1:123456789012:db:orders"]})),
            "resources",
            "resources",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"notResources": ["arn:aws:rds:us-east-1:123456789012:db:scratch"]})),
            "notResources",
            "notResources",
            Kind::AddReplace,
        ),
        (
            changed(
                json!({"listOfTags": [{"conditionType": "STRINGEQUALS", "conditionKey": "k", "conditionValue": "v"}]}),
            ),
            "listOfTags",
            "listOfTags",
            Kind::AddReplace,
        ),
        // Removing one condition, and removing them all, are real changes.
        (
            changed(json!({"conditions": {"stringEquals": [
                {"conditionKey": "aws:ResourceTag/backup", "conditionValue": "yes"},
            ]}})),
            "conditions",
            "conditions.stringEquals",
            Kind::UpdateReplace,
        ),
        (
            changed(json!({"conditions": null})),
            "conditions",
            "conditions",
            Kind::DeleteReplace,
        ),
        (
            changed(json!({"conditions": {
                "stringEquals": old["conditions"]["stringEquals"].clone(),
                "stringNotLike": [{"conditionKey": "aws:ResourceTag/env", "conditionValue": "dev*"}],
            }})),
            "conditions",
            "conditions.stringNotLike",
            Kind::AddReplace,
        ),
    ];
    for (news, replaced, path, kind) in cases {
        let d = diff(&mut client, &state, &old, &news).await;
        assert_eq!(d.changes, DiffChanges::DiffSome as i32, "{news}");
        assert_eq!(d.replaces, vec![replaced.to_string()], "{news}");
        assert_eq!(d.diffs, vec![replaced.to_string()], "{news}");
        assert_eq!(
            d.detailed_diff.get(path).map(|p| p.kind),
            Some(kind as i32),
            "{news}: {:?}",
            d.detailed_diff
        );
        assert_eq!(d.detailed_diff.len(), 1, "{news}: {:?}", d.detailed_diff);
    }

    // The user chose the name: the old selection must go first. An autonamed one is replaced
    // create-before-delete under a new name.
    let d = diff(
        &mut client,
        &state,
        &old,
        &changed(json!({"planId": "plan-2"})),
    )
    .await;
    assert!(d.delete_before_replace);
    let mut autonamed = changed(json!({"planId": "plan-2"}));
    autonamed["__autonamed"] = json!(true);
    let d = diff(&mut client, &state, &old, &autonamed).await;
    assert!(!d.delete_before_replace);

    // Neither an empty list nor the order of entries means anything to AWS.
    let mut reordered = changed(json!({
        "resources": [old["resources"][1].clone(), old["resources"][0].clone()],
        "notResources": [],
        "conditions": {"stringEquals": [
            old["conditions"]["stringEquals"][1].clone(),
            old["conditions"]["stringEquals"][0].clone(),
        ], "stringLike": []},
    }));
    let d = diff(&mut client, &state, &old, &reordered).await;
    assert_eq!(
        d.changes,
        DiffChanges::DiffNone as i32,
        "{:?}",
        d.detailed_diff
    );
    // ...but a duplicate is not a reordering.
    reordered["resources"] = json!([old["resources"][0].clone(), old["resources"][0].clone()]);
    let d = diff(&mut client, &state, &old, &reordered).await;
    assert_eq!(d.replaces, vec!["resources"]);
}

// ---------------------------------------------------------------------------------------------
// Update and Delete.

#[tokio::test]
async fn delete_succeeds_when_the_selection_or_its_plan_is_gone() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;

    let created = create(&mut client, inputs(&plan)).await.unwrap();
    let state = from_struct(&created.properties);
    let selection_id = state["selectionId"].as_str().unwrap().to_string();
    delete(&mut client, &created.id, state.clone())
        .await
        .unwrap();
    assert!(aws.selection(&plan, &selection_id).await.is_none());
    // Again: AWS answers ResourceNotFoundException.
    delete(&mut client, &created.id, state.clone())
        .await
        .unwrap();

    // The plan is gone: AWS answers InvalidParameterValueException "Cannot find Backup plan".
    aws.sdk
        .delete_backup_plan()
        .backup_plan_id(&plan)
        .send()
        .await
        .unwrap();
    delete(&mut client, &created.id, state.clone())
        .await
        .unwrap();
    let log = aws.endpoint.call_log();
    let last = log["calls"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["operation"], &last["error"]),
        (
            &json!("DeleteBackupSelection"),
            &json!("InvalidParameterValueException")
        )
    );

    // Any other error is reported (after the provider's retries).
    aws.fail_next(
        "DeleteBackupSelection",
        "ServiceUnavailableException",
        500,
        MAX_RETRIES + 1,
    );
    let err = delete(&mut client, &created.id, state).await.unwrap_err();
    assert!(
        err.message().contains("ServiceUnavailableException"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn update_is_refused_because_every_change_replaces() {
    let (aws, mut client) = start().await;
    let plan = new_plan(&aws).await;
    let created = create(&mut client, inputs(&plan)).await.unwrap();
    let err = client
        .update(rpc::UpdateRequest {
            id: created.id.clone(),
            urn: sel_urn("sel"),
            olds: created.properties,
            news: to_struct(inputs(&plan)),
            r#type: SELECTION.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        err.message().contains("AWS has no update for selections"),
        "{}",
        err.message()
    );
}

/// The engine looks a Check failure up by top-level property and prints that property's value:
/// a nested failure names the top-level property and leads its reason with the full path.
#[tokio::test]
async fn nested_failures_name_a_property_the_engine_can_resolve() {
    let (_aws, mut client) = start().await;
    let news = json!({"planId": "p", "iamRoleArn": ROLE, "resources": ["*"],
        "notResources": ["arn:aws:s3:::ok", "vol-123"]});
    let resp = check(&mut client, "sel", json!({}), news).await;
    assert_eq!(resp.failures.len(), 1, "{:?}", resp.failures);
    assert_eq!(resp.failures[0].property, "notResources");
    assert!(
        resp.failures[0]
            .reason
            .starts_with("notResources[1]: must be '*', a resource ARN"),
        "{:?}",
        resp.failures[0]
    );
}
