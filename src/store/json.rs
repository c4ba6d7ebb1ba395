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
pub fn find_member(json: &str, key: &str) -> Result<Option<Member>, NotAnObject> {
    let b = json.as_bytes();
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
        let matched = &b[start + 1..key_end - 1] == key.as_bytes();
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
pub fn replace_member(json: &str, key: &str, value: Option<&str>) -> Result<String, NotAnObject> {
    let mut out = String::with_capacity(json.len() + value.map_or(0, str::len) + key.len() + 4);
    replace_member_into(&mut out, json, key, value)?;
    Ok(out)
}

/// `replace_member`, appending the result to `out` (nothing is appended on error).
pub fn replace_member_into(
    out: &mut String,
    json: &str,
    key: &str,
    value: Option<&str>,
) -> Result<(), NotAnObject> {
    let found = find_member(json, key)?;
    match (found, value) {
        (Some(m), Some(v)) => {
            out.push_str(&json[..m.value.0]);
            out.push_str(v);
            out.push_str(&json[m.value.1..]);
        }
        (Some(m), None) => {
            // Remove the member and one adjacent comma.
            let before = json[..m.member.0].trim_end();
            let after = &json[m.member.1..];
            if let Some(rest) = after.trim_start().strip_prefix(',') {
                out.push_str(&json[..m.member.0]);
                out.push_str(rest.trim_start());
            } else if let Some(b) = before.strip_suffix(',') {
                out.push_str(b);
                out.push_str(after);
            } else {
                out.push_str(before);
                out.push_str(after);
            }
        }
        (None, Some(v)) => {
            let close = json.rfind('}').ok_or(NotAnObject)?;
            let body = json[..close].trim_end();
            out.push_str(body);
            if !body.ends_with('{') {
                out.push(',');
            }
            out.push('"');
            out.push_str(key);
            out.push_str("\":");
            out.push_str(v);
            out.push_str(&json[close..]);
        }
        (None, None) => out.push_str(json),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "cookie";

    #[test]
    fn replaces_value_in_place() {
        let j = r#"{"a":1,"cookie":{"expires":"x","n":[1,{"}":"]"}]},"b":"c\"ookie"}"#;
        assert_eq!(
            replace_member(j, C, Some(r#"{"e":2}"#)).unwrap(),
            r#"{"a":1,"cookie":{"e":2},"b":"c\"ookie"}"#
        );
    }

    #[test]
    fn nested_cookie_key_is_not_top_level() {
        let j = r#"{"user":{"cookie":1}}"#;
        assert_eq!(find_member(j, C), Ok(None));
        assert_eq!(
            replace_member(j, C, Some("2")).unwrap(),
            r#"{"user":{"cookie":1},"cookie":2}"#
        );
    }

    #[test]
    fn appends_to_empty_object_and_removes_members() {
        assert_eq!(
            replace_member("{}", C, Some("1")).unwrap(),
            r#"{"cookie":1}"#
        );
        assert_eq!(replace_member(r#"{"cookie":1}"#, C, None).unwrap(), "{}");
        assert_eq!(
            replace_member(r#"{"cookie":1,"a":2}"#, C, None).unwrap(),
            r#"{"a":2}"#
        );
        assert_eq!(
            replace_member(r#"{"a":2,"cookie":1}"#, C, None).unwrap(),
            r#"{"a":2}"#
        );
        assert_eq!(replace_member(r#"{"a":2}"#, C, None).unwrap(), r#"{"a":2}"#);
    }

    #[test]
    fn scalars_and_escaped_keys() {
        let j = r#"{"x\"y":null,"cookie":null,"z":-1.5e3,"t":true}"#;
        let m = find_member(j, C).unwrap().unwrap();
        assert_eq!(&j[m.value.0..m.value.1], "null");
        assert_eq!(
            replace_member(j, C, Some("{}")).unwrap(),
            r#"{"x\"y":null,"cookie":{},"z":-1.5e3,"t":true}"#
        );
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
            let _ = replace_member(g, C, Some("1"));
            let _ = replace_member(g, C, None);
        }
        assert!(replace_member("[]", C, Some("1")).is_err());
        assert!(replace_member(r#"{"a":1"#, C, Some("1")).is_err());
    }
}
