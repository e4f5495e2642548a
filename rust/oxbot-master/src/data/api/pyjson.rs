//! JSON text as Python's `json.dumps` writes it in Buildbot's responses (key order, separators,
//! indentation, `\\uXXXX` escapes for non-ASCII), for byte-compatible bodies.

use std::fmt::Write as _;

use serde_json::Value;

/// How Python's `json.dumps` lays JSON out in Buildbot's responses.
#[derive(Clone, Copy)]
enum Layout {
    /// `separators=(',', ':')`: API responses for JSON clients.
    Compact,
    /// The defaults, `, ` and `: `: error bodies.
    Spaced,
    /// The defaults without sorting keys: JSON-RPC error bodies.
    SpacedUnsorted,
    /// `indent=2` with `, ` item separators (lines end with `, `): responses for browsers.
    Pretty,
}

/// JSON as Python's `json.dumps` writes it: keys sorted, non-ASCII escaped.
pub fn python_json(value: &Value, compact: bool) -> String {
    let mut out = String::new();
    write_json(
        &mut out,
        value,
        if compact {
            Layout::Compact
        } else {
            Layout::Spaced
        },
        0,
    );
    out
}

/// `json.dumps(value)` with its defaults: `, ` and `: `, keys in their stored order.
pub fn python_json_unsorted(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value, Layout::SpacedUnsorted, 0);
    out
}

/// `indent=2` as Buildbot's pretty responses use it.
pub fn python_json_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value, Layout::Pretty, 0);
    out
}

/// Appends `value` laid out as `layout` at indentation `depth`.
fn write_json(out: &mut String, value: &Value, layout: Layout, depth: usize) {
    let (item_sep, key_sep) = match layout {
        Layout::Compact => (",", ":"),
        Layout::Spaced | Layout::SpacedUnsorted | Layout::Pretty => (", ", ": "),
    };
    let newline = |out: &mut String, depth: usize| {
        if let Layout::Pretty = layout {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            if !matches!(layout, Layout::SpacedUnsorted) {
                keys.sort();
            }
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                write_string(out, key);
                out.push_str(key_sep);
                write_json(out, &map[*key], layout, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                write_json(out, item, layout, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => write_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layouts_match_python() {
        let value = json!({"passed": 2, "failed": 1, "name": "caf\u{e9}", "list": [1, true, null]});
        assert_eq!(
            python_json_unsorted(&value),
            r#"{"passed": 2, "failed": 1, "name": "caf\u00e9", "list": [1, true, null]}"#
        );
        assert_eq!(
            python_json(&value, true),
            r#"{"failed":1,"list":[1,true,null],"name":"caf\u00e9","passed":2}"#
        );
        assert_eq!(
            python_json_pretty(&json!({"a": [1], "b": {}})),
            "{\n  \"a\": [\n    1\n  ], \n  \"b\": {}\n}"
        );
    }
}
