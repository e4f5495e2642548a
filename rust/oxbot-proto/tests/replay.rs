//! Replays every WebSocket message recorded between Buildbot 4.3 and buildbot-worker 4.3
//! (`shared/reference/protocol/*.jsonl`): each decodes, and encoding it again gives the
//! recorded bytes exactly.

use std::path::PathBuf;

use base64::Engine as _;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/protocol")
}

#[test]
fn recorded_messages_decode_and_reencode_byte_for_byte() {
    let dir = vectors_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 13,
        "expected the 13 recorded sessions in {}",
        dir.display()
    );
    let mut checked = 0;
    for file in files {
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record["kind"] != "ws-message" {
                continue;
            }
            let raw = base64::engine::general_purpose::STANDARD
                .decode(record["raw_b64"].as_str().unwrap())
                .unwrap();
            let message = oxbot_proto::decode(&raw)
                .unwrap_or_else(|e| panic!("{}: record {}: {e}", file.display(), record["i"]));
            assert_eq!(
                oxbot_proto::encode(&message),
                raw,
                "{}: record {} re-encodes differently",
                file.display(),
                record["i"]
            );
            assert_eq!(message.op(), record["msg"]["op"].as_str().unwrap());
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} messages checked");
}
