//! Wiring of the web server: the data API over the engine's database, and the engine as the
//! control surface.

use std::sync::Arc;

use oxbot_master::Master;

/// The web router for a started master; fails on a `change_hook_auth` oxbot cannot honour.
pub(crate) fn router(master: &Master) -> anyhow::Result<axum::Router> {
    let mut buildbot_url = master.config().buildbot_url.clone();
    if !buildbot_url.ends_with('/') {
        buildbot_url.push('/');
    }
    let change_hook_auth = oxbot_www::hooks::auth::HookAuth::from_www(&master.config().www.other)
        .map_err(anyhow::Error::msg)?;
    Ok(oxbot_www::router(oxbot_www::WwwState {
        data: master.data_api(),
        mq: master.mq().clone(),
        control: Arc::new(master.clone()),
        buildbot_url,
        change_hook_auth,
    }))
}
