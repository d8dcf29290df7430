//! `awsbackup:index:Selection`: a backup selection, the set of resources a backup plan protects.
//!
//! AWS has no update for selections, so every input replaces the selection when it changes. The
//! id is `<planId>|<selectionId>`, which is also the import id.
//!
//! `types.rs` holds the inputs and outputs, `checks.rs` their validation rules, `document.rs`
//! their conversion to and from the selection document AWS takes and answers; this file is the
//! resource's life cycle.

mod checks;
mod document;
mod types;

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use self::checks::check_selection;
pub use self::checks::SELECTION_NAME;
use self::document::{document, inputs_from, normalize};
pub use self::types::{
    SelectionArgs, SelectionConditionParameter, SelectionConditions, SelectionState,
    SelectionTagCondition,
};
use crate::aws::Selection as AwsSelection;
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::retry::{self, Poll, WaitError};

/// How long Create keeps retrying while AWS Backup cannot yet use the IAM role (a role that was
/// just created, or just given its permissions, takes a while to propagate); the create's custom
/// timeout replaces it.
pub const IAM_PROPAGATION_WINDOW: Duration = Duration::from_secs(120);
/// The first pause between those retries; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(5);

pub struct Selection;

/// Splits `<planId>|<selectionId>`.
fn parse_id(id: &str) -> Option<(&str, &str)> {
    let (plan, selection) = id.split_once('|')?;
    (!plan.is_empty() && !selection.is_empty() && !selection.contains('|'))
        .then_some((plan, selection))
}

fn id_error(id: &str) -> OpError {
    OpError::Failed(format!(
        "'{id}' is not a backup selection id: expected '<planId>|<selectionId>' \
         (e.g. `pulumi import {} <resource name> '<planId>|<selectionId>'`)",
        Selection::TOKEN
    ))
}

#[async_trait]
impl Resource for Selection {
    type Args = SelectionArgs;
    type State = SelectionState;

    const TOKEN: &'static str = "awsbackup:index:Selection";
    const REQUIRED_INPUTS: &'static [&'static str] = &["planId", "iamRoleArn"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[
        "planId",
        "name",
        "iamRoleArn",
        "resources",
        "notResources",
        "listOfTags",
        "conditions",
    ];
    const NAME: Option<NameRule> = Some(SELECTION_NAME);

    fn check(&self, ctx: &mut CheckContext, args: &mut SelectionArgs) {
        check_selection(ctx, args);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        normalize(old, new);
    }

    async fn create(
        &self,
        ctx: &Context,
        args: SelectionArgs,
    ) -> Result<(String, SelectionState), OpError> {
        let plan_id = args
            .plan_id
            .clone()
            .ok_or_else(|| OpError::Failed("invalid inputs: planId is missing".into()))?;
        let selection = document(&args)?;
        let role = &selection.iam_role_arn;
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let window = ctx.wait_budget(IAM_PROPAGATION_WINDOW);
        // A new IAM role takes a while before AWS Backup can use it: wait for it.
        let created = retry::wait(window, FIRST_PAUSE, MAX_PAUSE, || async {
            match ctx
                .api
                .create_selection(&plan_id, &selection, Some(&token))
                .await
            {
                Ok(created) => Ok(Poll::Done(created)),
                Err(e) if e.is_iam_not_ready() => {
                    tracing::debug!(role = %role, error = %e.message, "IAM role not usable by AWS Backup yet; retrying");
                    Ok(Poll::Pending(e.message))
                }
                Err(e) => Err(e),
            }
        })
        .await;
        let created = match created {
            Ok(created) => created,
            // The plan never existed, or it has been deleted.
            Err(WaitError::Failed(e)) if e.is_not_found() || e.is_plan_gone() => {
                return Err(OpError::Failed(format!(
                    "backup plan '{plan_id}' does not exist; create it first (an awsbackup:index:Plan) \
                     and pass its planId ({})",
                    e.message
                )))
            }
            Err(WaitError::Failed(e)) => return Err(e.into()),
            Err(WaitError::TimedOut { waited, last }) => {
                return Err(OpError::Failed(format!(
                    "AWS Backup still cannot use the IAM role '{role}' after retrying for {:.0}s: {last}. \
                     Check that the role's trust policy lets backup.amazonaws.com assume it and that it \
                     has the AWS Backup permissions (e.g. the AWSBackupServiceRolePolicyForBackup managed \
                     policy, which includes tag:GetResources)",
                    waited.as_secs_f64()
                )))
            }
            Err(WaitError::Cancelled) => {
                return Err(OpError::Failed("the operation was cancelled".into()))
            }
        };
        tracing::debug!(plan = %plan_id, selection = %created.selection_id, "created backup selection");
        let id = format!("{plan_id}|{}", created.selection_id);
        Ok((
            id,
            SelectionState {
                args,
                selection_id: created.selection_id,
                creation_date: created.creation_date,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<SelectionArgs>,
    ) -> Result<Option<ReadResult<SelectionArgs, SelectionState>>, OpError> {
        let (plan_id, selection_id) = parse_id(id).ok_or_else(|| id_error(id))?;
        let Some(live) = ctx.api.get_selection(plan_id, selection_id).await? else {
            return Ok(None);
        };
        Ok(Some(read_back(plan_id, &live, old)))
    }

    async fn update(
        &self,
        _ctx: &Context,
        id: &str,
        _old: SelectionState,
        _news: SelectionArgs,
    ) -> Result<SelectionState, OpError> {
        Err(OpError::Failed(format!(
            "backup selection '{id}' cannot be updated: AWS has no update for selections, so every \
             change replaces it (this is a provider bug; please report it)"
        )))
    }

    async fn delete(&self, ctx: &Context, id: &str, state: SelectionState) -> Result<(), OpError> {
        let (plan_id, selection_id) = match parse_id(id) {
            Some(ids) => ids,
            None => match state.args.plan_id.as_deref() {
                Some(plan) if !state.selection_id.is_empty() => (plan, state.selection_id.as_str()),
                _ => return Err(id_error(id)),
            },
        };
        if ctx.api.delete_selection(plan_id, selection_id).await? {
            tracing::debug!(plan = %plan_id, selection = %selection_id, "deleted backup selection");
        }
        Ok(())
    }
}

/// A live selection as the resource reads it: its inputs, shaped like `old` (the previous
/// inputs; `None` on import, and for `getSelection`), and its state.
pub fn read_back(
    plan_id: &str,
    live: &AwsSelection,
    old: Option<SelectionArgs>,
) -> ReadResult<SelectionArgs, SelectionState> {
    let inputs = inputs_from(plan_id, live, &old.unwrap_or_default());
    let state = SelectionState {
        args: inputs.clone(),
        selection_id: live.selection_id.clone(),
        creation_date: live.creation_date.clone(),
    };
    ReadResult { inputs, state }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_a_plan_id_and_a_selection_id() {
        assert_eq!(parse_id("plan-1|sel-1"), Some(("plan-1", "sel-1")));
        for bad in ["plan-1", "|sel-1", "plan-1|", "plan-1|sel|x"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }
}
