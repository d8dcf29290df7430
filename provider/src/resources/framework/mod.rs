//! `awsbackup:index:Framework`: a Backup Audit Manager framework.
//!
//! The id and the import id are the framework name. Every input but the name changes in place
//! (UpdateFramework, which replaces the whole control list; tags through Tag/UntagResource).
//! Create and update wait until AWS has deployed the framework (`DeploymentStatus`
//! `COMPLETED`); a wait cut short leaves the framework in the state, partly done, rather than
//! behind. Controls are matched by name, their parameters by name too, and the scope's lists are
//! sets, so no reordering is a change.

mod checks;
mod document;
mod types;

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

pub use self::types::{
    ControlArgs, ControlInputParameterArgs, ControlScopeArgs, FrameworkArgs, FrameworkState,
};
use crate::aws::framework::{DEPLOYMENT_COMPLETED, DEPLOYMENT_FAILED};
use crate::aws::{AwsError, Framework as AwsFramework};
use crate::naming::NameRule;
use crate::resource::{creator_request_id, CheckContext, Context, OpError, ReadResult, Resource};
use crate::resources::tags;
use crate::retry::{self, Poll, WaitError};

pub use self::checks::documented_controls;
pub use self::document::read_back;

/// Framework names: 1 to 256 letters, digits and underscores (the first a letter, which
/// `check` adds).
pub const FRAMEWORK_NAME: NameRule = NameRule {
    field: "name",
    what: "a framework name",
    min_len: 1,
    max_len: 256,
    allowed: |c| c.is_ascii_alphanumeric() || c == '_',
    allowed_text: "letters, digits and underscores (_)",
};

/// How long a create or an update waits for AWS to deploy the framework, and a delete to be let
/// through while a deployment runs (the operation's custom timeout replaces it).
const DEPLOY_WAIT: Duration = Duration::from_secs(300);

/// How a wait for the deployment ended.
enum Deployment {
    Completed(AwsFramework),
    Failed(AwsFramework),
    /// Still deploying (or not reported) when the wait ended: why it ended.
    Pending(String),
}

/// Polls the framework until AWS reports its deployment completed or failed.
async fn wait_deployed(ctx: &Context, name: &str) -> Result<Deployment, AwsError> {
    let budget = ctx.wait_budget(DEPLOY_WAIT);
    let waited = retry::wait(budget, Duration::from_millis(500), Duration::from_secs(15), || async {
        Ok::<_, AwsError>(match ctx.api.describe_framework(name).await? {
            Some(f) if f.deployment_status.as_deref() == Some(DEPLOYMENT_FAILED) => {
                Poll::Done(Deployment::Failed(f))
            }
            Some(f) if f.deployment_status.as_deref() == Some(DEPLOYMENT_COMPLETED) => {
                Poll::Done(Deployment::Completed(f))
            }
            Some(f) => Poll::Pending(format!(
                "its deployment is {}",
                f.deployment_status.unwrap_or_else(|| "not reported".into())
            )),
            // Just created: AWS may not report it for a moment.
            None => Poll::Pending("AWS does not report the framework yet".into()),
        })
    })
    .await;
    match waited {
        Ok(d) => Ok(d),
        Err(WaitError::Failed(e)) => Err(e),
        Err(WaitError::TimedOut { waited, last }) => Ok(Deployment::Pending(format!(
            "not deployed after {:.0}s ({last})",
            waited.as_secs_f64()
        ))),
        Err(WaitError::Cancelled) => Ok(Deployment::Pending("the operation was cancelled".into())),
    }
}

/// Finishes a create or an update: waits for the deployment. Anything short of `COMPLETED`
/// answers a partial result holding `pending`, so that the framework stays in the state.
async fn settle(
    ctx: &Context,
    name: &str,
    what: &str,
    pending: FrameworkState,
) -> Result<FrameworkState, OpError> {
    let state_of = |f: &AwsFramework, pending: &FrameworkState| FrameworkState {
        arn: if f.arn.is_empty() { pending.arn.clone() } else { f.arn.clone() },
        deployment_status: f.deployment_status.clone(),
        status: f.framework_status.clone(),
        creation_time: f.creation_time.clone().or_else(|| pending.creation_time.clone()),
        args: pending.args.clone(),
    };
    match wait_deployed(ctx, name).await {
        Ok(Deployment::Completed(f)) => Ok(state_of(&f, &pending)),
        Ok(Deployment::Failed(f)) => Err(OpError::partial(
            name,
            &state_of(&f, &pending),
            format!(
                "AWS {what} framework '{name}' but failed deploying it (DeploymentStatus FAILED); \
                 Backup Audit Manager needs AWS Config to record the resource types its controls \
                 evaluate (resource tracking). The framework is kept in the state: fix the cause \
                 and run `pulumi up` again, or destroy it"
            ),
        )),
        Ok(Deployment::Pending(why)) => Err(OpError::partial(
            name,
            &pending,
            format!(
                "AWS {what} framework '{name}' but it is {why}; the next `pulumi refresh` or \
                 `pulumi up` sees how it ended"
            ),
        )),
        Err(e) => Err(OpError::partial(
            name,
            &pending,
            format!("AWS {what} framework '{name}', but looking at its deployment failed: {e}"),
        )),
    }
}

fn missing_framework(id: &str, e: impl std::fmt::Display) -> OpError {
    OpError::Failed(format!(
        "framework '{id}' no longer exists; run `pulumi refresh` ({e})"
    ))
}

/// The inputs with tags left out, normalized: what UpdateFramework changes.
fn framework_part(args: &FrameworkArgs) -> Value {
    let mut v = serde_json::to_value(FrameworkArgs {
        tags: None,
        ..args.clone()
    })
    .unwrap_or_default();
    document::normalize(&mut v);
    if let Some(list) = v.get_mut("controls").and_then(Value::as_array_mut) {
        list.sort_by_key(|c| c.get("name").map(Value::to_string).unwrap_or_default());
    }
    v
}

pub struct Framework;

#[async_trait]
impl Resource for Framework {
    type Args = FrameworkArgs;
    type State = FrameworkState;

    const TOKEN: &'static str = "awsbackup:index:Framework";
    const REQUIRED_INPUTS: &'static [&'static str] = &["controls"];
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const NAME: Option<NameRule> = Some(FRAMEWORK_NAME);
    const KEYED_LISTS: &'static [(&'static str, &'static str)] = &[("controls", "name")];

    fn check(&self, ctx: &mut CheckContext, args: &mut FrameworkArgs) {
        checks::check_framework(ctx, args);
        tags::check(ctx, &mut args.tags);
    }

    fn normalize_for_diff(&self, _old_state: &Value, old: &mut Value, new: &mut Value) {
        document::normalize(old);
        document::normalize(new);
    }

    async fn create(
        &self,
        ctx: &Context,
        args: FrameworkArgs,
    ) -> Result<(String, FrameworkState), OpError> {
        let name = args.name.clone().unwrap_or_default();
        // The same token for a retried create of the same resource: AWS answers the framework
        // the first attempt made.
        let token = creator_request_id::<Self>(&ctx.urn, &args);
        let tags = args.tags.clone().unwrap_or_default();
        let arn = ctx
            .api
            .create_framework(&document::document(&name, &args), &tags, &token)
            .await
            .map_err(|e| {
                if e.is_already_exists() {
                    OpError::Failed(format!(
                        "a framework named '{name}' already exists in this account and region \
                         (or the token of this create was used by another request); adopt it \
                         with `pulumi import {} <resource name> {name}` or choose another name \
                         ({e})",
                        Self::TOKEN
                    ))
                } else {
                    e.into()
                }
            })?;
        tracing::debug!(framework = %name, "created framework");
        let pending = FrameworkState {
            args,
            arn,
            deployment_status: None,
            status: None,
            creation_time: None,
        };
        let state = settle(ctx, &name, "created", pending).await?;
        Ok((name, state))
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        old: Option<FrameworkArgs>,
    ) -> Result<Option<ReadResult<FrameworkArgs, FrameworkState>>, OpError> {
        let Some(fw) = ctx.api.describe_framework(id).await? else {
            return Ok(None);
        };
        let live_tags = tags::managed(ctx.api.list_tags(&fw.arn).await?);
        Ok(Some(read_back(&fw, old, live_tags)))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        old: FrameworkState,
        news: FrameworkArgs,
    ) -> Result<FrameworkState, OpError> {
        let gone = |e: AwsError| {
            if e.is_not_found() {
                missing_framework(id, e)
            } else {
                e.into()
            }
        };
        let mut state = FrameworkState {
            args: news.clone(),
            ..old.clone()
        };
        let what = format!("framework '{id}'");
        tags::update(ctx.api.as_ref(), &what, &old.arn, &old.args.tags, &news.tags).await?;
        if framework_part(&old.args) != framework_part(&news) {
            ctx.api
                .update_framework(&document::document(id, &news))
                .await
                .map_err(gone)?;
            tracing::debug!(framework = %id, "updated framework");
            state = settle(ctx, id, "updated", state).await?;
        }
        Ok(state)
    }

    async fn delete(&self, ctx: &Context, id: &str, _state: FrameworkState) -> Result<(), OpError> {
        // AWS refuses the delete while a deployment runs: retried until it is let through.
        let budget = ctx.wait_budget(DEPLOY_WAIT);
        let deleted = retry::wait(budget, Duration::from_millis(500), Duration::from_secs(15), || async {
            match ctx.api.delete_framework(id).await {
                Ok(true) => {
                    tracing::debug!(framework = %id, "deleted framework");
                    Ok(Poll::Done(()))
                }
                Ok(false) => {
                    tracing::debug!(framework = %id, "framework already gone");
                    Ok(Poll::Done(()))
                }
                Err(e) if e.is_conflict() => Ok(Poll::Pending(e.message)),
                Err(e) => Err(OpError::from(e)),
            }
        })
        .await;
        match deleted {
            Ok(()) => Ok(()),
            Err(WaitError::Failed(e)) => Err(e),
            Err(WaitError::TimedOut { waited, last }) => Err(OpError::Failed(format!(
                "framework '{id}' is still being deployed after {:.0}s, and AWS refuses to delete \
                 it meanwhile: {last}",
                waited.as_secs_f64()
            ))),
            Err(WaitError::Cancelled) => Err(OpError::Failed("the operation was cancelled".into())),
        }
    }
}

#[cfg(test)]
mod tests;
