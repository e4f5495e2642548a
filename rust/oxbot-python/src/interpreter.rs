//! Getting the interpreter ready for the shim: the `buildbot_compat` sources compiled into the
//! binary are served by an importer placed *after* the regular finders (so a pip-installed
//! `buildbot_compat` wins), then the shim's `buildbot` → `buildbot_compat` alias goes *first*
//! on `sys.meta_path` (so a real Buildbot in the same Python never wins). When `VIRTUAL_ENV`
//! names a virtualenv of the embedded Python's version, its site-packages are added to
//! `sys.path` (after the interpreter's own), so packages installed there (buildbot-www, a
//! config's own libraries) are found.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::Once;

use pyo3::prelude::*;
use pyo3::types::PyDict;

include!(concat!(env!("OUT_DIR"), "/shim_modules.rs"));

const EMBEDDED_IMPORTER: &str = include_str!("embedded_importer.py");

/// Makes the shim importable and installs the `buildbot` alias (both only once).
pub(crate) fn prepare(py: Python<'_>) -> PyResult<()> {
    static VIRTUAL_ENV: Once = Once::new();
    let mut venv = Ok(());
    VIRTUAL_ENV.call_once(|| venv = add_virtual_env(py));
    venv?;
    let modules = PyDict::new(py);
    for (name, is_pkg, path, _source) in SHIM_MODULES {
        modules.set_item(name, (is_pkg, path))?;
    }
    let code = CString::new(EMBEDDED_IMPORTER).expect("no NUL in the importer");
    let importer = PyModule::from_code(
        py,
        &code,
        c"oxbot/embedded_importer.py",
        c"_oxbot_embedded_importer",
    )?;
    importer
        .getattr("install")?
        .call1((modules, wrap_pyfunction!(shim_source, py)?))?;
    py.import("buildbot_compat._alias")?
        .getattr("install")?
        .call0()?;
    Ok(())
}

/// The source of a shim module. The importer asks for it when it imports the module, so that
/// the interpreter does not hold a copy of every module's source (about 300 KB).
#[pyfunction]
fn shim_source(name: &str) -> Option<&'static str> {
    SHIM_MODULES
        .iter()
        .find(|(module, ..)| *module == name)
        .map(|(.., source)| *source)
}

/// Adds the site-packages of the virtualenv `VIRTUAL_ENV` names (with its `.pth` files, as
/// `site` does), when it was made from this Python's version; otherwise says why it is not used.
fn add_virtual_env(py: Python<'_>) -> PyResult<()> {
    let Some(venv) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let version = py.version_info();
    let site_packages = PathBuf::from(&venv)
        .join("lib")
        .join(format!("python{}.{}", version.major, version.minor))
        .join("site-packages");
    if site_packages.is_dir() {
        py.import("site")?
            .getattr("addsitedir")?
            .call1((site_packages.to_string_lossy().as_ref(),))?;
        tracing::info!(site_packages = %site_packages.display(), "using the packages of VIRTUAL_ENV");
    } else {
        tracing::warn!(
            virtual_env = %PathBuf::from(venv).display(),
            "VIRTUAL_ENV has no lib/python{}.{}/site-packages (oxbot embeds Python {}.{}): its packages are not used",
            version.major,
            version.minor,
            version.major,
            version.minor
        );
    }
    Ok(())
}
