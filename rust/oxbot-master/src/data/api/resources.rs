//! Resource objects with Buildbot 4.3's field names and types (its `data/*.py` entity types),
//! built from database rows. The entity types and their fields' declared types are the data
//! from which `/application.spec` is generated ([`super::spec`]).

use std::collections::BTreeMap;

use oxbot_db::{
    BuildModel, BuildRequestModel, BuildSetModel, BuilderModel, ChangeModel, ChangeSourceModel,
    LogModel, MasterModel, PatchModel, ProjectModel, SchedulerModel, SourceStampModel, StepModel,
    WorkerModel,
};
use serde_json::{Value, json};

/// A resource type of the data API (Buildbot's `ResourceType`s that REST serves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    Builder,
    Build,
    Step,
    Log,
    LogChunk,
    Worker,
    Master,
    BuildRequest,
    BuildSet,
    SourceStamp,
    ForceScheduler,
    Scheduler,
    Change,
    ChangeSource,
    Project,
    /// `/builds/N/properties`: one object of `name -> [value, source]`.
    Properties,
    /// `/builds/N/property_list`: one object per property, the value JSON-encoded.
    PropertyList,
    RootLink,
    /// `/application.spec`: one object per path pattern.
    Spec,
    /// Objects oxbot never records (no step of oxbot's stores build data or test results,
    /// and codebase tracking is not supported): their collections are empty.
    BuildData,
    TestResultSet,
    TestResult,
    Codebase,
    Commit,
    CommitGraph,
    Branch,
}

/// A field's declared type (Buildbot's `data/types.py`), which decides how a query value is
/// parsed and how `/application.spec` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    /// Epoch seconds on the wire.
    DateTime,
    String,
    /// Bytes, sent as text.
    Binary,
    /// `^[a-zA-Z_-][a-zA-Z0-9._-]*$`, at most 50 characters.
    Identifier,
    Boolean,
    /// A list; query values are single elements of this type.
    List(&'static FieldType),
    /// Any JSON object: not filterable.
    JsonObject,
    /// Properties as `name -> [value, source]`: not filterable.
    SourcedProperties,
    /// An object embedded with its own fields: not filterable.
    Entity(&'static EntityType),
}

/// An object type with named fields (Buildbot's `types.Entity`): a resource type's objects, or
/// objects embedded in them (a source stamp's patch, a step's URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityType {
    pub name: &'static str,
    /// In Buildbot's declaration order.
    pub fields: &'static [Field],
}

/// A field of an entity type: name, type, and whether Buildbot declares it may be `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub nullable: bool,
}

const fn f(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        nullable: false,
    }
}

const fn null(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        nullable: true,
    }
}

use FieldType::{
    Binary, Boolean, DateTime, Entity, Identifier, Integer, JsonObject, List, SourcedProperties,
    String as Str,
};

/// A step's `urls` item.
const URL: EntityType = EntityType {
    name: "Url",
    fields: &[f("name", Str), f("url", Str)],
};
/// A worker's `connected_to` item.
const MASTER_ID: EntityType = EntityType {
    name: "master_id",
    fields: &[f("masterid", Integer)],
};
/// A worker's `configured_on` item.
const MASTER_BUILDER: EntityType = EntityType {
    name: "master_builder",
    fields: &[f("masterid", Integer), f("builderid", Integer)],
};
/// A source stamp's patch.
const PATCH: EntityType = EntityType {
    name: "patch",
    fields: &[
        f("patchid", Integer),
        f("body", Binary),
        f("level", Integer),
        f("subdir", Str),
        f("author", Str),
        f("comment", Str),
    ],
};
const SPEC: EntityType = EntityType {
    name: "spec",
    fields: &[
        f("path", Str),
        f("type", Str),
        f("plural", Str),
        f("type_spec", JsonObject),
    ],
};
const BUILDER: EntityType = EntityType {
    name: "builder",
    fields: &[
        f("builderid", Integer),
        f("name", Str),
        f("masterids", List(&Integer)),
        null("description", Str),
        null("description_format", Str),
        null("description_html", Str),
        null("projectid", Integer),
        f("tags", List(&Str)),
    ],
};
const BUILD: EntityType = EntityType {
    name: "build",
    fields: &[
        f("buildid", Integer),
        f("number", Integer),
        f("builderid", Integer),
        f("buildrequestid", Integer),
        f("workerid", Integer),
        f("masterid", Integer),
        f("started_at", DateTime),
        f("complete", Boolean),
        null("complete_at", DateTime),
        f("locks_duration_s", Integer),
        null("results", Integer),
        f("state_string", Str),
        null("properties", SourcedProperties),
    ],
};
const STEP: EntityType = EntityType {
    name: "step",
    fields: &[
        f("stepid", Integer),
        f("number", Integer),
        f("name", Identifier),
        f("buildid", Integer),
        null("started_at", DateTime),
        null("locks_acquired_at", DateTime),
        f("complete", Boolean),
        null("complete_at", DateTime),
        null("results", Integer),
        f("state_string", Str),
        f("urls", List(&Entity(&URL))),
        f("hidden", Boolean),
    ],
};
const LOG: EntityType = EntityType {
    name: "log",
    fields: &[
        f("logid", Integer),
        f("name", Str),
        f("slug", Identifier),
        f("stepid", Integer),
        f("complete", Boolean),
        f("num_lines", Integer),
        f("type", Identifier),
    ],
};
const LOGCHUNK: EntityType = EntityType {
    name: "logchunk",
    fields: &[
        f("logid", Integer),
        f("firstline", Integer),
        f("content", Str),
    ],
};
const WORKER: EntityType = EntityType {
    name: "worker",
    fields: &[
        f("workerid", Integer),
        f("name", Str),
        f("connected_to", List(&Entity(&MASTER_ID))),
        f("configured_on", List(&Entity(&MASTER_BUILDER))),
        f("workerinfo", JsonObject),
        f("paused", Boolean),
        null("pause_reason", Str),
        f("graceful", Boolean),
    ],
};
const MASTER: EntityType = EntityType {
    name: "master",
    fields: &[
        f("masterid", Integer),
        f("name", Str),
        f("active", Boolean),
        f("last_active", DateTime),
    ],
};
const BUILDREQUEST: EntityType = EntityType {
    name: "buildrequest",
    fields: &[
        f("buildrequestid", Integer),
        f("buildsetid", Integer),
        f("builderid", Integer),
        f("priority", Integer),
        f("claimed", Boolean),
        null("claimed_at", DateTime),
        null("claimed_by_masterid", Integer),
        f("complete", Boolean),
        null("results", Integer),
        f("submitted_at", DateTime),
        null("complete_at", DateTime),
        f("waited_for", Boolean),
        null("properties", SourcedProperties),
    ],
};
const BUILDSET: EntityType = EntityType {
    name: "buildset",
    fields: &[
        f("bsid", Integer),
        null("external_idstring", Str),
        f("reason", Str),
        null("rebuilt_buildid", Integer),
        f("submitted_at", Integer),
        f("complete", Boolean),
        null("complete_at", Integer),
        null("results", Integer),
        f("sourcestamps", List(&Entity(&SOURCESTAMP))),
        null("parent_buildid", Integer),
        null("parent_relationship", Str),
    ],
};
const SOURCESTAMP: EntityType = EntityType {
    name: "sourcestamp",
    fields: &[
        f("ssid", Integer),
        null("revision", Str),
        null("branch", Str),
        f("repository", Str),
        f("project", Str),
        f("codebase", Str),
        null("patch", Entity(&PATCH)),
        f("created_at", DateTime),
    ],
};
const FORCESCHEDULER: EntityType = EntityType {
    name: "forcescheduler",
    fields: &[
        f("name", Identifier),
        f("button_name", Str),
        f("label", Str),
        f("builder_names", List(&Identifier)),
        f("enabled", Boolean),
        f("all_fields", List(&JsonObject)),
    ],
};
const SCHEDULER: EntityType = EntityType {
    name: "scheduler",
    fields: &[
        f("schedulerid", Integer),
        f("name", Str),
        f("enabled", Boolean),
        null("master", Entity(&MASTER)),
    ],
};
// `committer` is declared a string, though Buildbot sends null when it is unknown.
const CHANGE: EntityType = EntityType {
    name: "change",
    fields: &[
        f("changeid", Integer),
        f("parent_changeids", List(&Integer)),
        f("author", Str),
        f("committer", Str),
        f("files", List(&Str)),
        f("comments", Str),
        null("revision", Str),
        f("when_timestamp", Integer),
        null("branch", Str),
        null("category", Str),
        null("revlink", Str),
        f("properties", SourcedProperties),
        f("repository", Str),
        f("project", Str),
        f("codebase", Str),
        f("sourcestamp", Entity(&SOURCESTAMP)),
    ],
};
const CHANGESOURCE: EntityType = EntityType {
    name: "changesource",
    fields: &[
        f("changesourceid", Integer),
        f("name", Str),
        null("master", Entity(&MASTER)),
    ],
};
const PROJECT: EntityType = EntityType {
    name: "project",
    fields: &[
        f("projectid", Integer),
        f("name", Identifier),
        f("slug", Identifier),
        null("active", Boolean),
        null("description", Str),
        null("description_format", Str),
        null("description_html", Str),
    ],
};
const PROPERTY_LIST: EntityType = EntityType {
    name: "_property",
    fields: &[f("name", Str), f("source", Str), f("value", JsonObject)],
};
const ROOTLINK: EntityType = EntityType {
    name: "rootlink",
    fields: &[f("name", Str)],
};
const BUILD_DATA: EntityType = EntityType {
    name: "build_data",
    fields: &[
        f("buildid", Integer),
        f("name", Str),
        f("length", Integer),
        null("value", Binary),
        f("source", Str),
    ],
};
const TEST_RESULT_SET: EntityType = EntityType {
    name: "test_result_set",
    fields: &[
        f("test_result_setid", Integer),
        f("builderid", Integer),
        f("buildid", Integer),
        f("stepid", Integer),
        null("description", Str),
        f("category", Str),
        f("value_unit", Str),
        null("tests_passed", Integer),
        null("tests_failed", Integer),
        f("complete", Boolean),
    ],
};
const TEST_RESULT: EntityType = EntityType {
    name: "test_result",
    fields: &[
        f("test_resultid", Integer),
        f("builderid", Integer),
        f("test_result_setid", Integer),
        null("test_name", Str),
        null("test_code_path", Str),
        null("line", Integer),
        null("duration_ns", Integer),
        f("value", Str),
    ],
};
const CODEBASE: EntityType = EntityType {
    name: "codebase",
    fields: &[
        f("codebaseid", Integer),
        f("projectid", Integer),
        f("name", Identifier),
        f("slug", Identifier),
    ],
};
const COMMIT: EntityType = EntityType {
    name: "commit",
    fields: &[
        f("commitid", Integer),
        f("codebaseid", Integer),
        f("author", Str),
        null("committer", Str),
        f("comments", Str),
        f("when_timestamp", Integer),
        f("revision", Str),
        null("parent_commitid", Integer),
    ],
};
const COMMIT_GRAPH: EntityType = EntityType {
    name: "commit_graph",
    fields: &[
        f("common", Integer),
        f("to1", List(&Integer)),
        f("to2", List(&Integer)),
    ],
};
const BRANCH: EntityType = EntityType {
    name: "branch",
    fields: &[
        f("branchid", Integer),
        f("codebaseid", Integer),
        f("name", Str),
        f("commitid", Integer),
        f("last_timestamp", Integer),
    ],
};

impl ResourceType {
    /// The response key (Buildbot's `plural`).
    pub fn plural(self) -> &'static str {
        match self {
            ResourceType::Builder => "builders",
            ResourceType::Build => "builds",
            ResourceType::Step => "steps",
            ResourceType::Log => "logs",
            ResourceType::LogChunk => "logchunks",
            ResourceType::Worker => "workers",
            ResourceType::Master => "masters",
            ResourceType::BuildRequest => "buildrequests",
            ResourceType::BuildSet => "buildsets",
            ResourceType::SourceStamp => "sourcestamps",
            ResourceType::ForceScheduler => "forceschedulers",
            ResourceType::Scheduler => "schedulers",
            ResourceType::Change => "changes",
            ResourceType::ChangeSource => "changesources",
            ResourceType::Project => "projects",
            ResourceType::Properties => "properties",
            ResourceType::PropertyList => "_properties",
            ResourceType::RootLink => "rootlinks",
            ResourceType::Spec => "specs",
            ResourceType::BuildData => "build_data",
            ResourceType::TestResultSet => "test_result_sets",
            ResourceType::TestResult => "test_results",
            ResourceType::Codebase => "codebases",
            ResourceType::Commit => "commits",
            ResourceType::CommitGraph => "commit_graphs",
            ResourceType::Branch => "branches",
        }
    }

    /// The type of this resource's objects (Buildbot's `entityType`): an entity with fields,
    /// or, for properties, one object with free-form keys.
    pub fn entity_type(self) -> FieldType {
        let entity = match self {
            ResourceType::Properties => return SourcedProperties,
            ResourceType::Builder => &BUILDER,
            ResourceType::Build => &BUILD,
            ResourceType::Step => &STEP,
            ResourceType::Log => &LOG,
            ResourceType::LogChunk => &LOGCHUNK,
            ResourceType::Worker => &WORKER,
            ResourceType::Master => &MASTER,
            ResourceType::BuildRequest => &BUILDREQUEST,
            ResourceType::BuildSet => &BUILDSET,
            ResourceType::SourceStamp => &SOURCESTAMP,
            ResourceType::ForceScheduler => &FORCESCHEDULER,
            ResourceType::Scheduler => &SCHEDULER,
            ResourceType::Change => &CHANGE,
            ResourceType::ChangeSource => &CHANGESOURCE,
            ResourceType::Project => &PROJECT,
            ResourceType::PropertyList => &PROPERTY_LIST,
            ResourceType::RootLink => &ROOTLINK,
            ResourceType::Spec => &SPEC,
            ResourceType::BuildData => &BUILD_DATA,
            ResourceType::TestResultSet => &TEST_RESULT_SET,
            ResourceType::TestResult => &TEST_RESULT,
            ResourceType::Codebase => &CODEBASE,
            ResourceType::Commit => &COMMIT,
            ResourceType::CommitGraph => &COMMIT_GRAPH,
            ResourceType::Branch => &BRANCH,
        };
        Entity(entity)
    }

    /// The fields every object of this type carries, in Buildbot's declaration order.
    /// Properties objects have free-form keys and declare none.
    pub fn fields(self) -> &'static [Field] {
        match self.entity_type() {
            Entity(entity) => entity.fields,
            _ => &[],
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The fields Buildbot's database layer filters and orders in SQL for this type's main
    /// collection (its `fieldMapping`, plus the filters the endpoint hands to the database
    /// itself); `None` when the collection is filtered in memory.
    pub(crate) fn sql_fields(self) -> Option<&'static [&'static str]> {
        match self {
            ResourceType::Build => Some(&[
                "buildid",
                "number",
                "builderid",
                "buildrequestid",
                "workerid",
                "masterid",
                "started_at",
                "complete_at",
                "locks_duration_s",
                "state_string",
                "results",
                "complete",
            ]),
            ResourceType::BuildRequest => Some(&[
                "buildrequestid",
                "buildsetid",
                "builderid",
                "priority",
                "complete",
                "results",
                "submitted_at",
                "complete_at",
                "waited_for",
                "claimed_at",
                "claimed_by_masterid",
                "claimed",
            ]),
            ResourceType::BuildSet => Some(&[
                "bsid",
                "external_idstring",
                "reason",
                "rebuilt_buildid",
                "submitted_at",
                "complete",
                "complete_at",
                "results",
                "parent_buildid",
                "parent_relationship",
            ]),
            ResourceType::Change => Some(&[
                "author",
                "branch",
                "category",
                "changeid",
                "codebase",
                "comments",
                "committer",
                "project",
                "repository",
                "revision",
                "revlink",
                "when_timestamp",
            ]),
            _ => None,
        }
    }
}

pub(crate) fn builder(b: &BuilderModel) -> Value {
    json!({
        "builderid": b.id, "description": b.description, "description_format": b.description_format,
        "description_html": b.description_html, "masterids": b.masterids, "name": b.name,
        "projectid": b.projectid, "tags": b.tags,
    })
}

pub(crate) fn build(b: &BuildModel) -> Value {
    json!({
        "builderid": b.builderid, "buildid": b.id, "buildrequestid": b.buildrequestid,
        "complete": b.complete_at.is_some(), "complete_at": b.complete_at,
        "locks_duration_s": b.locks_duration_s, "masterid": b.masterid, "number": b.number,
        "properties": {}, "results": b.results, "started_at": b.started_at,
        "state_string": b.state_string, "workerid": b.workerid,
    })
}

pub(crate) fn step(s: &StepModel) -> Value {
    json!({
        "buildid": s.buildid, "complete": s.complete_at.is_some(), "complete_at": s.complete_at,
        "hidden": s.hidden, "locks_acquired_at": s.locks_acquired_at, "name": s.name,
        "number": s.number, "results": s.results, "started_at": s.started_at,
        "state_string": s.state_string, "stepid": s.id, "urls": s.urls,
    })
}

pub(crate) fn log(l: &LogModel) -> Value {
    json!({
        "complete": l.complete, "logid": l.id, "name": l.name, "num_lines": l.num_lines,
        "slug": l.slug, "stepid": l.stepid, "type": l.log_type,
    })
}

pub(crate) fn worker(w: &WorkerModel) -> Value {
    let configured_on: Vec<Value> = w
        .configured_on
        .iter()
        .map(|(builderid, masterid)| json!({"builderid": builderid, "masterid": masterid}))
        .collect();
    let connected_to: Vec<Value> = w
        .connected_to
        .iter()
        .map(|m| json!({"masterid": m}))
        .collect();
    json!({
        "configured_on": configured_on, "connected_to": connected_to, "graceful": w.graceful,
        "name": w.name, "pause_reason": w.pause_reason, "paused": w.paused, "workerid": w.id,
        "workerinfo": w.workerinfo,
    })
}

pub(crate) fn master(m: &MasterModel) -> Value {
    json!({"active": m.active, "last_active": m.last_active, "masterid": m.id, "name": m.name})
}

pub(crate) fn buildrequest(r: &BuildRequestModel) -> Value {
    json!({
        "builderid": r.builderid, "buildrequestid": r.buildrequestid, "buildsetid": r.buildsetid,
        "claimed": r.claimed, "claimed_at": r.claimed_at, "claimed_by_masterid": r.claimed_by_masterid,
        "complete": r.complete, "complete_at": r.complete_at, "priority": r.priority,
        "properties": null, "results": r.results, "submitted_at": r.submitted_at,
        "waited_for": r.waited_for,
    })
}

/// A patch embedded in its source stamp; the body (bytes) is sent as text.
fn patch(p: &PatchModel) -> Value {
    json!({
        "author": p.author, "body": String::from_utf8_lossy(&p.body), "comment": p.comment,
        "level": p.level, "patchid": p.patchid, "subdir": p.subdir,
    })
}

pub(crate) fn sourcestamp(s: &SourceStampModel) -> Value {
    json!({
        "branch": s.branch, "codebase": s.codebase, "created_at": s.created_at,
        "patch": s.patch.as_ref().map(patch),
        "project": s.project, "repository": s.repository, "revision": s.revision, "ssid": s.ssid,
    })
}

pub(crate) fn buildset(bs: &BuildSetModel, sourcestamps: &[SourceStampModel]) -> Value {
    json!({
        "bsid": bs.bsid, "complete": bs.complete, "complete_at": bs.complete_at,
        "external_idstring": bs.external_idstring, "parent_buildid": bs.parent_buildid,
        "parent_relationship": bs.parent_relationship, "reason": bs.reason,
        "rebuilt_buildid": bs.rebuilt_buildid, "results": bs.results,
        "sourcestamps": sourcestamps.iter().map(sourcestamp).collect::<Vec<_>>(),
        "submitted_at": bs.submitted_at,
    })
}

pub(crate) fn change(c: &ChangeModel, sourcestamp_of: &SourceStampModel) -> Value {
    json!({
        "author": c.author, "branch": c.branch, "category": c.category, "changeid": c.changeid,
        "codebase": c.codebase, "comments": c.comments, "committer": c.committer,
        "files": c.files, "parent_changeids": c.parent_changeids, "project": c.project,
        "properties": properties(&c.properties), "repository": c.repository,
        "revision": c.revision, "revlink": c.revlink, "sourcestamp": sourcestamp(sourcestamp_of),
        "when_timestamp": c.when_timestamp,
    })
}

/// Properties as Buildbot returns them: one object of `name -> [value, source]`.
pub(crate) fn properties(props: &BTreeMap<String, (Value, String)>) -> Value {
    Value::Object(
        props
            .iter()
            .map(|(k, (v, s))| (k.clone(), json!([v, s])))
            .collect(),
    )
}

/// A scheduler with its embedded master (`null` when no master runs it).
pub(crate) fn scheduler(s: &SchedulerModel, master_of: Option<&MasterModel>) -> Value {
    json!({"enabled": s.enabled, "master": master_of.map(master), "name": s.name, "schedulerid": s.id})
}

/// A change source with its embedded master (`null` when no master runs it).
pub(crate) fn changesource(c: &ChangeSourceModel, master_of: Option<&MasterModel>) -> Value {
    json!({"changesourceid": c.id, "master": master_of.map(master), "name": c.name})
}

/// A project; `active` is `null` unless the query filters on it (then it echoes the filter).
pub(crate) fn project(p: &ProjectModel, active: Option<bool>) -> Value {
    json!({
        "active": active, "description": p.description, "description_format": p.description_format,
        "description_html": p.description_html, "name": p.name, "projectid": p.id, "slug": p.slug,
    })
}

/// Properties as `property_list` gives them: one object each, the value JSON-encoded as
/// Python's `json.dumps` does it (`{"passed": 2, "failed": 1}`).
pub(crate) fn property_list(props: &BTreeMap<String, (Value, String)>) -> Vec<Value> {
    props
        .iter()
        .map(|(name, (value, source))| {
            json!({"name": name, "source": source, "value": super::pyjson::python_json_unsorted(value)})
        })
        .collect()
}
