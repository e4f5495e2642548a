//! Reads of the data API (Buildbot's `data/*.py` getters): a path such as
//! `builders/1/builds` is matched against Buildbot's path patterns ([`route`]) and resolves
//! to a collection or a single resource, whose objects carry exactly Buildbot 4.3's field
//! names, value types and nulls; a [`ResultSpec`] then filters, orders and pages them.
//! `oxbot-www` turns the result into HTTP. `application.spec` describes every pattern with
//! its type's fields ([`spec`]).
//!
//! Force schedulers are not in the database: the engine hands their resources over as JSON
//! ([`DataApi::set_forceschedulers`], replaced on reconfig), each with Buildbot's fields
//! `name`, `button_name`, `label`, `builder_names`, `enabled` and `all_fields`.

pub mod pyjson;
pub(crate) mod resources;
pub mod resultspec;
mod route;
mod spec;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use futures_util::{StreamExt as _, TryStreamExt as _};
use oxbot_db::{BuildFilter, BuildRequestFilter, ClaimFilter, Db, DbError, WorkerFilter};
use serde_json::{Map, Value, json};

pub use resources::{EntityType, Field, FieldType, ResourceType};
pub use resultspec::{Backing, QueryParams, ResultSpec};
pub use route::{BuildRef, BuilderRef, LogRef, Route, StepRef, route};

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// No endpoint has this path (`Invalid path: ...`).
    #[error("Invalid path: {0}")]
    InvalidPath(String),
    /// The endpoint exists but the object does not.
    #[error("not found: {0}")]
    NotFound(String),
    /// The query is malformed (Buildbot's 400 messages).
    #[error("{0}")]
    BadQuery(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for DataError {
    fn from(err: DbError) -> DataError {
        match err {
            DbError::NotFound(what) => DataError::NotFound(what),
            other => DataError::Internal(other.to_string()),
        }
    }
}

/// The text of a raw download, read from the database a page of lines at a time as it is
/// sent, so that a large log never sits whole in memory.
pub type RawBody = futures_util::stream::BoxStream<'static, Result<String, DataError>>;

/// How many log lines a raw download reads from the database at once.
const RAW_PAGE_LINES: i64 = 5000;

/// What a GET returns.
pub enum DataResult {
    /// A collection: the plural key, the objects, and `meta.total`.
    Collection {
        key: &'static str,
        items: Vec<Value>,
        total: usize,
    },
    /// A single object, returned by REST as a one-element list with an empty `meta`.
    Single { key: &'static str, item: Value },
    /// A raw download (`/logs/N/raw`, `/logs/N/raw_inline`).
    Raw {
        content_type: &'static str,
        /// `Some` for an attachment (`raw`), `None` to show inline (`raw_inline`).
        filename: Option<String>,
        body: RawBody,
    },
}

impl std::fmt::Debug for DataResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataResult::Collection { key, items, total } => f
                .debug_struct("Collection")
                .field("key", key)
                .field("items", items)
                .field("total", total)
                .finish(),
            DataResult::Single { key, item } => f
                .debug_struct("Single")
                .field("key", key)
                .field("item", item)
                .finish(),
            DataResult::Raw {
                content_type,
                filename,
                ..
            } => f
                .debug_struct("Raw")
                .field("content_type", content_type)
                .field("filename", filename)
                .finish_non_exhaustive(),
        }
    }
}

/// The data API's read side.
#[derive(Clone)]
pub struct DataApi {
    db: Db,
    forceschedulers: Arc<RwLock<Vec<Value>>>,
    /// How many times the force schedulers were replaced (see [`DataApi::version`]).
    forceschedulers_set: Arc<AtomicU64>,
}

/// What a fetched endpoint holds before the result spec is applied.
enum Found {
    Many(Vec<Value>, Backing),
    One(Value),
}

fn not_found(what: impl Into<String>) -> DataError {
    DataError::NotFound(what.into())
}

/// `Ok(None)` for "not found", so that collections under a missing parent are empty as in
/// Buildbot.
fn if_found<T>(result: Result<T, DataError>) -> Result<Option<T>, DataError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(DataError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl DataApi {
    pub fn new(db: Db) -> DataApi {
        DataApi {
            db,
            forceschedulers: Arc::new(RwLock::new(Vec::new())),
            forceschedulers_set: Arc::default(),
        }
    }

    /// A number that changes whenever an answer of this API may change (a database write, a
    /// reconfig), so that an answer made at one version holds as long as the version is the
    /// same. `None` when that cannot be known: a PostgreSQL database may be written by other
    /// masters.
    pub fn version(&self) -> Option<u64> {
        match self.db.backend() {
            oxbot_db::Backend::Sqlite => {
                Some(self.db.writes() + self.forceschedulers_set.load(Ordering::Acquire))
            }
            oxbot_db::Backend::Postgres => None,
        }
    }

    /// Sets the force schedulers' resources (from the config; replaced on reconfig).
    pub fn set_forceschedulers(&self, schedulers: Vec<Value>) {
        *self.forceschedulers.write().expect("forceschedulers lock") = schedulers;
        self.forceschedulers_set.fetch_add(1, Ordering::Release);
    }

    fn forceschedulers(&self) -> Vec<Value> {
        self.forceschedulers
            .read()
            .expect("forceschedulers lock")
            .clone()
    }

    /// A read for the configuration's Python (`master.data.get(path)`): a collection as a
    /// list, one object as itself, a raw log as its text, and nothing found as null.
    pub async fn get_value(
        &self,
        path: &[String],
        params: &QueryParams,
    ) -> Result<Value, DataError> {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        match self.get(&path, params).await {
            Ok(DataResult::Collection { items, .. }) => Ok(Value::Array(items)),
            Ok(DataResult::Single { item, .. }) => Ok(item),
            Ok(DataResult::Raw { body, .. }) => {
                let pages: Vec<String> = body.try_collect().await?;
                Ok(Value::String(pages.concat()))
            }
            Err(DataError::NotFound(_)) => Ok(Value::Null),
            Err(err) => Err(err),
        }
    }

    /// Answers a GET of `path` (segments after `/api/v2/`, percent-decoded) with the query
    /// `params`: the path is matched first (unknown: `InvalidPath`), then the query is
    /// checked (`BadQuery`), then the objects are read (missing: `NotFound`).
    #[tracing::instrument(level = "debug", skip(self, params))]
    pub async fn get(&self, path: &[&str], params: &QueryParams) -> Result<DataResult, DataError> {
        let route = route(path).ok_or_else(|| DataError::InvalidPath(path.join("/")))?;
        let rtype = route.resource_type();
        let spec = ResultSpec::parse(params, rtype)?;
        if !route.is_collection() && spec.has_filters() {
            return Err(DataError::BadQuery("this is not a collection".to_owned()));
        }
        match route {
            Route::LogContents(log) => return self.log_contents(log, &spec).await,
            Route::LogRaw { log, inline } => return self.log_raw(log, inline).await,
            _ => {}
        }
        let key = rtype.plural();
        match self.fetch(route, &spec).await? {
            Found::Many(items, backing) => {
                let items = self.with_properties(rtype, items, &spec).await?;
                let (items, total) = spec.apply(items, backing);
                Ok(DataResult::Collection { key, items, total })
            }
            Found::One(item) => {
                let mut items = self.with_properties(rtype, vec![item], &spec).await?;
                Ok(DataResult::Single {
                    key,
                    item: spec.select(items.remove(0)),
                })
            }
        }
    }

    /// Reads the objects of an endpoint.
    async fn fetch(&self, route: Route<'_>, spec: &ResultSpec) -> Result<Found, DataError> {
        let db = &self.db;
        let memory = |items| Ok(Found::Many(items, Backing::Memory));
        let sql = |rtype: ResourceType, items| {
            let fields = rtype.sql_fields().unwrap_or(&[]);
            Ok(Found::Many(
                items,
                Backing::Sql {
                    fields,
                    reverse: false,
                },
            ))
        };
        match route {
            Route::RootLinks => memory(
                [
                    "builders",
                    "builds",
                    "buildrequests",
                    "codebases",
                    "workers",
                    "logchunks",
                    "buildsets",
                    "changes",
                    "changesources",
                    "masters",
                    "sourcestamps",
                    "schedulers",
                    "forceschedulers",
                    "projects",
                ]
                .iter()
                .map(|name| json!({"name": name}))
                .collect(),
            ),
            Route::Builders {
                masterid,
                projectid,
                workerid,
            } => memory(
                db.get_builders_where(masterid, projectid, workerid)
                    .await?
                    .iter()
                    .map(resources::builder)
                    .collect(),
            ),
            Route::Builder { builder, masterid } => {
                let found = self.builder(builder).await?;
                if let Some(m) = masterid
                    && !found.masterids.contains(&m)
                {
                    return Err(not_found(format!("builder on master {m}")));
                }
                Ok(Found::One(resources::builder(&found)))
            }
            Route::Builds {
                builder,
                buildrequestid,
                workerid,
            } => {
                let mut filter = BuildFilter {
                    buildrequestid,
                    workerid,
                    ..BuildFilter::default()
                };
                if let Some(b) = builder {
                    match if_found(self.builder(b).await)? {
                        Some(found) => filter.builderid = Some(found.id),
                        None => return memory(Vec::new()),
                    }
                }
                if let Some(Value::Bool(complete)) = spec.eq_value("complete") {
                    filter.complete = Some(*complete);
                }
                // `complete` is the one filter this query hands to the database; with any
                // other, every build is read and paged in memory.
                if let Some((newest_first, limit)) = spec.id_page("buildid", &["complete"]) {
                    filter.newest_first = newest_first;
                    filter.limit = Some(limit);
                }
                let builds = db.get_builds_where(&filter).await?;
                sql(
                    ResourceType::Build,
                    builds.iter().map(resources::build).collect(),
                )
            }
            Route::ChangeBuilds(changeid) => memory(
                db.get_builds_for_change(changeid)
                    .await?
                    .iter()
                    .map(resources::build)
                    .collect(),
            ),
            Route::TriggeredBuilds(buildid) => {
                let mut builds = Vec::new();
                for bs in db.get_buildsets().await? {
                    if bs.parent_buildid != Some(buildid) {
                        continue;
                    }
                    for br in db.get_build_requests_for_buildset(bs.bsid).await? {
                        let filter = BuildFilter {
                            buildrequestid: Some(br.buildrequestid),
                            ..BuildFilter::default()
                        };
                        builds.extend(db.get_builds_where(&filter).await?);
                    }
                }
                builds.sort_by_key(|b| b.id);
                memory(builds.iter().map(resources::build).collect())
            }
            Route::Build(build) => Ok(Found::One(resources::build(&self.build(build).await?))),
            Route::BuildRequests { builderid } => {
                let filter = BuildRequestFilter {
                    builderid,
                    ..BuildRequestFilter::default()
                };
                let requests = db.get_build_requests_where(&filter).await?;
                sql(
                    ResourceType::BuildRequest,
                    requests.iter().map(resources::buildrequest).collect(),
                )
            }
            Route::BuildRequest(id) => Ok(Found::One(resources::buildrequest(
                &db.get_build_request(id).await?,
            ))),
            Route::Workers {
                masterid,
                builderid,
            } => {
                let filter = WorkerFilter {
                    masterid,
                    builderid,
                    ..WorkerFilter::default()
                };
                memory(
                    db.get_workers_where(&filter)
                        .await?
                        .iter()
                        .map(resources::worker)
                        .collect(),
                )
            }
            Route::Worker {
                worker,
                masterid,
                builderid,
            } => {
                let filter = WorkerFilter {
                    masterid,
                    builderid,
                    ..WorkerFilter::default()
                };
                let found = db
                    .get_workers_where(&filter)
                    .await?
                    .into_iter()
                    .find(|w| match worker {
                        route::WorkerRef::Id(id) => w.id == id,
                        route::WorkerRef::Name(name) => w.name == name,
                    })
                    .ok_or_else(|| not_found(format!("worker {worker:?}")))?;
                Ok(Found::One(resources::worker(&found)))
            }
            Route::Steps(build) => {
                let buildid = match build {
                    BuildRef::Id(id) => id,
                    BuildRef::Number(..) => self.build(build).await?.id,
                };
                memory(
                    db.get_steps(buildid)
                        .await?
                        .iter()
                        .map(resources::step)
                        .collect(),
                )
            }
            Route::Step(step) => Ok(Found::One(resources::step(&self.step(step).await?))),
            Route::Logs(step) => {
                let Some(step) = if_found(self.step(step).await)? else {
                    return memory(Vec::new());
                };
                memory(
                    db.get_logs(step.id)
                        .await?
                        .iter()
                        .map(resources::log)
                        .collect(),
                )
            }
            Route::Log(log) => Ok(Found::One(resources::log(&self.log(log).await?))),
            Route::BuildSets => {
                let mut items = Vec::new();
                let complete = match spec.eq_value("complete") {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => None,
                };
                for bs in db.get_buildsets_where(complete).await? {
                    items.push(self.buildset(&bs).await?);
                }
                sql(ResourceType::BuildSet, items)
            }
            Route::BuildSet(bsid) => {
                let bs = db.get_buildset(bsid).await?;
                Ok(Found::One(self.buildset(&bs).await?))
            }
            Route::Changes => {
                let mut items = Vec::new();
                for change in db.get_changes().await? {
                    items.push(self.change(&change).await?);
                }
                Ok(Found::Many(
                    items,
                    Backing::Sql {
                        fields: ResourceType::Change.sql_fields().unwrap_or(&[]),
                        reverse: true,
                    },
                ))
            }
            Route::BuildChanges(build) => {
                let Some(found) = if_found(self.build(build).await)? else {
                    return memory(Vec::new());
                };
                let mut items = Vec::new();
                for change in db.get_changes_for_build(found.id).await? {
                    items.push(self.change(&change).await?);
                }
                memory(items)
            }
            Route::SourceStampChanges(ssid) => {
                let mut items = Vec::new();
                if let Some(change) = db.get_change_from_ssid(ssid).await? {
                    items.push(self.change(&change).await?);
                }
                memory(items)
            }
            Route::Change(id) => {
                let change = db.get_change(id).await?;
                Ok(Found::One(self.change(&change).await?))
            }
            Route::ChangeSources { masterid } => {
                let masters = self.masters_by_id().await?;
                let filter = ClaimFilter {
                    masterid,
                    ..ClaimFilter::default()
                };
                memory(
                    db.get_change_sources(filter)
                        .await?
                        .iter()
                        .map(|c| {
                            resources::changesource(c, c.masterid.and_then(|m| masters.get(&m)))
                        })
                        .collect(),
                )
            }
            Route::ChangeSource { id, masterid } => {
                let c = db.get_change_source(id).await?;
                if masterid.is_some() && c.masterid != masterid {
                    return Err(not_found(format!("changesource {id}")));
                }
                let masters = self.masters_by_id().await?;
                Ok(Found::One(resources::changesource(
                    &c,
                    c.masterid.and_then(|m| masters.get(&m)),
                )))
            }
            Route::Masters { builderid } => {
                let mut masters = db.get_masters().await?;
                if let Some(id) = builderid {
                    let Some(builder) =
                        if_found(db.get_builder(id).await.map_err(DataError::from))?
                    else {
                        return memory(Vec::new());
                    };
                    masters.retain(|m| builder.masterids.contains(&m.id));
                }
                memory(masters.iter().map(resources::master).collect())
            }
            Route::Master { id, builderid } => {
                if let Some(b) = builderid
                    && !db.get_builder(b).await?.masterids.contains(&id)
                {
                    return Err(not_found(format!("master {id} of builder {b}")));
                }
                Ok(Found::One(resources::master(&db.get_master(id).await?)))
            }
            Route::SourceStamps { bsid } => {
                let stamps = match bsid {
                    Some(Some(bsid)) => db.get_sourcestamps_for_buildset(bsid).await?,
                    Some(None) => Vec::new(),
                    None => db.get_sourcestamps().await?,
                };
                memory(stamps.iter().map(resources::sourcestamp).collect())
            }
            Route::SourceStamp(ssid) => Ok(Found::One(resources::sourcestamp(
                &db.get_sourcestamp(ssid).await?,
            ))),
            Route::Schedulers { masterid } => {
                let masters = self.masters_by_id().await?;
                let filter = ClaimFilter {
                    masterid,
                    ..ClaimFilter::default()
                };
                memory(
                    db.get_schedulers_where(filter)
                        .await?
                        .iter()
                        .map(|s| resources::scheduler(s, s.masterid.and_then(|m| masters.get(&m))))
                        .collect(),
                )
            }
            Route::Scheduler { id, masterid } => {
                let s = db.get_scheduler(id).await?;
                if masterid.is_some() && s.masterid != masterid {
                    return Err(not_found(format!("scheduler {id}")));
                }
                let masters = self.masters_by_id().await?;
                Ok(Found::One(resources::scheduler(
                    &s,
                    s.masterid.and_then(|m| masters.get(&m)),
                )))
            }
            Route::ForceSchedulers { builderid } => {
                let mut list = self.forceschedulers();
                if let Some(id) = builderid {
                    let name = match id {
                        Some(id) => db.get_builder(id).await?.name,
                        None => return Err(not_found("builder")),
                    };
                    list.retain(|f| {
                        f["builder_names"]
                            .as_array()
                            .is_some_and(|names| names.iter().any(|n| *n == *name))
                    });
                }
                memory(list)
            }
            Route::ForceScheduler(name) => self
                .forceschedulers()
                .into_iter()
                .find(|f| f["name"] == *name)
                .map(Found::One)
                .ok_or_else(|| not_found(format!("forcescheduler {name}"))),
            Route::Projects => {
                // `active` is null unless the query filters on it, and then echoes the filter.
                let active = match spec.eq_value("active") {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => None,
                };
                let projects = match active {
                    Some(true) => db.get_active_projects().await?,
                    Some(false) => {
                        let active: Vec<i64> = db
                            .get_active_projects()
                            .await?
                            .iter()
                            .map(|p| p.id)
                            .collect();
                        let mut all = db.get_projects().await?;
                        all.retain(|p| !active.contains(&p.id));
                        all
                    }
                    None => db.get_projects().await?,
                };
                memory(
                    projects
                        .iter()
                        .map(|p| resources::project(p, active))
                        .collect(),
                )
            }
            Route::Project(project) => {
                let found = match project {
                    route::ProjectRef::Id(id) => db.get_project(id).await?,
                    route::ProjectRef::Name(name) => db
                        .get_projects()
                        .await?
                        .into_iter()
                        .find(|p| p.name == name)
                        .ok_or_else(|| not_found(format!("project {name}")))?,
                };
                Ok(Found::One(resources::project(&found, None)))
            }
            Route::BuildProperties(build) => {
                let found = self.build(build).await?;
                let props = db.get_build_properties(found.id).await?;
                Ok(Found::One(resources::properties(&props)))
            }
            Route::BuildSetProperties(bsid) => {
                db.get_buildset(bsid).await?;
                let props = db.get_buildset_properties(bsid).await?;
                Ok(Found::One(resources::properties(&props)))
            }
            Route::BuildPropertyList(buildid) => {
                let props = db.get_build_properties(buildid).await?;
                memory(resources::property_list(&props))
            }
            Route::BuildSetPropertyList(bsid) => {
                let props = db.get_buildset_properties(bsid).await?;
                memory(resources::property_list(&props))
            }
            Route::ChangePropertyList(changeid) => {
                let Some(change) =
                    if_found(db.get_change(changeid).await.map_err(DataError::from))?
                else {
                    return memory(Vec::new());
                };
                memory(resources::property_list(&change.properties))
            }
            Route::LogChunksRoot => Err(not_found("log (no log given)")),
            Route::NeverRecorded {
                collection: true, ..
            } => memory(Vec::new()),
            Route::NeverRecorded { rtype, .. } => Err(not_found(format!(
                "{} (oxbot records none)",
                rtype.plural()
            ))),
            Route::Spec => memory(spec::application_spec()),
            Route::LogContents(_) | Route::LogRaw { .. } => Err(DataError::Internal(
                "log content routes are read apart".into(),
            )),
        }
    }

    async fn masters_by_id(&self) -> Result<BTreeMap<i64, oxbot_db::MasterModel>, DataError> {
        Ok(self
            .db
            .get_masters()
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect())
    }

    async fn builder(&self, which: BuilderRef<'_>) -> Result<oxbot_db::BuilderModel, DataError> {
        match which {
            BuilderRef::Id(id) => Ok(self.db.get_builder(id).await?),
            BuilderRef::Name(name) => self
                .db
                .get_builders()
                .await?
                .into_iter()
                .find(|b| b.name == name)
                .ok_or_else(|| not_found(format!("builder {name}"))),
        }
    }

    async fn build(&self, which: BuildRef<'_>) -> Result<oxbot_db::BuildModel, DataError> {
        match which {
            BuildRef::Id(id) => Ok(self.db.get_build(id).await?),
            BuildRef::Number(builder, number) => {
                let builderid = match builder {
                    BuilderRef::Id(id) => id,
                    name @ BuilderRef::Name(_) => self.builder(name).await?.id,
                };
                Ok(self.db.get_build_by_number(builderid, number).await?)
            }
        }
    }

    async fn step(&self, which: StepRef<'_>) -> Result<oxbot_db::StepModel, DataError> {
        match which {
            StepRef::Id(id) => Ok(self.db.get_step(id).await?),
            StepRef::Number(build, number) => {
                let buildid = self.build(build).await?.id;
                Ok(self.db.get_step_by_number(buildid, number).await?)
            }
            StepRef::Name(build, name) => {
                let buildid = self.build(build).await?.id;
                Ok(self.db.get_step_by_name(buildid, name).await?)
            }
        }
    }

    async fn log(&self, which: LogRef<'_>) -> Result<oxbot_db::LogModel, DataError> {
        match which {
            LogRef::Id(id) => Ok(self.db.get_log(id).await?),
            LogRef::Slug(step, slug) => {
                let stepid = self.step(step).await?.id;
                Ok(self.db.get_log_by_slug(stepid, slug).await?)
            }
        }
    }

    async fn buildset(&self, bs: &oxbot_db::BuildSetModel) -> Result<Value, DataError> {
        let sourcestamps = self.db.get_sourcestamps_for_buildset(bs.bsid).await?;
        Ok(resources::buildset(bs, &sourcestamps))
    }

    async fn change(&self, change: &oxbot_db::ChangeModel) -> Result<Value, DataError> {
        let ss = self.db.get_sourcestamp(change.sourcestampid).await?;
        Ok(resources::change(change, &ss))
    }

    /// Fills `properties` of builds and buildrequests as `property=` asks (rest-api.md 5.5):
    /// builds keep `{}` and requests `null` without it.
    async fn with_properties(
        &self,
        rtype: ResourceType,
        mut items: Vec<Value>,
        spec: &ResultSpec,
    ) -> Result<Vec<Value>, DataError> {
        let wanted = &spec.properties;
        if wanted.is_empty() || !matches!(rtype, ResourceType::Build | ResourceType::BuildRequest) {
            return Ok(items);
        }
        let all = wanted.iter().any(|p| p == "*");
        for item in &mut items {
            let props = if rtype == ResourceType::Build {
                let Some(id) = item["buildid"].as_i64() else {
                    continue;
                };
                self.db.get_build_properties(id).await?
            } else {
                let Some(id) = item["buildsetid"].as_i64() else {
                    continue;
                };
                self.db.get_buildset_properties(id).await?
            };
            let selected: Map<String, Value> = props
                .into_iter()
                .filter(|(name, _)| all || wanted.contains(name))
                .map(|(name, (value, source))| (name, json!([value, source])))
                .collect();
            if rtype == ResourceType::BuildRequest || !selected.is_empty() {
                item["properties"] = Value::Object(selected);
            }
        }
        Ok(items)
    }

    /// `/logs/N/contents`: lines `offset ..= offset + limit - 1` as one logchunk.
    async fn log_contents(
        &self,
        which: LogRef<'_>,
        spec: &ResultSpec,
    ) -> Result<DataResult, DataError> {
        let log = self.log(which).await?;
        let offset = spec.offset.unwrap_or(0);
        let last = match spec.limit {
            Some(limit) => offset + limit - 1,
            None => log.num_lines - 1,
        };
        if offset < 0 || (log.num_lines > 0 && offset > log.num_lines - 1) {
            return Err(not_found(format!("lines of log {}", log.id)));
        }
        let content = if log.num_lines == 0 || last < offset {
            String::new()
        } else {
            self.db.get_log_lines(log.id, offset, last).await?
        };
        let item = json!({"content": content, "firstline": offset, "logid": log.id});
        Ok(DataResult::Single {
            key: ResourceType::LogChunk.plural(),
            item: spec.select(item),
        })
    }

    /// The whole log as a download: stdio logs get Buildbot's three header lines and lose
    /// their stream prefixes.
    async fn log_raw(&self, which: LogRef<'_>, inline: bool) -> Result<DataResult, DataError> {
        let log = self.log(which).await?;
        let step = self.db.get_step(log.stepid).await?;
        let build = self.db.get_build(step.buildid).await?;
        let builder = self.db.get_builder(build.builderid).await?;
        // A stdio log starts with a header, and its lines lose their stream letter.
        let stdio = log.log_type == "s";
        let header = if stdio {
            let worker = match build.workerid {
                Some(id) => self.db.get_worker(id).await?.name,
                None => String::new(),
            };
            format!(
                "Builder: {}\nBuild number: {}\nWorker name: {}\n",
                builder.name, build.number, worker
            )
        } else {
            String::new()
        };
        let (db, logid, num_lines) = (self.db.clone(), log.id, log.num_lines);
        let pages = futures_util::stream::try_unfold(0, move |first| {
            let db = db.clone();
            async move {
                if first >= num_lines {
                    return Ok(None);
                }
                let last = (first + RAW_PAGE_LINES).min(num_lines) - 1;
                let lines = db.get_log_lines(logid, first, last).await?;
                let page = if stdio {
                    lines
                        .split_inclusive('\n')
                        .map(|line| line.get(1..).unwrap_or(""))
                        .collect()
                } else {
                    lines
                };
                Ok(Some((page, last + 1)))
            }
        });
        let body = futures_util::stream::once(async move { Ok(header) })
            .chain(pages)
            .boxed();
        let filename = (!inline).then(|| {
            format!(
                "{}_build_{}_step_{}_log_{}",
                builder.name, build.number, step.name, log.slug
            )
        });
        let content_type = if log.log_type == "h" {
            "text/html; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        Ok(DataResult::Raw {
            content_type,
            filename,
            body,
        })
    }
}
