//! How the master uses glibc's allocator, so that an idle master holds little memory.
//!
//! glibc gives each thread that allocates its own arena (up to 8 per core), and each arena
//! keeps the pages it once used; freed memory inside an arena goes back to the system only
//! when its top is free. The master has a few tokio workers, a blocking pool and one thread
//! per SQLite connection, so a burst (a config load, a big log) left memory spread over many
//! arenas. Two arenas and a periodic `malloc_trim` keep the idle master small; the cost is a
//! few microseconds per trim and no measurable contention on two arenas.
//!
//! The only `unsafe` of the workspace: two calls into glibc that take no pointers.
#![allow(unsafe_code)]

use std::time::Duration;

/// How often the allocator gives its free pages back.
const TRIM_EVERY: Duration = Duration::from_secs(30);

/// Limits glibc to two arenas; called before the runtime starts its threads.
pub(crate) fn limit_arenas() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator parameter; no thread allocates concurrently yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

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
