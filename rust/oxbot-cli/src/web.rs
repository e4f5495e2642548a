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

/// `c['www']`'s `auth`, `authz` and `allowed_origins`, and the frontend config, which lists
/// the embedded Python's version; an error names what oxbot cannot honour, and the master
/// does not start.
pub(crate) fn web_auth(
    config: &oxbot_core::config::MasterConfig,
    python: Option<&Arc<dyn oxbot_core::python::PythonCallbacks>>,
    python_version: String,
) -> anyhow::Result<oxbot_www::auth::WebAuth> {
    let auth = oxbot_www::auth::WebAuth::from_config(config, python).map_err(anyhow::Error::msg)?;
    Ok(auth.with_python_version(python_version))
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

/// What `/` serves, and the UI packages found at start (a reconfig chooses among them, as
/// Buildbot loads its www plugins once).
pub(crate) struct WebUi {
    pub(crate) ui: oxbot_www::ui::Ui,
    apps: oxbot_python::www::WwwApps,
}

impl WebUi {
    /// The official UI when the Python oxbot embeds has buildbot-www (its `static` directory
    /// and the configured plugins'), oxbot's own page otherwise; `apps` is what that Python
    /// has, or why looking failed. A plugin named in `c['www']['plugins']` that is not
    /// installed is an error naming its package, and the master does not start (as
    /// Buildbot's).
    pub(crate) fn new(
        config: &oxbot_core::config::MasterConfig,
        apps: Result<oxbot_python::www::WwwApps, String>,
    ) -> anyhow::Result<WebUi> {
        use oxbot_www::ui::{OfficialUi, Ui};
        if config.www.port.is_none() {
            return Ok(WebUi {
                ui: Ui::Minimal,
                apps: oxbot_python::www::WwwApps::default(),
            });
        }
        let apps = apps.map_err(anyhow::Error::msg)?;
        let plugins = Self::plugins(&apps, config)?;
        let Some(base) = apps.base() else {
            tracing::info!(
                python = %apps.python,
                "buildbot-www is not installed in oxbot's Python: / is oxbot's own page"
            );
            return Ok(WebUi {
                ui: Ui::Minimal,
                apps,
            });
        };
        tracing::info!(
            version = base.version.as_deref().unwrap_or("?"),
            static_dir = %base.static_dir.display(),
            plugins = ?plugins.keys().collect::<Vec<_>>(),
            "serving the official UI (buildbot-www)"
        );
        let official =
            OfficialUi::new(base.static_dir.clone(), plugins).map_err(anyhow::Error::msg)?;
        Ok(WebUi {
            ui: Ui::Official(Arc::new(official)),
            apps,
        })
    }

    /// The static directories of the plugins `config` names; notes the installed ones it
    /// does not name.
    fn plugins(
        apps: &oxbot_python::www::WwwApps,
        config: &oxbot_core::config::MasterConfig,
    ) -> anyhow::Result<std::collections::BTreeMap<String, std::path::PathBuf>> {
        let plugins = apps
            .plugins(config.www.plugins.keys().map(String::as_str))
            .map_err(anyhow::Error::msg)?;
        for name in apps.apps.keys() {
            if name != oxbot_python::www::BASE && !plugins.contains_key(name) {
                tracing::info!("NOTE: www plugin {name:?} is installed but not configured");
            }
        }
        Ok(plugins)
    }

    /// Serves the plugins a new config names; one not installed (at start) is an error and
    /// the plugins in force stay.
    pub(crate) fn reconfigure(
        &self,
        config: &oxbot_core::config::MasterConfig,
    ) -> anyhow::Result<()> {
        let plugins = Self::plugins(&self.apps, config)?;
        if let oxbot_www::ui::Ui::Official(ui) = &self.ui {
            ui.set_plugins(plugins);
        }
        Ok(())
    }
}

/// The web router for a started master.
pub(crate) fn router(
    master: &Master,
    change_hook_auth: Option<oxbot_www::hooks::auth::HookAuth>,
    web_auth: oxbot_www::auth::WebAuth,
    ui: oxbot_www::ui::Ui,
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
    let router = oxbot_www::with_ui(router, ui);
    oxbot_www::auth::apply(router, web_auth, master.data_api())
}
