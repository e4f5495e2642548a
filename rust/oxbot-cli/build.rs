//! Records the embedded interpreter's library directory as an rpath, so `oxbot` finds
//! libpython at run time without `LD_LIBRARY_PATH`.

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
