//! The provider functions over gRPC (Invoke), against the local endpoint: each result checked
//! against what AWS holds (set up out of band with the SDK, or through the provider's Create),
//! lookups of missing things, input failures, and every page of a vault's recovery points.

use aws_sdk_backup::types::{BackupPlanInput, BackupRuleInput, BackupSelection, Lifecycle};
use awsbackup::proto::pulumirpc as rpc;
use awsbackup::value::{is_secret, secret, UNKNOWN};
use serde_json::{json, Value};
use tonic::Code;

use crate::common::*;

const GET_VAULT: &str = "awsbackup:index:getVault";
const GET_PLAN: &str = "awsbackup:index:getPlan";
const GET_SELECTION: &str = "awsbackup:index:getSelection";
const GET_RECOVERY_POINTS: &str = "awsbackup:index:getRecoveryPoints";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

async fn invoke_with(
    client: &mut Client,
    tok: &str,
    args: Value,
    preview: bool,
) -> Result<rpc::InvokeResponse, tonic::Status> {
    client
        .invoke(rpc::InvokeRequest {
            tok: tok.into(),
            args: to_struct(args),
            preview,
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The function's result; panics on failures or an error.
async fn invoke(client: &mut Client, tok: &str, args: Value) -> Value {
    let resp = invoke_with(client, tok, args, false).await.unwrap();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    from_struct(&resp.r#return)
}

/// The error message of an invoke that fails.
async fn invoke_error(client: &mut Client, tok: &str, args: Value) -> String {
    let err = invoke_with(client, tok, args, false).await.unwrap_err();
    assert_eq!(err.code(), Code::Unknown, "{err:?}");
    err.message().to_string()
}

/// The (property, reason) failures of an invoke refused for its inputs.
async fn invoke_failures(client: &mut Client, tok: &str, args: Value) -> Vec<(String, String)> {
    let resp = invoke_with(client, tok, args, false).await.unwrap();
    assert!(resp.r#return.is_none(), "{:?}", resp.r#return);
    resp.failures
        .into_iter()
        .map(|f| (f.property, f.reason))
        .collect()
}

/// A plan out of band with one daily rule into `vault`; returns its id.
async fn create_plan(aws: &Aws, name: &str, vault: &str) -> String {
    let rule = BackupRuleInput::builder()
        .rule_name("daily")
        .target_backup_vault_name(vault)
        .build()
        .unwrap();
    let plan = BackupPlanInput::builder()
        .backup_plan_name(name)
        .rules(rule)
        .build()
        .unwrap();
    aws.sdk
        .create_backup_plan()
        .backup_plan(plan)
        .send()
        .await
        .unwrap()
        .backup_plan_id
        .unwrap()
}

/// Backs up `resource` `n` times into `vault`, keeping each point `delete_after` days.
async fn back_up(aws: &Aws, vault: &str, resource: &str, n: usize, delete_after: Option<i64>) {
    for _ in 0..n {
        aws.sdk
            .start_backup_job()
            .backup_vault_name(vault)
            .resource_arn(resource)
            .iam_role_arn(BACKUP_ROLE)
            .set_lifecycle(delete_after.map(|d| Lifecycle::builder().delete_after_days(d).build()))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn get_vault_reports_a_vault_made_out_of_band_as_aws_holds_it() {
    let (aws, mut client) = start().await;
    let arn = aws.create_vault("shared-vault", Some(KEY)).await;
    aws.tag(&arn, &[("team", "backup"), ("env", "prod")]).await;
    aws.sdk
        .put_backup_vault_lock_configuration()
        .backup_vault_name("shared-vault")
        .min_retention_days(7)
        .max_retention_days(365)
        .send()
        .await
        .unwrap();
    back_up(&aws, "shared-vault", VOLUME, 2, Some(30)).await;
    let mark = aws.mark();

    let out = invoke(&mut client, GET_VAULT, json!({"name": "shared-vault"})).await;
    // One describe and the tags: nothing else, and nothing written.
    assert_eq!(
        aws.calls_since(mark),
        ["DescribeBackupVault", "ListTags"],
        "the calls of getVault"
    );
    let live = aws.vault("shared-vault").await.unwrap();
    assert_eq!(
        out,
        json!({
            "name": "shared-vault",
            "arn": arn,
            "encryptionKeyArn": KEY,
            "tags": {"team": "backup", "env": "prod"},
            "recoveryPoints": 2,
            "creationDate": rfc3339(live.creation_date.as_ref()),
            "locked": true,
            "minRetentionDays": 7,
            "maxRetentionDays": 365,
            "vaultType": live.vault_type.as_ref().unwrap().as_str(),
            "vaultState": live.vault_state.as_ref().unwrap().as_str(),
            "encryptionKeyType": live.encryption_key_type.as_ref().unwrap().as_str(),
        })
    );
    assert_eq!(out["vaultType"], "BACKUP_VAULT");
    assert_eq!(out["encryptionKeyType"], "CUSTOMER_MANAGED_KMS_KEY");
}

#[tokio::test]
async fn get_vault_of_a_vault_without_tags_or_lock_leaves_out_what_aws_does_not_report() {
    let (aws, mut client) = start().await;
    aws.create_vault("plain-vault", None).await;
    let out = invoke(&mut client, GET_VAULT, json!({"name": "plain-vault"})).await;
    assert_eq!(out["tags"], json!({}));
    assert_eq!(out["locked"], false);
    // The endpoint, like AWS, reports no key type for AWS's default key.
    for absent in [
        "lockDate",
        "minRetentionDays",
        "maxRetentionDays",
        "encryptionKeyType",
    ] {
        assert!(out.get(absent).is_none(), "{absent}: {out}");
    }
}

#[tokio::test]
async fn lookups_of_missing_things_name_what_was_asked_region_and_account() {
    let (aws, mut client) = start().await;
    aws.create_vault("vault-1", None).await;
    let plan = create_plan(&aws, "daily", "vault-1").await;
    let place = "us-east-1 (account 123456789012)";
    assert_eq!(
        invoke_error(&mut client, GET_VAULT, json!({"name": "nope"})).await,
        format!("getVault: no backup vault named 'nope' in {place}")
    );
    assert_eq!(
        invoke_error(&mut client, GET_PLAN, json!({"planId": "no-such-plan"})).await,
        format!("getPlan: no backup plan with id 'no-such-plan' in {place}")
    );
    assert_eq!(
        invoke_error(&mut client, GET_PLAN, json!({"name": "weekly"})).await,
        format!("getPlan: no backup plan named 'weekly' in {place}")
    );
    assert_eq!(
        invoke_error(
            &mut client,
            GET_SELECTION,
            json!({"planId": plan, "selectionId": "no-such-selection"})
        )
        .await,
        format!(
            "getSelection: no backup selection 'no-such-selection' in backup plan '{plan}' in \
             {place} (or no such plan)"
        )
    );
    assert_eq!(
        invoke_error(
            &mut client,
            GET_RECOVERY_POINTS,
            json!({"backupVaultName": "nope"})
        )
        .await,
        format!("getRecoveryPoints: no backup vault named 'nope' in {place}")
    );
}

#[tokio::test]
async fn invalid_inputs_are_failures_naming_the_input_and_call_nothing() {
    let (aws, mut client) = start().await;
    let cases = [
        (
            GET_VAULT,
            json!({"name": "my vault"}),
            "name",
            "a backup vault name may contain only letters, digits, hyphens (-) and underscores \
             (_); 'my vault' contains ' '",
        ),
        (GET_VAULT, json!({}), "name", "is required"),
        (
            GET_VAULT,
            json!({"name": "v1", "nmae": "v1"}),
            "nmae",
            "unknown property; awsbackup:index:getVault accepts: name",
        ),
        (
            GET_PLAN,
            json!({}),
            "planId",
            "give the plan's planId, or its name",
        ),
        (
            GET_PLAN,
            json!({"planId": "p", "name": "daily"}),
            "name",
            "give either planId or name, not both",
        ),
        (
            GET_SELECTION,
            json!({"planId": "p"}),
            "selectionId",
            "is required",
        ),
        (
            GET_RECOVERY_POINTS,
            json!({"backupVaultName": "v1", "createdAfter": "last tuesday"}),
            "createdAfter",
            "must be a date and time in RFC 3339, e.g. 2024-05-01T00:00:00Z; got 'last tuesday'",
        ),
        (
            GET_RECOVERY_POINTS,
            json!({"backupVaultName": "v1", "resourceType": 3}),
            "resourceType",
            "invalid type: integer `3`, expected a string",
        ),
        (
            GET_VAULT,
            json!({"name": UNKNOWN}),
            "name",
            "is not known yet (it comes from a resource that does not exist yet); a function \
             needs its inputs known",
        ),
    ];
    for (tok, args, property, reason) in cases {
        let got = invoke_failures(&mut client, tok, args.clone()).await;
        assert_eq!(
            got,
            [(property.to_string(), reason.to_string())],
            "{tok} {args}"
        );
    }
    assert_eq!(
        aws.calls(),
        Vec::<String>::new(),
        "no AWS call for bad inputs"
    );
}

#[tokio::test]
async fn the_schema_served_types_each_function() {
    let (_aws, mut client) = start().await;
    let schema = client
        .get_schema(rpc::GetSchemaRequest::default())
        .await
        .unwrap()
        .into_inner();
    let schema: Value = serde_json::from_str(&schema.schema).unwrap();
    for (tok, input) in [
        (GET_VAULT, "name"),
        (GET_PLAN, "planId"),
        (GET_SELECTION, "selectionId"),
        (GET_RECOVERY_POINTS, "createdAfter"),
    ] {
        let f = &schema["functions"][tok];
        assert!(f["description"].is_string(), "{tok}");
        assert!(
            f["inputs"]["properties"][input].is_object(),
            "{tok}.{input}"
        );
        assert_eq!(f["outputs"]["type"], "object", "{tok}");
    }
}

#[tokio::test]
async fn an_unknown_function_is_an_invalid_argument() {
    let (_aws, mut client) = start().await;
    let err = invoke_with(&mut client, "awsbackup:index:getNothing", json!({}), false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.message(),
        "unknown function 'awsbackup:index:getNothing'; awsbackup has: \
         awsbackup:index:getPlan, awsbackup:index:getRecoveryPoints, \
         awsbackup:index:getSelection, awsbackup:index:getVault"
    );
}

#[tokio::test]
async fn a_preview_looks_aws_up_too_and_a_secret_input_makes_a_secret_result() {
    let (aws, mut client) = start().await;
    aws.create_vault("vault-1", None).await;
    let resp = invoke_with(
        &mut client,
        GET_VAULT,
        json!({"name": secret(json!("vault-1"))}),
        true,
    )
    .await
    .unwrap();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    assert_eq!(aws.count("DescribeBackupVault"), 1, "looked up at preview");
    let out = from_struct(&resp.r#return);
    for (key, value) in out.as_object().unwrap() {
        assert!(is_secret(value), "{key} is not secret: {value}");
    }
    assert_eq!(out["name"], secret(json!("vault-1")));
    // Without a secret input, nothing is secret.
    let plain = invoke(&mut client, GET_VAULT, json!({"name": "vault-1"})).await;
    assert_eq!(plain["name"], "vault-1");
    assert!(!plain.as_object().unwrap().values().any(is_secret));
}

#[tokio::test]
async fn get_plan_reports_the_plan_as_the_plan_resource_reads_it_by_id_and_by_name() {
    let (aws, mut client) = start().await;
    aws.create_vault("vault-1", None).await;
    let plan = Resource {
        token: "awsbackup:index:Plan",
        name: "daily",
    };
    let inputs = json!({
        "name": "daily-plan",
        "rules": [{
            "ruleName": "daily",
            "targetVaultName": "vault-1",
            "scheduleExpression": "cron(0 6 ? * * *)",
            "lifecycle": {"deleteAfterDays": 30},
            "recoveryPointTags": {"made-by": "daily"},
        }, {
            "ruleName": "weekly",
            "targetVaultName": "vault-1",
            "scheduleExpression": "cron(0 5 ? * 1 *)",
            "startWindowMinutes": 120,
        }],
        "advancedBackupSettings": [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}],
        "tags": {"team": "backup"},
    });
    let created = plan.create(&mut client, &inputs).await.unwrap();
    let id = created.id;
    // What the resource reads on import is what the function reports, plus the creation date.
    let read = plan.read(&mut client, &id, None).await.unwrap();
    let mut expected = from_struct(&read.properties);
    let live = aws.plan(&id).await.unwrap();
    expected["creationDate"] = json!(rfc3339(live.creation_date.as_ref()));

    let mark = aws.mark();
    let by_id = invoke(&mut client, GET_PLAN, json!({"planId": id})).await;
    assert_eq!(by_id, expected);
    assert_eq!(aws.calls_since(mark), ["GetBackupPlan", "ListTags"]);
    // Checked against AWS as well, field by field.
    assert_eq!(by_id["planId"], id);
    assert_eq!(by_id["arn"], live.backup_plan_arn.clone().unwrap());
    assert_eq!(by_id["versionId"], live.version_id.clone().unwrap());
    assert_eq!(by_id["name"], "daily-plan");
    assert_eq!(by_id["tags"], json!({"team": "backup"}));
    let live_rules = live.backup_plan.as_ref().unwrap().rules();
    let rules = by_id["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    for (rule, live_rule) in rules.iter().zip(live_rules) {
        assert_eq!(rule["ruleName"], live_rule.rule_name());
        assert_eq!(rule["ruleId"], live_rule.rule_id().unwrap());
        assert_eq!(
            rule["scheduleExpression"],
            live_rule.schedule_expression().unwrap()
        );
    }
    assert_eq!(rules[0]["lifecycle"], json!({"deleteAfterDays": 30}));
    assert_eq!(rules[1]["startWindowMinutes"], 120);
    // AWS's defaults are left out, as the resource leaves them out.
    assert!(rules[0].get("startWindowMinutes").is_none(), "{}", rules[0]);
    assert!(rules[0].get("scheduleExpressionTimezone").is_none());
    assert_eq!(
        by_id["advancedBackupSettings"],
        json!([{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}])
    );

    let mark = aws.mark();
    let by_name = invoke(&mut client, GET_PLAN, json!({"name": "daily-plan"})).await;
    assert_eq!(by_name, expected);
    assert_eq!(
        aws.calls_since(mark),
        ["ListBackupPlans", "GetBackupPlan", "ListTags"]
    );
}

#[tokio::test]
async fn get_plan_by_name_skips_deleted_plans_and_reports_no_tags_as_an_empty_map() {
    let (aws, mut client) = start().await;
    aws.create_vault("vault-1", None).await;
    let first = create_plan(&aws, "reused", "vault-1").await;
    aws.sdk
        .delete_backup_plan()
        .backup_plan_id(&first)
        .send()
        .await
        .unwrap();
    let second = create_plan(&aws, "reused", "vault-1").await;
    create_plan(&aws, "other", "vault-1").await;
    let out = invoke(&mut client, GET_PLAN, json!({"name": "reused"})).await;
    assert_eq!(out["planId"], second);
    assert_ne!(second, first);
    assert_eq!(out["tags"], json!({}));
    // The deleted plan is gone by id too.
    assert!(
        invoke_error(&mut client, GET_PLAN, json!({"planId": first}))
            .await
            .starts_with(&format!("getPlan: no backup plan with id '{first}' in ")),
    );
}

#[tokio::test]
async fn get_selection_reports_what_the_selection_resource_reads() {
    let (aws, mut client) = start().await;
    aws.create_vault("vault-1", None).await;
    let plan_id = create_plan(&aws, "daily", "vault-1").await;
    let selection = BackupSelection::builder()
        .selection_name("tagged")
        .iam_role_arn(BACKUP_ROLE)
        .resources(VOLUME)
        .not_resources(TABLE)
        .build()
        .unwrap();
    let selection_id = aws
        .sdk
        .create_backup_selection()
        .backup_plan_id(&plan_id)
        .backup_selection(selection)
        .send()
        .await
        .unwrap()
        .selection_id
        .unwrap();

    let mark = aws.mark();
    let out = invoke(
        &mut client,
        GET_SELECTION,
        json!({"planId": plan_id, "selectionId": selection_id}),
    )
    .await;
    assert_eq!(aws.calls_since(mark), ["GetBackupSelection"]);
    let live = aws.selection(&plan_id, &selection_id).await.unwrap();
    assert_eq!(
        out,
        json!({
            "planId": plan_id,
            "name": "tagged",
            "iamRoleArn": BACKUP_ROLE,
            "resources": [VOLUME],
            "notResources": [TABLE],
            "selectionId": selection_id,
            "creationDate": rfc3339(live.creation_date.as_ref()),
        })
    );
    // The Selection resource reads the same on import.
    let resource = Resource {
        token: "awsbackup:index:Selection",
        name: "tagged",
    };
    let read = resource
        .read(&mut client, &format!("{plan_id}|{selection_id}"), None)
        .await
        .unwrap();
    assert_eq!(from_struct(&read.properties), out);
}

#[tokio::test]
async fn get_recovery_points_follows_every_page_and_applies_the_filters() {
    let (aws, mut client) = start().await;
    aws.create_vault("points", None).await;
    // One page is at most 1000 points (the endpoint's and AWS's largest MaxResults).
    back_up(&aws, "points", VOLUME, 1000, None).await;
    back_up(&aws, "points", TABLE, 2, Some(30)).await;
    aws.endpoint.advance_clock(86_400.0);
    back_up(&aws, "points", VOLUME, 1, Some(10)).await;
    back_up(&aws, "points", TABLE, 1, None).await;

    // Everything AWS lists, through the SDK's own paginator.
    let listed: Vec<_> = aws
        .sdk
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("points")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1004);

    let mark = aws.mark();
    let all = invoke(
        &mut client,
        GET_RECOVERY_POINTS,
        json!({"backupVaultName": "points"}),
    )
    .await;
    assert_eq!(
        aws.calls_since(mark),
        [
            "ListRecoveryPointsByBackupVault",
            "ListRecoveryPointsByBackupVault"
        ],
        "two pages"
    );
    let points = all["recoveryPoints"].as_array().unwrap();
    assert_eq!(points.len(), 1004);
    for (point, live) in points.iter().zip(&listed) {
        assert_eq!(
            point["recoveryPointArn"],
            live.recovery_point_arn().unwrap()
        );
        assert_eq!(point["resourceArn"], live.resource_arn().unwrap());
        assert_eq!(point["resourceType"], live.resource_type().unwrap());
        assert_eq!(point["status"], live.status().unwrap().as_str());
        assert_eq!(point["creationDate"], rfc3339(live.creation_date()));
        match live.calculated_lifecycle().and_then(|c| c.delete_at()) {
            Some(at) => assert_eq!(point["deleteAt"], rfc3339(Some(at))),
            None => assert!(point.get("deleteAt").is_none(), "{point}"),
        }
    }
    let last_volume = &points[1002];
    assert_eq!(last_volume["resourceType"], "EBS");
    assert_eq!(last_volume["lifecycle"], json!({"deleteAfterDays": 10}));
    assert!(points[0].get("lifecycle").is_none(), "{}", points[0]);

    let tables = invoke(
        &mut client,
        GET_RECOVERY_POINTS,
        json!({"backupVaultName": "points", "resourceType": "DynamoDB"}),
    )
    .await;
    let tables = tables["recoveryPoints"].as_array().unwrap();
    assert_eq!(tables.len(), 3);
    assert!(
        tables.iter().all(|p| p["resourceArn"] == TABLE),
        "{tables:?}"
    );

    // After the first points (and before the clock moved on), written with an offset.
    let first = points[1001]["creationDate"].as_str().unwrap();
    let after =
        awsbackup::time::parse_with_offset(first).unwrap() + std::time::Duration::from_secs(3600);
    let after = awsbackup::time::rfc3339(after).replace('Z', "+00:00");
    let recent = invoke(
        &mut client,
        GET_RECOVERY_POINTS,
        json!({"backupVaultName": "points", "createdAfter": after}),
    )
    .await;
    let recent: Vec<&Value> = recent["recoveryPoints"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(recent, [&points[1002], &points[1003]]);
    let recent_tables = invoke(
        &mut client,
        GET_RECOVERY_POINTS,
        json!({"backupVaultName": "points", "createdAfter": after, "resourceType": "DynamoDB"}),
    )
    .await;
    assert_eq!(recent_tables["recoveryPoints"], json!([points[1003]]));
}
