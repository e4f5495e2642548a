//! How the master gives memory back to the system, so that an idle master holds little.
//!
//! glibc returns freed memory inside an arena to the system only when the arena's top is
//! free, so what a burst (a config load, a big log) freed stays resident; a periodic
//! `malloc_trim` hands it back, for a few microseconds per trim. (Limiting glibc to two
//! arenas saved no measurable idle memory and cost 10% of build throughput in lock
//! contention, so the arenas are left as glibc sizes them.)
//!
//! The only `unsafe` of the workspace: a call into glibc that takes no pointer.
#![allow(unsafe_code)]

use std::time::Duration;

/// How often the allocator gives its free pages back.
const TRIM_EVERY: Duration = Duration::from_secs(30);

/// Gives the allocator's free pages back to the system (glibc's `malloc_trim`).
pub(crate) fn trim() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim takes the arenas' locks itself.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Trims now (what start-up needed is freed) and then every [`TRIM_EVERY`].
pub(crate) async fn trim_periodically() {
    let mut ticks = tokio::time::interval(TRIM_EVERY);
    loop {
        ticks.tick().await;
        trim();
    }
}
