//! `awsbackup:index:getPlan`: a backup plan looked up by id, or by name.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::location;
use crate::function::Function;
use crate::resource::{CheckContext, Context, OpError};
use crate::resources::plan::{read_back, PlanState, PLAN_NAME};
use crate::resources::tags;

/// Looks up a backup plan in the provider's account and region, by `planId` or by `name`
/// (exactly one of them). It reports the plan as the `Plan` resource does after an import: rule
/// fields that hold AWS's defaults are left out. By name, exactly one plan must have the name.
/// Calls GetBackupPlan and ListTags (and ListBackupPlans by name), at preview too.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetPlanArgs {
    /// The plan id. Give either `planId` or `name`.
    pub plan_id: Option<String>,
    /// The plan name (1 to 50 letters, digits, `-`, `_` and `.`), which exactly one plan of the
    /// account and region must have. Give either `planId` or `name`.
    pub name: Option<String>,
}

/// A backup plan as AWS reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetPlanResult {
    #[serde(flatten)]
    pub plan: PlanState,
    /// When the plan was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
}

pub struct GetPlan;

/// The ids of the plans of `listed` (id, name) named `name`.
fn ids_named<'a>(name: &str, listed: &'a [(String, String)]) -> Vec<&'a str> {
    listed
        .iter()
        .filter(|(_, n)| n == name)
        .map(|(id, _)| id.as_str())
        .collect()
}

/// Why a lookup by name found not one plan but `ids`, `place` saying where it looked.
fn not_one(name: &str, ids: &[&str], place: &str) -> String {
    match ids {
        [] => format!("getPlan: no backup plan named '{name}' in {place}"),
        many => format!(
            "getPlan: {} backup plans are named '{name}' in {place}: {}; look one up by planId",
            many.len(),
            many.join(", ")
        ),
    }
}

#[async_trait]
impl Function for GetPlan {
    type Args = GetPlanArgs;
    type Output = GetPlanResult;

    const TOKEN: &'static str = "awsbackup:index:getPlan";

    fn check(&self, ctx: &mut CheckContext, args: &GetPlanArgs) {
        match (&args.plan_id, &args.name) {
            (None, None) => ctx.fail("planId", "give the plan's planId, or its name"),
            (Some(_), Some(_)) => ctx.fail("name", "give either planId or name, not both"),
            (Some(id), None) if id.is_empty() => ctx.fail("planId", "must not be empty"),
            (Some(_), None) => {}
            (None, Some(name)) => {
                if let Err(reason) = PLAN_NAME.check(name) {
                    ctx.fail("name", reason);
                }
            }
        }
    }

    async fn invoke(&self, ctx: &Context, args: GetPlanArgs) -> Result<GetPlanResult, OpError> {
        let id = match (args.plan_id, args.name) {
            (Some(id), _) => id,
            (None, Some(name)) => {
                let listed = ctx.api.list_plans().await?;
                match ids_named(&name, &listed).as_slice() {
                    [id] => id.to_string(),
                    ids => return Err(OpError::Failed(not_one(&name, ids, &location(ctx).await))),
                }
            }
            (None, None) => {
                return Err(OpError::Failed(
                    "getPlan: give the plan's planId, or its name".into(),
                ))
            }
        };
        let Some(plan) = ctx.api.get_plan(&id).await? else {
            return Err(OpError::Failed(format!(
                "getPlan: no backup plan with id '{id}' in {}",
                location(ctx).await
            )));
        };
        let live_tags = tags::managed(ctx.api.list_tags(&plan.arn).await?);
        let mut state = read_back(&plan, None, live_tags.clone()).state;
        // Always a map, empty when the plan has no tags.
        state.tags = Some(live_tags);
        Ok(GetPlanResult {
            plan: state,
            creation_date: plan.creation_date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;
    use serde_json::json;
    use std::time::SystemTime;

    fn failures(plan_id: Option<&str>, name: Option<&str>) -> Vec<(String, String)> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new(GetPlan::TOKEN, &config, &olds, &marks, SystemTime::now());
        let args = GetPlanArgs {
            plan_id: plan_id.map(String::from),
            name: name.map(String::from),
        };
        GetPlan.check(&mut ctx, &args);
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    fn pair(property: &str, reason: &str) -> Vec<(String, String)> {
        vec![(property.to_string(), reason.to_string())]
    }

    #[test]
    fn exactly_one_of_plan_id_and_name() {
        assert!(failures(Some("plan-1"), None).is_empty());
        assert!(failures(None, Some("daily.plan")).is_empty());
        assert_eq!(
            failures(None, None),
            pair("planId", "give the plan's planId, or its name")
        );
        assert_eq!(
            failures(Some("plan-1"), Some("daily")),
            pair("name", "give either planId or name, not both")
        );
        assert_eq!(
            failures(Some(""), None),
            pair("planId", "must not be empty")
        );
    }

    #[test]
    fn the_name_follows_the_plan_name_rule() {
        let bad = failures(None, Some("daily plan"));
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].0, "name");
        assert!(
            bad[0].1.starts_with("a backup plan name may contain only"),
            "{bad:?}"
        );
    }

    #[test]
    fn by_name_exactly_one_plan_must_have_it() {
        let listed = vec![
            ("id-a".to_string(), "daily".to_string()),
            ("id-b".to_string(), "weekly".to_string()),
            ("id-c".to_string(), "daily".to_string()),
        ];
        assert_eq!(ids_named("weekly", &listed), ["id-b"]);
        assert!(ids_named("monthly", &listed).is_empty());
        assert_eq!(
            not_one("monthly", &[], "us-east-1"),
            "getPlan: no backup plan named 'monthly' in us-east-1"
        );
        let two = ids_named("daily", &listed);
        assert_eq!(
            not_one("daily", &two, "us-east-1 (account 123456789012)"),
            "getPlan: 2 backup plans are named 'daily' in us-east-1 (account 123456789012): \
             id-a, id-c; look one up by planId"
        );
    }
}
