//! The official UI's packages are found through their `buildbot.www` entry points in the
//! virtualenv `VIRTUAL_ENV` names. The variable is read once per process, so each case runs
//! this test binary again (its ignored `child` test) with the variable set.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyo3::prelude::*;

/// Makes a virtualenv layout at `root` for Python `version` ("3.13") holding a UI plugin
/// package `fakeui` (entry point `fake_view`) with a static directory.
fn fake_venv(root: &Path, version: &str) -> PathBuf {
    let site = root
        .join("lib")
        .join(format!("python{version}"))
        .join("site-packages");
    let package = site.join("fakeui");
    std::fs::create_dir_all(package.join("static")).unwrap();
    std::fs::write(
        package.join("__init__.py"),
        "raise RuntimeError('not imported')\n",
    )
    .unwrap();
    std::fs::write(package.join("static").join("scripts.js"), "// ui\n").unwrap();
    let dist = site.join("oxbot_fake_view-1.5.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("METADATA"),
        "Metadata-Version: 2.1\nName: oxbot-fake-view\nVersion: 1.5\n",
    )
    .unwrap();
    std::fs::write(
        dist.join("entry_points.txt"),
        "[buildbot.www]\nfake_view = fakeui:ep\n",
    )
    .unwrap();
    package.join("static")
}

fn python_version() -> String {
    Python::attach(|py| {
        let v = py.version_info();
        format!("{}.{}", v.major, v.minor)
    })
}

fn run_child(venv: &Path, expected_static: Option<&Path>) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--ignored", "--nocapture"])
        .env("VIRTUAL_ENV", venv)
        .env(
            "OXBOT_TEST_EXPECTED_STATIC",
            expected_static.map_or(String::new(), |p| p.display().to_string()),
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_plugin_in_the_virtualenv_is_found_without_being_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let static_dir = fake_venv(tmp.path(), &python_version());
    run_child(tmp.path(), Some(&static_dir));
}

#[test]
fn a_virtualenv_of_another_python_version_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    fake_venv(tmp.path(), "3.1");
    run_child(tmp.path(), None);
}

#[test]
#[ignore = "run by the tests above, with VIRTUAL_ENV set"]
fn child() {
    let expected = std::env::var("OXBOT_TEST_EXPECTED_STATIC").expect("run by the tests above");
    let apps = oxbot_python::www::www_apps().unwrap();
    let found = apps.apps.get("fake_view");
    if expected.is_empty() {
        assert_eq!(found, None);
        let err = apps.plugins(["fake_view"]).unwrap_err();
        assert!(err.contains("pip install buildbot-fake-view"), "{err}");
    } else {
        let app = found.expect("fake_view found");
        assert_eq!(app.static_dir, PathBuf::from(expected));
        assert_eq!(app.distribution.as_deref(), Some("oxbot-fake-view"));
        assert_eq!(app.version.as_deref(), Some("1.5"));
    }
}
