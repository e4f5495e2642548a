//! The properties the fuzz targets check, as plain functions so that the seed corpus also
//! runs under `cargo test` (without nightly or libFuzzer).

/// The frame decoder on arbitrary bytes: it must not panic; a message it accepts must
/// convert to JSON, and encoding it must give a frame that decodes and encodes to the same
/// bytes. (The message itself can change once: a msgpack str holding invalid UTF-8 is
/// written back as bin by rmpv; `to_json` turns such a str into U+FFFD text.)
pub fn check_frame(data: &[u8]) {
    let Ok(message) = oxbot_proto::decode(data) else {
        return;
    };
    for (_, value) in message.entries() {
        let _ = oxbot_proto::to_json(value);
    }
    let _ = (message.op(), message.seq_number(), message.is_exception());
    let encoded = oxbot_proto::encode(&message);
    let again = oxbot_proto::decode(&encoded).expect("an encoded message decodes");
    assert_eq!(
        oxbot_proto::encode(&again),
        encoded,
        "re-encoding is not stable"
    );
}
