//! The only crate that knows HTTP (for the web port): Buildbot's REST data API v2 with its
//! envelope, query language and error bodies, the JSON-RPC control API, the change hooks
//! (`/change_hook/<dialect>`, [`hooks`]), and the official UI's files (buildbot-www and its
//! plugins, [`ui`]) or oxbot's own minimal page. [`router`] builds the routes (tests call it
//! without a socket); [`serve`] runs them.

mod answers;
pub mod auth;
mod control;
mod error;
mod fnmatch;
pub mod hooks;
mod rest;
mod sse;
pub mod ui;
mod ws;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get};
use oxbot_master::control::Control;
use oxbot_master::data::api::DataApi;
use tokio::net::TcpListener;

pub use error::ApiError;

/// What the web server needs: the data API, the engine's controls, and the master's URL.
#[derive(Clone)]
pub struct WwwState {
    pub data: DataApi,
    /// The engine's event bus, for `/ws`.
    pub mq: oxbot_master::mq::Mq,
    pub control: Arc<dyn Control>,
    /// `c['buildbotURL']`, ending with `/`.
    pub buildbot_url: String,
    /// `c['www']['change_hook_auth']`, read once at start (as Buildbot does).
    pub change_hook_auth: Option<hooks::auth::HookAuth>,
}

/// The largest change hook body taken (GitHub sends up to 25 MB).
const HOOK_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// All routes of the web port.
pub fn router(state: WwwState) -> Router {
    Router::new()
        .route("/", get(ui::index))
        .route("/index.html", get(ui::index))
        .route("/avatar", get(ui::avatar))
        .route("/api", get(rest::api_root))
        .route("/ws", get(ws::upgrade))
        .route(
            "/change_hook",
            any(hooks::change_hook).layer(DefaultBodyLimit::max(HOOK_BODY_LIMIT)),
        )
        .route(
            "/change_hook/",
            any(hooks::change_hook).layer(DefaultBodyLimit::max(HOOK_BODY_LIMIT)),
        )
        .route(
            "/change_hook/{*rest}",
            any(hooks::change_hook).layer(DefaultBodyLimit::max(HOOK_BODY_LIMIT)),
        )
        .route("/api/v2", get(rest::get_root).fallback(rest::bad_method))
        .route("/api/v2/", get(rest::get_root).fallback(rest::bad_method))
        .route(
            "/api/latest",
            get(rest::get_root).fallback(rest::bad_method),
        )
        .route(
            "/api/v2/{*path}",
            get(rest::get).post(rest::post).fallback(rest::bad_method),
        )
        .route(
            "/api/latest/{*path}",
            get(rest::get).post(rest::post).fallback(rest::bad_method),
        )
        .merge(sse::routes(state.mq.clone()))
        .fallback(get(ui::static_file))
        .layer(axum::Extension(Arc::new(answers::AnswerCache::default())))
        .with_state(state)
}

/// `router` serving `ui` at `/` (and the official UI's files), instead of oxbot's own page.
pub fn with_ui(router: Router, ui: ui::Ui) -> Router {
    router.layer(axum::Extension(ui))
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // TCP_NODELAY: `/ws` events and small replies are not held back for delayed ACKs.
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(cause = %err, "setting TCP_NODELAY failed");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
