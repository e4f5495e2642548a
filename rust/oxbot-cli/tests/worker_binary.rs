//! Architecture Invariant: `oxbot-worker` runs without Python, so its binary must not link
//! libpython even though it is built from the same package as `oxbot`.

#[test]
fn worker_binary_links_no_python() {
    let worker = env!("CARGO_BIN_EXE_oxbot-worker");
    let output = std::process::Command::new("ldd")
        .arg(worker)
        .output()
        .expect("ldd runs");
    let libs = String::from_utf8_lossy(&output.stdout);
    assert!(
        !libs.contains("libpython"),
        "oxbot-worker links Python:\n{libs}"
    );
    let oxbot = std::process::Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_oxbot"))
        .output()
        .expect("ldd runs");
    assert!(
        String::from_utf8_lossy(&oxbot.stdout).contains("libpython"),
        "oxbot should embed CPython"
    );
}
