//! Global settings (who may describe and update them, per account) and Region settings (per
//! account and region, defaults, partial updates, unknown types).

use std::collections::HashMap;

use aws_sdk_backup::config::retry::RetryConfig;
use awsbackup_local_endpoint::LocalEndpoint;
use serde_json::json;

use crate::common::*;

const MANAGEMENT: &str = "111111111111";
const MEMBER: &str = "222222222222";
const OUTSIDER: &str = "333333333333";

fn as_account(ep: &LocalEndpoint, account: &str, region: &str) -> aws_sdk_backup::Client {
    client_for(&ep.url(), account, region, RetryConfig::disabled())
}

fn settings(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn global_settings_follow_the_callers_place_in_the_organization() {
    let ep = LocalEndpoint::start().await.unwrap();
    let outsider = as_account(&ep, OUTSIDER, "us-east-1");
    // No organization at all: describe and update both refuse.
    let f = assert_fails(
        outsider.describe_global_settings().send().await,
        400,
        "InvalidRequestException",
        "not a member of an organization",
    );
    assert_eq!(f.status, 400);
    let (status, _) = control(
        ep.addr(),
        "POST",
        "/_local/organization",
        Some(json!({ "managementAccount": MANAGEMENT, "memberAccounts": [MEMBER] })),
    );
    assert_eq!(status, 200);
    assert_fails(
        outsider
            .update_global_settings()
            .global_settings("isCrossAccountBackupEnabled", "true")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "not a member of an organization",
    );

    let management = as_account(&ep, MANAGEMENT, "us-east-1");
    let before = management.describe_global_settings().send().await.unwrap();
    assert_eq!(
        before.global_settings.unwrap(),
        settings(&[
            ("isCrossAccountBackupEnabled", "false"),
            ("isDelegatedAdministratorEnabled", "false"),
            ("isMpaEnabled", "false"),
        ])
    );
    assert!(before.last_update_time.is_none());
    management
        .update_global_settings()
        .global_settings("isCrossAccountBackupEnabled", "true")
        .send()
        .await
        .unwrap();
    // Global: another region of the same account sees it; the rest keep their values.
    let other_region = as_account(&ep, MANAGEMENT, "eu-west-1");
    let after = other_region
        .describe_global_settings()
        .send()
        .await
        .unwrap();
    let got = after.global_settings.unwrap();
    assert_eq!(got["isCrossAccountBackupEnabled"], "true");
    assert_eq!(got["isMpaEnabled"], "false");
    assert!(after.last_update_time.is_some());

    // A member may describe (its own, untouched settings) but not update.
    let member = as_account(&ep, MEMBER, "us-east-1");
    let seen = member.describe_global_settings().send().await.unwrap();
    assert_eq!(
        seen.global_settings.unwrap()["isCrossAccountBackupEnabled"],
        "false"
    );
    assert_fails(
        member
            .update_global_settings()
            .global_settings("isCrossAccountBackupEnabled", "true")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "management account",
    );

    // Reset forgets the organization.
    ep.reset();
    assert_fails(
        management.describe_global_settings().send().await,
        400,
        "InvalidRequestException",
        "not a member of an organization",
    );
}

#[tokio::test]
async fn global_settings_take_known_names_and_true_or_false() {
    let ep = LocalEndpoint::start().await.unwrap();
    ep.set_organization(json!({ "managementAccount": MANAGEMENT }))
        .unwrap();
    let c = as_account(&ep, MANAGEMENT, "us-east-1");
    assert_fails(
        c.update_global_settings()
            .global_settings("isCrossAccountBackupEnabled", "yes")
            .send()
            .await,
        400,
        "InvalidParameterValueException",
        "valid values: true, false",
    );
    assert_fails(
        c.update_global_settings()
            .global_settings("isEverythingEnabled", "true")
            .send()
            .await,
        400,
        "InvalidParameterValueException",
        "isCrossAccountBackupEnabled",
    );
    assert_fails(
        c.update_global_settings().send().await,
        400,
        "MissingParameterValueException",
        "GlobalSettings",
    );
    // Nothing changed.
    let got = c.describe_global_settings().send().await.unwrap();
    assert_eq!(
        got.global_settings.unwrap()["isCrossAccountBackupEnabled"],
        "false"
    );
    // A bad organization is refused by the control.
    assert!(ep
        .set_organization(json!({ "managementAccount": "12" }))
        .is_err());
    assert!(ep
        .set_organization(
            json!({ "managementAccount": MANAGEMENT, "memberAccounts": [MANAGEMENT] })
        )
        .is_err());
}

#[tokio::test]
async fn region_settings_report_every_type_and_take_partial_updates() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let before = c.describe_region_settings().send().await.unwrap();
    let opt_in = before.resource_type_opt_in_preference.unwrap();
    assert_eq!(opt_in.len(), 18, "{opt_in:?}");
    assert!(opt_in.values().all(|on| *on));
    assert!(opt_in["SAP HANA on Amazon EC2"]);
    let management = before.resource_type_management_preference.unwrap();
    assert_eq!(management.len(), 4);
    assert!(management["DynamoDB"] && management["EFS"]);
    // ResourceTypeOptInIncremental is newer than the SDK here: raw HTTP.
    let (status, raw) = control(ep.addr(), "GET", "/account-settings", None);
    assert_eq!(status, 200);
    assert_eq!(
        raw["ResourceTypeOptInIncremental"],
        json!({ "DynamoDB": false })
    );

    c.update_region_settings()
        .resource_type_opt_in_preference("S3", false)
        .resource_type_management_preference("DynamoDB", false)
        .send()
        .await
        .unwrap();
    let after = c.describe_region_settings().send().await.unwrap();
    let opt_in = after.resource_type_opt_in_preference.unwrap();
    assert!(!opt_in["S3"]);
    assert!(opt_in["EBS"], "a type left out keeps its value");
    assert!(!after.resource_type_management_preference.unwrap()["DynamoDB"]);

    // Per region and per account.
    let other = as_account(&ep, "123456789012", "eu-west-1");
    let there = other.describe_region_settings().send().await.unwrap();
    assert!(there.resource_type_opt_in_preference.unwrap()["S3"]);
    let other_account = as_account(&ep, OUTSIDER, "us-east-1");
    let theirs = other_account
        .describe_region_settings()
        .send()
        .await
        .unwrap();
    assert!(theirs.resource_type_opt_in_preference.unwrap()["S3"]);
}

#[tokio::test]
async fn region_settings_refuse_types_describe_does_not_list() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    assert_fails(
        c.update_region_settings()
            .resource_type_opt_in_preference("S4", true)
            .send()
            .await,
        400,
        "InvalidParameterValueException",
        "resource type opt in preference has invalid values",
    );
    // EBS is a type, but not one Backup manages fully.
    assert_fails(
        c.update_region_settings()
            .resource_type_management_preference("EBS", true)
            .send()
            .await,
        400,
        "InvalidParameterValueException",
        "management preference has invalid values",
    );
    let (status, body) = control(
        ep.addr(),
        "PUT",
        "/account-settings",
        Some(json!({ "ResourceTypeOptInIncremental": { "EFS": true } })),
    );
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("incremental has invalid values"),
        "{body}"
    );
    // A refused update changes nothing, even its valid keys.
    assert_fails(
        c.update_region_settings()
            .resource_type_opt_in_preference("S3", false)
            .resource_type_management_preference("EBS", true)
            .send()
            .await,
        400,
        "InvalidParameterValueException",
        "",
    );
    assert!(
        c.describe_region_settings()
            .send()
            .await
            .unwrap()
            .resource_type_opt_in_preference
            .unwrap()["S3"]
    );
    assert_fails(
        c.update_region_settings().send().await,
        400,
        "MissingParameterValueException",
        "",
    );
}
