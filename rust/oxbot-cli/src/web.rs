//! Wiring of the web server: the data API over the engine's database, and the engine as the
//! control surface.

use std::sync::Arc;

use oxbot_master::Master;

/// `c['www']['change_hook_auth']`; an error names what oxbot cannot honour, and the master
/// does not start.
pub(crate) fn change_hook_auth(
    config: &oxbot_core::config::MasterConfig,
) -> anyhow::Result<Option<oxbot_www::hooks::auth::HookAuth>> {
    oxbot_www::hooks::auth::HookAuth::from_www(&config.www.other).map_err(anyhow::Error::msg)
}

/// `c['www']`'s `auth`, `authz` and `allowed_origins`; an error names what oxbot cannot
/// honour, and the master does not start.
pub(crate) fn web_auth(
    config: &oxbot_core::config::MasterConfig,
    python: &Arc<dyn oxbot_core::python::PythonCallbacks>,
) -> anyhow::Result<oxbot_www::auth::WebAuth> {
    oxbot_www::auth::WebAuth::from_config(config, Some(python)).map_err(anyhow::Error::msg)
}

/// The key that signs session cookies, where Buildbot keeps it (object `www`, state
/// `session_secret`), made on first use: shared by the masters of a database and kept across
/// restarts, so a master taking over Buildbot's database keeps its users logged in.
pub(crate) async fn session_secret(db: &oxbot_db::Db) -> anyhow::Result<String> {
    let objectid = db
        .get_object_id("www", "buildbot.www.service.WWWService")
        .await?;
    if let Some(secret) = db.get_state(objectid, "session_secret").await? {
        if let Some(secret) = secret.as_str() {
            return Ok(secret.to_owned());
        }
        anyhow::bail!("the session_secret in the database is not a string: {secret}");
    }
    let secret = oxbot_www::auth::session::random_secret()?;
    db.set_state(objectid, "session_secret", &serde_json::json!(secret))
        .await?;
    Ok(secret)
}

/// The web router for a started master.
pub(crate) fn router(
    master: &Master,
    change_hook_auth: Option<oxbot_www::hooks::auth::HookAuth>,
    web_auth: oxbot_www::auth::WebAuth,
) -> (axum::Router, oxbot_www::auth::AuthSwitch) {
    let mut buildbot_url = master.config().buildbot_url.clone();
    if !buildbot_url.ends_with('/') {
        buildbot_url.push('/');
    }
    let router = oxbot_www::router(oxbot_www::WwwState {
        data: master.data_api(),
        mq: master.mq().clone(),
        control: Arc::new(master.clone()),
        buildbot_url,
        change_hook_auth,
    });
    oxbot_www::auth::apply(router, web_auth, master.data_api())
}
