//! The control checks, the read back and the diff normalization.

use std::time::SystemTime;

use serde_json::json;

use super::checks::check_framework;
use super::document::{normalize, read_back};
use super::*;
use crate::aws::framework::{ControlScope, FrameworkControl};
use crate::aws::{FrameworkDocument, Tags};
use crate::config::ProviderConfig;
use crate::value::Marks;

/// (failures as (property, reason), warnings).
fn run(args: &FrameworkArgs) -> (Vec<(String, String)>, Vec<String>) {
    run_after(args, json!({}))
}

/// [`run`] for an update from the inputs `olds`.
fn run_after(args: &FrameworkArgs, olds: Value) -> (Vec<(String, String)>, Vec<String>) {
    let config = ProviderConfig::default();
    let marks = Marks::default();
    let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
    check_framework(&mut ctx, args);
    let (failures, warnings) = ctx.into_parts();
    (
        failures.into_iter().map(|f| (f.property, f.reason)).collect(),
        warnings,
    )
}

fn param(name: &str, value: &str) -> ControlInputParameterArgs {
    ControlInputParameterArgs {
        name: Some(name.into()),
        value: Some(value.into()),
    }
}

fn control(name: &str, params: &[(&str, &str)]) -> ControlArgs {
    ControlArgs {
        name: Some(name.into()),
        input_parameters: (!params.is_empty())
            .then(|| params.iter().map(|(n, v)| param(n, v)).collect()),
        scope: None,
    }
}

fn with(controls: Vec<ControlArgs>) -> FrameworkArgs {
    FrameworkArgs {
        name: Some("audit".into()),
        controls: Some(controls),
        ..Default::default()
    }
}

#[test]
fn every_documented_control_with_valid_parameters_passes() {
    let args = with(vec![
        control("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", &[]),
        control(
            "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            &[
                ("requiredFrequencyUnit", "hours"),
                ("requiredFrequencyValue", "12"),
                ("requiredRetentionDays", "35"),
            ],
        ),
        control(
            "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
            &[("requiredRetentionDays", "35")],
        ),
        control(
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            &[(
                "principalArnList",
                "arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b",
            )],
        ),
        control("BACKUP_RECOVERY_POINT_ENCRYPTED", &[]),
        control(
            "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
            &[("minRetentionDays", "7"), ("maxRetentionDays", "365")],
        ),
        control(
            "BACKUP_LAST_RECOVERY_POINT_CREATED",
            &[("recoveryPointAgeUnit", "hours"), ("recoveryPointAgeValue", "744")],
        ),
        control(
            "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
            &[("crossRegionList", "us-west-2,eu-west-1")],
        ),
        control(
            "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
            &[("crossAccountList", "111122223333")],
        ),
        control("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", &[("maxRestoreTime", "120")]),
    ]);
    assert_eq!(run(&args), (vec![], vec![]));
    assert_eq!(documented_controls().count(), 10);
}

#[test]
fn each_broken_rule_names_its_property() {
    let cases: Vec<(ControlArgs, &str, &str)> = vec![
        (
            control("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", &[]),
            "controls[0].inputParameters",
            "needs the parameter 'maxRestoreTime'",
        ),
        (
            control("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", &[("maxRestoreTime", "soon")]),
            "controls[0].inputParameters[0].value",
            "whole number",
        ),
        (
            control(
                "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                &[("requiredFrequencyUnit", "weeks")],
            ),
            "controls[0].inputParameters[0].value",
            "one of hours, days, got 'weeks'",
        ),
        (
            control(
                "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                &[("requiredFrequencyUnit", "hours"), ("requiredFrequencyValue", "25")],
            ),
            "controls[0].inputParameters[1].value",
            "from 1 to 24 for requiredFrequencyUnit 'hours'",
        ),
        (
            // Without a unit, AWS's default unit (days) bounds the value.
            control(
                "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                &[("requiredFrequencyValue", "32")],
            ),
            "controls[0].inputParameters[0].value",
            "from 1 to 31 for requiredFrequencyUnit 'days'",
        ),
        (
            control(
                "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                &[("requiredRetentionDays", "0")],
            ),
            "controls[0].inputParameters[0].value",
            "from 1 to 36500",
        ),
        (
            control(
                "BACKUP_LAST_RECOVERY_POINT_CREATED",
                &[("recoveryPointAgeUnit", "days"), ("recoveryPointAgeValue", "32")],
            ),
            "controls[0].inputParameters[1].value",
            "from 1 to 31",
        ),
        (
            control(
                "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
                &[("principalArnList", "arn:aws:iam::123456789012:user/bob")],
            ),
            "controls[0].inputParameters[0].value",
            "'arn:aws:iam::123456789012:user/bob' is not one",
        ),
        (
            control(
                "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
                &[("crossRegionList", "us-east-1,us-west-1,us-west-2,eu-west-1")],
            ),
            "controls[0].inputParameters[0].value",
            "at most 3",
        ),
        (
            control(
                "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
                &[("crossAccountList", "1234")],
            ),
            "controls[0].inputParameters[0].value",
            "'1234' is not one",
        ),
        (
            control(
                "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
                &[("minRetentionDays", "30"), ("maxRetentionDays", "7")],
            ),
            "controls[0].inputParameters",
            "minRetentionDays (30) is greater than maxRetentionDays (7)",
        ),
        (
            control(
                "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                &[("requiredRetentionDays", "35"), ("requiredRetentionDays", "36")],
            ),
            "controls[0].inputParameters[1].name",
            "given twice",
        ),
    ];
    for (c, property, part) in cases {
        let (failures, _) = run(&with(vec![c]));
        assert!(
            failures.iter().any(|(p, r)| p == property && r.contains(part)),
            "expected {property} / {part}, got {failures:?}"
        );
    }
}

#[test]
fn framework_level_rules_name_their_property() {
    let mut args = with(vec![
        control("BACKUP_RECOVERY_POINT_ENCRYPTED", &[]),
        control("BACKUP_RECOVERY_POINT_ENCRYPTED", &[]),
    ]);
    args.name = Some("1st".into());
    args.description = Some("  ".into());
    let (failures, _) = run(&args);
    let properties: Vec<&str> = failures.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(properties, vec!["name", "description", "controls[1].name"], "{failures:?}");
    assert_eq!(run(&with(vec![])).0[0].0, "controls");
    let mut scoped = control("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", &[]);
    scoped.scope = Some(ControlScopeArgs {
        compliance_resource_ids: Some(vec!["vol-1".into(), "vol-1".into()]),
        compliance_resource_types: Some(vec!["EBS".into(), "RDS".into()]),
        tags: Some([("a".into(), "1".into()), ("b".into(), "2".into())].into()),
    });
    let (failures, _) = run(&with(vec![scoped]));
    let properties: Vec<&str> = failures.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        properties,
        vec![
            "controls[0].scope.complianceResourceIds[1]",
            "controls[0].scope.complianceResourceTypes",
            "controls[0].scope.tags",
        ],
        "{failures:?}"
    );
}

#[test]
fn removing_the_description_fails_unless_the_framework_is_replaced() {
    let olds = json!({"name": "audit", "description": "old", "controls": []});
    let args = with(vec![control("BACKUP_RECOVERY_POINT_ENCRYPTED", &[])]);
    let (failures, _) = run_after(&args, olds.clone());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].0, "description");
    assert!(failures[0].1.contains("cannot remove"), "{failures:?}");
    // Another description, or a rename (a replacement), is fine.
    let mut described = args.clone();
    described.description = Some("new".into());
    assert_eq!(run_after(&described, olds.clone()).0, vec![]);
    let mut renamed = args.clone();
    renamed.name = Some("audit_two".into());
    assert_eq!(run_after(&renamed, olds).0, vec![]);
}

#[test]
fn an_unknown_control_or_parameter_warns_and_passes() {
    let (failures, warnings) = run(&with(vec![
        control("SOME_NEW_CONTROL", &[("anything", "1")]),
        control("BACKUP_RECOVERY_POINT_ENCRYPTED", &[("extra", "1")]),
    ]));
    assert_eq!(failures, vec![]);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("controls[0]: 'SOME_NEW_CONTROL' is not a control"));
    assert!(warnings[1].contains("controls[1].inputParameters[0].name"));
}

fn live() -> AwsFramework {
    AwsFramework {
        arn: "arn:aws:backup:us-east-1:123456789012:framework:audit-1".into(),
        document: FrameworkDocument {
            name: "audit".into(),
            description: None,
            controls: vec![
                FrameworkControl {
                    name: "B".into(),
                    input_parameters: vec![("y".into(), "2".into()), ("x".into(), "1".into())],
                    scope: Some(ControlScope {
                        compliance_resource_types: vec!["RDS".into(), "EBS".into()],
                        ..Default::default()
                    }),
                },
                FrameworkControl {
                    name: "A".into(),
                    input_parameters: vec![],
                    scope: Some(ControlScope::default()),
                },
            ],
        },
        creation_time: Some("2026-01-01T00:00:00Z".into()),
        deployment_status: Some("COMPLETED".into()),
        framework_status: Some("ACTIVE".into()),
    }
}

#[test]
fn read_back_keeps_the_previous_order_and_leaves_out_empty_scopes() {
    let imported = read_back(&live(), None, Tags::new()).inputs;
    let controls = imported.controls.unwrap();
    assert_eq!(controls[0].name.as_deref(), Some("B"));
    assert_eq!(controls[1].input_parameters, None);
    assert_eq!(controls[1].scope, None);
    let mut a = control("A", &[]);
    a.input_parameters = Some(vec![]);
    let mut b = control("B", &[("x", "1"), ("y", "2")]);
    b.scope = Some(ControlScopeArgs {
        compliance_resource_types: Some(vec!["EBS".into(), "RDS".into()]),
        ..Default::default()
    });
    let refreshed = read_back(&live(), Some(with(vec![a, b.clone()])), Tags::new()).inputs;
    let controls = refreshed.controls.unwrap();
    assert_eq!(controls[0].name.as_deref(), Some("A"));
    assert_eq!(controls[0].input_parameters, Some(vec![]));
    assert_eq!(controls[1], b);
}

#[test]
fn parameter_and_scope_order_and_empty_members_are_no_change() {
    let mut old = json!({"controls": [{
        "name": "B",
        "inputParameters": [{"name": "y", "value": "2"}, {"name": "x", "value": "1"}],
        "scope": {"complianceResourceTypes": ["RDS", "EBS"], "tags": {}},
    }, {"name": "A", "inputParameters": [], "scope": {}}]});
    let mut new = json!({"controls": [{
        "name": "B",
        "inputParameters": [{"name": "x", "value": "1"}, {"name": "y", "value": "2"}],
        "scope": {"complianceResourceTypes": ["EBS", "RDS"]},
    }, {"name": "A"}]});
    Framework.normalize_for_diff(&Value::Null, &mut old, &mut new);
    assert_eq!(old, new);
    // A changed value stays a change.
    let mut changed = json!({"controls": [{"name": "A",
        "inputParameters": [{"name": "x", "value": "2"}]}]});
    let mut before = json!({"controls": [{"name": "A",
        "inputParameters": [{"name": "x", "value": "1"}]}]});
    normalize(&mut changed);
    normalize(&mut before);
    assert_ne!(before, changed);
}

#[test]
fn an_update_is_sent_only_for_a_change_beyond_order_and_tags() {
    let a = with(vec![control("A", &[("x", "1")]), control("B", &[])]);
    let mut reordered = with(vec![control("B", &[]), control("A", &[("x", "1")])]);
    reordered.tags = Some([("team".into(), "a".into())].into());
    assert_eq!(framework_part(&a), framework_part(&reordered));
    let changed = with(vec![control("A", &[("x", "2")]), control("B", &[])]);
    assert_ne!(framework_part(&a), framework_part(&changed));
}
