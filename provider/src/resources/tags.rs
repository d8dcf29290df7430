//! Tag rules and tag reconciliation shared by the taggable resources.

use crate::aws::{AwsError, BackupApi, Tags};
use crate::resource::{CheckContext, OpError};

const MAX_TAGS: usize = 50;
const MAX_KEY_LEN: usize = 128;
const MAX_VALUE_LEN: usize = 256;

/// Merges the provider's defaultTags under the resource's tags and checks AWS's tag limits.
pub fn check(ctx: &mut CheckContext, tags: &mut Option<Tags>) {
    if let Some(defaults) = ctx.config.default_tags.clone().filter(|d| !d.is_empty()) {
        let mut merged = defaults;
        merged.extend(tags.take().unwrap_or_default());
        *tags = Some(merged);
    }
    let Some(tags) = tags else { return };
    if tags.len() > MAX_TAGS && !ctx.is_unknown("tags") {
        ctx.fail(
            "tags",
            format!(
                "at most {MAX_TAGS} tags are allowed per resource, got {}",
                tags.len()
            ),
        );
    }
    for (key, value) in tags.iter() {
        let path = crate::value::Path::root().key("tags").key(key);
        let key_len = key.chars().count();
        if key_len == 0 || key_len > MAX_KEY_LEN {
            ctx.fail(
                &path,
                format!("tag keys must be 1 to {MAX_KEY_LEN} characters long, got {key_len}"),
            );
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            ctx.fail(&path, "tag keys starting with 'aws:' are reserved for AWS");
        }
        let value_len = value.chars().count();
        if value_len > MAX_VALUE_LEN {
            ctx.fail(
                &path,
                format!(
                    "tag values may be at most {MAX_VALUE_LEN} characters long, got {value_len}"
                ),
            );
        }
    }
}

/// Makes the resource's tags on AWS equal `desired`, whatever they are now (one ListTags more
/// than [`change`]); AWS's own `aws:` tags are left alone.
pub async fn reconcile(api: &dyn BackupApi, arn: &str, desired: &Tags) -> Result<(), AwsError> {
    let current = api.list_tags(arn).await?;
    change(api, arn, &current, desired).await
}

/// Changes the resource's tags from `current` (as last recorded) to `desired`: one UntagResource
/// for the keys that go, one TagResource for the ones that are new or changed, nothing else.
pub async fn change(
    api: &dyn BackupApi,
    arn: &str,
    current: &Tags,
    desired: &Tags,
) -> Result<(), AwsError> {
    let stale: Vec<String> = current
        .keys()
        .filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    if !stale.is_empty() {
        api.untag_resource(arn, &stale).await?;
    }
    let changed: Tags = desired
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        api.tag_resource(arn, &changed).await?;
    }
    Ok(())
}

/// An update's tag change, when the tags changed: [`change`] from the recorded tags, failing
/// with advice to refresh when AWS no longer has `what` (say "backup vault 'v1'").
pub async fn update(
    api: &dyn BackupApi,
    what: &str,
    arn: &str,
    recorded: &Option<Tags>,
    desired: &Option<Tags>,
) -> Result<(), OpError> {
    if recorded == desired {
        return Ok(());
    }
    let none = Tags::new();
    change(
        api,
        arn,
        recorded.as_ref().unwrap_or(&none),
        desired.as_ref().unwrap_or(&none),
    )
    .await
    .map_err(|e| {
        if e.is_not_found() {
            OpError::Failed(format!(
                "{what} no longer exists; run `pulumi refresh` ({e})"
            ))
        } else {
            e.into()
        }
    })
}

/// The user-visible tags of a resource: AWS's own `aws:` tags are not managed.
pub fn managed(tags: Tags) -> Tags {
    tags.into_iter()
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    use crate::config::ProviderConfig;
    use crate::value::Marks;
    use serde_json::json;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The tags after `check`, and the failing properties.
    fn run(defaults: Option<Tags>, given: Option<Tags>) -> (Option<Tags>, Vec<String>) {
        let config = ProviderConfig {
            default_tags: defaults,
            ..ProviderConfig::default()
        };
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        let mut given = given;
        check(&mut ctx, &mut given);
        let (failures, _) = ctx.into_parts();
        (given, failures.into_iter().map(|f| f.property).collect())
    }

    #[test]
    fn default_tags_go_under_the_resources_own() {
        let defaults = tags(&[("team", "platform"), ("env", "dev")]);
        let (merged, failures) = run(Some(defaults.clone()), Some(tags(&[("env", "prod")])));
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(merged, Some(tags(&[("team", "platform"), ("env", "prod")])));
        // Without tags of its own a resource gets the defaults; without defaults, nothing changes.
        assert_eq!(run(Some(defaults.clone()), None).0, Some(defaults));
        assert_eq!(run(None, None).0, None);
    }

    #[test]
    fn aws_tag_limits_are_checked() {
        let reserved = tags(&[("aws:owner", "x"), ("ok", &"v".repeat(257))]);
        let (_, failures) = run(None, Some(reserved));
        assert_eq!(failures, ["tags[\"aws:owner\"]", "tags.ok"]);
        let many: Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert_eq!(run(None, Some(many)).1, ["tags"]);
    }

    #[test]
    fn awss_own_tags_are_not_managed() {
        let live = tags(&[("aws:cloudformation:stack-name", "s"), ("env", "dev")]);
        assert_eq!(managed(live), tags(&[("env", "dev")]));
    }
}
