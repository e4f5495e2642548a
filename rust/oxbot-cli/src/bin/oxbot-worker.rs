//! The `oxbot-worker` binary (see `oxbot_worker`): built from this package so that the Python
//! wheel carries it beside `oxbot`. It links no Python.

fn main() -> std::process::ExitCode {
    oxbot_worker::main()
}
