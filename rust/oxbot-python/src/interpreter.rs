//! Getting the interpreter ready for the shim: the `buildbot_compat` sources compiled into the
//! binary are served by an importer placed *after* the regular finders (so a pip-installed
//! `buildbot_compat` wins), then the shim's `buildbot` → `buildbot_compat` alias goes *first*
//! on `sys.meta_path` (so a real Buildbot in the same Python never wins).

use std::ffi::CString;

use pyo3::prelude::*;
use pyo3::types::PyDict;

include!(concat!(env!("OUT_DIR"), "/shim_modules.rs"));

const EMBEDDED_IMPORTER: &str = include_str!("embedded_importer.py");

/// Makes the shim importable and installs the `buildbot` alias (both only once).
pub(crate) fn prepare(py: Python<'_>) -> PyResult<()> {
    let modules = PyDict::new(py);
    for (name, is_pkg, path, source) in SHIM_MODULES {
        modules.set_item(name, (is_pkg, path, source))?;
    }
    let code = CString::new(EMBEDDED_IMPORTER).expect("no NUL in the importer");
    let importer = PyModule::from_code(
        py,
        &code,
        c"oxbot/embedded_importer.py",
        c"_oxbot_embedded_importer",
    )?;
    importer.getattr("install")?.call1((modules,))?;
    py.import("buildbot_compat._alias")?
        .getattr("install")?
        .call0()?;
    Ok(())
}
