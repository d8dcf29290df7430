//! Backup selections: CRUD, validation, idempotency, the lists AWS answers, IAM propagation
//! faults.

use aws_sdk_backup::types::{
    BackupSelection, Condition, ConditionParameter, ConditionType, Conditions,
};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

use crate::common::*;

async fn setup() -> (LocalEndpoint, Client, String) {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "vault").await;
    let plan = make_plan(&c, "plan", "vault").await;
    (ep, c, plan)
}

fn tag(key: &str, value: &str) -> Condition {
    Condition::builder()
        .condition_type(ConditionType::Stringequals)
        .condition_key(key)
        .condition_value(value)
        .build()
        .unwrap()
}

#[tokio::test]
async fn selection_round_trip() {
    let (_ep, c, plan) = setup().await;
    let sel = BackupSelection::builder()
        .selection_name("by-tag.and-arn_1")
        .iam_role_arn(ROLE)
        .resources(EBS)
        .not_resources("arn:aws:ec2:us-east-1:123456789012:volume/vol-0000")
        .list_of_tags(tag("backup", "daily"))
        .conditions(
            Conditions::builder()
                .string_equals(
                    ConditionParameter::builder()
                        .condition_key("aws:ResourceTag/env")
                        .condition_value("prod")
                        .build(),
                )
                .build(),
        )
        .build()
        .unwrap();
    let created = c
        .create_backup_selection()
        .backup_plan_id(&plan)
        .backup_selection(sel.clone())
        .creator_request_id("sel-token")
        .send()
        .await
        .unwrap();
    let id = created.selection_id().unwrap();
    assert_eq!(created.backup_plan_id(), Some(plan.as_str()));

    let got = c
        .get_backup_selection()
        .backup_plan_id(&plan)
        .selection_id(id)
        .send()
        .await
        .unwrap();
    // AWS answers an empty list for each condition list that was not set.
    let mut answered = sel.clone();
    if let Some(c) = answered.conditions.as_mut() {
        c.string_not_equals = Some(Vec::new());
        c.string_like = Some(Vec::new());
        c.string_not_like = Some(Vec::new());
    }
    assert_eq!(got.backup_selection(), Some(&answered));
    assert_eq!(got.creator_request_id(), Some("sel-token"));
    assert_eq!(got.creation_date(), created.creation_date());

    let list = c
        .list_backup_selections()
        .backup_plan_id(&plan)
        .send()
        .await
        .unwrap();
    let m = &list.backup_selections_list()[0];
    assert_eq!(
        (m.selection_id(), m.selection_name(), m.iam_role_arn()),
        (Some(id), Some("by-tag.and-arn_1"), Some(ROLE))
    );

    // Same CreatorRequestId: the same selection comes back.
    let again = c
        .create_backup_selection()
        .backup_plan_id(&plan)
        .backup_selection(sel)
        .creator_request_id("sel-token")
        .send()
        .await
        .unwrap();
    assert_eq!(again.selection_id(), Some(id));

    c.delete_backup_selection()
        .backup_plan_id(&plan)
        .selection_id(id)
        .send()
        .await
        .unwrap();
    assert_fails(
        c.get_backup_selection()
            .backup_plan_id(&plan)
            .selection_id(id)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        id,
    );
    assert_fails(
        c.delete_backup_selection()
            .backup_plan_id(&plan)
            .selection_id(id)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        id,
    );
}

#[tokio::test]
async fn a_selection_needs_resources_or_list_of_tags() {
    let (_ep, c, plan) = setup().await;
    let base = || {
        BackupSelection::builder()
            .selection_name("s")
            .iam_role_arn(ROLE)
    };
    let create = |s: BackupSelection| {
        c.create_backup_selection()
            .backup_plan_id(&plan)
            .backup_selection(s)
            .send()
    };
    assert_invalid(
        create(base().build().unwrap()).await,
        "Resources or ListOfTags",
    );
    assert_invalid(
        create(base().not_resources(EBS).build().unwrap()).await,
        "Resources or ListOfTags",
    );
    assert_invalid(
        create(
            base()
                .conditions(
                    Conditions::builder()
                        .string_like(
                            ConditionParameter::builder()
                                .condition_key("aws:ResourceTag/a")
                                .condition_value("b*")
                                .build(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .await,
        "Resources or ListOfTags",
    );
    create(base().list_of_tags(tag("backup", "yes")).build().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn selection_names_roles_and_tag_conditions_are_checked() {
    let (_ep, c, plan) = setup().await;
    let create = |s: BackupSelection| {
        c.create_backup_selection()
            .backup_plan_id(&plan)
            .backup_selection(s)
            .send()
    };
    let named = |n: &str| {
        BackupSelection::builder()
            .selection_name(n)
            .iam_role_arn(ROLE)
            .resources(EBS)
            .build()
            .unwrap()
    };
    assert_invalid(create(named("bad name")).await, "SelectionName");
    assert_invalid(create(named(&"s".repeat(51))).await, "SelectionName");
    for role in [
        "not-an-arn",
        "arn:aws:iam::123456789012:user/bob",
        "arn:aws:iam::1234:role/r",
    ] {
        let s = BackupSelection::builder()
            .selection_name("s")
            .iam_role_arn(role)
            .resources(EBS)
            .build()
            .unwrap();
        assert_invalid(create(s).await, "IAM role");
    }
    let bad_type = Condition::builder()
        .condition_type(ConditionType::from("STRINGLIKE"))
        .condition_key("k")
        .condition_value("v")
        .build()
        .unwrap();
    let s = BackupSelection::builder()
        .selection_name("s")
        .iam_role_arn(ROLE)
        .list_of_tags(bad_type)
        .build()
        .unwrap();
    assert_invalid(create(s).await, "STRINGEQUALS");
    let many: Vec<Condition> = (0..31).map(|i| tag(&format!("k{i}"), "v")).collect();
    let s = BackupSelection::builder()
        .selection_name("s")
        .iam_role_arn(ROLE)
        .set_list_of_tags(Some(many))
        .build()
        .unwrap();
    assert_invalid(create(s).await, "at most 30 tag conditions");

    create(named("dup")).await.unwrap();
    assert_fails(
        create(named("dup")).await,
        400,
        "AlreadyExistsException",
        "dup",
    );
}

#[tokio::test]
async fn resource_arn_limits() {
    let (_ep, c, plan) = setup().await;
    let create = |resources: Vec<String>| {
        let s = BackupSelection::builder()
            .selection_name(format!("s{}", resources.len()))
            .iam_role_arn(ROLE)
            .set_resources(Some(resources))
            .build()
            .unwrap();
        c.create_backup_selection()
            .backup_plan_id(&plan)
            .backup_selection(s)
            .send()
    };
    let plain = |n: usize| {
        (0..n)
            .map(|i| format!("arn:aws:ec2:us-east-1:123456789012:volume/vol-{i:05}"))
            .collect::<Vec<_>>()
    };
    let wild = |n: usize| {
        (0..n)
            .map(|i| format!("arn:aws:s3:::bucket-{i}-*"))
            .collect::<Vec<_>>()
    };
    assert_invalid(create(plain(501)).await, "at most 500 ARNs");
    create(plain(500)).await.unwrap();
    assert_invalid(create(wild(31)).await, "or 30 when any contains a wildcard");
    create(wild(30)).await.unwrap();
    assert_invalid(
        create(vec!["arn:aws:s3:::*-logs".into()]).await,
        "Invalid resource ARN",
    );
    assert_invalid(create(vec!["vol-123".into()]).await, "Invalid resource ARN");
    create(vec!["arn:aws:ec2:*:*:volume/*".into(), "*".into()])
        .await
        .unwrap();
    assert_invalid(
        create(vec!["arn:aws:*".into()]).await,
        "Invalid resource ARN",
    );
    assert_invalid(
        create(vec!["arn:aws:fsx:*:x".into()]).await,
        "Invalid resource ARN",
    );
}

/// Service-wide prefix patterns (`arn:aws:fsx:*`) in Resources and NotResources, as AWS's
/// guide uses them, are stored and read back as given.
#[tokio::test]
async fn service_wide_prefix_patterns() {
    let (_ep, c, plan) = setup().await;
    let sel = BackupSelection::builder()
        .selection_name("all-but-fsx")
        .iam_role_arn(ROLE)
        .resources("arn:aws:ec2:*")
        .resources("arn:aws:rds:eu-west-1:*")
        .not_resources("arn:aws:fsx:*")
        .build()
        .unwrap();
    let id = c
        .create_backup_selection()
        .backup_plan_id(&plan)
        .backup_selection(sel)
        .send()
        .await
        .unwrap()
        .selection_id
        .unwrap();
    let got = c
        .get_backup_selection()
        .backup_plan_id(&plan)
        .selection_id(&id)
        .send()
        .await
        .unwrap()
        .backup_selection
        .unwrap();
    assert_eq!(
        got.resources(),
        [
            "arn:aws:ec2:*".to_string(),
            "arn:aws:rds:eu-west-1:*".to_string()
        ]
    );
    assert_eq!(got.not_resources(), ["arn:aws:fsx:*".to_string()]);
}

#[tokio::test]
async fn selections_of_missing_plans() {
    let (_ep, c, _plan) = setup().await;
    assert_invalid(
        c.create_backup_selection()
            .backup_plan_id("nope")
            .backup_selection(selection("s"))
            .send()
            .await,
        "Cannot find Backup plan",
    );
    assert_invalid(
        c.get_backup_selection()
            .backup_plan_id("nope")
            .selection_id("x")
            .send()
            .await,
        "Cannot find Backup plan",
    );
    assert_invalid(
        c.delete_backup_selection()
            .backup_plan_id("nope")
            .selection_id("x")
            .send()
            .await,
        "Cannot find Backup plan",
    );
    assert_fails(
        c.list_backup_selections()
            .backup_plan_id("nope")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "nope",
    );
}

#[tokio::test]
async fn list_backup_selections_paginates() {
    let (_ep, c, plan) = setup().await;
    for i in 0..3 {
        c.create_backup_selection()
            .backup_plan_id(&plan)
            .backup_selection(selection(&format!("s{i}")))
            .send()
            .await
            .unwrap();
    }
    let p1 = c
        .list_backup_selections()
        .backup_plan_id(&plan)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.backup_selections_list().len(), 2);
    let p2 = c
        .list_backup_selections()
        .backup_plan_id(&plan)
        .next_token(p1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.backup_selections_list()[0].selection_name(), Some("s2"));
}

/// A selection made with only `Resources` reads back with every other list empty, as AWS
/// answers it.
#[tokio::test]
async fn get_answers_empty_lists_for_what_was_not_set() {
    let (_ep, c, plan) = setup().await;
    let id = c
        .create_backup_selection()
        .backup_plan_id(&plan)
        .backup_selection(selection("only-resources"))
        .send()
        .await
        .unwrap()
        .selection_id
        .unwrap();
    let got = c
        .get_backup_selection()
        .backup_plan_id(&plan)
        .selection_id(id)
        .send()
        .await
        .unwrap()
        .backup_selection
        .unwrap();
    assert_eq!(got.resources(), [EBS.to_string()]);
    assert_eq!(got.not_resources, Some(Vec::new()));
    assert_eq!(got.list_of_tags, Some(Vec::new()));
    let conditions = got.conditions.unwrap();
    for list in [
        &conditions.string_equals,
        &conditions.string_not_equals,
        &conditions.string_like,
        &conditions.string_not_like,
    ] {
        assert_eq!(list, &Some(Vec::new()));
    }
}

#[tokio::test]
async fn iam_propagation_window_makes_create_selection_fail() {
    let (ep, c, plan) = setup().await;
    ep.set_faults(json!({ "iamPropagationSeconds": 30 }))
        .unwrap();
    let create = || {
        c.create_backup_selection()
            .backup_plan_id(&plan)
            .backup_selection(selection("s"))
            .send()
    };
    // AWS's two answers while a role propagates, in turn.
    let f = assert_invalid(create().await, "cannot be assumed");
    assert!(f.message.contains(ROLE));
    let f = assert_invalid(create().await, "is not authorized to call tag:GetResources");
    assert!(f.message.contains(ROLE));
    // Other operations are unaffected.
    c.list_backup_selections()
        .backup_plan_id(&plan)
        .send()
        .await
        .unwrap();
    ep.advance_clock(31.0);
    create().await.unwrap();
    let stats = ep.stats();
    assert_eq!(stats["faults"]["CreateBackupSelection"], 2);
    assert_eq!(stats["calls"]["CreateBackupSelection"], 3);
    assert_eq!(stats["faultsByKind"]["iamPropagation"], 2);
}
