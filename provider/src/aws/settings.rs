//! An account's global settings and a region's settings, as the provider and AWS Backup exchange
//! them.

use std::collections::BTreeMap;

/// The global settings as AWS holds them: setting name → `"true"`/`"false"` (AWS's wire form;
/// the resource gives them their types).
pub type GlobalSettings = BTreeMap<String, String>;

/// A region's settings: resource type (AWS's name, e.g. `S3`, `Storage Gateway`) → on or off.
/// DescribeRegionSettings answers every type; UpdateRegionSettings changes only the types given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionSettings {
    pub opt_in: BTreeMap<String, bool>,
    pub management: BTreeMap<String, bool>,
}

/// The account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`).
pub fn arn_account(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_of_an_arn() {
        assert_eq!(
            arn_account("arn:aws:backup:us-east-1:123456789012:backup-vault:v").as_deref(),
            Some("123456789012")
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_account("nope"), None);
    }
}
