//! Conversion between the engine's `google.protobuf.Struct` property maps and JSON values.
//!
//! The engine encodes secrets and other special values as objects carrying a signature key, and
//! unknown (computed) values as sentinel strings. [`from_struct`] keeps both in the JSON; [`Marks`]
//! pulls them out so typed values can be decoded, and puts them back on the way out.

use std::collections::BTreeSet;
use std::fmt;

use prost_types::{value::Kind, ListValue, Struct, Value as PbValue};
use serde_json::{Map, Number, Value};

/// The sentinel the engine and providers use for an unknown value of any type.
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/// Every unknown sentinel the engine may send (one per value type).
const UNKNOWN_SENTINELS: [&str; 7] = [
    UNKNOWN,
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
];

const SIG_KEY: &str = "4dabf18193072939515e22adb298388d";
const SECRET_SIG: &str = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REF_SIG: &str = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG: &str = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/// Whether a JSON value is one of the engine's unknown sentinels.
pub fn is_unknown(v: &Value) -> bool {
    matches!(v, Value::String(s) if UNKNOWN_SENTINELS.contains(&s.as_str()))
}

/// A secret-wrapped value in the engine's encoding.
pub fn secret(v: Value) -> Value {
    let mut m = Map::new();
    m.insert(SIG_KEY.into(), Value::String(SECRET_SIG.into()));
    m.insert("value".into(), v);
    Value::Object(m)
}

fn signature(m: &Map<String, Value>) -> Option<&str> {
    m.get(SIG_KEY).and_then(Value::as_str)
}

pub fn from_struct(s: &Struct) -> Value {
    Value::Object(
        s.fields
            .iter()
            .map(|(k, v)| (k.clone(), from_pb(v)))
            .collect(),
    )
}

pub fn from_pb(v: &PbValue) -> Value {
    match &v.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::NumberValue(n)) => number(*n),
        Some(Kind::StructValue(s)) => from_struct(s),
        Some(Kind::ListValue(l)) => Value::Array(l.values.iter().map(from_pb).collect()),
    }
}

/// Engine numbers are f64; whole numbers become JSON integers so they decode into integer types.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Converts a JSON object to a Struct; anything else becomes an empty Struct.
pub fn to_struct(v: &Value) -> Struct {
    match v {
        Value::Object(m) => Struct {
            fields: m.iter().map(|(k, v)| (k.clone(), to_pb(v))).collect(),
        },
        _ => Struct::default(),
    }
}

pub fn to_pb(v: &Value) -> PbValue {
    let kind = match v {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(a) => Kind::ListValue(ListValue {
            values: a.iter().map(to_pb).collect(),
        }),
        Value::Object(_) => Kind::StructValue(to_struct(v)),
    };
    PbValue { kind: Some(kind) }
}

/// One step of a property path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A property path, displayed the way Pulumi writes them: `rules[1].lifecycle.deleteAfterDays`,
/// `tags["team.name"]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// The first key of the path (the top-level property), if any.
    pub fn top(&self) -> Option<&str> {
        match self.0.first() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }

    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Parses the engine's path syntax (`a.b[0]["c.d"]`); used for ignoreChanges.
    pub fn parse(s: &str) -> Option<Path> {
        let mut segs = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("[\"") {
                // A quoted key: a JSON string, which may hold `]`, `.` and escaped quotes.
                let mut escaped = false;
                let close = r.char_indices().find_map(|(i, c)| {
                    let found = !escaped && c == '"';
                    escaped = !escaped && c == '\\';
                    found.then_some(i)
                })?;
                segs.push(Seg::Key(serde_json::from_str(&rest[1..close + 3]).ok()?));
                rest = r[close + 1..].strip_prefix(']')?;
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']')?;
                let inner = &r[..end];
                if inner == "*" {
                    return None;
                }
                segs.push(Seg::Index(inner.parse().ok()?));
                rest = &r[end + 1..];
            } else {
                let r = rest.strip_prefix('.').unwrap_or(rest);
                let end = r.find(['.', '[']).unwrap_or(r.len());
                if end == 0 {
                    return None;
                }
                segs.push(Seg::Key(r[..end].to_string()));
                rest = &r[end..];
            }
        }
        Some(Path(segs))
    }

    pub fn get<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(v, |cur, seg| match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get(k),
            (Seg::Index(i), Value::Array(a)) => a.get(*i),
            _ => None,
        })
    }

    pub fn get_mut<'a>(&self, v: &'a mut Value) -> Option<&'a mut Value> {
        self.0.iter().try_fold(v, |cur, seg| match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k),
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        })
    }

    /// Sets the value at this path, creating objects on the way; returns false when an array
    /// index is out of range or a non-container is in the way.
    pub fn set(&self, root: &mut Value, new: Value) -> bool {
        let Some((last, parents)) = self.0.split_last() else {
            *root = new;
            return true;
        };
        let mut cur = root;
        for seg in parents {
            cur = match (seg, cur) {
                (Seg::Key(k), Value::Object(m)) => m
                    .entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new())),
                (Seg::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                    Some(v) => v,
                    None => return false,
                },
                _ => return false,
            };
            if cur.is_null() {
                *cur = Value::Object(Map::new());
            }
        }
        match (last, cur) {
            (Seg::Key(k), Value::Object(m)) => {
                m.insert(k.clone(), new);
                true
            }
            (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
                a[*i] = new;
                true
            }
            _ => false,
        }
    }

    pub fn remove(&self, root: &mut Value) -> Option<Value> {
        let (last, parents) = self.0.split_last()?;
        let parent = Path(parents.to_vec()).get_mut(root)?;
        match (last, parent) {
            (Seg::Key(k), Value::Object(m)) => m.remove(k),
            _ => None,
        }
    }
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if is_identifier(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[{}]", Value::String(k.clone()))?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Where a property map held secrets and unknowns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marks {
    pub secrets: BTreeSet<Path>,
    pub unknowns: BTreeSet<Path>,
}

impl Marks {
    /// Whether the value at `path`, or a container of it, is unknown.
    pub fn is_unknown(&self, path: &Path) -> bool {
        self.unknowns.iter().any(|u| path.starts_with(u))
    }

    /// Whether any value at or below the top-level property `name` is unknown.
    pub fn has_unknown_under(&self, name: &str) -> bool {
        self.unknowns.iter().any(|u| u.top() == Some(name))
    }
}

/// Removes secret wrappers and resolves output values and resource references, recording where
/// secrets were. Unknown sentinels stay in place.
pub fn unwrap_secrets(v: Value) -> (Value, BTreeSet<Path>) {
    let mut secrets = BTreeSet::new();
    let out = unwrap_at(v, &Path::root(), &mut secrets);
    (out, secrets)
}

fn unwrap_at(v: Value, path: &Path, secrets: &mut BTreeSet<Path>) -> Value {
    match v {
        Value::Object(mut m) => match signature(&m) {
            Some(SECRET_SIG) => {
                secrets.insert(path.clone());
                unwrap_at(m.remove("value").unwrap_or(Value::Null), path, secrets)
            }
            Some(OUTPUT_SIG) => {
                if m.get("secret").and_then(Value::as_bool) == Some(true) {
                    secrets.insert(path.clone());
                }
                match m.remove("value") {
                    Some(inner) => unwrap_at(inner, path, secrets),
                    None => Value::String(UNKNOWN.into()),
                }
            }
            Some(RESOURCE_REF_SIG) => match m.get("id").and_then(Value::as_str) {
                Some("") => Value::String(UNKNOWN.into()),
                Some(id) => Value::String(id.into()),
                None => m.remove("urn").unwrap_or(Value::Null),
            },
            _ => Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let p = path.key(&k);
                        (k, unwrap_at(v, &p, secrets))
                    })
                    .collect(),
            ),
        },
        Value::Array(a) => Value::Array(
            a.into_iter()
                .enumerate()
                .map(|(i, v)| unwrap_at(v, &path.index(i), secrets))
                .collect(),
        ),
        other => other,
    }
}

/// Removes unknown values so the rest can be decoded into typed values, recording where they
/// were. An unknown element of an array makes the whole array unknown (indices must not shift).
pub fn remove_unknowns(v: Value) -> (Value, BTreeSet<Path>) {
    let mut unknowns = BTreeSet::new();
    let out = remove_at(v, &Path::root(), &mut unknowns).unwrap_or(Value::Null);
    (out, unknowns)
}

fn remove_at(v: Value, path: &Path, unknowns: &mut BTreeSet<Path>) -> Option<Value> {
    if is_unknown(&v) {
        unknowns.insert(path.clone());
        return None;
    }
    match v {
        Value::Object(m) => Some(Value::Object(
            m.into_iter()
                .filter_map(|(k, v)| {
                    let p = path.key(&k);
                    remove_at(v, &p, unknowns).map(|v| (k, v))
                })
                .collect(),
        )),
        Value::Array(a) => {
            if a.iter().any(is_unknown) {
                unknowns.insert(path.clone());
                return None;
            }
            Some(Value::Array(
                a.into_iter()
                    .enumerate()
                    .map(|(i, v)| remove_at(v, &path.index(i), unknowns).unwrap_or(Value::Null))
                    .collect(),
            ))
        }
        other => Some(other),
    }
}

/// Splits an engine property map into plain JSON plus the marks.
pub fn split(v: Value) -> (Value, Marks) {
    let (v, secrets) = unwrap_secrets(v);
    let (v, unknowns) = remove_unknowns(v);
    (v, Marks { secrets, unknowns })
}

/// Puts unknowns and secret wrappers back: the inverse of [`split`]. Secret paths that do not
/// exist in `v` are skipped.
pub fn join(mut v: Value, marks: &Marks) -> Value {
    for p in &marks.unknowns {
        p.set(&mut v, Value::String(UNKNOWN.into()));
    }
    // Deepest paths first, so that wrapping a parent does not hide a child's path.
    for p in marks.secrets.iter().rev() {
        if let Some(slot) = p.get_mut(&mut v) {
            if !slot.is_null() && !is_secret(slot) {
                let inner = std::mem::take(slot);
                *slot = secret(inner);
            }
        }
    }
    v
}

pub fn is_secret(v: &Value) -> bool {
    matches!(v, Value::Object(m) if signature(m) == Some(SECRET_SIG))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn struct_round_trip_keeps_integers_and_nesting() {
        let v = json!({"a": 1, "b": 1.5, "c": [true, null, "x"], "d": {"e": {}}});
        let back = from_struct(&to_struct(&v));
        assert_eq!(back, v);
        assert!(back["a"].is_i64());
    }

    #[test]
    fn split_and_join_are_inverse() {
        let raw = json!({
            "name": secret(json!("v1")),
            "tags": {"a": "1", "b": secret(json!("s"))},
            "rules": [{"ruleName": "r", "deleteAfterDays": UNKNOWN}],
            "list": ["x", UNKNOWN],
        });
        let (plain, marks) = split(raw.clone());
        assert_eq!(plain["name"], json!("v1"));
        assert_eq!(plain["tags"]["b"], json!("s"));
        assert!(plain["rules"][0].get("deleteAfterDays").is_none());
        assert!(plain.get("list").is_none());
        assert!(marks.is_unknown(&Path::root().key("list").index(0)));
        // A partly unknown array comes back wholly unknown; everything else is as it was.
        let mut expected = raw;
        expected["list"] = json!(UNKNOWN);
        assert_eq!(join(plain, &marks), expected);
    }

    #[test]
    fn unknown_tag_value_is_dropped_and_recorded() {
        let (plain, marks) = split(json!({"tags": {"a": "1", "b": UNKNOWN}}));
        assert_eq!(plain["tags"], json!({"a": "1"}));
        assert!(marks.has_unknown_under("tags"));
    }

    #[test]
    fn output_values_and_references_resolve() {
        let raw = json!({
            "a": {SIG_KEY: OUTPUT_SIG, "value": "x", "secret": true},
            "b": {SIG_KEY: OUTPUT_SIG},
            "c": {SIG_KEY: RESOURCE_REF_SIG, "urn": "urn:x", "id": "vault-1"},
        });
        let (plain, marks) = split(raw);
        assert_eq!(plain, json!({"a": "x", "c": "vault-1"}));
        assert!(marks.secrets.contains(&Path::root().key("a")));
        assert!(marks.unknowns.contains(&Path::root().key("b")));
    }

    #[test]
    fn paths_display_and_parse() {
        let p = Path::root()
            .key("rules")
            .index(1)
            .key("lifecycle")
            .key("deleteAfterDays");
        assert_eq!(p.to_string(), "rules[1].lifecycle.deleteAfterDays");
        assert_eq!(Path::parse(&p.to_string()), Some(p));
        let q = Path::root().key("tags").key("team.name");
        assert_eq!(q.to_string(), "tags[\"team.name\"]");
        assert_eq!(Path::parse("tags[\"team.name\"]"), Some(q));
        // Any key survives display and parse: brackets, quotes, backslashes, dots, nothing.
        for key in ["]", "[", "\"", "\\", "a\\\"]b", ".", "", "x y", "ünï"] {
            let p = Path::root().key(key).index(0).key(key);
            assert_eq!(Path::parse(&p.to_string()), Some(p.clone()), "{p}");
        }
    }
}
