//! The buildmaster directory: `buildbot.tac` (what makes a directory a buildmaster, and which
//! config file it names), `twistd.pid` and `twistd.log`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// The line Buildbot looks for to recognise a buildmaster directory.
const TAC_MARKER: &str = "Application('buildmaster')";

pub(crate) fn tac_path(basedir: &Path) -> PathBuf {
    basedir.join("buildbot.tac")
}

pub(crate) fn pid_path(basedir: &Path) -> PathBuf {
    basedir.join("twistd.pid")
}

pub(crate) fn log_path(basedir: &Path) -> PathBuf {
    basedir.join("twistd.log")
}

/// Checks that `basedir` is a buildmaster directory (Buildbot's `isBuildmasterDir`).
pub(crate) fn check_buildmaster_dir(basedir: &Path) -> anyhow::Result<()> {
    let tac = tac_path(basedir);
    let contents = std::fs::read_to_string(&tac).map_err(|e| {
        anyhow::anyhow!(
            "error reading '{}': {}\ninvalid buildmaster directory '{}'",
            tac.display(),
            e.kind(),
            basedir.display()
        )
    })?;
    if !contents.contains(TAC_MARKER) {
        bail!(
            "unexpected content in '{}'\ninvalid buildmaster directory '{}'",
            tac.display(),
            basedir.display()
        );
    }
    Ok(())
}

/// The config file `buildbot.tac` names, `master.cfg` if none. A plain
/// `configfile = 'name'` line is read as it stands; any other `configfile` assignment (say
/// `os.path.join(os.path.dirname(__file__), 'master.cfg')`) is evaluated as Buildbot does, by
/// running the tac with `__file__` set.
pub(crate) fn config_file(basedir: &Path) -> anyhow::Result<String> {
    let tac = tac_path(basedir);
    let Ok(contents) = std::fs::read_to_string(&tac) else {
        return Ok("master.cfg".to_owned());
    };
    let assigned = contents
        .lines()
        .filter_map(|line| line.trim().strip_prefix("configfile"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .map(str::trim)
        .next();
    match assigned {
        None => Ok("master.cfg".to_owned()),
        Some(value) => match string_literal(value) {
            Some(name) => Ok(name.to_owned()),
            None => oxbot_python::tac_config_file(&tac)
                .map_err(|err| anyhow::anyhow!("error while running '{}':\n{err}", tac.display())),
        },
    }
}

/// The text of a one-quote Python string literal without escapes (`'x'` or `"x"`).
fn string_literal(value: &str) -> Option<&str> {
    ['\'', '"'].into_iter().find_map(|quote| {
        let inner = value.strip_prefix(quote)?.strip_suffix(quote)?;
        (!inner.contains(quote) && !inner.contains('\\')).then_some(inner)
    })
}

/// The pid in `twistd.pid`, if the file exists.
pub(crate) fn read_pid(basedir: &Path) -> anyhow::Result<Option<i32>> {
    let path = pid_path(basedir);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().parse().with_context(|| {
            format!("'{}' does not hold a pid", path.display())
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading '{}'", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_comes_from_the_tac() {
        let dir = std::env::temp_dir().join(format!("oxbot-tac-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            tac_path(&dir),
            "configfile = 'other.cfg'\napplication = service.Application('buildmaster')\n",
        )
        .unwrap();
        assert_eq!(config_file(&dir).unwrap(), "other.cfg");
        assert!(check_buildmaster_dir(&dir).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_computed_config_file_is_found_by_running_the_tac() {
        let dir = std::env::temp_dir().join(format!("oxbot-tac-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            tac_path(&dir),
            "import os\nconfigfile = os.path.join(os.path.dirname(__file__), 'other.cfg')\n",
        )
        .unwrap();
        assert_eq!(
            config_file(&dir).unwrap(),
            dir.join("other.cfg").to_string_lossy()
        );
        std::fs::write(tac_path(&dir), "configfile = undefined_name\n").unwrap();
        let err = format!("{:#}", config_file(&dir).unwrap_err());
        assert!(err.contains("NameError"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
