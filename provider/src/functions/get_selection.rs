//! `awsbackup:index:getSelection`: a backup selection looked up by its plan and id.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;

use super::location;
use crate::function::Function;
use crate::resource::{CheckContext, Context, OpError};
use crate::resources::selection::{read_back, SelectionState};

/// Looks up a backup selection by its plan's id and its own id, in the provider's account and
/// region. It reports what the `Selection` resource outputs after an import. Calls
/// GetBackupSelection, at preview too.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetSelectionArgs {
    /// The id of the backup plan the selection belongs to.
    pub plan_id: String,
    /// The selection's id within its plan.
    pub selection_id: String,
}

pub struct GetSelection;

#[async_trait]
impl Function for GetSelection {
    type Args = GetSelectionArgs;
    type Output = SelectionState;

    const TOKEN: &'static str = "awsbackup:index:getSelection";

    fn check(&self, ctx: &mut CheckContext, args: &GetSelectionArgs) {
        for (property, value) in [("planId", &args.plan_id), ("selectionId", &args.selection_id)] {
            if value.is_empty() {
                ctx.fail(property, "must not be empty");
            } else if value.contains('|') {
                // The Selection resource's id, `<planId>|<selectionId>`, given whole.
                ctx.fail(
                    property,
                    format!(
                        "'{value}' contains '|': give the plan id and the selection id separately"
                    ),
                );
            }
        }
    }

    async fn invoke(
        &self,
        ctx: &Context,
        args: GetSelectionArgs,
    ) -> Result<SelectionState, OpError> {
        let GetSelectionArgs {
            plan_id,
            selection_id,
        } = args;
        let Some(live) = ctx.api.get_selection(&plan_id, &selection_id).await? else {
            return Err(OpError::Failed(format!(
                "getSelection: no backup selection '{selection_id}' in backup plan '{plan_id}' \
                 in {} (or no such plan)",
                location(ctx).await
            )));
        };
        Ok(read_back(&plan_id, &live, None).state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderConfig;
    use crate::value::Marks;
    use serde_json::json;
    use std::time::SystemTime;

    fn failures(plan_id: &str, selection_id: &str) -> Vec<(String, String)> {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new(
            GetSelection::TOKEN,
            &config,
            &olds,
            &marks,
            SystemTime::now(),
        );
        let args = GetSelectionArgs {
            plan_id: plan_id.into(),
            selection_id: selection_id.into(),
        };
        GetSelection.check(&mut ctx, &args);
        ctx.into_parts()
            .0
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect()
    }

    #[test]
    fn both_ids_are_given_and_separate() {
        assert!(failures("plan-1", "sel-1").is_empty());
        assert_eq!(
            failures("", "sel-1"),
            [("planId".to_string(), "must not be empty".to_string())]
        );
        let whole = failures("plan-1", "plan-1|sel-1");
        assert_eq!(whole.len(), 1, "{whole:?}");
        assert_eq!(whole[0].0, "selectionId");
        assert!(whole[0].1.contains("separately"), "{whole:?}");
    }
}
