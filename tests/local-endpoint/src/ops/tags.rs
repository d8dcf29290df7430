//! TagResource / UntagResource / ListTags on vault, plan and recovery point ARNs.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::frameworks::Frameworks;
use super::report_plans::ReportPlans;
use super::restore_testing::RestoreTesting;
use super::{op, Operation, paginate, put_opt, Output, Request};
use crate::error::{ApiError, ApiResult};
use crate::state::{RegionState, Tags};
use crate::validate;

/// Tags of vaults, plans and recovery points.
pub const OPERATIONS: &[Operation] = &[
    op("POST", "/tags/{}", "TagResource", tag),
    op("GET", "/tags/{}/", "ListTags", list),
    op("POST", "/untag/{}", "UntagResource", untag),
];

/// The tags of the existing backup resource named by `arn` in the caller's
/// account and region.
fn tags_of<'a>(rs: &'a mut RegionState, arn: &str) -> ApiResult<&'a mut Tags> {
    let parsed = validate::parse_arn(arn)
        .ok_or_else(|| ApiError::invalid_param(format!("Invalid resource ARN {arn:?}")))?;
    if parsed.service != "backup" {
        return Err(ApiError::invalid_param(format!(
            "Only AWS Backup resources can be tagged; {arn} is not a backup ARN"
        )));
    }
    let missing = || ApiError::not_found(format!("Resource {arn} does not exist"));
    if parsed.region != rs.region || parsed.account != rs.account {
        return Err(missing());
    }
    let resource = parsed.resource.as_str();
    if let Some(name) = resource.strip_prefix("backup-vault:") {
        return rs.vault_mut(name).map(|v| &mut v.tags).ok_or_else(missing);
    }
    if let Some(id) = resource.strip_prefix("backup-plan:") {
        return rs
            .live_plan_mut(id)
            .map(|p| &mut p.tags)
            .ok_or_else(missing);
    }
    if resource.starts_with("restore-testing-plan:") {
        return rs
            .ext::<RestoreTesting>()
            .plans
            .values_mut()
            .find(|p| p.arn == arn)
            .map(|p| &mut p.tags)
            .ok_or_else(missing);
    }
    if resource.starts_with("framework:") {
        return rs
            .ext::<Frameworks>()
            .by_name
            .values_mut()
            .find(|f| f.arn == arn)
            .map(|f| &mut f.tags)
            .ok_or_else(missing);
    }
    if resource.starts_with("report-plan:") {
        return rs
            .ext::<ReportPlans>()
            .plans
            .values_mut()
            .find(|p| p.arn == arn)
            .map(|p| &mut p.tags)
            .ok_or_else(missing);
    }
    if resource.starts_with("recovery-point:") {
        return rs
            .vaults
            .iter_mut()
            .flat_map(|v| v.recovery_points.iter_mut())
            .find(|rp| rp.arn == arn)
            .map(|rp| &mut rp.tags)
            .ok_or_else(missing);
    }
    Err(missing())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    tags: Option<Tags>,
}

fn tag(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: TagInput = req.input()?;
    let new = input.tags.ok_or_else(|| ApiError::missing_param("Tags"))?;
    let tags = tags_of(rs, req.label(0))?;
    let mut merged = tags.clone();
    merged.extend(new);
    validate::tags(&merged)?;
    *tags = merged;
    Ok(None)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagInput {
    tag_key_list: Option<Vec<String>>,
}

fn untag(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let input: UntagInput = req.input()?;
    let keys = input
        .tag_key_list
        .ok_or_else(|| ApiError::missing_param("TagKeyList"))?;
    let tags = tags_of(rs, req.label(0))?;
    for k in keys {
        tags.remove(&k);
    }
    Ok(None)
}

fn list(rs: &mut RegionState, req: &Request) -> ApiResult<Output> {
    let tags = tags_of(rs, req.label(0))?;
    let items: Vec<(String, String)> = tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let (page, next) = paginate(items, req)?;
    let map: Map<String, Value> = page.into_iter().map(|(k, v)| (k, json!(v))).collect();
    let mut out = json!({ "Tags": map });
    put_opt(&mut out, "NextToken", next);
    Ok(Some(out))
}
