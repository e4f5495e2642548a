//! The official web UI's Python packages: `buildbot-www` and its plugins, found as Buildbot
//! finds them (the `buildbot.www` entry points) in the embedded Python's environment, and
//! handed to the engine as plain directories.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::PathBuf;

use pyo3::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{describe_exception, interpreter};

const FINDER: &str = include_str!("www_apps.py");

/// The entry point name of buildbot-www itself (the others are plugins).
pub const BASE: &str = "base";

/// One installed UI package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WwwApp {
    /// Its `static` directory, served at `/` (buildbot-www) or `/plugins/<name>/`.
    pub static_dir: PathBuf,
    /// The distribution (`buildbot-waterfall-view`) and its version, when known.
    pub distribution: Option<String>,
    pub version: Option<String>,
}

/// The UI packages the embedded Python sees, by entry point name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WwwApps {
    pub apps: BTreeMap<String, WwwApp>,
    /// Which Python looked (version and prefix), for error messages.
    pub python: String,
}

impl WwwApps {
    /// buildbot-www, when installed.
    pub fn base(&self) -> Option<&WwwApp> {
        self.apps.get(BASE)
    }

    /// The static directories of the plugins `configured` names (`c['www']['plugins']`'s
    /// keys), or, as Buildbot refuses to start then, an error naming the package to install
    /// for the first one missing (and for buildbot-www, which plugins need).
    pub fn plugins<'a>(
        &self,
        configured: impl IntoIterator<Item = &'a str>,
    ) -> Result<BTreeMap<String, PathBuf>, String> {
        let mut out = BTreeMap::new();
        for name in configured {
            let Some(app) = self.apps.get(name).filter(|_| name != BASE) else {
                return Err(
                    self.not_installed(&format!("www plugin {name:?}"), &package_of_plugin(name))
                );
            };
            out.insert(name.to_owned(), app.static_dir.clone());
        }
        if !out.is_empty() && self.base().is_none() {
            return Err(self.not_installed("buildbot-www (which www plugins need)", "buildbot-www"));
        }
        Ok(out)
    }

    fn not_installed(&self, what: &str, package: &str) -> String {
        format!(
            "could not find {what}; is it installed? Install the Python package {package} where \
             oxbot's {} finds it (pip install {package} in that Python, or in a virtualenv of \
             the same Python version named by VIRTUAL_ENV when oxbot starts)",
            self.python
        )
    }
}

/// The distribution that provides a www plugin, by the naming Buildbot's own plugins follow
/// (`waterfall_view` comes from `buildbot-waterfall-view`).
fn package_of_plugin(name: &str) -> String {
    format!("buildbot-{}", name.replace('_', "-"))
}

/// The UI packages installed in the embedded Python's environment (its `sys.path`, with the
/// virtualenv of `VIRTUAL_ENV`). A package whose `static` directory is missing is left out
/// with a warning. The error is a Python failure, with its traceback.
pub fn www_apps() -> Result<WwwApps, String> {
    let json: String = Python::attach(|py| {
        interpreter::prepare(py).map_err(|e| describe_exception(py, &e))?;
        let code = CString::new(FINDER).expect("no NUL in the finder");
        PyModule::from_code(py, &code, c"oxbot/www_apps.py", c"_oxbot_www_apps")
            .and_then(|m| m.getattr("find")?.call0()?.extract::<String>())
            .map_err(|e| describe_exception(py, &e))
    })?;
    parse(&json)
}

fn parse(json: &str) -> Result<WwwApps, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("www packages: {e}"))?;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let mut out = WwwApps {
        python: value.get("python").and_then(text).unwrap_or_default(),
        apps: BTreeMap::new(),
    };
    for (name, app) in value
        .get("apps")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let distribution = app.get("distribution").and_then(text);
        let Some(static_dir) = app.get("static_dir").and_then(text) else {
            tracing::warn!(
                entry_point = %name,
                package = distribution.as_deref().unwrap_or("?"),
                "a buildbot.www entry point without a static directory is not served"
            );
            continue;
        };
        out.apps.insert(
            name.clone(),
            WwwApp {
                static_dir: PathBuf::from(static_dir),
                distribution,
                version: app.get("version").and_then(text),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps(names: &[&str]) -> WwwApps {
        WwwApps {
            python: "Python 3.13.0 (/py)".to_owned(),
            apps: names
                .iter()
                .map(|n| {
                    (
                        (*n).to_owned(),
                        WwwApp {
                            static_dir: PathBuf::from(format!("/s/{n}")),
                            distribution: None,
                            version: None,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn a_configured_plugin_not_installed_names_its_package() {
        let err = apps(&["base", "grid_view"])
            .plugins(["grid_view", "waterfall_view"])
            .unwrap_err();
        assert!(err.starts_with("could not find www plugin \"waterfall_view\"; is it installed?"));
        assert!(err.contains("pip install buildbot-waterfall-view"), "{err}");
        assert!(err.contains("Python 3.13.0 (/py)"), "{err}");
    }

    #[test]
    fn plugins_need_buildbot_www() {
        let err = apps(&["grid_view"]).plugins(["grid_view"]).unwrap_err();
        assert!(err.contains("pip install buildbot-www "), "{err}");
        // Without plugins, no UI package is required (oxbot's own page is served).
        assert_eq!(apps(&[]).plugins([]), Ok(BTreeMap::new()));
        // `base` is not a plugin.
        assert!(apps(&["base"]).plugins(["base"]).is_err());
    }

    #[test]
    fn installed_plugins_give_their_static_dirs() {
        let dirs = apps(&["base", "grid_view", "console_view"])
            .plugins(["console_view"])
            .unwrap();
        assert_eq!(
            dirs,
            BTreeMap::from([("console_view".to_owned(), PathBuf::from("/s/console_view"))])
        );
    }

    #[test]
    fn the_finders_answer_is_read_and_apps_without_static_dir_are_left_out() {
        let found = parse(
            r#"{"python": "Python 3.13.0 (/p)", "apps": {
                "base": {"module": "buildbot_www", "distribution": "buildbot-www", "version": "4.3.0", "static_dir": "/p/buildbot_www/static"},
                "broken": {"module": "x", "distribution": null, "version": null, "static_dir": null}}}"#,
        )
        .unwrap();
        assert_eq!(found.python, "Python 3.13.0 (/p)");
        assert_eq!(
            found.base(),
            Some(&WwwApp {
                static_dir: PathBuf::from("/p/buildbot_www/static"),
                distribution: Some("buildbot-www".to_owned()),
                version: Some("4.3.0".to_owned()),
            })
        );
        assert!(!found.apps.contains_key("broken"));
    }
}
