//! The rules checked at preview: the name's first character, the description, the controls
//! (each named once; the parameters of the controls AWS documents), the scopes.

use crate::resource::CheckContext;
use crate::value::Path;

use super::types::{ControlArgs, FrameworkArgs};

/// How a documented parameter's value is checked.
#[derive(Clone, Copy)]
enum Rule {
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A whole number in the range.
    Number(i64, i64),
    /// Bounded by the unit named by another parameter: (unit parameter, [(unit, max)], default unit).
    PerUnit(&'static str, &'static [(&'static str, i64)], &'static str),
    /// A comma-separated list of at most this many items, each checked by the function.
    List(usize, fn(&str) -> bool, &'static str),
}

struct Param {
    name: &'static str,
    required: bool,
    rule: Rule,
}

struct ControlSpec {
    name: &'static str,
    params: &'static [Param],
}

const HOURS_DAYS: &[&str] = &["hours", "days"];
const FREQUENCY_MAX: &[(&str, i64)] = &[("hours", 24), ("days", 31)];
const AGE_MAX: &[(&str, i64)] = &[("hours", 744), ("days", 31)];
/// The longest retention AWS Backup takes (100 years).
const MAX_DAYS: i64 = 36_500;

fn is_role_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "iam"
        && parts[5].strip_prefix("role/").is_some_and(|r| !r.is_empty())
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The controls AWS documents and their parameters.
const CONTROLS: &[ControlSpec] = &[
    ControlSpec { name: "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", params: &[] },
    ControlSpec {
        name: "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        params: &[
            Param { name: "requiredFrequencyUnit", required: false, rule: Rule::OneOf(HOURS_DAYS) },
            Param {
                name: "requiredFrequencyValue",
                required: false,
                rule: Rule::PerUnit("requiredFrequencyUnit", FREQUENCY_MAX, "days"),
            },
            Param { name: "requiredRetentionDays", required: false, rule: Rule::Number(1, MAX_DAYS) },
        ],
    },
    ControlSpec {
        name: "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
        params: &[Param { name: "requiredRetentionDays", required: false, rule: Rule::Number(1, MAX_DAYS) }],
    },
    ControlSpec {
        name: "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
        params: &[Param {
            name: "principalArnList",
            required: false,
            rule: Rule::List(5, is_role_arn, "IAM role ARNs (arn:aws:iam::<account>:role/<name>)"),
        }],
    },
    ControlSpec { name: "BACKUP_RECOVERY_POINT_ENCRYPTED", params: &[] },
    ControlSpec {
        name: "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
        params: &[
            Param { name: "minRetentionDays", required: false, rule: Rule::Number(1, MAX_DAYS) },
            Param { name: "maxRetentionDays", required: false, rule: Rule::Number(1, MAX_DAYS) },
        ],
    },
    ControlSpec {
        name: "BACKUP_LAST_RECOVERY_POINT_CREATED",
        params: &[
            Param { name: "recoveryPointAgeUnit", required: false, rule: Rule::OneOf(HOURS_DAYS) },
            Param {
                name: "recoveryPointAgeValue",
                required: false,
                rule: Rule::PerUnit("recoveryPointAgeUnit", AGE_MAX, "days"),
            },
        ],
    },
    ControlSpec {
        name: "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
        params: &[Param {
            name: "crossRegionList",
            required: false,
            rule: Rule::List(3, is_region, "region names (us-west-2)"),
        }],
    },
    ControlSpec {
        name: "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
        params: &[Param {
            name: "crossAccountList",
            required: false,
            rule: Rule::List(5, is_account, "12-digit account ids"),
        }],
    },
    ControlSpec {
        name: "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
        params: &[Param { name: "maxRestoreTime", required: true, rule: Rule::Number(1, i32::MAX as i64) }],
    },
];

/// The documented control names, for messages and tests.
pub fn documented_controls() -> impl Iterator<Item = &'static str> {
    CONTROLS.iter().map(|c| c.name)
}

/// Why `value` breaks `rule` (`params` are the control's (name, value) pairs).
fn refusal(rule: Rule, value: &str, params: &[(&str, &str)]) -> Option<String> {
    let number = |min: i64, max: i64, why: &str| match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => None,
        _ => Some(format!("must be a whole number from {min} to {max}{why}, got '{value}'")),
    };
    match rule {
        Rule::OneOf(words) => (!words.contains(&value))
            .then(|| format!("must be one of {}, got '{value}'", words.join(", "))),
        Rule::Number(min, max) => number(min, max, ""),
        Rule::PerUnit(unit_param, maxima, default) => {
            let unit = params
                .iter()
                .find(|(n, _)| *n == unit_param)
                .map_or(default, |(_, v)| *v);
            // An unknown unit is reported on the unit's own parameter.
            let (_, max) = maxima.iter().find(|(u, _)| *u == unit)?;
            number(1, *max, &format!(" for {unit_param} '{unit}'"))
        }
        Rule::List(max, ok, what) => {
            let items: Vec<&str> = value.split(',').map(str::trim).collect();
            if items.len() > max {
                return Some(format!("may list at most {max} {what}, got {}", items.len()));
            }
            items
                .iter()
                .find(|i| !ok(i))
                .map(|bad| format!("must list {what}, separated by commas; '{bad}' is not one"))
        }
    }
}

fn check_set(ctx: &mut CheckContext, path: &Path, list: &[String]) {
    for (i, item) in list.iter().enumerate() {
        if let Some(first) = list[..i].iter().position(|x| x == item) {
            ctx.fail(
                path.index(i),
                format!("'{item}' is listed twice (also {}); the list is a set", path.index(first)),
            );
        }
    }
}

fn check_scope(ctx: &mut CheckContext, at: &Path, control: &ControlArgs) {
    let Some(scope) = &control.scope else {
        return;
    };
    let at = at.key("scope");
    if let Some(ids) = &scope.compliance_resource_ids {
        let path = at.key("complianceResourceIds");
        if ids.is_empty() || ids.len() > 100 {
            ctx.fail(&path, format!("must name 1 to 100 resources, got {}", ids.len()));
        }
        for (i, id) in ids.iter().enumerate() {
            if !(1..=100).contains(&id.chars().count()) {
                ctx.fail(path.index(i), "must be 1 to 100 characters long");
            }
        }
        check_set(ctx, &path, ids);
        let types = scope.compliance_resource_types.as_ref().map_or(0, Vec::len);
        if types != 1 && !ctx.is_unknown(&at.key("complianceResourceTypes").to_string()) {
            ctx.fail(
                at.key("complianceResourceTypes"),
                format!("must name exactly one resource type when complianceResourceIds is set, got {types}"),
            );
        }
    }
    if let Some(types) = &scope.compliance_resource_types {
        check_set(ctx, &at.key("complianceResourceTypes"), types);
    }
    if let Some(tags) = scope.tags.as_ref().filter(|t| t.len() > 1) {
        ctx.fail(at.key("tags"), format!("a control scope takes one tag, got {}", tags.len()));
    }
}

fn check_parameters(ctx: &mut CheckContext, at: &Path, control: &ControlArgs, name: &str) {
    let path = at.key("inputParameters");
    let given = control.input_parameters.clone().unwrap_or_default();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (i, p) in given.iter().enumerate() {
        let Some(n) = p.name.as_deref() else {
            if !ctx.is_unknown(&path.index(i).key("name").to_string()) {
                ctx.fail(path.index(i).key("name"), "is required");
            }
            continue;
        };
        if pairs.iter().any(|(m, _)| *m == n) {
            ctx.fail(path.index(i).key("name"), format!("'{n}' is given twice"));
        }
        if p.value.is_none() && !ctx.is_unknown(&path.index(i).key("value").to_string()) {
            ctx.fail(path.index(i).key("value"), "is required");
        }
        pairs.push((n, p.value.as_deref().unwrap_or_default()));
    }
    let Some(spec) = CONTROLS.iter().find(|c| c.name == name) else {
        ctx.warn(format!(
            "{at}: '{name}' is not a control the provider knows (known: {}); it is sent as it is \
             and its parameters are not checked",
            documented_controls().collect::<Vec<_>>().join(", ")
        ));
        return;
    };
    // A list that is unknown at preview may hold anything.
    if control.input_parameters.is_none() && ctx.is_unknown(&path.to_string()) {
        return;
    }
    // A parameter whose name is unknown at preview may be the one required.
    let names_known = given.iter().all(|p| p.name.is_some());
    for param in spec.params.iter().filter(|p| p.required && names_known) {
        if !pairs.iter().any(|(n, _)| *n == param.name) {
            ctx.fail(&path, format!("{name} needs the parameter '{}'", param.name));
        }
    }
    for (i, p) in given.iter().enumerate() {
        let (Some(n), Some(v)) = (p.name.as_deref(), p.value.as_deref()) else {
            continue;
        };
        match spec.params.iter().find(|s| s.name == n) {
            None => {
                let known: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                ctx.warn(format!(
                    "{}: {name} has no documented parameter '{n}' (documented: {known}); it is sent as it is",
                    path.index(i).key("name")
                ));
            }
            Some(s) => {
                if let Some(reason) = refusal(s.rule, v, &pairs) {
                    ctx.fail(path.index(i).key("value"), reason);
                }
            }
        }
    }
    let number = |n: &str| pairs.iter().find(|(m, _)| *m == n).and_then(|(_, v)| v.trim().parse::<i64>().ok());
    if let (Some(min), Some(max)) = (number("minRetentionDays"), number("maxRetentionDays")) {
        if spec.name == "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK" && min > max {
            ctx.fail(&path, format!("minRetentionDays ({min}) is greater than maxRetentionDays ({max})"));
        }
    }
}

/// The rules of a framework's inputs (the name's length and characters are the adapter's).
pub fn check_framework(ctx: &mut CheckContext, args: &FrameworkArgs) {
    if let Some(name) = &args.name {
        if name.chars().next().is_some_and(|c| !c.is_ascii_alphabetic()) {
            ctx.fail("name", format!("a framework name must start with a letter, got '{name}'"));
        }
    }
    if let Some(d) = &args.description {
        if d.trim().is_empty() {
            ctx.fail("description", "must not be blank (leave it out instead)");
        } else if d.chars().count() > 1024 {
            ctx.fail("description", format!("must be at most 1024 characters, got {}", d.chars().count()));
        }
    }
    // UpdateFramework keeps a description it is not sent, and a blank one is refused.
    let old_description = ctx.olds.get("description").and_then(|d| d.as_str());
    let same_name = args.name.is_some() && ctx.olds.get("name").and_then(|n| n.as_str()) == args.name.as_deref();
    if old_description.is_some() && args.description.is_none() && same_name && !ctx.is_unknown("description") {
        ctx.fail(
            "description",
            "AWS cannot remove a framework's description: give another one, or rename the \
             framework (which replaces it)",
        );
    }
    let Some(controls) = &args.controls else {
        return;
    };
    let root = Path::root().key("controls");
    if controls.is_empty() {
        ctx.fail(&root, "must hold at least one control");
    }
    for (i, control) in controls.iter().enumerate() {
        let at = root.index(i);
        let Some(name) = control.name.as_deref() else {
            if !ctx.is_unknown(&at.key("name").to_string()) {
                ctx.fail(at.key("name"), "is required");
            }
            continue;
        };
        if let Some(first) = controls[..i].iter().position(|c| c.name.as_deref() == Some(name)) {
            ctx.fail(
                at.key("name"),
                format!(
                    "'{name}' is already {}: the provider matches controls by name, so each \
                     control appears once",
                    root.index(first)
                ),
            );
        }
        check_parameters(ctx, &at, control, name);
        check_scope(ctx, &at, control);
    }
}
