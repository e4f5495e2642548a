//! The official web UI (Buildbot's `buildbot-www` package and its plugins), served from the
//! packages' static directories as Buildbot serves them: `/` and `/index.html` are the
//! package's `index.html` with the frontend config (and theme CSS) in place of its
//! placeholders; every other path is a file of the package's static directory; the plugins'
//! files are under `/plugins/<name>/`. Without the package, oxbot's own minimal page is `/`.
//! `/avatar` (the pictures of change authors and users) redirects to gravatar, Buildbot's
//! default avatar method.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Extension;
use axum::extract::RawQuery;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value};

use crate::auth::{SessionUser, WebAuth};

/// The UI page served at `/` when buildbot-www is not installed.
const MINIMAL_HTML: &str = include_str!("../../../www/index.html");

/// Where the official UI's files are: the directories oxbot-python found.
#[derive(Debug)]
pub struct OfficialUi {
    /// buildbot-www's `static` directory.
    static_dir: PathBuf,
    /// Its `index.html`, read once (as Buildbot reads it).
    index_template: String,
    /// The configured plugins' `static` directories, by plugin name (they follow reconfig).
    plugins: RwLock<BTreeMap<String, PathBuf>>,
}

impl OfficialUi {
    /// The UI of buildbot-www's `static_dir` with the configured `plugins`' directories.
    pub fn new(static_dir: PathBuf, plugins: BTreeMap<String, PathBuf>) -> Result<Self, String> {
        let index = static_dir.join("index.html");
        let index_template = std::fs::read_to_string(&index)
            .map_err(|e| format!("reading buildbot-www's {}: {e}", index.display()))?;
        Ok(OfficialUi {
            static_dir,
            index_template,
            plugins: RwLock::new(plugins),
        })
    }

    /// Serves `plugins` (a new config's) from now on, instead of the previous ones.
    pub fn set_plugins(&self, plugins: BTreeMap<String, PathBuf>) {
        *self
            .plugins
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = plugins;
    }

    fn plugin_dir(&self, name: &str) -> Option<PathBuf> {
        self.plugins
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
    }
}

/// What `/` serves.
#[derive(Debug, Clone, Default)]
pub enum Ui {
    /// oxbot's own minimal page (buildbot-www is not installed).
    #[default]
    Minimal,
    Official(Arc<OfficialUi>),
}

/// The theme variables Buildbot 4.3 sets from `c['www']['theme']`, with their defaults.
const THEME_VARIABLES: [(&str, &str); 12] = [
    ("bb-sidebar-background-color", "#30426a"),
    ("bb-sidebar-header-background-color", "#273759"),
    ("bb-sidebar-header-text-color", "#fff"),
    ("bb-sidebar-title-text-color", "#627cb7"),
    ("bb-sidebar-footer-background-color", "#273759"),
    ("bb-sidebar-button-text-color", "#b2bfdc"),
    ("bb-sidebar-button-hover-background-color", "#1b263d"),
    ("bb-sidebar-button-hover-text-color", "#fff"),
    ("bb-sidebar-button-current-background-color", "#273759"),
    ("bb-sidebar-button-current-text-color", "#b2bfdc"),
    ("bb-sidebar-stripe-hover-color", "#e99d1a"),
    ("bb-sidebar-stripe-current-color", "#8c5e10"),
];

const CONFIG_PLACEHOLDER: &str = " <!-- BUILDBOT_CONFIG_PLACEHOLDER -->";
const THEME_BEGIN: &str = "<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_BEGIN -->";
const THEME_END: &str = "<!-- BUILDBOT_THEME_CSS_PLACEHOLDER_END -->";

/// The index page with `config` (the frontend config with its `user`) in it.
fn render_index(template: &str, config: &Map<String, Value>) -> String {
    // `</` is escaped so that no string of the config can end the script element.
    let json =
        oxbot_master::data::api::pyjson::python_json_unsorted(&Value::Object(config.clone()))
            .replace("</", "<\\/");
    let script = format!(
        "<script id=\"bb-config\">\n    window.buildbotFrontendConfig = {json};\n</script>"
    );
    let mut page = template.replacen(CONFIG_PLACEHOLDER, &script, 1);
    let theme = config.get("theme").and_then(Value::as_object);
    let variables: Vec<String> = THEME_VARIABLES
        .iter()
        .map(|(name, default)| {
            let value = theme
                .and_then(|t| t.get(*name))
                .map_or_else(|| (*default).to_owned(), css_value);
            format!("--{name}: {value};")
        })
        .collect();
    if let (Some(begin), Some(end)) = (page.find(THEME_BEGIN), page.find(THEME_END))
        && begin < end
    {
        let style = format!(
            "<style>\n      :root {{\n        {}\n      }}\n    </style>",
            variables.join("\n        ")
        );
        page.replace_range(begin..end + THEME_END.len(), &style);
    }
    page
}

/// A theme value as CSS text (strings as they are, anything else as JSON); `<` is dropped so
/// that the value stays inside the style element.
fn css_value(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.replace('<', "")
}

/// `GET /` and `/index.html`.
pub(crate) async fn index(
    ui: Option<Extension<Ui>>,
    auth: Option<Extension<Arc<WebAuth>>>,
    user: Option<Extension<SessionUser>>,
) -> Response {
    let Some(Extension(Ui::Official(ui))) = ui else {
        return Html(MINIMAL_HTML).into_response();
    };
    let mut config = auth.map(|Extension(a)| a.frontend()).unwrap_or_default();
    let user = user.map_or_else(
        || serde_json::json!({"anonymous": true}),
        |Extension(SessionUser(u))| Value::Object(u),
    );
    config.insert("user".to_owned(), user);
    (
        [
            (header::CONTENT_TYPE, "text/html"),
            (header::CACHE_CONTROL, "public,max-age=0"),
        ],
        render_index(&ui.index_template, &config),
    )
        .into_response()
}

/// Any other GET: a file of buildbot-www's static directory, or of a configured plugin's under
/// `/plugins/<name>/`; 404 otherwise.
pub(crate) async fn static_file(ui: Option<Extension<Ui>>, uri: Uri) -> Response {
    let Some(Extension(Ui::Official(ui))) = ui else {
        return not_found();
    };
    let path = uri.path().trim_start_matches('/');
    let (dir, rest) = match path.split_once('/') {
        Some(("plugins", rest)) => match rest.split_once('/') {
            Some((name, file)) => match ui.plugin_dir(name) {
                Some(dir) => (dir, file),
                None => return not_found(),
            },
            None => return not_found(),
        },
        _ => (ui.static_dir.clone(), path),
    };
    match file_in(&dir, rest) {
        Some(file) => match tokio::fs::read(&file).await {
            Ok(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type(&file)),
                )],
                body,
            )
                .into_response(),
            Err(_) => not_found(),
        },
        None => not_found(),
    }
}

/// The regular file `relative` names inside `dir`; none for a directory, a missing file, or a
/// path that would leave `dir`.
fn file_in(dir: &Path, relative: &str) -> Option<PathBuf> {
    if relative.is_empty() {
        return None;
    }
    let mut file = dir.to_path_buf();
    for segment in relative.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains(['\\', '\0'])
        {
            return None;
        }
        file.push(segment);
    }
    file.is_file().then_some(file)
}

/// The content type of a static file, by its extension.
fn content_type(file: &Path) -> &'static str {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("html" | "htm") => "text/html",
        Some("js" | "mjs") => "text/javascript",
        Some("css") => "text/css",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("gif") => "image/gif",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("eot") => "application/vnd.ms-fontobject",
        Some("txt") => "text/plain",
        Some("xml") => "text/xml",
        _ => "application/octet-stream",
    }
}

/// `GET /avatar?email=&username=&size=`: Buildbot's default avatar method (gravatar), a
/// redirect to the picture of the lower-cased email's MD5 (`retro` when gravatar has none).
pub(crate) async fn avatar(RawQuery(query): RawQuery) -> Response {
    use md5::{Digest as _, Md5};
    let mut email = String::new();
    let mut size = 32;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "email" if email.is_empty() => email = value.into_owned(),
            "size" => size = value.parse().unwrap_or(32),
            _ => {}
        }
    }
    let digest = Md5::digest(email.to_ascii_lowercase().as_bytes());
    let hash: String = digest.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    });
    let url = format!("//www.gravatar.com/avatar/{hash}?d=retro&s={size}");
    (
        StatusCode::FOUND,
        [(header::LOCATION, url.clone())],
        Html(format!(
            "<html><head><meta http-equiv=\"refresh\" content=\"0;URL={url}\"></head><body bgcolor=\"#FFFFFF\" text=\"#000000\"><a href=\"{url}\">click here</a></body></html>"
        )),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><head><title>404 - No Such Resource</title></head><body><h1>No Such Resource</h1><p>File not found.</p></body></html>",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "<head>\n    <!-- BUILDBOT_THEME_CSS_PLACEHOLDER_BEGIN -->\n    <style>old</style>\n    <!-- BUILDBOT_THEME_CSS_PLACEHOLDER_END -->\n</head>\n  <!-- BUILDBOT_CONFIG_PLACEHOLDER -->\n</html>";

    #[test]
    fn the_index_gets_the_config_and_the_theme() {
        let config = serde_json::json!({
            "title": "Ünïcode </script>",
            "theme": {"bb-sidebar-background-color": "red"},
        });
        let page = render_index(TEMPLATE, config.as_object().unwrap());
        assert!(page.contains("<script id=\"bb-config\">\n    window.buildbotFrontendConfig = {\"title\": \"\\u00dcn\\u00efcode <\\/script>\", \"theme\": {\"bb-sidebar-background-color\": \"red\"}};\n</script>\n</html>"), "{page}");
        assert!(!page.contains("PLACEHOLDER"), "{page}");
        assert!(!page.contains("old"), "{page}");
        assert!(
            page.contains("--bb-sidebar-background-color: red;"),
            "{page}"
        );
        assert!(
            page.contains("--bb-sidebar-stripe-current-color: #8c5e10;"),
            "{page}"
        );
    }

    #[tokio::test]
    async fn avatars_are_gravatars_of_the_lower_cased_email() {
        let response = avatar(RawQuery(Some(
            "email=Alice%40Example.org&size=48&username=alice".to_owned(),
        )))
        .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        // md5("alice@example.org")
        assert_eq!(
            response.headers()[header::LOCATION],
            "//www.gravatar.com/avatar/fbf7c6aec1d4280b7c2704c1c0478bd6?d=retro&s=48"
        );
    }

    #[tokio::test]
    async fn the_package_and_the_plugins_files_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let (base, plugin) = (dir.path().join("www"), dir.path().join("grid"));
        std::fs::create_dir_all(base.join("assets")).unwrap();
        std::fs::create_dir_all(&plugin).unwrap();
        std::fs::write(base.join("index.html"), TEMPLATE).unwrap();
        std::fs::write(base.join("assets/index-1.css"), "body {}").unwrap();
        std::fs::write(plugin.join("scripts.js"), "grid()").unwrap();
        let ui = Ui::Official(Arc::new(
            OfficialUi::new(
                base,
                BTreeMap::from([("grid_view".to_owned(), plugin.clone())]),
            )
            .unwrap(),
        ));
        let get = |path: &'static str| {
            let ui = ui.clone();
            async move {
                let response = static_file(Some(Extension(ui)), Uri::from_static(path)).await;
                let ctype = response.headers().get(header::CONTENT_TYPE).cloned();
                let body = axum::body::to_bytes(response.into_body(), 1 << 20).await;
                (ctype.map(|c| c.to_str().unwrap().to_owned()), body.unwrap())
            }
        };
        assert_eq!(
            get("/assets/index-1.css").await,
            (Some("text/css".to_owned()), "body {}".into())
        );
        assert_eq!(
            get("/plugins/grid_view/scripts.js").await,
            (Some("text/javascript".to_owned()), "grid()".into())
        );
        for missing in [
            "/plugins/",
            "/plugins/other/scripts.js",
            "/assets/",
            "/nothing",
        ] {
            let response =
                static_file(Some(Extension(ui.clone())), Uri::from_static(missing)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        }
        let Ui::Official(official) = &ui else {
            unreachable!()
        };
        official.set_plugins(BTreeMap::new());
        let response = static_file(
            Some(Extension(ui.clone())),
            Uri::from_static("/plugins/grid_view/scripts.js"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        // The index of an anonymous request without the auth layer.
        let page = index(Some(Extension(ui)), None, None).await;
        let body = axum::body::to_bytes(page.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            body.contains("window.buildbotFrontendConfig = {\"user\": {\"anonymous\": true}};"),
            "{body}"
        );
        // Without buildbot-www: oxbot's own page, and no files.
        let page = index(None, None, None).await;
        let body = axum::body::to_bytes(page.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("<title>oxbot</title>"));
        let response = static_file(None, Uri::from_static("/assets/index-1.css")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn files_stay_inside_their_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/a.js"), "x").unwrap();
        assert_eq!(
            file_in(dir.path(), "assets/a.js"),
            Some(dir.path().join("assets/a.js"))
        );
        assert_eq!(file_in(dir.path(), "assets"), None);
        assert_eq!(file_in(dir.path(), "assets/../assets/a.js"), None);
        assert_eq!(file_in(dir.path(), "assets//a.js"), None);
        assert_eq!(file_in(dir.path(), ""), None);
        assert_eq!(content_type(Path::new("x/a.JS")), "text/javascript");
        assert_eq!(content_type(Path::new("icon.svg")), "image/svg+xml");
    }
}
