//! Restore testing plans and selections: CRUD with the modeled status codes, AWS's defaults,
//! validation, idempotency, partial updates, the ARNs-or-conditions rule and tags.

use aws_sdk_backup::types::{
    KeyValue, ProtectedResourceConditions, RestoreTestingPlanForCreate,
    RestoreTestingPlanForUpdate, RestoreTestingRecoveryPointSelection,
    RestoreTestingRecoveryPointSelectionAlgorithm as Algorithm,
    RestoreTestingRecoveryPointType as PointType, RestoreTestingSelectionForCreate,
    RestoreTestingSelectionForUpdate,
};
use aws_sdk_backup::Client;
use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

const VAULT_ARN: &str = "arn:aws:backup:us-east-1:123456789012:backup-vault:old";

fn points() -> RestoreTestingRecoveryPointSelection {
    RestoreTestingRecoveryPointSelection::builder()
        .algorithm(Algorithm::LatestWithinWindow)
        .include_vaults("*")
        .recovery_point_types(PointType::Snapshot)
        .build()
}

fn plan(name: &str, schedule: &str) -> RestoreTestingPlanForCreate {
    RestoreTestingPlanForCreate::builder()
        .restore_testing_plan_name(name)
        .schedule_expression(schedule)
        .recovery_point_selection(points())
        .build()
        .unwrap()
}

fn selection(
    name: &str,
) -> aws_sdk_backup::types::builders::RestoreTestingSelectionForCreateBuilder {
    RestoreTestingSelectionForCreate::builder()
        .restore_testing_selection_name(name)
        .iam_role_arn(ROLE)
        .protected_resource_type("EBS")
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue::builder().key(key).value(value).build().unwrap()
}

async fn setup() -> (LocalEndpoint, Client) {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    (ep, c)
}

async fn make(c: &Client, name: &str) {
    c.create_restore_testing_plan()
        .restore_testing_plan(plan(name, "cron(0 5 ? * * *)"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_plan_round_trips_with_aws_defaults_and_the_modeled_status_codes() {
    let (ep, c) = setup().await;
    let created = c
        .create_restore_testing_plan()
        .restore_testing_plan(plan("weekly_1", "cron(0 5 ? * SUN *)"))
        .creator_request_id("req-1")
        .tags("team", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(created.restore_testing_plan_name(), "weekly_1");
    assert!(
        created
            .restore_testing_plan_arn()
            .starts_with("arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly_1-"),
        "{created:?}"
    );
    let got = c
        .get_restore_testing_plan()
        .restore_testing_plan_name("weekly_1")
        .send()
        .await
        .unwrap();
    let p = got.restore_testing_plan().unwrap();
    assert_eq!(p.schedule_expression(), "cron(0 5 ? * SUN *)");
    // What the create left out reads back as AWS's defaults.
    assert_eq!(p.schedule_expression_timezone(), Some("Etc/UTC"));
    assert_eq!(p.start_window_hours(), 24);
    let sel = p.recovery_point_selection().unwrap();
    assert_eq!(sel.selection_window_days(), 30);
    assert!(sel.exclude_vaults().is_empty());
    assert_eq!(sel.include_vaults(), ["*"]);
    assert_eq!(p.creator_request_id(), Some("req-1"));
    assert_eq!(p.creation_time(), created.creation_time());
    let tags = c
        .list_tags()
        .resource_arn(created.restore_testing_plan_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["team"], "a");

    // The wire: 201 for a create, 204 with no body for a delete.
    let body = r#"{"RestoreTestingPlan":{"RestoreTestingPlanName":"raw_plan","ScheduleExpression":"cron(0 5 ? * * *)","RecoveryPointSelection":{"Algorithm":"RANDOM_WITHIN_WINDOW","IncludeVaults":["*"],"RecoveryPointTypes":["CONTINUOUS"]}}}"#;
    let (status, _, answer) = http(ep.addr(), "PUT", "/restore-testing/plans", Some(body));
    assert_eq!(status, 201, "{answer}");
    let (status, _, answer) = http(ep.addr(), "DELETE", "/restore-testing/plans/raw_plan", None);
    assert_eq!((status, answer.as_str()), (204, ""));

    let listed = c.list_restore_testing_plans().send().await.unwrap();
    let names: Vec<&str> = listed
        .restore_testing_plans()
        .iter()
        .map(|p| p.restore_testing_plan_name())
        .collect();
    assert_eq!(names, ["weekly_1"]);

    c.delete_restore_testing_plan()
        .restore_testing_plan_name("weekly_1")
        .send()
        .await
        .unwrap();
    assert_fails(
        c.get_restore_testing_plan()
            .restore_testing_plan_name("weekly_1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "weekly_1",
    );
    assert_fails(
        c.delete_restore_testing_plan()
            .restore_testing_plan_name("weekly_1")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "weekly_1",
    );
}

#[tokio::test]
async fn a_create_replayed_with_its_token_answers_the_first_plan() {
    let (_ep, c) = setup().await;
    let create = |name: &str| {
        c.create_restore_testing_plan()
            .restore_testing_plan(plan(name, "cron(0 5 ? * * *)"))
            .creator_request_id("same-token")
            .send()
    };
    let first = create("p1").await.unwrap();
    let again = create("p1").await.unwrap();
    assert_eq!(
        again.restore_testing_plan_arn(),
        first.restore_testing_plan_arn()
    );
    assert_eq!(again.creation_time(), first.creation_time());
    // The token with another request, and the name without the token, are refused.
    assert_fails(
        create("p2").await,
        400,
        "AlreadyExistsException",
        "same-token",
    );
    assert_fails(
        c.create_restore_testing_plan()
            .restore_testing_plan(plan("p1", "cron(0 5 ? * * *)"))
            .send()
            .await,
        400,
        "AlreadyExistsException",
        "p1",
    );
}

#[tokio::test]
async fn plan_inputs_are_checked_as_aws_documents() {
    let (_ep, c) = setup().await;
    let create = |p: RestoreTestingPlanForCreate| {
        c.create_restore_testing_plan()
            .restore_testing_plan(p)
            .send()
    };
    let with =
        |edit: &dyn Fn(
            aws_sdk_backup::types::builders::RestoreTestingPlanForCreateBuilder,
        )
            -> aws_sdk_backup::types::builders::RestoreTestingPlanForCreateBuilder| {
            edit(
                RestoreTestingPlanForCreate::builder()
                    .restore_testing_plan_name("p")
                    .schedule_expression("cron(0 5 ? * * *)")
                    .recovery_point_selection(points()),
            )
            .build()
            .unwrap()
        };
    assert_invalid(
        create(plan("has-hyphen", "cron(0 5 ? * * *)")).await,
        "has-hyphen",
    );
    assert_invalid(
        create(plan(&"p".repeat(51), "cron(0 5 ? * * *)")).await,
        "1 to 50",
    );
    assert_invalid(create(plan("p", "rate(1 day)")).await, "ScheduleExpression");
    assert_invalid(
        create(with(&|b| b.schedule_expression_timezone("Mars/Base"))).await,
        "ScheduleExpressionTimezone",
    );
    assert_invalid(
        create(with(&|b| b.start_window_hours(169))).await,
        "StartWindowHours",
    );
    let sel = |edit: &dyn Fn(
        aws_sdk_backup::types::builders::RestoreTestingRecoveryPointSelectionBuilder,
    ) -> aws_sdk_backup::types::builders::RestoreTestingRecoveryPointSelectionBuilder| {
        with(&|b| {
            b.recovery_point_selection(
                edit(
                    RestoreTestingRecoveryPointSelection::builder()
                        .algorithm(Algorithm::RandomWithinWindow)
                        .include_vaults("*")
                        .recovery_point_types(PointType::Continuous),
                )
                .build(),
            )
        })
    };
    assert_invalid(
        create(sel(&|b| b.selection_window_days(366))).await,
        "SelectionWindowDays",
    );
    assert_invalid(
        create(sel(&|b| b.exclude_vaults("old-vault"))).await,
        "ExcludeVaults",
    );
    assert_invalid(
        create(sel(&|b| b.recovery_point_types(PointType::from("PITR")))).await,
        "RecoveryPointTypes",
    );
    // The three members AWS documents as required.
    let bare = |edit: &dyn Fn(
        aws_sdk_backup::types::builders::RestoreTestingRecoveryPointSelectionBuilder,
    ) -> aws_sdk_backup::types::builders::RestoreTestingRecoveryPointSelectionBuilder| {
        with(&|b| {
            b.recovery_point_selection(
                edit(RestoreTestingRecoveryPointSelection::builder()).build(),
            )
        })
    };
    assert_fails(
        create(bare(&|b| {
            b.include_vaults("*")
                .recovery_point_types(PointType::Snapshot)
        }))
        .await,
        400,
        "MissingParameterValueException",
        "Algorithm",
    );
    assert_fails(
        create(bare(&|b| {
            b.algorithm(Algorithm::LatestWithinWindow)
                .recovery_point_types(PointType::Snapshot)
        }))
        .await,
        400,
        "MissingParameterValueException",
        "IncludeVaults",
    );
    assert_fails(
        create(bare(&|b| {
            b.algorithm(Algorithm::LatestWithinWindow)
                .include_vaults("*")
        }))
        .await,
        400,
        "MissingParameterValueException",
        "RecoveryPointTypes",
    );
    let valid = sel(&|b| {
        b.exclude_vaults(VAULT_ARN)
            .exclude_vaults("arn:aws:backup:*:*:backup-vault:test-*")
            .selection_window_days(365)
    });
    create(valid).await.unwrap();
}

#[tokio::test]
async fn an_update_changes_only_what_it_sends_and_a_refused_one_changes_nothing() {
    let (_ep, c) = setup().await;
    make(&c, "p").await;
    let out = c
        .update_restore_testing_plan()
        .restore_testing_plan_name("p")
        .restore_testing_plan(
            RestoreTestingPlanForUpdate::builder()
                .schedule_expression("cron(0 6 ? * MON *)")
                .start_window_hours(48)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.restore_testing_plan_name(), "p");
    let get = || async {
        c.get_restore_testing_plan()
            .restore_testing_plan_name("p")
            .send()
            .await
            .unwrap()
            .restore_testing_plan
            .unwrap()
    };
    let p = get().await;
    assert_eq!(p.schedule_expression(), "cron(0 6 ? * MON *)");
    assert_eq!(p.start_window_hours(), 48);
    assert_eq!(p.schedule_expression_timezone(), Some("Etc/UTC"));
    assert_eq!(
        p.recovery_point_selection().unwrap().algorithm(),
        Some(&Algorithm::LatestWithinWindow)
    );
    assert!(p.last_update_time().is_some());

    assert_invalid(
        c.update_restore_testing_plan()
            .restore_testing_plan_name("p")
            .restore_testing_plan(
                RestoreTestingPlanForUpdate::builder()
                    .schedule_expression("cron(0 7 ? * * *)")
                    .start_window_hours(500)
                    .build(),
            )
            .send()
            .await,
        "StartWindowHours",
    );
    assert_eq!(get().await.schedule_expression(), "cron(0 6 ? * MON *)");
    assert_fails(
        c.update_restore_testing_plan()
            .restore_testing_plan_name("nope")
            .restore_testing_plan(RestoreTestingPlanForUpdate::builder().build())
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "nope",
    );
}

#[tokio::test]
async fn a_selection_round_trips_and_answers_empty_condition_lists() {
    let (ep, c) = setup().await;
    make(&c, "p").await;
    let created = c
        .create_restore_testing_selection()
        .restore_testing_plan_name("p")
        .restore_testing_selection(
            selection("vols")
                .protected_resource_arns(EBS)
                .restore_metadata_overrides("availabilityZone", "us-east-1a")
                .validation_window_hours(12)
                .build()
                .unwrap(),
        )
        .creator_request_id("sel-1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            created.restore_testing_plan_name(),
            created.restore_testing_selection_name()
        ),
        ("p", "vols")
    );
    let got = c
        .get_restore_testing_selection()
        .restore_testing_plan_name("p")
        .restore_testing_selection_name("vols")
        .send()
        .await
        .unwrap();
    let s = got.restore_testing_selection().unwrap();
    assert_eq!(s.protected_resource_arns(), [EBS]);
    let conditions = s.protected_resource_conditions().unwrap();
    assert!(conditions.string_equals().is_empty() && conditions.string_not_equals().is_empty());
    assert_eq!(s.validation_window_hours(), 12);
    assert_eq!(s.creator_request_id(), Some("sel-1"));
    assert_eq!(
        s.restore_metadata_overrides().unwrap()["availabilityZone"],
        "us-east-1a"
    );

    // A plan with a selection cannot be deleted.
    assert_fails(
        c.delete_restore_testing_plan()
            .restore_testing_plan_name("p")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "selection",
    );
    let listed = c
        .list_restore_testing_selections()
        .restore_testing_plan_name("p")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.restore_testing_selections().len(), 1);
    let (status, _, body) = http(
        ep.addr(),
        "DELETE",
        "/restore-testing/plans/p/selections/vols",
        None,
    );
    assert_eq!((status, body.as_str()), (204, ""));
    assert_fails(
        c.delete_restore_testing_selection()
            .restore_testing_plan_name("p")
            .restore_testing_selection_name("vols")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "vols",
    );
    c.delete_restore_testing_plan()
        .restore_testing_plan_name("p")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_selection_uses_arns_or_the_wildcard_with_conditions() {
    let (_ep, c) = setup().await;
    make(&c, "p").await;
    let create = |s: RestoreTestingSelectionForCreate| {
        c.create_restore_testing_selection()
            .restore_testing_plan_name("p")
            .restore_testing_selection(s)
            .send()
    };
    let by_team = ProtectedResourceConditions::builder()
        .string_equals(kv("team", "a"))
        .build();
    assert_fails(
        create(selection("none").build().unwrap()).await,
        400,
        "MissingParameterValueException",
        "ProtectedResourceArns",
    );
    assert_invalid(
        create(
            selection("mixed")
                .protected_resource_arns(EBS)
                .protected_resource_conditions(by_team.clone())
                .build()
                .unwrap(),
        )
        .await,
        "only be used with ProtectedResourceArns [\"*\"]",
    );
    assert_invalid(
        create(
            selection("star_and_arn")
                .protected_resource_arns("*")
                .protected_resource_arns(EBS)
                .build()
                .unwrap(),
        )
        .await,
        "not both",
    );
    assert_invalid(
        create(
            selection("aws_key")
                .protected_resource_arns("*")
                .protected_resource_conditions(
                    ProtectedResourceConditions::builder()
                        .string_equals(kv("aws:ResourceTag/team", "a"))
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .await,
        "aws:",
    );
    assert_invalid(
        create(
            selection("bad_type")
                .protected_resource_type("Redshift")
                .protected_resource_arns("*")
                .build()
                .unwrap(),
        )
        .await,
        "ProtectedResourceType",
    );
    assert_invalid(
        create(
            selection("window")
                .protected_resource_arns("*")
                .validation_window_hours(169)
                .build()
                .unwrap(),
        )
        .await,
        "ValidationWindowHours",
    );
    create(
        selection("by_tag")
            .protected_resource_arns("*")
            .protected_resource_conditions(by_team.clone())
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert_fails(
        create(
            selection("by_tag")
                .protected_resource_arns("*")
                .build()
                .unwrap(),
        )
        .await,
        400,
        "AlreadyExistsException",
        "by_tag",
    );
    assert_fails(
        c.create_restore_testing_selection()
            .restore_testing_plan_name("nope")
            .restore_testing_selection(selection("s").protected_resource_arns("*").build().unwrap())
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "nope",
    );

    // Switching from conditions to ARNs: the update sends the ARNs and clears the conditions;
    // ARNs with the conditions still there are refused.
    let update = |s: RestoreTestingSelectionForUpdate| {
        c.update_restore_testing_selection()
            .restore_testing_plan_name("p")
            .restore_testing_selection_name("by_tag")
            .restore_testing_selection(s)
            .send()
    };
    assert_invalid(
        update(
            RestoreTestingSelectionForUpdate::builder()
                .protected_resource_arns(EBS)
                .build(),
        )
        .await,
        "only be used with",
    );
    update(
        RestoreTestingSelectionForUpdate::builder()
            .protected_resource_arns(EBS)
            .protected_resource_conditions(ProtectedResourceConditions::builder().build())
            .validation_window_hours(6)
            .build(),
    )
    .await
    .unwrap();
    let s = c
        .get_restore_testing_selection()
        .restore_testing_plan_name("p")
        .restore_testing_selection_name("by_tag")
        .send()
        .await
        .unwrap()
        .restore_testing_selection
        .unwrap();
    assert_eq!(s.protected_resource_arns(), [EBS]);
    assert!(s
        .protected_resource_conditions()
        .unwrap()
        .string_equals()
        .is_empty());
    assert_eq!(s.validation_window_hours(), 6);
    assert_eq!(s.iam_role_arn(), ROLE, "what the update left out is kept");
}

#[tokio::test]
async fn restore_testing_lists_page_with_capitalised_keys() {
    let (ep, c) = setup().await;
    for name in ["a", "b", "c"] {
        make(&c, name).await;
    }
    let first = c
        .list_restore_testing_plans()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.restore_testing_plans().len(), 2);
    let token = first.next_token().expect("a second page").to_string();
    let second = c
        .list_restore_testing_plans()
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.restore_testing_plans().len(), 1);
    assert_eq!(second.next_token(), None);
    let (status, _, _) = http(
        ep.addr(),
        "GET",
        "/restore-testing/plans?MaxResults=0",
        None,
    );
    assert_eq!(status, 400);
}
