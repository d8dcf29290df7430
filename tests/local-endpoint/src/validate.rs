//! The validation rules AWS documents for AWS Backup: name patterns, ARNs,
//! cron schedules, time zones, lifecycles and tags.
//!
//! Functions that check one rule of a plan return the bare detail text
//! (`Err(String)`); the caller prefixes `Error in rule <name> : `.

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};

/// Longest retention / window AWS accepts: 100 years.
pub const MAX_RETENTION_DAYS: i64 = 36_500;
pub const MAX_WINDOW_MINUTES: i64 = 52_560_000;
/// Continuous backups (PITR) keep at most 35 days.
pub const MAX_CONTINUOUS_DAYS: i64 = 35;

fn charset_ok(s: &str, min: usize, max: usize, extra: &str) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// `^[a-zA-Z0-9\-\_]{2,50}$` (the model's `BackupVaultName` pattern).
pub fn vault_name(name: &str) -> ApiResult<()> {
    if charset_ok(name, 2, 50, "-_") {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid backup vault name {name:?}: it must contain 2 to 50 alphanumeric characters, hyphens or underscores"
        )))
    }
}

/// Rule and selection names: `^[a-zA-Z0-9\-\_\.]{1,50}$`.
pub fn is_rule_or_selection_name(name: &str) -> bool {
    charset_ok(name, 1, 50, "-_.")
}

/// A resource type name, the model's `ResourceType` pattern `^[a-zA-Z0-9\-\_\.]{1,50}$`.
pub fn resource_type(member: &str, value: &str) -> Result<(), String> {
    if charset_ok(value, 1, 50, "-_.") {
        Ok(())
    } else {
        Err(format!(
            "Invalid resource type {value:?} in {member}: it must contain 1 to 50 alphanumeric characters, hyphens, underscores or periods"
        ))
    }
}

/// One of the values of a model enum (case-sensitive).
pub fn enum_value(member: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "Invalid value {value:?} for {member}. Valid values: {}",
            allowed.join(", ")
        ))
    }
}

/// Plan names: alphanumerics and `-_.`; the API accepts up to 200 characters.
pub fn plan_name(name: &str) -> ApiResult<()> {
    if charset_ok(name, 1, 200, "-_.") {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid backup plan name {name:?}: it must contain 1 to 200 alphanumeric characters, hyphens, underscores or periods"
        )))
    }
}

/// `CreatorRequestId`: 1 to 50 alphanumerics or `-_.`.
pub fn creator_request_id(id: &str) -> ApiResult<()> {
    if charset_ok(id, 1, 50, "-_.") {
        Ok(())
    } else {
        Err(ApiError::invalid_param(format!(
            "Invalid CreatorRequestId {id:?}: it must contain 1 to 50 alphanumeric characters, hyphens, underscores or periods"
        )))
    }
}

/// The six colon-separated parts of an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    /// Everything after the fifth colon (may itself contain `:` and `/`).
    pub resource: String,
}

pub fn parse_arn(s: &str) -> Option<Arn> {
    let mut parts = s.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let partition = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    let region = parts.next()?.to_string();
    let account = parts.next()?.to_string();
    let resource = parts.next()?.to_string();
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    Some(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An IAM role ARN: `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn iam_role_arn(s: &str) -> ApiResult<()> {
    match parse_arn(s) {
        Some(a)
            if a.service == "iam"
                && a.region.is_empty()
                && is_account_id(&a.account)
                && a.resource.len() > "role/".len()
                && a.resource.starts_with("role/") =>
        {
            Ok(())
        }
        _ => Err(ApiError::invalid_param(format!(
            "Invalid IAM role ARN {s:?}"
        ))),
    }
}

/// Any well-formed ARN (resource ARNs of StartBackupJob, KMS keys, ...).
pub fn any_arn(member: &str, s: &str) -> ApiResult<Arn> {
    parse_arn(s).ok_or_else(|| ApiError::invalid_param(format!("Invalid ARN for {member}: {s:?}")))
}

/// A KMS key ARN for `EncryptionKeyArn`.
pub fn kms_key_arn(s: &str) -> ApiResult<()> {
    match parse_arn(s) {
        Some(a) if a.service == "kms" && !a.region.is_empty() && is_account_id(&a.account) => {
            Ok(())
        }
        _ => Err(ApiError::invalid_param(format!(
            "Invalid EncryptionKeyArn {s:?}: expected a KMS key ARN"
        ))),
    }
}

/// An SNS topic ARN for vault notifications.
pub fn sns_topic_arn(s: &str) -> ApiResult<()> {
    match parse_arn(s) {
        Some(a) if a.service == "sns" && !a.region.is_empty() && is_account_id(&a.account) => {
            Ok(())
        }
        _ => Err(ApiError::invalid_param(format!(
            "Invalid SNSTopicArn {s:?}: expected an SNS topic ARN"
        ))),
    }
}

/// The ARN and vault name of `arn:<p>:backup:<region>:<account>:backup-vault:<name>`, or `None`
/// if `s` is no backup vault ARN.
pub fn parse_backup_vault_arn(s: &str) -> Option<(Arn, String)> {
    let a = parse_arn(s)?;
    let name = a.resource.strip_prefix("backup-vault:")?.to_string();
    let ok = a.service == "backup"
        && !a.region.is_empty()
        && is_account_id(&a.account)
        && charset_ok(&name, 2, 50, "-_");
    ok.then_some((a, name))
}

/// A backup vault ARN (copy destinations).
pub fn backup_vault_arn(s: &str) -> Result<(), String> {
    if parse_backup_vault_arn(s).is_some() {
        Ok(())
    } else {
        Err(format!(
            "Invalid DestinationBackupVaultArn {s}. It must be a backup vault ARN"
        ))
    }
}

/// A resource pattern of a selection: `*`; an ARN whose region/account fields are literal or
/// `*` and whose resource part has a `*` only at its very end; or an ARN cut short by a trailing
/// `*` after at least its service (a prefix pattern such as `arn:aws:fsx:*`).
pub fn selection_resource(s: &str) -> ApiResult<()> {
    if s == "*" {
        return Ok(());
    }
    let bad = || {
        ApiError::invalid_param(format!(
            "Invalid resource ARN or pattern in selection: {s:?}"
        ))
    };
    let field_ok = |f: &str| !f.contains('*') || f == "*";
    let trailing_only = |f: &str| f.find('*').is_none_or(|i| i == f.len() - 1);
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() < 6 {
        let literal = |f: &str| !f.is_empty() && !f.contains('*');
        let prefix_ok = parts.len() >= 4
            && parts[0] == "arn"
            && literal(parts[1])
            && literal(parts[2])
            && parts[3..parts.len() - 1].iter().all(|f| field_ok(f))
            && s.ends_with('*')
            && trailing_only(parts[parts.len() - 1]);
        return if prefix_ok { Ok(()) } else { Err(bad()) };
    }
    let arn = parse_arn(s).ok_or_else(bad)?;
    if field_ok(&arn.region)
        && field_ok(&arn.account)
        && !arn.service.contains('*')
        && trailing_only(&arn.resource)
    {
        Ok(())
    } else {
        Err(bad())
    }
}

/// IANA time zone names (`Etc/UTC`, `Europe/Paris`, ...).
pub fn is_timezone(tz: &str) -> bool {
    tz.parse::<chrono_tz::Tz>().is_ok()
}

/// The lifecycle members shared by rules, copy actions and backup jobs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LifecycleDays {
    pub cold: Option<i64>,
    pub delete: Option<i64>,
}

/// Lifecycle rules: DeleteAfterDays 1..=36500; cold 1..=36500; if both are set,
/// delete >= cold + 90; both `-1` means "keep forever". Continuous backups need a
/// lifecycle with DeleteAfterDays 1..=35 and no cold tier.
pub fn lifecycle(lc: Option<LifecycleDays>, continuous: bool) -> Result<(), String> {
    if continuous {
        let Some(lc) = lc else {
            return Err(
                "Lifecycle must be specified for backup rule enabled continuous backup".into(),
            );
        };
        if lc.cold.is_some() {
            return Err("Invalid lifecycle. MoveToColdStorageAfterDays is unavailable".into());
        }
        return match lc.delete {
            Some(d) if (1..=MAX_CONTINUOUS_DAYS).contains(&d) => Ok(()),
            _ => Err(format!(
                "Invalid lifecycle. DeleteAfterDays must be between 1 and {MAX_CONTINUOUS_DAYS} days for continuous backup"
            )),
        };
    }
    let Some(lc) = lc else { return Ok(()) };
    if lc.cold == Some(-1) && lc.delete == Some(-1) {
        return Ok(());
    }
    if let Some(d) = lc.delete {
        if !(1..=MAX_RETENTION_DAYS).contains(&d) {
            return Err(format!(
                "Invalid lifecycle. DeleteAfterDays cannot be less than 1 or more than {MAX_RETENTION_DAYS} days"
            ));
        }
    }
    if let Some(c) = lc.cold {
        if !(1..=MAX_RETENTION_DAYS).contains(&c) {
            return Err(format!(
                "Invalid lifecycle. MoveToColdStorageAfterDays cannot be less than 1 or more than {MAX_RETENTION_DAYS} days"
            ));
        }
    }
    if let (Some(c), Some(d)) = (lc.cold, lc.delete) {
        if d < c + 90 {
            return Err(
                "Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Tag maps: at most 50 tags, keys 1..=128 characters and not starting with
/// `aws:`, values at most 256 characters.
pub fn tags(tags: &BTreeMap<String, String>) -> ApiResult<()> {
    if tags.len() > 50 {
        return Err(ApiError::invalid_param(
            "A resource can have at most 50 tags",
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(ApiError::invalid_param(format!(
                "Invalid tag key {k:?}: it must contain 1 to 128 characters"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::invalid_param(format!(
                "Invalid tag key {k:?}: the aws: prefix is reserved"
            )));
        }
        if v.chars().count() > 256 {
            return Err(ApiError::invalid_param(format!(
                "Invalid value for tag {k:?}: it can contain at most 256 characters"
            )));
        }
    }
    Ok(())
}

/// Window minutes: if set, start windows must be 60 minutes to 100 years.
pub fn start_window(minutes: i64) -> Result<(), String> {
    if (60..=MAX_WINDOW_MINUTES).contains(&minutes) {
        Ok(())
    } else {
        Err(format!(
            "StartWindowMinutes must be at least 60 and at most {MAX_WINDOW_MINUTES} minutes"
        ))
    }
}

/// Completion windows: positive, at most 100 years.
pub fn completion_window(member: &str, minutes: i64) -> Result<(), String> {
    if (1..=MAX_WINDOW_MINUTES).contains(&minutes) {
        Ok(())
    } else {
        Err(format!(
            "{member} must be at least 1 and at most {MAX_WINDOW_MINUTES} minutes"
        ))
    }
}

// ---------------------------------------------------------------------------
// Cron schedules: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

impl Field {
    fn range(self) -> (u32, u32) {
        match self {
            Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (1, 7),
            Field::Year => (1970, 2199),
        }
    }

    fn value(self, s: &str) -> Option<u32> {
        let names: &[&str] = match self {
            Field::Month => &MONTHS,
            Field::DayOfWeek => &WEEKDAYS,
            _ => &[],
        };
        let v = match names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            Some(i) => i as u32 + 1,
            None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok()?,
            None => return None,
        };
        let (lo, hi) = self.range();
        (lo..=hi).contains(&v).then_some(v)
    }
}

/// One comma-separated item of a cron field.
fn cron_item(field: Field, item: &str) -> bool {
    // Special day forms: L, LW, 15W (day of month); L, 5L, 3#2 (day of week).
    match field {
        Field::DayOfMonth => {
            if item == "L" || item == "LW" {
                return true;
            }
            if let Some(d) = item.strip_suffix('W') {
                return field.value(d).is_some();
            }
        }
        Field::DayOfWeek => {
            if item == "L" {
                return true;
            }
            if let Some(d) = item.strip_suffix('L') {
                return field.value(d).is_some();
            }
            if let Some((d, n)) = item.split_once('#') {
                return field.value(d).is_some() && matches!(n, "1" | "2" | "3" | "4" | "5");
            }
        }
        _ => {}
    }
    let (base, step) = match item.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step {
        let step_ok = step
            .parse::<u32>()
            .is_ok_and(|s| s >= 1 && s <= field.range().1);
        if !step_ok {
            return false;
        }
    }
    if base == "*" {
        return true;
    }
    match base.split_once('-') {
        Some((a, b)) => field.value(a).is_some() && field.value(b).is_some(),
        None => field.value(base).is_some(),
    }
}

/// Checks a backup rule schedule; AWS Backup accepts only `cron(...)`, runs at
/// most hourly (a single minute value) and needs `?` in exactly one of the two
/// day fields.
pub fn cron(expr: &str) -> Result<(), String> {
    let invalid = |why: &str| format!("Invalid ScheduleExpression {expr}: {why}");
    let Some(inner) = expr
        .trim()
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
    else {
        return Err(invalid("only cron(...) expressions are supported"));
    };
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(invalid("a cron expression has exactly 6 fields"));
    }
    let kinds = [
        Field::Minute,
        Field::Hour,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
        Field::Year,
    ];
    let (dom, dow) = (fields[2], fields[4]);
    if (dom == "?") == (dow == "?") {
        return Err(invalid(
            "exactly one of day-of-month and day-of-week must be '?'",
        ));
    }
    for (text, kind) in fields.iter().zip(kinds) {
        if *text == "?" && matches!(kind, Field::DayOfMonth | Field::DayOfWeek) {
            continue;
        }
        if !text.split(',').all(|item| cron_item(kind, item)) {
            return Err(invalid(&format!("invalid field {text:?}")));
        }
    }
    if fields[0].parse::<u32>().is_err() {
        return Err(invalid("backups can run at most once an hour"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_accepts_aws_examples_and_rejects_bad_ones() {
        for ok in [
            "cron(0 5 ? * * *)",
            "cron(15 * ? * * *)",
            "cron(0 12 * * ? *)",
            "cron(0 0/2 ? * MON-FRI *)",
            "cron(30 1 L * ? 2030)",
            "cron(0 3 ? * 6#3 *)",
        ] {
            assert_eq!(cron(ok), Ok(()), "{ok}");
        }
        for bad in [
            "rate(1 hour)",
            "cron(0 5 * * * *)",
            "cron(0 5 ? * ? *)",
            "cron(0 5 ? * *)",
            "cron(*/5 * ? * * *)",
            "cron(0,30 * ? * * *)",
            "cron(60 5 ? * * *)",
            "cron(0 24 ? * * *)",
            "cron(0 5 32 * ? *)",
            "cron(0 5 ? 13 * *)",
        ] {
            assert!(cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lifecycle_rules() {
        let lc = |cold, delete| Some(LifecycleDays { cold, delete });
        assert!(lifecycle(lc(Some(30), Some(120)), false).is_ok());
        assert!(lifecycle(lc(Some(30), Some(119)), false).is_err());
        assert!(lifecycle(lc(None, Some(36_501)), false).is_err());
        assert!(lifecycle(lc(Some(-1), Some(-1)), false).is_ok());
        assert!(lifecycle(lc(None, Some(-1)), false).is_err());
        assert!(lifecycle(None, true).is_err());
        assert!(lifecycle(lc(None, Some(35)), true).is_ok());
        assert!(lifecycle(lc(None, Some(36)), true).is_err());
        assert!(lifecycle(lc(Some(1), Some(35)), true).is_err());
    }

    #[test]
    fn resource_types_and_enum_values() {
        assert!(resource_type("T", "EBS").is_ok());
        assert!(resource_type("T", "Storage Gateway").is_err());
        assert!(resource_type("T", "").is_err());
        assert!(resource_type("T", &"a".repeat(51)).is_err());
        assert!(enum_value("Index", "ENABLED", &["ENABLED", "DISABLED"]).is_ok());
        assert!(enum_value("Index", "enabled", &["ENABLED", "DISABLED"]).is_err());
    }

    #[test]
    fn backup_vault_arns() {
        let (arn, name) =
            parse_backup_vault_arn("arn:aws:backup:eu-west-1:111122223333:backup-vault:lag-1")
                .unwrap();
        assert_eq!((arn.region.as_str(), name.as_str()), ("eu-west-1", "lag-1"));
        for bad in [
            "arn:aws:backup:eu-west-1:111122223333:backup-plan:p",
            "arn:aws:s3:eu-west-1:111122223333:backup-vault:v1",
            "arn:aws:backup::111122223333:backup-vault:v1",
            "arn:aws:backup:eu-west-1:1111:backup-vault:v1",
            "arn:aws:backup:eu-west-1:111122223333:backup-vault:v",
            "lag-1",
        ] {
            assert!(parse_backup_vault_arn(bad).is_none(), "{bad}");
            assert!(backup_vault_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn selection_resource_wildcards() {
        assert!(selection_resource("*").is_ok());
        assert!(selection_resource("arn:aws:s3:::my-bucket-*").is_ok());
        assert!(selection_resource("arn:aws:ec2:*:*:volume/*").is_ok());
        assert!(selection_resource("arn:aws:s3:::*-logs").is_err());
        assert!(selection_resource("not-an-arn").is_err());
        // Prefix patterns cut short after the service, region or account.
        assert!(selection_resource("arn:aws:fsx:*").is_ok());
        assert!(selection_resource("arn:aws:ec2:*").is_ok());
        assert!(selection_resource("arn:aws:rds:eu-west-1:*").is_ok());
        assert!(selection_resource("arn:aws:rds:eu-*").is_ok());
        assert!(selection_resource("arn:aws:*").is_err());
        assert!(selection_resource("arn:aws:fsx").is_err());
        assert!(selection_resource("arn:aws:fsx:").is_err());
        assert!(selection_resource("arn:aws:fsx:*:x").is_err());
        assert!(selection_resource("arn:aws:f*x:*").is_err());
    }
}
