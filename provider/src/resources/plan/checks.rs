//! The validation rules of a plan's inputs, checked at every preview.

use std::collections::BTreeMap;

use regex::Regex;

use super::document::DEFAULT_START_WINDOW;
use super::types::{LifecycleArgs, PlanArgs, RuleArgs};
use crate::aws::{Tags, Vault, AIR_GAPPED_VAULT_TYPE};
use crate::naming::NameRule;
use crate::resource::CheckContext;
use crate::resources::vault::VAULT_NAME;
use crate::value::Path;

pub const PLAN_NAME: NameRule = NameRule {
    field: "name",
    what: "a backup plan name",
    min_len: 1,
    max_len: 50,
    allowed: |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    allowed_text: "letters, digits, hyphens (-), underscores (_) and dots (.)",
};

const RULE_NAME: NameRule = NameRule {
    field: "ruleName",
    what: "a rule name",
    ..PLAN_NAME
};

const MAX_RULES: usize = 10;
const MAX_COPY_ACTIONS: usize = 5;
const MAX_DAYS: i64 = 36_500;
const MAX_CONTINUOUS_DAYS: i64 = 35;
const COLD_MINIMUM_DAYS: i64 = 90;
const MIN_START_WINDOW: i64 = 60;
const MAX_START_WINDOW: i64 = 52_560_000;
const KNOWN_INDEX_TYPES: &[&str] = &["EBS", "S3"];
const KNOWN_ADVANCED_TYPES: &[&str] = &["EC2", "S3"];

/// A backup vault's ARN: `arn:<partition>:backup:<region>:<12-digit account>:backup-vault:<name>`,
/// capturing the region, the account and the name.
fn copy_destination_arn() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^arn:aws[a-z-]*:backup:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):backup-vault:([A-Za-z0-9_-]{2,50})$",
        )
        .expect("valid regex")
    })
}

/// A copy action's destination, from its ARN.
#[derive(Debug, PartialEq)]
struct VaultArn<'a> {
    region: &'a str,
    account: &'a str,
    name: &'a str,
}

/// Why `arn` is not a backup vault ARN, or the vault it names.
fn parse_vault_arn(arn: &str) -> Result<VaultArn<'_>, String> {
    if let Some(c) = copy_destination_arn().captures(arn) {
        let part = |i| c.get(i).map_or("", |m| m.as_str());
        return Ok(VaultArn {
            region: part(1),
            account: part(2),
            name: part(3),
        });
    }
    let hint = if VAULT_NAME.check(arn).is_ok() {
        " (that looks like a vault name: this takes the vault's ARN, e.g. the vault \
         resource's `arn` output)"
    } else if arn.starts_with("arn:") && !arn.contains(":backup:") {
        " (that is not an AWS Backup ARN)"
    } else {
        ""
    };
    Err(format!(
        "must be a backup vault ARN like \
         arn:<partition>:backup:<region>:<12-digit account id>:backup-vault:<name>, got '{arn}'{hint}"
    ))
}

/// The region and account the provider calls AWS in, as far as preview knows them: the
/// configured region (or `AWS_REGION`, which the credential chain reads), and the account of the
/// role the provider assumes. Without an assumed role the account is only known once AWS is
/// called, so at preview it is `None`.
fn provider_region_account(ctx: &CheckContext) -> (Option<String>, Option<String>) {
    let region = ctx
        .config
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .filter(|r| !r.is_empty());
    let account = ctx.config.assume_role.as_ref().and_then(|role| {
        let account = role.role_arn.split(':').nth(4)?;
        (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
            .then(|| account.to_string())
    });
    (region, account)
}

/// What to say about a copy into `dest` from a rule writing to `target`: `Err` when it is the
/// rule's own vault, `Ok(Some(warning))` when it may be (the same name and region, in an account
/// preview does not know), `Ok(None)` otherwise.
fn copy_to_target(
    dest: &VaultArn,
    target: &str,
    region: Option<&str>,
    account: Option<&str>,
) -> Result<Option<String>, String> {
    if dest.name != target || region.is_some_and(|r| r != dest.region) {
        return Ok(None);
    }
    match (region, account) {
        (Some(_), Some(a)) if a == dest.account => Err(format!(
            "is the rule's own target vault '{target}' (same region {}, same account {a}): a copy \
             into the vault the rule already writes to makes nothing new, and AWS refuses it; \
             copy to a vault in another region or account, or remove the copy action",
            dest.region
        )),
        (_, Some(_)) => Ok(None),
        (r, None) => Ok(Some(format!(
            "names a vault called '{target}' like the rule's target{}, in account {}: if that is \
             the account the provider uses, this copies into the vault the rule already writes \
             to, which AWS refuses (the provider's account is not known before AWS is called)",
            match r {
                Some(r) => format!(", in the same region {r}"),
                None => format!(" (region {})", dest.region),
            },
            dest.account
        ))),
    }
}

/// Checks an AWS Backup cron expression; the error says which rule it breaks.
pub fn check_schedule(expr: &str) -> Result<(), String> {
    let inner = expr
        .strip_prefix("cron(")
        .and_then(|e| e.strip_suffix(')'))
        .ok_or_else(|| format!("must be `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` (AWS Backup takes only cron expressions), got '{expr}'"))?;
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!("a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), '{expr}' has {}", fields.len()));
    }
    let allowed = |f: &str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "*?,-/#".contains(c))
    };
    if let Some(bad) = fields.iter().find(|f| !allowed(f)) {
        return Err(format!(
            "field '{bad}' of '{expr}' has characters a cron expression does not allow"
        ));
    }
    let minutes = fields[0];
    match minutes.parse::<u32>() {
        Ok(m) if m < 60 => {}
        Ok(m) => return Err(format!("the minutes field must be 0 to 59, got {m}")),
        Err(_) => {
            return Err(format!(
                "runs more often than hourly (minutes field '{minutes}'); AWS Backup schedules at most once an hour, so the minutes field must be a single number"
            ))
        }
    }
    if let Some(bad) = fields[1]
        .split([',', '-', '/'])
        .filter_map(|h| h.parse::<u32>().ok())
        .find(|h| *h > 23)
    {
        return Err(format!("the hours field must be 0 to 23, got {bad}"));
    }
    let (dom, dow) = (fields[2], fields[4]);
    if (dom == "?") == (dow == "?") {
        return Err(format!(
            "exactly one of day-of-month ('{dom}') and day-of-week ('{dow}') must be '?'"
        ));
    }
    Ok(())
}

fn check_lifecycle(ctx: &mut CheckContext, path: &Path, l: &LifecycleArgs, continuous: bool) {
    if let Some(d) = l.delete_after_days {
        if !(1..=MAX_DAYS).contains(&d) {
            ctx.fail(
                path.key("deleteAfterDays"),
                format!("must be between 1 and {MAX_DAYS} days, got {d}"),
            );
        }
    }
    if let Some(c) = l.move_to_cold_storage_after_days {
        if continuous {
            ctx.fail(
                path.key("moveToColdStorageAfterDays"),
                "is not available with continuous backup (point-in-time recovery has no cold storage)",
            );
        } else if !(1..=MAX_DAYS).contains(&c) {
            ctx.fail(
                path.key("moveToColdStorageAfterDays"),
                format!("must be between 1 and {MAX_DAYS} days, got {c}"),
            );
        } else if let Some(d) = l.delete_after_days {
            if d < c + COLD_MINIMUM_DAYS {
                ctx.fail(
                    path.key("deleteAfterDays"),
                    format!(
                        "must be at least moveToColdStorageAfterDays + {COLD_MINIMUM_DAYS} = {} (recovery points stay in cold storage for at least {COLD_MINIMUM_DAYS} days), got {d}",
                        c + COLD_MINIMUM_DAYS
                    ),
                );
            }
        }
    }
}

fn check_recovery_point_tags(ctx: &mut CheckContext, path: &Path, tags: &Tags) {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            ctx.fail(path.key(k), "tag keys must be 1 to 128 characters long");
        }
        if v.chars().count() > 256 {
            ctx.fail(path.key(k), "tag values may be at most 256 characters long");
        }
    }
}

fn check_rule(ctx: &mut CheckContext, path: &Path, rule: &RuleArgs) {
    match &rule.rule_name {
        Some(name) => {
            if let Err(reason) = RULE_NAME.check(name) {
                ctx.fail(path.key("ruleName"), reason);
            }
        }
        None if !ctx.is_unknown(&path.key("ruleName").to_string()) => {
            ctx.fail(path.key("ruleName"), "is required")
        }
        None => {}
    }
    match &rule.target_vault_name {
        Some(vault) => {
            if let Err(reason) = VAULT_NAME.check(vault) {
                ctx.fail(path.key("targetVaultName"), reason);
            }
        }
        None if !ctx.is_unknown(&path.key("targetVaultName").to_string()) => {
            ctx.fail(path.key("targetVaultName"), "is required")
        }
        None => {}
    }
    if let Some(expr) = &rule.schedule_expression {
        if let Err(e) = check_schedule(expr) {
            ctx.fail(path.key("scheduleExpression"), e);
        }
    }
    if let Some(tz) = &rule.schedule_expression_timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            ctx.fail(
                path.key("scheduleExpressionTimezone"),
                format!(
                    "must be an IANA time zone name such as Etc/UTC or Europe/Paris, got '{tz}'"
                ),
            );
        }
    }
    if let Some(start) = rule.start_window_minutes {
        if !(MIN_START_WINDOW..=MAX_START_WINDOW).contains(&start) {
            ctx.fail(
                path.key("startWindowMinutes"),
                format!("must be between {MIN_START_WINDOW} and {MAX_START_WINDOW} minutes, got {start}"),
            );
        }
    }
    if let Some(completion) = rule.completion_window_minutes {
        let start = rule.start_window_minutes.unwrap_or(DEFAULT_START_WINDOW);
        if completion <= start {
            let which = if rule.start_window_minutes.is_some() {
                "startWindowMinutes"
            } else {
                "AWS's default start window"
            };
            ctx.fail(
                path.key("completionWindowMinutes"),
                format!("must be greater than {which} ({start}), got {completion}"),
            );
        }
    }
    let continuous = rule.enable_continuous_backup == Some(true);
    if continuous {
        let days = rule.lifecycle.as_ref().and_then(|l| l.delete_after_days);
        match days {
            Some(d) if !(1..=MAX_CONTINUOUS_DAYS).contains(&d) => ctx.fail(
                path.key("lifecycle").key("deleteAfterDays"),
                format!("must be between 1 and {MAX_CONTINUOUS_DAYS} days with continuous backup, got {d}"),
            ),
            None if !ctx.is_unknown(&path.key("lifecycle").to_string()) => ctx.fail(
                path.key("lifecycle").key("deleteAfterDays"),
                format!("is required with continuous backup (1 to {MAX_CONTINUOUS_DAYS} days)"),
            ),
            _ => {}
        }
    }
    if let Some(l) = &rule.lifecycle {
        check_lifecycle(ctx, &path.key("lifecycle"), l, continuous);
    }
    if let Some(tags) = &rule.recovery_point_tags {
        check_recovery_point_tags(ctx, &path.key("recoveryPointTags"), tags);
    }
    if let Some(copies) = &rule.copy_actions {
        if copies.len() > MAX_COPY_ACTIONS {
            ctx.fail(
                path.key("copyActions"),
                format!(
                    "at most {MAX_COPY_ACTIONS} copy actions per rule, got {}",
                    copies.len()
                ),
            );
        }
        let (region, account) = provider_region_account(ctx);
        for (j, copy) in copies.iter().enumerate() {
            let cpath = path.key("copyActions").index(j);
            let property = cpath.key("destinationVaultArn");
            match &copy.destination_vault_arn {
                Some(arn) => match parse_vault_arn(arn) {
                    Err(reason) => ctx.fail(&property, reason),
                    Ok(dest) => {
                        let target = rule.target_vault_name.as_deref().unwrap_or_default();
                        match copy_to_target(&dest, target, region.as_deref(), account.as_deref())
                        {
                            Err(reason) => ctx.fail(&property, reason),
                            Ok(Some(warning)) => ctx.warn(format!("{property}: {warning}")),
                            Ok(None) => {}
                        }
                    }
                },
                None if !ctx.is_unknown(&property.to_string()) => {
                    ctx.fail(property, "is required")
                }
                None => {}
            }
            if let Some(l) = &copy.lifecycle {
                check_lifecycle(ctx, &cpath.key("lifecycle"), l, false);
            }
        }
    }
    if let Some(arn) = &rule.target_logically_air_gapped_backup_vault_arn {
        check_air_gapped_target(ctx, &path.key("targetLogicallyAirGappedBackupVaultArn"), arn);
    }
    for (j, index) in rule.index_actions.iter().flatten().enumerate() {
        for (k, ty) in index.resource_types.iter().flatten().enumerate() {
            if !KNOWN_INDEX_TYPES.contains(&ty.as_str()) {
                ctx.warn(format!(
                    "{}: '{ty}' is not a resource type this provider knows for indexing ({}); passing it to AWS as is",
                    path.key("indexActions").index(j).key("resourceTypes").index(k),
                    KNOWN_INDEX_TYPES.join(", ")
                ));
            }
        }
    }
}

/// A rule's direct air-gapped target: a backup vault ARN in the plan's own region and account
/// (as far as preview knows them). Its type and retention range are checked against AWS by the
/// plan's preflight.
fn check_air_gapped_target(ctx: &mut CheckContext, property: &Path, arn: &str) {
    let target = match parse_vault_arn(arn) {
        Ok(target) => target,
        Err(reason) => return ctx.fail(property, reason),
    };
    let (region, account) = provider_region_account(ctx);
    let elsewhere = [("region", target.region, region), ("account", target.account, account)]
        .into_iter()
        .filter_map(|(what, theirs, ours)| {
            ours.filter(|o| o != theirs)
                .map(|o| format!("{what} {theirs}, not the plan's {o}"))
        })
        .collect::<Vec<_>>();
    if !elsewhere.is_empty() {
        ctx.fail(
            property,
            format!(
                "must name a logically air-gapped vault in the plan's own account and region; \
                 '{arn}' is in {} (copy to a vault elsewhere with a copy action instead)",
                elsewhere.join(" and ")
            ),
        );
    }
}

/// The rules of a plan's inputs (its name is checked by the adapter, its tags by `tags::check`).
pub(super) fn check_plan(ctx: &mut CheckContext, args: &PlanArgs) {
    if let Some(rules) = &args.rules {
        if rules.is_empty() || rules.len() > MAX_RULES {
            ctx.fail(
                "rules",
                format!("a plan has 1 to {MAX_RULES} rules, got {}", rules.len()),
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let path = Path::root().key("rules").index(i);
            check_rule(ctx, &path, rule);
            if let Some(name) = rule.rule_name.as_deref() {
                if let Some(first) = seen.insert(name, i) {
                    ctx.fail(path.key("ruleName"), format!("'{name}' is already the name of rules[{first}]; rule names must be unique in a plan"));
                }
            }
        }
    }
    for (i, setting) in args.advanced_backup_settings.iter().flatten().enumerate() {
        let path = Path::root().key("advancedBackupSettings").index(i);
        match setting.resource_type.as_deref() {
            Some(t) if !KNOWN_ADVANCED_TYPES.contains(&t) => ctx.warn(format!(
                "{}: '{t}' is not a resource type this provider knows for advanced backup settings ({}); passing it to AWS as is",
                path.key("resourceType"),
                KNOWN_ADVANCED_TYPES.join(", ")
            )),
            None if !ctx.is_unknown(&path.key("resourceType").to_string()) => ctx.fail(path.key("resourceType"), "is required"),
            _ => {}
        }
        if let Some(v) = setting
            .backup_options
            .as_ref()
            .and_then(|o| o.get("WindowsVSS"))
        {
            if v != "enabled" && v != "disabled" {
                ctx.fail(
                    path.key("backupOptions").key("WindowsVSS"),
                    format!("must be 'enabled' or 'disabled', got '{v}'"),
                );
            }
        }
    }
}

/// Why rule `i` would fail every backup job into the locked `vault`: a retention outside the
/// lock's range (no retention at all is outside any maximum). `None` when it fits.
/// The name of the vault a rule's air-gapped target ARN names, when it is a vault ARN.
pub(super) fn air_gapped_target_name(rule: &RuleArgs) -> Option<&str> {
    let arn = rule.target_logically_air_gapped_backup_vault_arn.as_deref()?;
    parse_vault_arn(arn).ok().map(|t| t.name)
}

/// Why the vault a rule's air-gapped target names does not fit the rule: not an air-gapped
/// vault, or the rule's retention outside the vault's range.
pub(super) fn air_gapped_target_problem(i: usize, rule: &RuleArgs, vault: &Vault) -> Option<String> {
    let property = format!("rules[{i}].targetLogicallyAirGappedBackupVaultArn");
    match vault.vault_type.as_deref() {
        Some(AIR_GAPPED_VAULT_TYPE) | None => {}
        Some(other) => {
            return Some(format!(
                "{property}: '{}' is a vault of type {other}, not a logically air-gapped vault; \
                 name a LogicallyAirGappedVault's arn, or target the vault with targetVaultName",
                vault.name
            ))
        }
    }
    let (kept, range) = retention_outside(rule_retention(rule), vault)?;
    Some(format!(
        "{property}: rules[{i}] ('{}') keeps recovery points {kept}, outside the retention range of \
         logically air-gapped vault '{}' ({range}): AWS accepts the plan but fails every backup \
         job of the rule",
        rule.rule_name.as_deref().unwrap_or("?"),
        vault.name
    ))
}

fn rule_retention(rule: &RuleArgs) -> Option<i64> {
    rule.lifecycle.as_ref().and_then(|l| l.delete_after_days)
}

/// The vault names of a rule's copy destinations in `region` (copies elsewhere are another
/// provider's to look up), with the copy's index.
pub(super) fn copy_destinations_in<'a>(
    rule: &'a RuleArgs,
    region: &str,
) -> Vec<(usize, &'a str, &'a str)> {
    rule.copy_actions
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(j, c)| {
            let target = parse_vault_arn(c.destination_vault_arn.as_deref()?).ok()?;
            (target.region == region).then_some((j, target.account, target.name))
        })
        .collect()
}

/// Why copies into an air-gapped vault would fail: their retention (the copy's lifecycle, or
/// the rule's when the copy has none) outside the vault's range.
pub(super) fn copy_into_air_gapped_problem(
    i: usize,
    j: usize,
    rule: &RuleArgs,
    vault: &Vault,
) -> Option<String> {
    if vault.vault_type.as_deref() != Some(AIR_GAPPED_VAULT_TYPE) {
        return None;
    }
    let copy = rule.copy_actions.as_ref()?.get(j)?;
    let retention = copy
        .lifecycle
        .as_ref()
        .and_then(|l| l.delete_after_days)
        .or_else(|| rule_retention(rule));
    let (kept, range) = retention_outside(retention, vault)?;
    Some(format!(
        "rules[{i}].copyActions[{j}].lifecycle.deleteAfterDays: the copies into logically \
         air-gapped vault '{}' would be kept {kept}, outside its retention range ({range}): AWS \
         accepts the plan but fails every copy job",
        vault.name
    ))
}

/// How long the rule keeps recovery points and the vault's range ("`<min>` to `<max>` days"),
/// when that falls outside the range.
fn retention_outside(retention: Option<i64>, vault: &Vault) -> Option<(String, String)> {
    let (min, max) = (vault.min_retention_days, vault.max_retention_days);
    let outside = match retention {
        Some(days) => min.is_some_and(|m| days < m) || max.is_some_and(|m| days > m),
        None => max.is_some(),
    };
    if !outside {
        return None;
    }
    let kept = retention.map_or("forever (no deleteAfterDays)".to_string(), |d| {
        format!("{d} days")
    });
    let range = format!(
        "{} to {} days",
        min.map_or("any".to_string(), |m| m.to_string()),
        max.map_or("any".to_string(), |m| m.to_string())
    );
    Some((kept, range))
}

pub(super) fn outside_lock_range(
    i: usize,
    rule: &RuleArgs,
    vault_name: &str,
    vault: &Vault,
) -> Option<String> {
    let (kept, range) = retention_outside(rule_retention(rule), vault)?;
    Some(format!(
        "rules[{i}] ('{}') keeps recovery points {kept}, outside the lock range of vault \
         '{vault_name}' ({range}): AWS accepts the plan but fails every backup job of the rule",
        rule.rule_name.as_deref().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    use crate::config::ProviderConfig;
    use crate::resources::plan::{CopyActionArgs, IndexActionArgs};
    use crate::value::Marks;
    use serde_json::json;

    /// What `check` reports: failures as (property, reason), and warnings.
    fn run(check: impl FnOnce(&mut CheckContext)) -> (Vec<(String, String)>, Vec<String>) {
        let config = ProviderConfig::default();
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        check(&mut ctx);
        let (failures, warnings) = ctx.into_parts();
        let failures = failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect();
        (failures, warnings)
    }

    fn rule(name: &str) -> RuleArgs {
        RuleArgs {
            rule_name: Some(name.into()),
            target_vault_name: Some("vault".into()),
            ..RuleArgs::default()
        }
    }

    fn lifecycle(cold: Option<i64>, delete: Option<i64>) -> LifecycleArgs {
        LifecycleArgs {
            move_to_cold_storage_after_days: cold,
            delete_after_days: delete,
            ..LifecycleArgs::default()
        }
    }

    #[test]
    fn schedules_aws_backup_runs_pass() {
        for expr in [
            "cron(0 5 ? * * *)",
            "cron(30 1,13 ? * MON-FRI *)",
            "cron(0 0 1 * ? *)",
            "cron(15 */6 ? * 2#1 *)",
        ] {
            assert_eq!(check_schedule(expr), Ok(()), "{expr}");
        }
    }

    #[test]
    fn schedules_are_refused_with_the_rule_they_break() {
        for (expr, broken) in [
            ("rate(1 hour)", "AWS Backup takes only cron expressions"),
            ("cron(0 5 * * *)", "'cron(0 5 * * *)' has 5"),
            (
                "cron(0 5 ? * MON;TUE *)",
                "characters a cron expression does not allow",
            ),
            ("cron(*/15 * ? * * *)", "runs more often than hourly"),
            (
                "cron(60 5 ? * * *)",
                "the minutes field must be 0 to 59, got 60",
            ),
            (
                "cron(0 8-24 ? * * *)",
                "the hours field must be 0 to 23, got 24",
            ),
            (
                "cron(0 5 * * * *)",
                "exactly one of day-of-month ('*') and day-of-week ('*')",
            ),
            ("cron(0 5 ? * ? *)", "exactly one of day-of-month ('?')"),
        ] {
            let err = check_schedule(expr).unwrap_err();
            assert!(err.contains(broken), "{expr}: {err}");
        }
    }

    #[test]
    fn cold_storage_lasts_at_least_90_days_before_deletion() {
        let path = Path::root().key("lifecycle");
        let (failures, _) =
            run(|ctx| check_lifecycle(ctx, &path, &lifecycle(Some(10), Some(99)), false));
        assert_eq!(
            failures,
            vec![(
                "lifecycle.deleteAfterDays".to_string(),
                "must be at least moveToColdStorageAfterDays + 90 = 100 (recovery points stay in \
                 cold storage for at least 90 days), got 99"
                    .to_string()
            )]
        );
        let (failures, _) =
            run(|ctx| check_lifecycle(ctx, &path, &lifecycle(Some(10), Some(100)), false));
        assert!(failures.is_empty(), "{failures:?}");
    }

    #[test]
    fn lifecycles_stay_within_aws_limits_and_continuous_backup_has_no_cold_storage() {
        let path = Path::root().key("lifecycle");
        let (failures, _) = run(|ctx| {
            check_lifecycle(ctx, &path, &lifecycle(None, Some(36_501)), false);
            check_lifecycle(ctx, &path, &lifecycle(Some(1), Some(200)), true);
        });
        let properties: Vec<&str> = failures.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            properties,
            [
                "lifecycle.deleteAfterDays",
                "lifecycle.moveToColdStorageAfterDays"
            ]
        );
        assert!(failures[0].1.contains("between 1 and 36500"));
        assert!(failures[1].1.contains("continuous backup"));
    }

    #[test]
    fn continuous_rules_need_a_retention_of_at_most_35_days() {
        let continuous = |delete: Option<i64>| RuleArgs {
            enable_continuous_backup: Some(true),
            lifecycle: delete.map(|d| lifecycle(None, Some(d))),
            ..rule("pitr")
        };
        let path = Path::root().key("rules").index(0);
        let (failures, _) = run(|ctx| check_rule(ctx, &path, &continuous(Some(36))));
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].1.contains("between 1 and 35 days"));
        let (failures, _) = run(|ctx| check_rule(ctx, &path, &continuous(None)));
        assert_eq!(
            failures[0].0, "rules[0].lifecycle.deleteAfterDays",
            "{failures:?}"
        );
        let (failures, _) = run(|ctx| check_rule(ctx, &path, &continuous(Some(35))));
        assert!(failures.is_empty(), "{failures:?}");
    }

    #[test]
    fn the_completion_window_must_outlast_the_start_window_aws_would_use() {
        let path = Path::root().key("rules").index(0);
        let short = RuleArgs {
            completion_window_minutes: Some(300),
            ..rule("r")
        };
        let (failures, _) = run(|ctx| check_rule(ctx, &path, &short));
        assert_eq!(
            failures[0].1,
            "must be greater than AWS's default start window (480), got 300"
        );
        let with_start = RuleArgs {
            start_window_minutes: Some(60),
            ..short
        };
        let (failures, _) = run(|ctx| check_rule(ctx, &path, &with_start));
        assert!(failures.is_empty(), "{failures:?}");
    }

    #[test]
    fn rule_names_are_unique_and_a_rule_needs_a_name_and_a_vault() {
        let args = PlanArgs {
            rules: Some(vec![rule("daily"), rule("daily"), RuleArgs::default()]),
            ..PlanArgs::default()
        };
        let (failures, _) = run(|ctx| check_plan(ctx, &args));
        assert_eq!(
            failures,
            vec![
                (
                    "rules[1].ruleName".to_string(),
                    "'daily' is already the name of rules[0]; rule names must be unique in a plan"
                        .to_string()
                ),
                ("rules[2].ruleName".to_string(), "is required".to_string()),
                (
                    "rules[2].targetVaultName".to_string(),
                    "is required".to_string()
                ),
            ]
        );
    }

    fn with_copy(target: &str, arn: &str) -> PlanArgs {
        let mut r = rule("daily");
        r.target_vault_name = Some(target.into());
        r.copy_actions = Some(vec![CopyActionArgs {
            destination_vault_arn: Some(arn.into()),
            ..CopyActionArgs::default()
        }]);
        PlanArgs {
            rules: Some(vec![rule("weekly"), r]),
            ..PlanArgs::default()
        }
    }

    /// `check_plan` with the provider configured for `region` and, through an assumed role, for
    /// `account`.
    fn run_as(
        region: Option<&str>,
        account: Option<&str>,
        args: &PlanArgs,
    ) -> (Vec<(String, String)>, Vec<String>) {
        let config = ProviderConfig {
            region: region.map(str::to_string),
            assume_role: account.map(|a| crate::config::AssumeRole {
                role_arn: format!("arn:aws:iam::{a}:role/deployer"),
                session_name: None,
                external_id: None,
                duration_seconds: None,
            }),
            ..ProviderConfig::default()
        };
        let (olds, marks) = (json!({}), Marks::default());
        let mut ctx = CheckContext::new("urn", &config, &olds, &marks, SystemTime::now());
        check_plan(&mut ctx, args);
        let (failures, warnings) = ctx.into_parts();
        let failures = failures
            .into_iter()
            .map(|f| (f.property, f.reason))
            .collect();
        (failures, warnings)
    }

    const ACCOUNT: &str = "123456789012";
    const PROPERTY: &str = "rules[1].copyActions[0].destinationVaultArn";

    #[test]
    fn a_copy_destination_must_be_a_backup_vault_arn() {
        for ok in [
            "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr",
            "arn:aws-us-gov:backup:us-gov-west-1:123456789012:backup-vault:Dr_1",
            "arn:aws-cn:backup:cn-north-1:123456789012:backup-vault:dr-2",
        ] {
            let (failures, warnings) = run_as(Some("us-east-1"), None, &with_copy("main", ok));
            assert_eq!((failures, warnings), (vec![], vec![]), "{ok}");
        }
        for (bad, hint) in [
            ("dr-vault", "looks like a vault name"),
            ("arn:aws:s3:::bucket", "not an AWS Backup ARN"),
            ("arn:aws:backup:eu-west-1:123456789012:backup-plan:p", ""),
            ("arn:aws:backup:eu-west-1:1234:backup-vault:dr", ""),
            ("arn:aws:backup::123456789012:backup-vault:dr", ""),
            ("arn:aws:backup:eu-west-1:123456789012:backup-vault:d", ""),
            ("arn:aws:backup:eu-west-1:123456789012:backup-vault:a.b", ""),
        ] {
            let (failures, _) = run(|ctx| check_plan(ctx, &with_copy("main", bad)));
            assert_eq!(failures.len(), 1, "{bad}: {failures:?}");
            let (property, reason) = &failures[0];
            assert_eq!(property, PROPERTY);
            assert!(
                reason.starts_with("must be a backup vault ARN like arn:<partition>:backup:")
                    && reason.contains(&format!("got '{bad}'"))
                    && reason.contains(hint),
                "{reason}"
            );
        }
    }

    #[test]
    fn a_copy_into_the_rules_own_vault_is_refused_when_region_and_account_are_known() {
        let own = format!("arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:main");
        let (failures, warnings) = run_as(Some("us-east-1"), Some(ACCOUNT), &with_copy("main", &own));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].0, PROPERTY);
        assert!(
            failures[0].1.starts_with("is the rule's own target vault 'main'")
                && failures[0].1.contains("AWS refuses it"),
            "{}",
            failures[0].1
        );
        // Another region, another account, or another name is a real copy.
        for other in [
            format!("arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:main"),
            "arn:aws:backup:us-east-1:210987654321:backup-vault:main".to_string(),
            format!("arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:dr"),
        ] {
            let (failures, warnings) =
                run_as(Some("us-east-1"), Some(ACCOUNT), &with_copy("main", &other));
            assert_eq!((failures, warnings), (vec![], vec![]), "{other}");
        }
    }

    #[test]
    fn without_the_account_a_copy_that_may_be_the_rules_own_vault_warns() {
        let own = format!("arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:main");
        let (failures, warnings) = run_as(Some("us-east-1"), None, &with_copy("main", &own));
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(&format!("{PROPERTY}: names a vault called 'main'"))
                && warnings[0].contains("same region us-east-1")
                && warnings[0].contains(ACCOUNT),
            "{}",
            warnings[0]
        );
        // A known other region settles it without the account.
        let (failures, warnings) = run_as(Some("eu-west-1"), None, &with_copy("main", &own));
        assert_eq!((failures, warnings), (vec![], vec![]));
        // Neither known: the same name still warns.
        let said = copy_to_target(&parse_vault_arn(&own).unwrap(), "main", None, None);
        assert!(said.unwrap().unwrap().contains("(region us-east-1)"));
    }

    #[test]
    fn unknown_resource_types_warn_but_pass() {
        let args = PlanArgs {
            rules: Some(vec![RuleArgs {
                index_actions: Some(vec![IndexActionArgs {
                    resource_types: Some(vec!["EBS".into(), "RDS".into()]),
                }]),
                ..rule("r")
            }]),
            ..PlanArgs::default()
        };
        let (failures, warnings) = run(|ctx| check_plan(ctx, &args));
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("rules[0].indexActions[0].resourceTypes[1]: 'RDS'"));
    }

    #[test]
    fn a_retention_outside_a_vaults_lock_range_is_named_with_the_range() {
        let vault = Vault {
            locked: true,
            min_retention_days: Some(7),
            max_retention_days: Some(30),
            ..Vault::default()
        };
        let keeping = |days: Option<i64>| RuleArgs {
            lifecycle: days.map(|d| lifecycle(None, Some(d))),
            ..rule("daily")
        };
        assert_eq!(outside_lock_range(0, &keeping(Some(30)), "v", &vault), None);
        let too_long = outside_lock_range(2, &keeping(Some(60)), "v", &vault).unwrap();
        assert!(
            too_long.starts_with(
                "rules[2] ('daily') keeps recovery points 60 days, outside the lock range of \
                 vault 'v' (7 to 30 days)"
            ),
            "{too_long}"
        );
        let forever = outside_lock_range(0, &keeping(None), "v", &vault).unwrap();
        assert!(
            forever.contains("forever (no deleteAfterDays)"),
            "{forever}"
        );
        let min_only = Vault {
            max_retention_days: None,
            ..vault
        };
        assert_eq!(outside_lock_range(0, &keeping(None), "v", &min_only), None);
        let too_short = outside_lock_range(0, &keeping(Some(3)), "v", &min_only).unwrap();
        assert!(too_short.contains("(7 to any days)"), "{too_short}");
    }
}
