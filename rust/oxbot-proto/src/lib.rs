//! Buildbot's msgpack-over-WebSocket master/worker messages (`msgpack_experimental_v7`) and
//! their codec, shared by the engine and `oxbot-worker`.
//!
//! Every WebSocket binary frame holds one msgpack map. A request is `{op, seq_number, ...}`,
//! a reply `{op: "response", seq_number, result[, is_exception: true]}`. [`Message`] keeps the
//! map's entries in order and its values as [`rmpv::Value`], so text (msgpack `str`) and file
//! data (msgpack `bin`) stay apart, as the protocol requires; [`encode`] writes the smallest
//! encoding of each value, which reproduces the Python peers' bytes.
//!
//! [`to_json`] and [`from_json`] convert values for callers that work with JSON (file data
//! aside), and [`update_pairs`] reads an `update` message's `[[key, value], ...]` list.
//!
//! Architecture Invariant: the wire format lives here and nowhere else; no async runtime.

use rmpv::Value;

/// One protocol message: a msgpack map with string keys, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    entries: Vec<(String, Value)>,
}

/// A frame that is not a protocol message.
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    #[error("invalid msgpack: {0}")]
    Decode(String),
    #[error("a message must be a msgpack map with string keys")]
    NotAMap,
    #[error("{0} bytes follow the message")]
    TrailingBytes(usize),
}

impl Message {
    /// A request: `{op, seq_number, ...fields}`.
    pub fn request(op: &str, seq_number: u64, fields: Vec<(&str, Value)>) -> Message {
        let mut entries = vec![("op".to_owned(), Value::from(op))];
        entries.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
        entries.push(("seq_number".to_owned(), Value::from(seq_number)));
        Message { entries }
    }

    /// A response to request `seq_number`; `is_exception` marks `result` as an error text.
    pub fn response(seq_number: u64, result: Value, is_exception: bool) -> Message {
        let mut entries = vec![
            ("op".to_owned(), Value::from("response")),
            ("result".to_owned(), result),
        ];
        if is_exception {
            entries.push(("is_exception".to_owned(), Value::Boolean(true)));
        }
        entries.push(("seq_number".to_owned(), Value::from(seq_number)));
        Message { entries }
    }

    /// The `op` key, or `""` when missing.
    pub fn op(&self) -> &str {
        self.get("op").and_then(Value::as_str).unwrap_or("")
    }

    pub fn seq_number(&self) -> Option<u64> {
        self.get("seq_number").and_then(Value::as_u64)
    }

    pub fn is_exception(&self) -> bool {
        self.get("is_exception")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn entries(&self) -> &[(String, Value)] {
        &self.entries
    }
}

/// Encodes a message as one msgpack map.
pub fn encode(message: &Message) -> Vec<u8> {
    let map = Value::Map(
        message
            .entries
            .iter()
            .map(|(k, v)| (Value::from(k.as_str()), v.clone()))
            .collect(),
    );
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &map).expect("writing to a Vec cannot fail");
    out
}

/// Decodes one frame; never panics on bad input.
pub fn decode(bytes: &[u8]) -> Result<Message, ProtoError> {
    let mut reader = bytes;
    let value =
        rmpv::decode::read_value(&mut reader).map_err(|e| ProtoError::Decode(e.to_string()))?;
    if !reader.is_empty() {
        return Err(ProtoError::TrailingBytes(reader.len()));
    }
    let Value::Map(pairs) = value else {
        return Err(ProtoError::NotAMap);
    };
    let entries = pairs
        .into_iter()
        .map(|(k, v)| match k {
            Value::String(s) => s.into_str().map(|s| (s, v)).ok_or(ProtoError::NotAMap),
            _ => Err(ProtoError::NotAMap),
        })
        .collect::<Result<_, _>>()?;
    Ok(Message { entries })
}

/// Converts a msgpack value to JSON. Binary data becomes an array of byte values; invalid
/// UTF-8 in a `str` is replaced with U+FFFD.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Nil | Value::Ext(_, _) => serde_json::Value::Null,
        Value::Boolean(b) => serde_json::Value::Bool(*b),
        Value::Integer(i) => i
            .as_i64()
            .map(serde_json::Value::from)
            .or_else(|| i.as_u64().map(serde_json::Value::from))
            .unwrap_or(serde_json::Value::Null),
        Value::F32(f) => serde_json::Value::from(f64::from(*f)),
        Value::F64(f) => serde_json::Value::from(*f),
        Value::String(s) => {
            serde_json::Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned())
        }
        Value::Binary(b) => {
            serde_json::Value::Array(b.iter().map(|x| serde_json::Value::from(*x)).collect())
        }
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(pairs) => serde_json::Value::Object(
            pairs
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// Converts JSON to a msgpack value: strings become `str`, whole numbers integers, other
/// numbers float64.
pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .unwrap_or_else(|| Value::F64(n.as_f64().unwrap_or(0.0))),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// The `[key, value]` pairs of an `update` message's `args`, in order, values as JSON.
pub fn update_pairs(args: &Value) -> Vec<(String, serde_json::Value)> {
    args.as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            let items = pair.as_array()?;
            let key = items.first()?.as_str()?.to_owned();
            Some((key, items.get(1).map_or(serde_json::Value::Null, to_json)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips() {
        let msg = Message::request("print", 3, vec![("message", Value::from("attached"))]);
        let decoded = decode(&encode(&msg)).unwrap();
        assert_eq!(decoded, msg);
        assert_eq!(decoded.op(), "print");
        assert_eq!(decoded.seq_number(), Some(3));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(&[0xc1]).is_err());
        assert!(decode(&[0x91, 0x01]).is_err());
        assert!(decode(&[]).is_err());
        assert!(matches!(
            decode(&[0x80, 0x80]),
            Err(ProtoError::TrailingBytes(1))
        ));
    }

    #[test]
    fn update_pairs_keep_order() {
        let args = from_json(&serde_json::json!([
            ["stdout", ["hi\n", [2], [1.5]]],
            ["rc", 0]
        ]));
        let pairs = update_pairs(&args);
        assert_eq!(pairs[0].0, "stdout");
        assert_eq!(pairs[1], ("rc".to_owned(), serde_json::json!(0)));
    }
}
