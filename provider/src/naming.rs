//! Physical names for resources whose `name` input is omitted: `<resource name>-<7 chars>` derived
//! from the resource's URN and replace-on-change inputs (the same on every run, so an interrupted
//! create is found again), or the engine's own autonaming options when the stack sets them.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::value::Marks;

/// Marks inputs whose `name` the provider generated, so a replacement may pick a new one.
pub const AUTONAMED_KEY: &str = "__autonamed";

/// The rule a physical name must follow.
pub struct NameRule {
    pub field: &'static str,
    /// What the name names, leading its error messages: `a backup vault name`.
    pub what: &'static str,
    pub min_len: usize,
    pub max_len: usize,
    pub allowed: fn(char) -> bool,
    /// The allowed characters, in words, for error messages.
    pub allowed_text: &'static str,
}

impl NameRule {
    /// Checks a name, returning the broken rule in words.
    pub fn validate(&self, name: &str) -> Result<(), String> {
        let len = name.chars().count();
        if len < self.min_len || len > self.max_len {
            return Err(format!(
                "must be {} to {} characters long, got {len} ('{name}')",
                self.min_len, self.max_len
            ));
        }
        if let Some(bad) = name.chars().find(|c| !(self.allowed)(*c)) {
            return Err(format!(
                "may contain only {}; '{name}' contains '{bad}'",
                self.allowed_text
            ));
        }
        Ok(())
    }

    /// [`NameRule::validate`], with the message saying what the name is for:
    /// `a backup vault name must be 2 to 50 characters long, ...`.
    pub fn check(&self, name: &str) -> Result<(), String> {
        self.validate(name)
            .map_err(|e| format!("{} {e}", self.what))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutonamingMode {
    Propose,
    Enforce,
    Disable,
}

/// The engine's autonaming options (stack config `pulumi:autonaming`).
#[derive(Clone, Debug)]
pub struct Autonaming {
    pub proposed_name: String,
    pub mode: AutonamingMode,
}

#[derive(Debug)]
pub struct Resolved {
    pub name: String,
    pub autonamed: bool,
}

const SUFFIX_LEN: usize = 7;
const SUFFIX_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Decides the name for new inputs. `Ok(None)` leaves the inputs as they are (the user set a
/// name, or it is unknown).
pub fn resolve_name(
    rule: &NameRule,
    news: &Value,
    olds: &Value,
    marks: &Marks,
    resource_name: &str,
    random_seed: &[u8],
    autonaming: Option<&Autonaming>,
) -> Result<Option<Resolved>, String> {
    if news.get(rule.field).is_some_and(|v| !v.is_null()) || marks.has_unknown_under(rule.field) {
        return Ok(None);
    }
    // Keep the name the resource already has, so an update does not rename it: the one the
    // provider chose, or the one an import read (which carries no marker). Only a name the user
    // explicitly set before (marked false) is not carried over.
    if olds.get(AUTONAMED_KEY) != Some(&Value::Bool(false)) {
        if let Some(Value::String(old)) = olds.get(rule.field) {
            return Ok(Some(Resolved {
                name: old.clone(),
                autonamed: true,
            }));
        }
    }
    let name = match autonaming {
        Some(a) if a.mode == AutonamingMode::Disable => {
            return Err(
                "is required: autonaming is disabled for this stack (pulumi:autonaming)".into(),
            )
        }
        Some(a) => {
            rule.validate(&a.proposed_name).map_err(|e| {
                format!(
                    "the stack's autonaming pattern proposed '{}', which {e}",
                    a.proposed_name
                )
            })?;
            a.proposed_name.clone()
        }
        None => generate(rule, resource_name, random_seed)?,
    };
    Ok(Some(Resolved {
        name,
        autonamed: true,
    }))
}

/// A seed that stays the same for the same resource (URN) with the same values of `fields`
/// (the inputs whose change replaces the resource), so a create retried after an interruption
/// picks the name the interrupted one chose, while a replacement forced by a changed input
/// picks another.
pub fn stable_seed(urn: &str, inputs: &Value, fields: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(urn.as_bytes());
    for f in fields {
        h.update(b"\0");
        h.update(f.as_bytes());
        h.update(b"=");
        h.update(inputs.get(*f).map(Value::to_string).unwrap_or_default());
    }
    h.finalize().into()
}

/// `<resource name>-<7 chars>` from the seed (random without one). For names that may not hold
/// hyphens but may hold underscores (restore testing), `_` stands for every `-`:
/// `<resource_name>_<7 chars>`.
pub fn generate(
    rule: &NameRule,
    resource_name: &str,
    random_seed: &[u8],
) -> Result<String, String> {
    let underscores = !(rule.allowed)('-') && (rule.allowed)('_');
    let separator = if underscores { '_' } else { '-' };
    let resource_name: String = resource_name
        .chars()
        .map(|c| if underscores && c == '-' { '_' } else { c })
        .collect();
    if let Some(bad) = resource_name.chars().find(|c| !(rule.allowed)(*c)) {
        return Err(format!(
            "cannot be generated from the resource name '{resource_name}' because it contains '{bad}' \
             (allowed: {}); set `{}` explicitly",
            rule.allowed_text, rule.field
        ));
    }
    let mut rng = if random_seed.is_empty() {
        ChaCha8Rng::from_os_rng()
    } else {
        let mut seed = [0u8; 32];
        for (i, b) in random_seed.iter().enumerate() {
            seed[i % 32] ^= *b;
        }
        ChaCha8Rng::from_seed(seed)
    };
    let suffix: String = (0..SUFFIX_LEN)
        .map(|_| SUFFIX_CHARS[rng.random_range(0..SUFFIX_CHARS.len())] as char)
        .collect();
    let prefix: String = resource_name
        .chars()
        .take(rule.max_len - SUFFIX_LEN - 1)
        .collect();
    Ok(format!("{prefix}{separator}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RULE: NameRule = NameRule {
        field: "name",
        what: "a test name",
        min_len: 2,
        max_len: 50,
        allowed: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
        allowed_text: "letters, digits, hyphens and underscores",
    };

    fn resolve(
        news: Value,
        olds: Value,
        seed: &[u8],
        a: Option<&Autonaming>,
    ) -> Result<Option<Resolved>, String> {
        resolve_name(&RULE, &news, &olds, &Marks::default(), "daily", seed, a)
    }

    #[test]
    fn names_without_hyphens_are_generated_with_underscores() {
        const UNDERSCORED: NameRule = NameRule {
            allowed: |c| c.is_ascii_alphanumeric() || c == '_',
            ..RULE
        };
        let name = generate(&UNDERSCORED, "weekly-restore", &[3; 32]).unwrap();
        assert!(name.starts_with("weekly_restore_"), "{name}");
        assert_eq!(name.len(), "weekly_restore_".len() + 7);
        assert_eq!(UNDERSCORED.validate(&name), Ok(()));
        // A rule that allows hyphens keeps them.
        assert!(generate(&RULE, "weekly-restore", &[3; 32])
            .unwrap()
            .starts_with("weekly-restore-"));
    }

    #[test]
    fn generated_names_are_deterministic_per_seed() {
        let a = resolve(json!({}), json!({}), &[1; 32], None)
            .unwrap()
            .unwrap();
        let b = resolve(json!({}), json!({}), &[1; 32], None)
            .unwrap()
            .unwrap();
        let c = resolve(json!({}), json!({}), &[2; 32], None)
            .unwrap()
            .unwrap();
        assert_eq!(a.name, b.name);
        assert_ne!(a.name, c.name);
        assert!(a.name.starts_with("daily-") && a.name.len() == "daily-".len() + 7);
        assert!(a.autonamed);
    }

    #[test]
    fn user_names_win_and_old_autonames_are_kept() {
        assert!(resolve(json!({"name": "mine"}), json!({}), &[1; 32], None)
            .unwrap()
            .is_none());
        let kept = resolve(
            json!({}),
            json!({"name": "daily-abc1234", AUTONAMED_KEY: true}),
            &[9; 32],
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(kept.name, "daily-abc1234");
        // An imported name (no marker) is kept too; one the user set and then removed is not.
        let imported = resolve(json!({}), json!({"name": "legacy"}), &[9; 32], None)
            .unwrap()
            .unwrap();
        assert_eq!(imported.name, "legacy");
        assert!(imported.autonamed);
        let removed = resolve(
            json!({}),
            json!({"name": "mine", AUTONAMED_KEY: false}),
            &[9; 32],
            None,
        )
        .unwrap()
        .unwrap();
        assert!(removed.name.starts_with("daily-"), "{}", removed.name);
    }

    #[test]
    fn engine_autonaming_modes() {
        let enforce = Autonaming {
            proposed_name: "prod-daily".into(),
            mode: AutonamingMode::Enforce,
        };
        assert_eq!(
            resolve(json!({}), json!({}), &[], Some(&enforce))
                .unwrap()
                .unwrap()
                .name,
            "prod-daily"
        );
        let disable = Autonaming {
            proposed_name: String::new(),
            mode: AutonamingMode::Disable,
        };
        assert!(resolve(json!({}), json!({}), &[], Some(&disable))
            .unwrap_err()
            .contains("disabled"));
        let bad = Autonaming {
            proposed_name: "a.b".into(),
            mode: AutonamingMode::Propose,
        };
        assert!(resolve(json!({}), json!({}), &[], Some(&bad))
            .unwrap_err()
            .contains("'.'"));
    }

    #[test]
    fn long_resource_names_are_truncated_to_fit() {
        let long = "x".repeat(80);
        let r = resolve_name(
            &RULE,
            &json!({}),
            &json!({}),
            &Marks::default(),
            &long,
            &[3; 32],
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.name.len(), 50);
        assert!(RULE.validate(&r.name).is_ok());
    }

    #[test]
    fn names_with_bad_characters_are_refused() {
        let err = resolve_name(
            &RULE,
            &json!({}),
            &json!({}),
            &Marks::default(),
            "my.vault",
            &[3; 32],
            None,
        )
        .unwrap_err();
        assert!(err.contains("'.'"), "{err}");
    }
}
