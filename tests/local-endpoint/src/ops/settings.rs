//! Global settings (per account, cross-account management options) and Region settings (per
//! account and region, which resource types Backup protects and manages).
//!
//! Global settings are not per region: they live in the store-wide extensions, keyed by account,
//! next to the organization `POST /_local/organization` sets. Only the organization's management
//! account may update them; an account outside any organization cannot even describe them.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::{json, Value};

use super::{op, Operation, Output, Request};
use crate::clock::Timestamp;
use crate::error::{ApiError, ApiResult};
use crate::state::{Membership, Organization, RegionState};

pub const OPERATIONS: &[Operation] = &[
    op(
        "PUT",
        "/global-settings",
        "UpdateGlobalSettings",
        update_global,
    ),
    op(
        "GET",
        "/global-settings",
        "DescribeGlobalSettings",
        describe_global,
    ),
    op(
        "PUT",
        "/account-settings",
        "UpdateRegionSettings",
        update_region,
    ),
    op(
        "GET",
        "/account-settings",
        "DescribeRegionSettings",
        describe_region,
    ),
];

/// The global settings and their value before any update: every option off.
pub const GLOBAL_DEFAULTS: &[(&str, &str)] = &[
    ("isCrossAccountBackupEnabled", "false"),
    ("isDelegatedAdministratorEnabled", "false"),
    ("isMpaEnabled", "false"),
];

/// The resource types of ResourceTypeOptInPreference (DescribeRegionSettings lists them all),
/// each opted in: the first use of Backup in a region opts in every type supported then, and the
/// endpoint's regions are first used today.
pub const OPT_IN_TYPES: &[&str] = &[
    "Aurora",
    "CloudFormation",
    "DSQL",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
];

/// The types of ResourceTypeManagementPreference, each fully managed by default (advanced
/// DynamoDB backup is on for accounts that started using Backup after November 2021).
pub const MANAGEMENT_TYPES: &[&str] = &["CloudFormation", "DSQL", "DynamoDB", "EFS"];

/// The types of ResourceTypeOptInIncremental, each off by default.
pub const INCREMENTAL_TYPES: &[&str] = &["DynamoDB"];

/// Each account's global settings, once updated (an account never updated has the defaults).
#[derive(Default)]
struct GlobalSettings {
    by_account: HashMap<String, (BTreeMap<String, String>, Timestamp)>,
}

fn membership(rs: &RegionState) -> Membership {
    rs.global(|o: &mut Option<Organization>| Organization::membership(o.as_ref(), &rs.account))
}

/// AWS's answer to an account outside any organization.
fn not_in_organization() -> ApiError {
    ApiError::invalid_request("Your account is not a member of an organization.")
        .with_code("ERROR_9601")
}

#[derive(Deserialize)]
struct UpdateGlobalInput {
    #[serde(rename = "GlobalSettings")]
    settings: Option<BTreeMap<String, String>>,
}

fn update_global(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UpdateGlobalInput = req.input()?;
    match membership(rs) {
        Membership::Management => {}
        Membership::Member => {
            return Err(ApiError::invalid_request(
                "Global settings can only be updated by the management account of the \
                 organization.",
            ))
        }
        Membership::Outside => return Err(not_in_organization()),
    }
    let settings = input
        .settings
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing_param("GlobalSettings"))?;
    for (key, value) in &settings {
        if !GLOBAL_DEFAULTS.iter().any(|(k, _)| k == key) {
            let names: Vec<&str> = GLOBAL_DEFAULTS.iter().map(|(k, _)| *k).collect();
            return Err(ApiError::invalid_param(format!(
                "Invalid global setting {key:?}; valid settings: {}",
                names.join(", ")
            )));
        }
        if value != "true" && value != "false" {
            return Err(ApiError::invalid_param(format!(
                "Invalid value {value:?} for {key}; valid values: true, false"
            )));
        }
    }
    let account = rs.account.clone();
    rs.global(|g: &mut GlobalSettings| {
        let entry = g.by_account.entry(account).or_insert_with(|| {
            let defaults = GLOBAL_DEFAULTS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()));
            (defaults.collect(), req.now)
        });
        entry.0.extend(settings);
        entry.1 = req.now;
    });
    Ok(None)
}

fn describe_global(rs: &mut RegionState, _req: &Request) -> ApiResult<Output> {
    if membership(rs) == Membership::Outside {
        return Err(not_in_organization());
    }
    let account = rs.account.clone();
    let stored = rs.global(|g: &mut GlobalSettings| g.by_account.get(&account).cloned());
    Ok(Some(match stored {
        Some((settings, updated)) => json!({ "GlobalSettings": settings, "LastUpdateTime": updated }),
        None => {
            let defaults: BTreeMap<&str, &str> = GLOBAL_DEFAULTS.iter().copied().collect();
            json!({ "GlobalSettings": defaults })
        }
    }))
}

/// A region's settings: every type AWS reports, with its value.
struct RegionSettings {
    opt_in: BTreeMap<String, bool>,
    management: BTreeMap<String, bool>,
    incremental: BTreeMap<String, bool>,
}

impl Default for RegionSettings {
    fn default() -> Self {
        let all = |types: &[&str], on: bool| types.iter().map(|t| (t.to_string(), on)).collect();
        RegionSettings {
            opt_in: all(OPT_IN_TYPES, true),
            management: all(MANAGEMENT_TYPES, true),
            incremental: all(INCREMENTAL_TYPES, false),
        }
    }
}

#[derive(Deserialize)]
struct UpdateRegionInput {
    #[serde(rename = "ResourceTypeOptInPreference")]
    opt_in: Option<BTreeMap<String, bool>>,
    #[serde(rename = "ResourceTypeManagementPreference")]
    management: Option<BTreeMap<String, bool>>,
    #[serde(rename = "ResourceTypeOptInIncremental")]
    incremental: Option<BTreeMap<String, bool>>,
}

/// Refuses a key the map does not have, in AWS's words ("Element present in resource type opt in
/// preference has invalid values...").
fn check_keys(what: &str, given: &BTreeMap<String, bool>, valid: &[&str]) -> ApiResult<()> {
    if given.keys().all(|k| valid.contains(&k.as_str())) {
        return Ok(());
    }
    Err(ApiError::invalid_param(format!(
        "Element present in {what} has invalid values. Please use describeRegionSettings API \
         to find valid resource types."
    )))
}

fn update_region(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UpdateRegionInput = req.input()?;
    if input.opt_in.is_none() && input.management.is_none() && input.incremental.is_none() {
        return Err(ApiError::missing_param("ResourceTypeOptInPreference"));
    }
    let opt_in = input.opt_in.unwrap_or_default();
    let management = input.management.unwrap_or_default();
    let incremental = input.incremental.unwrap_or_default();
    check_keys("resource type opt in preference", &opt_in, OPT_IN_TYPES)?;
    check_keys(
        "resource type management preference",
        &management,
        MANAGEMENT_TYPES,
    )?;
    check_keys(
        "resource type opt in incremental",
        &incremental,
        INCREMENTAL_TYPES,
    )?;
    let s = rs.ext::<RegionSettings>();
    s.opt_in.extend(opt_in);
    s.management.extend(management);
    s.incremental.extend(incremental);
    Ok(None)
}

fn describe_region(rs: &mut RegionState, _req: &Request) -> ApiResult<Output> {
    let s = rs.ext::<RegionSettings>();
    let map = |m: &BTreeMap<String, bool>| -> Value { json!(m) };
    Ok(Some(json!({
        "ResourceTypeOptInPreference": map(&s.opt_in),
        "ResourceTypeManagementPreference": map(&s.management),
        "ResourceTypeOptInIncremental": map(&s.incremental),
    })))
}
