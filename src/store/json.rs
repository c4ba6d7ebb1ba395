//! Just enough JSON scanning to replace one top-level member of a stored session
//! without parsing and re-serialising the rest.
//!
//! Stored sessions are `JSON.stringify` output, and for such text a
//! `JSON.parse` / assign / `JSON.stringify` round trip changes nothing but the
//! assigned member. Splicing the member's bytes therefore gives the same string
//! express-session's MemoryStore `touch` produces, at a fraction of the cost.

/// The text is not a JSON object this scanner understands.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct NotAnObject;

/// Byte spans of a top-level member: `member` covers `"key":value`, `value` the value.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Member {
    pub member: (usize, usize),
    pub value: (usize, usize),
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// `b[i]` is the opening quote; returns the index just past the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Returns the index just past the value starting at `b[i]`.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Finds the top-level member whose key is exactly `key` (a key that needs no
/// escaping). Returns `Err(NotAnObject)` when `json` is not an object this scanner understands.
pub fn find_member(json: &[u8], key: &[u8]) -> Result<Option<Member>, NotAnObject> {
    let b = json;
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(NotAnObject);
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(None);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(NotAnObject);
        }
        let start = i;
        let key_end = skip_string(b, i).ok_or(NotAnObject)?;
        let matched = b.get(start + 1..key_end - 1) == Some(key);
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(NotAnObject);
        }
        let vstart = skip_ws(b, i + 1);
        let vend = skip_value(b, vstart).ok_or(NotAnObject)?;
        if matched {
            return Ok(Some(Member {
                member: (start, vend),
                value: (vstart, vend),
            }));
        }
        i = skip_ws(b, vend);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Ok(None),
            _ => return Err(NotAnObject),
        }
    }
}

/// The result of `o = JSON.parse(json); o[key] = value; JSON.stringify(o)` where
/// `value` is the JSON text of the new value, or `None` for `undefined` (the member
/// disappears). `Err(NotAnObject)` when `json` is not a JSON object.
pub fn replace_member(
    json: &[u8],
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<Vec<u8>, NotAnObject> {
    let mut out = Vec::with_capacity(json.len() + value.map_or(0, <[u8]>::len) + key.len() + 4);
    replace_member_into(&mut out, json, key, value)?;
    Ok(out)
}

fn trim_start(b: &[u8]) -> &[u8] {
    &b[skip_ws(b, 0)..]
}

fn trim_end(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end -= 1;
    }
    &b[..end]
}

/// `replace_member`, appending the result to `out` (nothing is appended on error).
pub fn replace_member_into(
    out: &mut Vec<u8>,
    json: &[u8],
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<(), NotAnObject> {
    let found = find_member(json, key)?;
    match (found, value) {
        (Some(m), Some(v)) => {
            out.extend_from_slice(&json[..m.value.0]);
            out.extend_from_slice(v);
            out.extend_from_slice(&json[m.value.1..]);
        }
        (Some(m), None) => {
            // Remove the member and one adjacent comma.
            let before = trim_end(&json[..m.member.0]);
            let after = &json[m.member.1..];
            if let Some(rest) = trim_start(after).strip_prefix(b",") {
                out.extend_from_slice(&json[..m.member.0]);
                out.extend_from_slice(trim_start(rest));
            } else if let Some(b) = before.strip_suffix(b",") {
                out.extend_from_slice(b);
                out.extend_from_slice(after);
            } else {
                out.extend_from_slice(before);
                out.extend_from_slice(after);
            }
        }
        (None, Some(v)) => {
            let close = json.iter().rposition(|&c| c == b'}').ok_or(NotAnObject)?;
            let body = trim_end(&json[..close]);
            out.extend_from_slice(body);
            if !body.ends_with(b"{") {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(key);
            out.extend_from_slice(b"\":");
            out.extend_from_slice(v);
            out.extend_from_slice(&json[close..]);
        }
        (None, None) => out.extend_from_slice(json),
    }
    Ok(())
}

/// Top-level members to write into a stored session: `sets` replace or add
/// members, `deletes` remove them. Keys are the text between the quotes of the
/// key as `JSON.stringify` writes it (so they are compared with stored keys byte
/// for byte); values are JSON text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Patch {
    pub sets: Vec<(Vec<u8>, Vec<u8>)>,
    pub deletes: Vec<Vec<u8>>,
}

/// The result of `o = JSON.parse(json)`, then `delete o[k]` for each of
/// `patch.deletes` and `o[k] = JSON.parse(v)` for each of `patch.sets`, then
/// `JSON.stringify(o)`: members not named in the patch keep their bytes, a
/// replaced member keeps its place, an added one goes last.
/// `Err(NotAnObject)` when `json` is not a JSON object.
pub fn apply_patch(json: &[u8], patch: &Patch) -> Result<Vec<u8>, NotAnObject> {
    let mut out = json.to_vec();
    for key in &patch.deletes {
        out = replace_member(&out, key, None)?;
    }
    for (key, value) in &patch.sets {
        out = replace_member(&out, key, Some(value))?;
    }
    // (a json that is not an object is refused even when the patch is empty: a
    // raw quote is in no key of JSON text, so this walks every member)
    find_member(&out, b"\"")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    const C: &str = "cookie";

    /// `replace_member` on text, for readable tests.
    fn replace(json: &str, key: &str, value: Option<&str>) -> Result<String, NotAnObject> {
        replace_member(json.as_bytes(), key.as_bytes(), value.map(str::as_bytes))
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    fn find(json: &str, key: &str) -> Result<Option<Member>, NotAnObject> {
        find_member(json.as_bytes(), key.as_bytes())
    }

    #[test]
    fn replaces_value_in_place() -> Result<(), NotAnObject> {
        let j = r#"{"a":1,"cookie":{"expires":"x","n":[1,{"}":"]"}]},"b":"c\"ookie"}"#;
        assert_eq!(
            replace(j, C, Some(r#"{"e":2}"#))?,
            r#"{"a":1,"cookie":{"e":2},"b":"c\"ookie"}"#
        );
        Ok(())
    }

    #[test]
    fn nested_cookie_key_is_not_top_level() -> Result<(), NotAnObject> {
        let j = r#"{"user":{"cookie":1}}"#;
        assert_eq!(find(j, C), Ok(None));
        assert_eq!(
            replace(j, C, Some("2"))?,
            r#"{"user":{"cookie":1},"cookie":2}"#
        );
        Ok(())
    }

    #[test]
    fn appends_to_empty_object_and_removes_members() -> Result<(), NotAnObject> {
        assert_eq!(replace("{}", C, Some("1"))?, r#"{"cookie":1}"#);
        assert_eq!(replace(r#"{"cookie":1}"#, C, None)?, "{}");
        assert_eq!(replace(r#"{"cookie":1,"a":2}"#, C, None)?, r#"{"a":2}"#);
        assert_eq!(replace(r#"{"a":2,"cookie":1}"#, C, None)?, r#"{"a":2}"#);
        assert_eq!(replace(r#"{"a":2}"#, C, None)?, r#"{"a":2}"#);
        Ok(())
    }

    #[test]
    fn scalars_and_escaped_keys() -> Result<(), NotAnObject> {
        let j = r#"{"x\"y":null,"cookie":null,"z":-1.5e3,"t":true}"#;
        let m = find(j, C)?.ok_or(NotAnObject)?;
        assert_eq!(&j[m.value.0..m.value.1], "null");
        assert_eq!(
            replace(j, C, Some("{}"))?,
            r#"{"x\"y":null,"cookie":{},"z":-1.5e3,"t":true}"#
        );
        Ok(())
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for g in [
            "",
            "[]",
            "{",
            r#"{"a""#,
            r#"{"a":}"#,
            r#"{"a":1"#,
            "nul",
            r#"{"a":"\"#,
            "{\"cookie\":[[[}",
        ] {
            let _ = replace(g, C, Some("1"));
            let _ = replace(g, C, None);
        }
        assert!(replace("[]", C, Some("1")).is_err());
        assert!(replace(r#"{"a":1"#, C, Some("1")).is_err());
    }

    /// JSON values as `JSON.stringify` writes them (compact; serde_json's escapes
    /// match V8's for the strings generated here).
    fn json_value() -> impl Strategy<Value = Value> {
        let text = "[ -~\u{a0}-\u{7ff}\u{800}-\u{d7ff}\u{10000}-\u{10ffff}\"\\\\{}\\[\\],:]{0,12}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((text, inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![Just("cookie".to_string()), "[a-z\"\\\\\u{e9}\u{1}]{0,8}"]
    }

    fn object() -> impl Strategy<Value = Map<String, Value>> {
        let key = key();
        proptest::collection::vec((key, json_value()), 0..6)
            .prop_map(|kv| kv.into_iter().collect::<Map<_, _>>())
    }

    #[test]
    fn patches_keep_untouched_members_and_order() {
        let patch = Patch {
            sets: vec![
                (b"cart".to_vec(), b"[1,2]".to_vec()),
                (b"new".to_vec(), b"true".to_vec()),
                (br#"q\"k"#.to_vec(), b"1".to_vec()),
            ],
            deletes: vec![b"gone".to_vec(), b"absent".to_vec()],
        };
        let out = apply_patch(br#"{"cookie":{},"cart":[],"gone":1,"user":"a"}"#, &patch).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"cookie":{},"cart":[1,2],"user":"a","new":true,"q\"k":1}"#
        );
        assert_eq!(apply_patch(b"[]", &Patch::default()), Err(NotAnObject));
        assert_eq!(
            apply_patch(br#"{"":1,"a":}"#, &Patch::default()),
            Err(NotAnObject)
        );
        assert_eq!(apply_patch(b"{}", &Patch::default()).unwrap(), b"{}");
    }

    proptest! {
        #[test]
        fn patches_like_parse_assign_stringify(
            obj in object(),
            sets in proptest::collection::vec((key(), json_value()), 0..4),
            deletes in proptest::collection::vec(key(), 0..3),
        ) {
            let json = serde_json::to_string(&obj)?;
            // keys as JSON.stringify escapes them, without the quotes
            let escaped = |k: &String| -> Result<Vec<u8>, serde_json::Error> {
                let q = serde_json::to_string(k)?;
                Ok(q.as_bytes()[1..q.len() - 1].to_vec())
            };
            let mut patch = Patch::default();
            let mut expected = obj.clone();
            for k in &deletes {
                patch.deletes.push(escaped(k)?);
                expected.shift_remove(k);
            }
            for (k, v) in &sets {
                patch.sets.push((escaped(k)?, serde_json::to_vec(v)?));
                expected.insert(k.clone(), v.clone());
            }
            let expected = serde_json::to_string(&expected)?;
            let got = apply_patch(json.as_bytes(), &patch).map(|v| String::from_utf8_lossy(&v).into_owned());
            prop_assert_eq!(got, Ok(expected));
        }

        #[test]
        fn splices_like_parse_assign_stringify(
            obj in object(),
            value in proptest::option::of(json_value()),
        ) {
            let json = serde_json::to_string(&obj)?;
            let value_json = value.as_ref().map(serde_json::to_string).transpose()?;
            // the oracle: parse, assign (or delete), stringify, keeping key order
            let mut expected = obj.clone();
            match value {
                Some(v) => {
                    expected.insert(C.to_string(), v);
                }
                None => {
                    expected.shift_remove(C);
                }
            }
            let expected = serde_json::to_string(&expected)?;
            prop_assert_eq!(replace(&json, C, value_json.as_deref()), Ok(expected));
        }
    }
}
