//! Wiring of the web server: the data API over the engine's database, and the engine as the
//! control surface.

use std::sync::Arc;

use oxbot_master::Master;

/// The web router for a started master.
pub(crate) fn router(master: &Master) -> axum::Router {
    let mut buildbot_url = master.config().buildbot_url.clone();
    if !buildbot_url.ends_with('/') {
        buildbot_url.push('/');
    }
    oxbot_www::router(oxbot_www::WwwState {
        data: master.data_api(),
        mq: master.mq().clone(),
        control: Arc::new(master.clone()),
        buildbot_url,
    })
}
