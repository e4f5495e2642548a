//! `cargo fuzz run decode_frame`: the worker-protocol frame decoder on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oxbot_fuzz::check_frame(data));
