//! Python's `repr()` of values, as Buildbot shows them: in log headers (a command's argv as
//! bytes), in rendered properties (`%(prop:x)r`, lists and dicts as `str()` shows them) and in
//! messages that quote a name.

use serde_json::Value;

/// Python's `repr()` of a bytes value.
pub fn py_bytes_repr(s: &str) -> String {
    format!("b{}", py_quoted(s, true))
}

/// Python's `repr()` of a str.
pub fn py_str_repr(s: &str) -> String {
    py_quoted(s, false)
}

/// The quoted part of Python's `repr()` of a str, or of bytes (where non-ASCII is escaped).
fn py_quoted(s: &str, bytes: bool) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(quote);
            }
            ' '..='~' => out.push(c),
            c if bytes || (c as u32) < 0x20 || c == '\u{7f}' => {
                let mut utf8 = [0u8; 4];
                for b in c.encode_utf8(&mut utf8).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a JSON-like value (dict, list, str, bool, None, number).
pub fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str_repr(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", py_str_repr(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reprs_are_pythons() {
        assert_eq!(py_repr(&json!("1.2")), "'1.2'");
        assert_eq!(py_repr(&json!("it's")), "\"it's\"");
        assert_eq!(py_repr(&json!("a\nb")), "'a\\nb'");
        assert_eq!(
            py_repr(&json!([1, true, null, {"k": "v"}])),
            "[1, True, None, {'k': 'v'}]"
        );
        assert_eq!(
            py_repr(&json!({"a": "b.log", "c": {"filename": "it's", "follow": true}})),
            "{'a': 'b.log', 'c': {'filename': \"it's\", 'follow': True}}"
        );
        assert_eq!(py_bytes_repr("é\u{1}"), "b'\\xc3\\xa9\\x01'");
        assert_eq!(py_str_repr("é\u{1}"), "'é\\x01'");
    }
}
