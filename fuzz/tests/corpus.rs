//! Runs the `decode_frame` property over its seed corpus (frames captured from Buildbot
//! sessions) and over cheap deterministic mutations of each frame: every truncation point
//! and single-bit flips, which is what a short fuzz run would try first.

use std::path::Path;

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/decode_frame");
    let mut frames: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    frames.sort();
    frames
}

#[test]
fn seed_frames_decode_and_round_trip() {
    let frames = corpus();
    assert!(frames.len() > 100, "the seed corpus is missing");
    for frame in &frames {
        assert!(
            oxbot_proto::decode(frame).is_ok(),
            "a captured frame does not decode"
        );
        oxbot_fuzz::check_frame(frame);
    }
}

#[test]
fn truncated_and_bit_flipped_frames_do_not_panic() {
    for frame in corpus().iter().filter(|f| f.len() <= 512) {
        for end in 0..frame.len() {
            oxbot_fuzz::check_frame(&frame[..end]);
        }
        for bit in 0..frame.len() * 8 {
            let mut flipped = frame.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            oxbot_fuzz::check_frame(&flipped);
        }
    }
}
