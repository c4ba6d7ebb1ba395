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

    fn object() -> impl Strategy<Value = Map<String, Value>> {
        let key = prop_oneof![Just("cookie".to_string()), "[a-z\"\\\\]{0,8}"];
        proptest::collection::vec((key, json_value()), 0..6)
            .prop_map(|kv| kv.into_iter().collect::<Map<_, _>>())
    }

    proptest! {
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
