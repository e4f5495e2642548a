//! Path matching as Buildbot's data API does it (rest-api.md 2.1 and 3): segments are typed
//! (`n:` an integer as Python's `int()` reads it, `i:` an identifier, `s:` anything), only
//! patterns with as many segments are tried, and the first registered pattern that matches
//! wins, so `builders/12` is a builder id and `builders/runtests` a builder name.

use super::resources::ResourceType;
use super::resultspec::{is_identifier, parse_int};

/// One path segment, typed once.
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    /// Matches `n:` patterns.
    Num(i64),
    /// Matches `i:` patterns and literals.
    Ident(&'a str),
    /// Matches only `s:` patterns.
    Text(&'a str),
}

impl<'a> Seg<'a> {
    fn of(s: &'a str) -> Seg<'a> {
        if let Some(n) = parse_int(s) {
            Seg::Num(n)
        } else if is_identifier(s) {
            Seg::Ident(s)
        } else {
            Seg::Text(s)
        }
    }
}

/// A builder by id (`n:builderid`) or name (`s:buildername`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuilderRef<'a> {
    Id(i64),
    Name(&'a str),
}

/// A build by id or by its builder and number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildRef<'a> {
    Id(i64),
    Number(BuilderRef<'a>, i64),
}

/// A step by id, or in a build by (0-based) number or by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRef<'a> {
    Id(i64),
    Number(BuildRef<'a>, i64),
    Name(BuildRef<'a>, &'a str),
}

/// A log by id or by its step and slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRef<'a> {
    Id(i64),
    Slug(StepRef<'a>, &'a str),
}

/// A worker by id or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerRef<'a> {
    Id(i64),
    Name(&'a str),
}

/// A project by id or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectRef<'a> {
    Id(i64),
    Name(&'a str),
}

/// An endpoint with its path arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    RootLinks,
    Builders {
        masterid: Option<i64>,
        projectid: Option<i64>,
        workerid: Option<i64>,
    },
    Builder {
        builder: BuilderRef<'a>,
        masterid: Option<i64>,
    },
    Builds {
        builder: Option<BuilderRef<'a>>,
        buildrequestid: Option<i64>,
        workerid: Option<i64>,
    },
    ChangeBuilds(i64),
    TriggeredBuilds(i64),
    Build(BuildRef<'a>),
    BuildRequests {
        builderid: Option<i64>,
    },
    BuildRequest(i64),
    Workers {
        masterid: Option<i64>,
        builderid: Option<i64>,
    },
    Worker {
        worker: WorkerRef<'a>,
        masterid: Option<i64>,
        builderid: Option<i64>,
    },
    Steps(BuildRef<'a>),
    Step(StepRef<'a>),
    Logs(StepRef<'a>),
    Log(LogRef<'a>),
    LogChunksRoot,
    LogContents(LogRef<'a>),
    LogRaw {
        log: LogRef<'a>,
        inline: bool,
    },
    BuildSets,
    BuildSet(i64),
    Changes,
    BuildChanges(BuildRef<'a>),
    SourceStampChanges(i64),
    Change(i64),
    ChangeSources {
        masterid: Option<i64>,
    },
    ChangeSource {
        id: i64,
        masterid: Option<i64>,
    },
    Masters {
        builderid: Option<i64>,
    },
    Master {
        id: i64,
        builderid: Option<i64>,
    },
    /// `buildsets/:buildsetid/sourcestamps` takes any string; one that is not a number
    /// matches no buildset (`Some(None)`).
    SourceStamps {
        bsid: Option<Option<i64>>,
    },
    SourceStamp(i64),
    Schedulers {
        masterid: Option<i64>,
    },
    Scheduler {
        id: i64,
        masterid: Option<i64>,
    },
    /// `builders/:builderid/forceschedulers` takes any string; one that is not a number
    /// names no builder (`Some(None)`).
    ForceSchedulers {
        builderid: Option<Option<i64>>,
    },
    ForceScheduler(&'a str),
    Projects,
    Project(ProjectRef<'a>),
    BuildProperties(BuildRef<'a>),
    BuildSetProperties(i64),
    BuildPropertyList(i64),
    BuildSetPropertyList(i64),
    ChangePropertyList(i64),
    /// Objects oxbot never records (build data, test results, codebases and their commits
    /// and branches): a collection is empty, one object is not found.
    NeverRecorded {
        rtype: ResourceType,
        collection: bool,
    },
    /// `application.spec`: the description of every pattern in [`PATTERNS`].
    Spec,
}

impl Route<'_> {
    /// The type of the objects this endpoint returns.
    pub fn resource_type(&self) -> ResourceType {
        match self {
            Route::RootLinks => ResourceType::RootLink,
            Route::Spec => ResourceType::Spec,
            Route::NeverRecorded { rtype, .. } => *rtype,
            Route::Builders { .. } | Route::Builder { .. } => ResourceType::Builder,
            Route::Builds { .. }
            | Route::ChangeBuilds(_)
            | Route::TriggeredBuilds(_)
            | Route::Build(_) => ResourceType::Build,
            Route::BuildRequests { .. } | Route::BuildRequest(_) => ResourceType::BuildRequest,
            Route::Workers { .. } | Route::Worker { .. } => ResourceType::Worker,
            Route::Steps(_) | Route::Step(_) => ResourceType::Step,
            Route::Logs(_) | Route::Log(_) => ResourceType::Log,
            Route::LogChunksRoot | Route::LogContents(_) | Route::LogRaw { .. } => {
                ResourceType::LogChunk
            }
            Route::BuildSets | Route::BuildSet(_) => ResourceType::BuildSet,
            Route::Changes
            | Route::BuildChanges(_)
            | Route::SourceStampChanges(_)
            | Route::Change(_) => ResourceType::Change,
            Route::ChangeSources { .. } | Route::ChangeSource { .. } => ResourceType::ChangeSource,
            Route::Masters { .. } | Route::Master { .. } => ResourceType::Master,
            Route::SourceStamps { .. } | Route::SourceStamp(_) => ResourceType::SourceStamp,
            Route::Schedulers { .. } | Route::Scheduler { .. } => ResourceType::Scheduler,
            Route::ForceSchedulers { .. } | Route::ForceScheduler(_) => {
                ResourceType::ForceScheduler
            }
            Route::Projects | Route::Project(_) => ResourceType::Project,
            Route::BuildProperties(_) | Route::BuildSetProperties(_) => ResourceType::Properties,
            Route::BuildPropertyList(_)
            | Route::BuildSetPropertyList(_)
            | Route::ChangePropertyList(_) => ResourceType::PropertyList,
        }
    }

    /// Whether the endpoint is a collection (filters allowed, `meta.total` given).
    pub fn is_collection(&self) -> bool {
        matches!(
            self,
            Route::NeverRecorded {
                collection: true,
                ..
            } | Route::RootLinks
                | Route::Spec
                | Route::Builders { .. }
                | Route::Builds { .. }
                | Route::ChangeBuilds(_)
                | Route::TriggeredBuilds(_)
                | Route::BuildRequests { .. }
                | Route::Workers { .. }
                | Route::Steps(_)
                | Route::Logs(_)
                | Route::BuildSets
                | Route::Changes
                | Route::BuildChanges(_)
                | Route::SourceStampChanges(_)
                | Route::ChangeSources { .. }
                | Route::Masters { .. }
                | Route::SourceStamps { .. }
                | Route::Schedulers { .. }
                | Route::ForceSchedulers { .. }
                | Route::Projects
                | Route::BuildPropertyList(_)
                | Route::BuildSetPropertyList(_)
                | Route::ChangePropertyList(_)
        )
    }
}

/// Every path pattern [`route`] matches, with the type of the objects it returns, in
/// Buildbot's registration order (its `data/*.py` endpoints): a segment is a literal, or a
/// variable typed `n:` (integer), `i:` (identifier), `s:` or untyped (any text). `route`
/// answers exactly these paths, and a path that several patterns match goes to the first
/// (a test checks both). `/application.spec` describes them.
#[rustfmt::skip]
pub(crate) const PATTERNS: &[(&str, ResourceType)] = {
    use ResourceType as R;
    &[
        ("builders/n:builderid/builds/n:build_number/data", R::BuildData),
        ("builders/s:buildername/builds/n:build_number/data", R::BuildData),
        ("builds/n:buildid/data", R::BuildData),
        ("builders/n:builderid/builds/n:build_number/data/i:name", R::BuildData),
        ("builders/s:buildername/builds/n:build_number/data/i:name", R::BuildData),
        ("builds/n:buildid/data/i:name", R::BuildData),
        ("builders/n:builderid/builds/n:build_number/data/i:name/value", R::BuildData),
        ("builders/s:buildername/builds/n:build_number/data/i:name/value", R::BuildData),
        ("builds/n:buildid/data/i:name/value", R::BuildData),
        ("builders/n:builderid", R::Builder),
        ("builders/s:buildername", R::Builder),
        ("masters/n:masterid/builders/n:builderid", R::Builder),
        ("builders", R::Builder),
        ("masters/n:masterid/builders", R::Builder),
        ("projects/n:projectid/builders", R::Builder),
        ("workers/n:workerid/builders", R::Builder),
        ("builds/n:buildid", R::Build),
        ("builders/n:builderid/builds/n:build_number", R::Build),
        ("builders/s:buildername/builds/n:build_number", R::Build),
        ("builds", R::Build),
        ("builders/n:builderid/builds", R::Build),
        ("builders/s:buildername/builds", R::Build),
        ("buildrequests/n:buildrequestid/builds", R::Build),
        ("changes/n:changeid/builds", R::Build),
        ("workers/n:workerid/builds", R::Build),
        ("builds/n:buildid/triggered_builds", R::Build),
        ("buildrequests/n:buildrequestid", R::BuildRequest),
        ("buildrequests", R::BuildRequest),
        ("builders/n:builderid/buildrequests", R::BuildRequest),
        ("codebases/n:codebaseid", R::Codebase),
        ("projects/n:projectid/codebases/i:codebasename", R::Codebase),
        ("codebases", R::Codebase),
        ("commits/n:commitid", R::Commit),
        ("codebases/n:codebaseid/commits_by_revision/s:revision", R::Commit),
        ("codebases/n:codebaseid/commits", R::Commit),
        ("codebases/n:codebaseid/commit_range/n:commitid1/n:commitid2/commits_common_parent", R::CommitGraph),
        ("branches/n:branchid", R::Branch),
        ("codebases/n:codebaseid/branches", R::Branch),
        ("workers/n:workerid", R::Worker),
        ("workers/i:name", R::Worker),
        ("masters/n:masterid/workers/n:workerid", R::Worker),
        ("masters/n:masterid/workers/i:name", R::Worker),
        ("masters/n:masterid/builders/n:builderid/workers/n:workerid", R::Worker),
        ("masters/n:masterid/builders/n:builderid/workers/i:name", R::Worker),
        ("builders/n:builderid/workers/n:workerid", R::Worker),
        ("builders/n:builderid/workers/i:name", R::Worker),
        ("workers", R::Worker),
        ("masters/n:masterid/workers", R::Worker),
        ("masters/n:masterid/builders/n:builderid/workers", R::Worker),
        ("builders/n:builderid/workers", R::Worker),
        ("steps/n:stepid", R::Step),
        ("builds/n:buildid/steps/i:step_name", R::Step),
        ("builds/n:buildid/steps/n:step_number", R::Step),
        ("builders/n:builderid/builds/n:build_number/steps/i:step_name", R::Step),
        ("builders/n:builderid/builds/n:build_number/steps/n:step_number", R::Step),
        ("builders/s:buildername/builds/n:build_number/steps/i:step_name", R::Step),
        ("builders/s:buildername/builds/n:build_number/steps/n:step_number", R::Step),
        ("builds/n:buildid/steps", R::Step),
        ("builders/n:builderid/builds/n:build_number/steps", R::Step),
        ("builders/s:buildername/builds/n:build_number/steps", R::Step),
        ("logs/n:logid", R::Log),
        ("steps/n:stepid/logs/i:log_slug", R::Log),
        ("builds/n:buildid/steps/i:step_name/logs/i:log_slug", R::Log),
        ("builds/n:buildid/steps/n:step_number/logs/i:log_slug", R::Log),
        ("builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug", R::Log),
        ("builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug", R::Log),
        ("builders/s:buildername/builds/n:build_number/steps/i:step_name/logs/i:log_slug", R::Log),
        ("builders/s:buildername/builds/n:build_number/steps/n:step_number/logs/i:log_slug", R::Log),
        ("steps/n:stepid/logs", R::Log),
        ("builds/n:buildid/steps/i:step_name/logs", R::Log),
        ("builds/n:buildid/steps/n:step_number/logs", R::Log),
        ("builders/n:builderid/builds/n:build_number/steps/i:step_name/logs", R::Log),
        ("builders/n:builderid/builds/n:build_number/steps/n:step_number/logs", R::Log),
        ("builders/s:buildername/builds/n:build_number/steps/i:step_name/logs", R::Log),
        ("builders/s:buildername/builds/n:build_number/steps/n:step_number/logs", R::Log),
        ("logchunks", R::LogChunk),
        ("logs/n:logid/contents", R::LogChunk),
        ("steps/n:stepid/logs/i:log_slug/contents", R::LogChunk),
        ("builds/n:buildid/steps/i:step_name/logs/i:log_slug/contents", R::LogChunk),
        ("builds/n:buildid/steps/n:step_number/logs/i:log_slug/contents", R::LogChunk),
        ("builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug/contents", R::LogChunk),
        ("builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug/contents", R::LogChunk),
        ("logs/n:logid/raw", R::LogChunk),
        ("steps/n:stepid/logs/i:log_slug/raw", R::LogChunk),
        ("builds/n:buildid/steps/i:step_name/logs/i:log_slug/raw", R::LogChunk),
        ("builds/n:buildid/steps/n:step_number/logs/i:log_slug/raw", R::LogChunk),
        ("builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug/raw", R::LogChunk),
        ("builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug/raw", R::LogChunk),
        ("logs/n:logid/raw_inline", R::LogChunk),
        ("steps/n:stepid/logs/i:log_slug/raw_inline", R::LogChunk),
        ("builds/n:buildid/steps/i:step_name/logs/i:log_slug/raw_inline", R::LogChunk),
        ("builds/n:buildid/steps/n:step_number/logs/i:log_slug/raw_inline", R::LogChunk),
        ("builders/n:builderid/builds/n:build_number/steps/i:step_name/logs/i:log_slug/raw_inline", R::LogChunk),
        ("builders/n:builderid/builds/n:build_number/steps/n:step_number/logs/i:log_slug/raw_inline", R::LogChunk),
        ("buildsets/n:bsid", R::BuildSet),
        ("buildsets", R::BuildSet),
        ("changes/n:changeid", R::Change),
        ("changes", R::Change),
        ("builders/n:builderid/builds/n:build_number/changes", R::Change),
        ("builds/n:buildid/changes", R::Change),
        ("sourcestamps/n:ssid/changes", R::Change),
        ("changesources/n:changesourceid", R::ChangeSource),
        ("masters/n:masterid/changesources/n:changesourceid", R::ChangeSource),
        ("changesources", R::ChangeSource),
        ("masters/n:masterid/changesources", R::ChangeSource),
        ("masters/n:masterid", R::Master),
        ("builders/n:builderid/masters/n:masterid", R::Master),
        ("masters", R::Master),
        ("builders/n:builderid/masters", R::Master),
        ("sourcestamps/n:ssid", R::SourceStamp),
        ("sourcestamps", R::SourceStamp),
        ("buildsets/:buildsetid/sourcestamps", R::SourceStamp),
        ("schedulers/n:schedulerid", R::Scheduler),
        ("masters/n:masterid/schedulers/n:schedulerid", R::Scheduler),
        ("schedulers", R::Scheduler),
        ("masters/n:masterid/schedulers", R::Scheduler),
        ("forceschedulers/i:schedulername", R::ForceScheduler),
        ("forceschedulers", R::ForceScheduler),
        ("builders/:builderid/forceschedulers", R::ForceScheduler),
        ("", R::RootLink),
        ("application.spec", R::Spec),
        ("projects/n:projectid", R::Project),
        ("projects/i:projectname", R::Project),
        ("projects", R::Project),
        ("buildsets/n:bsid/properties", R::Properties),
        ("builders/n:builderid/builds/n:build_number/properties", R::Properties),
        ("builds/n:buildid/properties", R::Properties),
        ("builds/n:buildid/property_list", R::PropertyList),
        ("buildsets/n:bsid/properties_list", R::PropertyList),
        ("changes/n:changeid/properties_list", R::PropertyList),
        ("test_result_sets/n:test_result_setid/results", R::TestResult),
        ("test_result_sets", R::TestResultSet),
        ("builders/n:builderid/test_result_sets", R::TestResultSet),
        ("builders/s:buildername/test_result_sets", R::TestResultSet),
        ("builds/n:buildid/test_result_sets", R::TestResultSet),
        ("steps/n:stepid/test_result_sets", R::TestResultSet),
        ("codebases/n:codebaseid/commit_range/n:commitid1/n:commitid2/test_result_sets", R::TestResultSet),
        ("test_result_sets/n:test_result_setid", R::TestResultSet),
    ]
};

use Seg::{Ident as I, Num as N};

/// `n:builderid` or `s:buildername`.
fn builder(s: Seg<'_>) -> BuilderRef<'_> {
    match s {
        N(id) => BuilderRef::Id(id),
        I(name) | Seg::Text(name) => BuilderRef::Name(name),
    }
}

/// The build a path prefix names: `builds/n`, `builders/n/builds/n`, `builders/s/builds/n`.
fn build<'a>(prefix: &[Seg<'a>]) -> Option<BuildRef<'a>> {
    match *prefix {
        [I("builds"), N(id)] => Some(BuildRef::Id(id)),
        [I("builders"), b, I("builds"), N(number)] => Some(BuildRef::Number(builder(b), number)),
        _ => None,
    }
}

/// The step a path prefix names (`steps/n`, or a build's `steps/i` or `steps/n`).
fn step<'a>(prefix: &[Seg<'a>]) -> Option<StepRef<'a>> {
    match *prefix {
        [I("steps"), N(id)] => Some(StepRef::Id(id)),
        [ref build_part @ .., I("steps"), s] => {
            let b = build(build_part)?;
            match s {
                I(name) => Some(StepRef::Name(b, name)),
                N(number) => Some(StepRef::Number(b, number)),
                Seg::Text(_) => None,
            }
        }
        _ => None,
    }
}

/// The log a path prefix names (`logs/n` or a step's `logs/i`).
fn log<'a>(prefix: &[Seg<'a>]) -> Option<LogRef<'a>> {
    match *prefix {
        [I("logs"), N(id)] => Some(LogRef::Id(id)),
        [ref step_part @ .., I("logs"), I(slug)] if !step_part.is_empty() => {
            Some(LogRef::Slug(step(step_part)?, slug))
        }
        _ => None,
    }
}

/// Whether a path prefix names its builder by name (`builders/s:buildername/...`): Buildbot
/// registers no log contents, changes or properties endpoints under those.
fn by_builder_name(prefix: &[Seg<'_>]) -> bool {
    matches!(prefix, [I("builders"), b, ..] if !matches!(b, N(_)))
}

fn never(rtype: ResourceType, collection: bool) -> Route<'static> {
    Route::NeverRecorded { rtype, collection }
}

/// Matches a path (segments after `/api/v2/`, percent-decoded; `[]` is `/api/v2` itself);
/// `None` when no endpoint has it (`Invalid path`).
pub fn route<'a>(path: &[&'a str]) -> Option<Route<'a>> {
    if path.is_empty() {
        return Some(Route::RootLinks);
    }
    // No pattern matches an empty segment (`builders/` is an invalid path).
    if path.iter().any(|s| s.is_empty()) {
        return None;
    }
    let segs: Vec<Seg<'a>> = path.iter().map(|s| Seg::of(s)).collect();
    let r = match *segs.as_slice() {
        // Log endpoints under any step prefix, and steps under any build prefix.
        [ref p @ .., I("contents")] if log(p).is_some() && !by_builder_name(p) => {
            Route::LogContents(log(p)?)
        }
        [ref p @ .., I("raw")] if log(p).is_some() && !by_builder_name(p) => Route::LogRaw {
            log: log(p)?,
            inline: false,
        },
        [ref p @ .., I("raw_inline")] if log(p).is_some() && !by_builder_name(p) => Route::LogRaw {
            log: log(p)?,
            inline: true,
        },
        [ref p @ .., I("logs")] if step(p).is_some() => Route::Logs(step(p)?),
        [.., I("logs"), _] if log(&segs).is_some() => Route::Log(log(&segs)?),
        [I("logchunks")] => Route::LogChunksRoot,
        [ref p @ .., I("steps")] if build(p).is_some() => Route::Steps(build(p)?),
        [.., I("steps"), _] if step(&segs).is_some() => Route::Step(step(&segs)?),
        [ref p @ .., I("data")] if build(p).is_some() => never(ResourceType::BuildData, true),
        [ref p @ .., I("data"), I(_)] if build(p).is_some() => {
            never(ResourceType::BuildData, false)
        }
        [ref p @ .., I("data"), I(_), I("value")] if build(p).is_some() => {
            never(ResourceType::BuildData, false)
        }
        [ref p @ .., I("properties")] if build(p).is_some() && !by_builder_name(p) => {
            Route::BuildProperties(build(p)?)
        }
        [ref p @ .., I("changes")] if build(p).is_some() && !by_builder_name(p) => {
            Route::BuildChanges(build(p)?)
        }

        [I("builders"), N(id)] => Route::Builder {
            builder: BuilderRef::Id(id),
            masterid: None,
        },
        [I("builders"), b] => Route::Builder {
            builder: builder(b),
            masterid: None,
        },
        [I("masters"), N(m), I("builders"), N(id)] => Route::Builder {
            builder: BuilderRef::Id(id),
            masterid: Some(m),
        },
        [I("builders")] => Route::Builders {
            masterid: None,
            projectid: None,
            workerid: None,
        },
        [I("masters"), N(m), I("builders")] => Route::Builders {
            masterid: Some(m),
            projectid: None,
            workerid: None,
        },
        [I("projects"), N(p), I("builders")] => Route::Builders {
            masterid: None,
            projectid: Some(p),
            workerid: None,
        },
        [I("workers"), N(w), I("builders")] => Route::Builders {
            masterid: None,
            projectid: None,
            workerid: Some(w),
        },

        [I("builds"), N(id)] => Route::Build(BuildRef::Id(id)),
        [I("builders"), b, I("builds"), N(number)] => {
            Route::Build(BuildRef::Number(builder(b), number))
        }
        [I("builds")] => Route::Builds {
            builder: None,
            buildrequestid: None,
            workerid: None,
        },
        [I("builders"), b, I("builds")] => Route::Builds {
            builder: Some(builder(b)),
            buildrequestid: None,
            workerid: None,
        },
        [I("buildrequests"), N(br), I("builds")] => Route::Builds {
            builder: None,
            buildrequestid: Some(br),
            workerid: None,
        },
        [I("changes"), N(c), I("builds")] => Route::ChangeBuilds(c),
        [I("workers"), N(w), I("builds")] => Route::Builds {
            builder: None,
            buildrequestid: None,
            workerid: Some(w),
        },
        [I("builds"), N(id), I("triggered_builds")] => Route::TriggeredBuilds(id),

        [I("buildrequests"), N(id)] => Route::BuildRequest(id),
        [I("buildrequests")] => Route::BuildRequests { builderid: None },
        [I("builders"), N(b), I("buildrequests")] => Route::BuildRequests { builderid: Some(b) },

        [I("codebases"), N(_)] | [I("projects"), N(_), I("codebases"), I(_)] => {
            never(ResourceType::Codebase, false)
        }
        [I("codebases")] => never(ResourceType::Codebase, true),
        [I("commits"), N(_)] | [I("codebases"), N(_), I("commits_by_revision"), _] => {
            never(ResourceType::Commit, false)
        }
        [I("codebases"), N(_), I("commits")] => never(ResourceType::Commit, true),
        [
            I("codebases"),
            N(_),
            I("commit_range"),
            N(_),
            N(_),
            I("commits_common_parent"),
        ] => never(ResourceType::CommitGraph, false),
        [I("branches"), N(_)] => never(ResourceType::Branch, false),
        [I("codebases"), N(_), I("branches")] => never(ResourceType::Branch, true),

        [ref p @ .., I("workers"), w] => {
            let (masterid, builderid) = match *p {
                [] => (None, None),
                [I("masters"), N(m)] => (Some(m), None),
                [I("masters"), N(m), I("builders"), N(b)] => (Some(m), Some(b)),
                [I("builders"), N(b)] => (None, Some(b)),
                _ => return None,
            };
            let worker = match w {
                N(id) => WorkerRef::Id(id),
                I(name) => WorkerRef::Name(name),
                Seg::Text(_) => return None,
            };
            Route::Worker {
                worker,
                masterid,
                builderid,
            }
        }
        [I("workers")] => Route::Workers {
            masterid: None,
            builderid: None,
        },
        [I("masters"), N(m), I("workers")] => Route::Workers {
            masterid: Some(m),
            builderid: None,
        },
        [I("masters"), N(m), I("builders"), N(b), I("workers")] => Route::Workers {
            masterid: Some(m),
            builderid: Some(b),
        },
        [I("builders"), N(b), I("workers")] => Route::Workers {
            masterid: None,
            builderid: Some(b),
        },

        [I("buildsets"), N(id)] => Route::BuildSet(id),
        [I("buildsets")] => Route::BuildSets,

        [I("changes"), N(id)] => Route::Change(id),
        [I("changes")] => Route::Changes,
        [I("sourcestamps"), N(ss), I("changes")] => Route::SourceStampChanges(ss),

        [I("changesources"), N(id)] => Route::ChangeSource { id, masterid: None },
        [I("masters"), N(m), I("changesources"), N(id)] => Route::ChangeSource {
            id,
            masterid: Some(m),
        },
        [I("changesources")] => Route::ChangeSources { masterid: None },
        [I("masters"), N(m), I("changesources")] => Route::ChangeSources { masterid: Some(m) },

        [I("masters"), N(id)] => Route::Master {
            id,
            builderid: None,
        },
        [I("builders"), N(b), I("masters"), N(id)] => Route::Master {
            id,
            builderid: Some(b),
        },
        [I("masters")] => Route::Masters { builderid: None },
        [I("builders"), N(b), I("masters")] => Route::Masters { builderid: Some(b) },

        [I("sourcestamps"), N(id)] => Route::SourceStamp(id),
        [I("sourcestamps")] => Route::SourceStamps { bsid: None },
        [I("buildsets"), bs, I("sourcestamps")] => Route::SourceStamps {
            bsid: Some(match bs {
                N(id) => Some(id),
                _ => None,
            }),
        },

        [I("schedulers"), N(id)] => Route::Scheduler { id, masterid: None },
        [I("masters"), N(m), I("schedulers"), N(id)] => Route::Scheduler {
            id,
            masterid: Some(m),
        },
        [I("schedulers")] => Route::Schedulers { masterid: None },
        [I("masters"), N(m), I("schedulers")] => Route::Schedulers { masterid: Some(m) },

        [I("forceschedulers"), I(name)] => Route::ForceScheduler(name),
        [I("forceschedulers")] => Route::ForceSchedulers { builderid: None },
        [I("builders"), b, I("forceschedulers")] => Route::ForceSchedulers {
            builderid: Some(match b {
                N(id) => Some(id),
                _ => None,
            }),
        },

        [I("application.spec")] => Route::Spec,

        [I("projects"), N(id)] => Route::Project(ProjectRef::Id(id)),
        [I("projects"), I(name)] => Route::Project(ProjectRef::Name(name)),
        [I("projects")] => Route::Projects,

        [I("buildsets"), N(id), I("properties")] => Route::BuildSetProperties(id),
        [I("builds"), N(id), I("property_list")] => Route::BuildPropertyList(id),
        [I("buildsets"), N(id), I("properties_list")] => Route::BuildSetPropertyList(id),
        [I("changes"), N(id), I("properties_list")] => Route::ChangePropertyList(id),

        [I("test_result_sets"), N(_), I("results")] => never(ResourceType::TestResult, true),
        [I("test_result_sets")]
        | [
            I("codebases"),
            N(_),
            I("commit_range"),
            N(_),
            N(_),
            I("test_result_sets"),
        ] => never(ResourceType::TestResultSet, true),
        [I("test_result_sets"), N(_)] => never(ResourceType::TestResultSet, false),
        [ref p @ .., I("test_result_sets")]
            if build(p).is_some() || step(p).is_some() || matches!(*p, [I("builders"), _]) =>
        {
            never(ResourceType::TestResultSet, true)
        }
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(path: &str) -> Option<Route<'_>> {
        let segs: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/').collect()
        };
        route(&segs)
    }

    #[test]
    fn ids_win_over_names() {
        assert_eq!(
            r("builders/12"),
            Some(Route::Builder {
                builder: BuilderRef::Id(12),
                masterid: None
            })
        );
        assert_eq!(
            r("builders/my builder"),
            Some(Route::Builder {
                builder: BuilderRef::Name("my builder"),
                masterid: None
            })
        );
        assert_eq!(
            r("builders/runtests/builds/3"),
            Some(Route::Build(BuildRef::Number(
                BuilderRef::Name("runtests"),
                3
            )))
        );
    }

    #[test]
    fn nested_steps_and_logs() {
        let build = BuildRef::Number(BuilderRef::Id(1), 2);
        assert_eq!(
            r("builders/1/builds/2/steps/compile/logs/stdio/raw_inline"),
            Some(Route::LogRaw {
                log: LogRef::Slug(StepRef::Name(build, "compile"), "stdio"),
                inline: true
            })
        );
        assert_eq!(
            r("builds/5/steps/0/logs"),
            Some(Route::Logs(StepRef::Number(BuildRef::Id(5), 0)))
        );
        assert_eq!(
            r("steps/9/logs/stdio/contents"),
            Some(Route::LogContents(LogRef::Slug(StepRef::Id(9), "stdio")))
        );
        assert_eq!(
            r("logs/3/contents"),
            Some(Route::LogContents(LogRef::Id(3)))
        );
        assert_eq!(r("logs/3"), Some(Route::Log(LogRef::Id(3))));
        assert_eq!(r("steps/4"), Some(Route::Step(StepRef::Id(4))));
        assert_eq!(r("builds/1/steps/unit tests"), None);
    }

    #[test]
    fn invalid_paths() {
        for path in [
            "nosuchthing",
            "builders/",
            "builds/abc",
            "workers/not an id",
            "logs/x",
        ] {
            assert_eq!(r(path), None, "{path}");
        }
        assert_eq!(r(""), Some(Route::RootLinks));
        assert_eq!(
            r("workers/w1"),
            Some(Route::Worker {
                worker: WorkerRef::Name("w1"),
                masterid: None,
                builderid: None
            })
        );
    }

    /// The first pattern of [`PATTERNS`] that matches a path, as Buildbot's matcher picks it.
    fn first_pattern(path: &[&str]) -> Option<ResourceType> {
        let matches = |pattern: &str| {
            let segs: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
            segs.len() == path.len()
                && segs
                    .iter()
                    .zip(path)
                    .all(|(pat, seg)| match pat.split_once(':') {
                        Some(("n", _)) => parse_int(seg).is_some(),
                        Some(("i", _)) => is_identifier(seg),
                        Some(_) => true,
                        None => pat == seg,
                    })
        };
        PATTERNS
            .iter()
            .find(|(pattern, _)| matches(pattern))
            .map(|(_, rtype)| *rtype)
    }

    /// `route` and [`PATTERNS`] agree on every path made from the patterns, each variable
    /// taken as a number, an identifier and a text: both match it or neither, with the same
    /// resource type.
    #[test]
    fn route_answers_exactly_the_patterns() {
        const SAMPLES: [&str; 3] = ["7", "abc", "a b"];
        for (pattern, _) in PATTERNS {
            let segs: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
            let variables = segs.iter().filter(|s| s.contains(':')).count();
            for choice in 0..SAMPLES.len().pow(variables as u32) {
                let mut rest = choice;
                let path: Vec<&str> = segs
                    .iter()
                    .map(|s| {
                        if !s.contains(':') {
                            return *s;
                        }
                        let sample = SAMPLES[rest % SAMPLES.len()];
                        rest /= SAMPLES.len();
                        sample
                    })
                    .collect();
                assert_eq!(
                    route(&path).map(|r| r.resource_type()),
                    first_pattern(&path),
                    "{}",
                    path.join("/")
                );
            }
        }
    }
}
