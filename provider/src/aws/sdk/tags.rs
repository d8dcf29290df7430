//! ListTags, TagResource and UntagResource.

use std::collections::HashMap;

use super::SdkBackup;
use crate::aws::{AwsError, Tags};

pub(super) async fn list(api: &SdkBackup, arn: &str) -> Result<Tags, AwsError> {
    let mut tags = Tags::new();
    let mut token = None;
    loop {
        let out = api
            .send("ListTags", || {
                api.client
                    .list_tags()
                    .resource_arn(arn)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        tags.extend(out.tags.unwrap_or_default());
        token = out.next_token;
        if token.is_none() {
            return Ok(tags);
        }
    }
}

pub(super) async fn tag(api: &SdkBackup, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    api.send("TagResource", || {
        api.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone()))
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn untag(api: &SdkBackup, arn: &str, keys: &[String]) -> Result<(), AwsError> {
    api.send("UntagResource", || {
        api.client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_key_list(Some(keys.to_vec()))
            .send()
    })
    .await?;
    Ok(())
}
