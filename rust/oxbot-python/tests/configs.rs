//! Every case under `compat-tests/configs/<case>/master.cfg` loads through the embedded
//! interpreter and its outcome is snapshotted: the whole `MasterConfig` as JSON for a good
//! config, the error list (with Buildbot 4.3's wording) for a `broken_*` one. A few targeted
//! tests pin down what the snapshots would hide in bulk.

use std::path::{Path, PathBuf};

use oxbot_python::load_config;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../compat-tests/configs")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Loads a copy of the case (so nothing is written next to the fixtures) and returns the
/// outcome as JSON, with the copy's path shown as `[BASEDIR]`.
fn load_case(case_dir: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(case_dir, dir.path());
    let outcome = match load_config(dir.path(), "master.cfg") {
        Ok(loaded) => serde_json::json!({
            "config": loaded.config,
            "python_handles": loaded.handle_count(),
        }),
        Err(errors) => serde_json::json!({ "errors": errors.errors }),
    };
    let text = serde_json::to_string(&outcome)
        .unwrap()
        .replace(&dir.path().display().to_string(), "[BASEDIR]");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_case_matches_its_snapshot() {
    insta::glob!("../../../compat-tests/configs", "*/master.cfg", |path| {
        let case = path.parent().unwrap();
        let outcome = load_case(case);
        let broken = case
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("broken_");
        assert_eq!(
            outcome.get("errors").is_some(),
            broken,
            "{}: {outcome:#}",
            case.display()
        );
        insta::with_settings!({filters => vec![
            // Python object addresses in reprs.
            (r"0x[0-9a-f]+", "[ADDR]"),
            // Python 3.11+ marks the failing expression under the source line.
            (r"\\n *[~^]+ *(\\n)", "$1"),
        ]}, {
            insta::assert_json_snapshot!(outcome);
        });
    });
}

fn load(case: &str) -> oxbot_python::LoadedConfig {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(case), dir.path());
    load_config(dir.path(), "master.cfg")
        .unwrap_or_else(|errors| panic!("{case} failed to load:\n{errors}"))
}

#[test]
fn c01_sample_style() {
    let loaded = load("c01_sample_style");
    let c = &loaded.config;
    assert_eq!(c.title, "Hello World CI");
    assert_eq!(c.workers[0].name, "example-worker");
    assert_eq!(c.protocols[0].name, "pb");
    assert_eq!(c.protocols[0].listen.port, 9989);
    assert_eq!(c.www.port.as_ref().unwrap().port, 8010);
    assert_eq!(c.db_url, "sqlite:///state.sqlite");
    let builder = &c.builders[0];
    assert_eq!(
        (builder.name.as_str(), builder.workernames.clone()),
        ("runtests", vec!["example-worker".to_owned()])
    );
    let kinds: Vec<&str> = builder
        .factory
        .steps
        .iter()
        .map(|s| s.kind.as_str())
        .collect();
    assert_eq!(kinds, ["Git", "ShellCommand"]);
    assert_eq!(
        builder.factory.steps[1].args["command"],
        serde_json::json!(["sh", "test.sh"])
    );
    let schedulers: Vec<(&str, &str)> = c
        .schedulers
        .iter()
        .map(|s| (s.kind.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(
        schedulers,
        [
            ("SingleBranchScheduler", "all"),
            ("ForceScheduler", "force")
        ]
    );
    assert_eq!(c.change_sources[0].kind, "GitPoller");
}

#[test]
fn legacy_spellings_are_reported_once_each() {
    let loaded = load("c05_legacy_08");
    let deprecations = &loaded.config.deprecations;
    assert!(
        deprecations
            .iter()
            .any(|d| d.contains("'slavenames' is deprecated, use 'workernames'"))
    );
    assert!(deprecations.iter().any(|d| d.contains("c['slaves']")));
    let unique: std::collections::HashSet<_> = deprecations.iter().collect();
    assert_eq!(unique.len(), deprecations.len());
    let c = &loaded.config;
    assert_eq!(
        c.workers
            .iter()
            .map(|w| w.name.as_str())
            .collect::<Vec<_>>(),
        ["slave1", "slave2"]
    );
    assert_eq!(c.protocols[0].listen.port, 9989);
    assert_eq!(c.title, "Project");
    let full = c.builders.iter().find(|b| b.name == "full").unwrap();
    assert_eq!(
        (full.workernames.clone(), full.workerbuilddir.as_str()),
        (vec!["slave2".to_owned()], "full")
    );
    let quick = c.builders.iter().find(|b| b.name == "quick").unwrap();
    assert_eq!(quick.tags, ["fast"]);
}

#[test]
fn a_failing_config_keeps_its_traceback_apart() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("broken_exception"), dir.path());
    let errors = load_config(dir.path(), "master.cfg").err().unwrap();
    let [error] = errors.errors.as_slice() else {
        panic!("one error expected: {errors}")
    };
    assert_eq!(
        error.message,
        "error while parsing config file: 'missing' (traceback in logfile)"
    );
    let traceback = error.traceback.as_deref().unwrap();
    assert!(
        traceback.contains("master.cfg\", line 8, in <module>\n    y = x['missing']"),
        "{traceback}"
    );
}

#[test]
fn messages_name_the_file_as_the_basedir_is_spelled() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("broken_no_buildmasterconfig"), dir.path());
    // `./../../tmp/...`: the temporary directory as seen from the working directory.
    let cwd = std::env::current_dir().unwrap();
    let mut relative = PathBuf::from(".");
    for _ in cwd.components().skip(1) {
        relative.push("..");
    }
    relative.push(dir.path().strip_prefix("/").unwrap());
    let errors = load_config(&relative, "master.cfg").err().unwrap();
    assert_eq!(
        errors.to_string(),
        format!(
            "Configuration file '{}' does not define 'BuildmasterConfig'",
            relative.join("master.cfg").display()
        )
    );
}

#[test]
fn a_real_buildbot_never_wins_over_the_shim() {
    let loaded = load("c01_sample_style");
    assert!(loaded.handle_count() < 100);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("master.cfg"),
        "import buildbot, buildbot.plugins\n\
         assert buildbot.__name__ == 'buildbot_compat', buildbot.__name__\n\
         assert buildbot.plugins.util.BuilderConfig.__module__.startswith('buildbot_compat')\n\
         BuildmasterConfig = {'multiMaster': True}\n",
    )
    .unwrap();
    load_config(dir.path(), "master.cfg").unwrap_or_else(|e| panic!("{e}"));
}
