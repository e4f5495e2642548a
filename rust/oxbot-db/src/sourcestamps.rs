//! Source stamps (Buildbot's `db/sourcestamps.py`): one row per distinct
//! branch/revision/repository/project/codebase/patch, found by `ss_hash`. A patch is a row of
//! `patches` with its body in base64, as Buildbot stores it.

use std::collections::{HashMap, VecDeque};
use std::sync::{MutexGuard, PoisonError};

use base64::Engine as _;
use sqlx::any::AnyRow;

use crate::{Db, DbError, get_i64, get_opt_i64, get_opt_str, get_str, hash_columns, now};

/// A source stamp to find or create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSourceStamp {
    pub branch: Option<String>,
    pub revision: Option<String>,
    pub repository: String,
    pub project: String,
    pub codebase: String,
    /// A patch to apply on top of the revision; each source stamp with a patch is new.
    pub patch: Option<NewPatch>,
}

/// A patch for a new source stamp (Buildbot's `patch_*` arguments of `findSourceStampId`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPatch {
    pub body: Vec<u8>,
    pub level: i64,
    pub author: String,
    pub comment: String,
    pub subdir: Option<String>,
}

/// A stored patch, as Buildbot's `PatchModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchModel {
    pub patchid: i64,
    pub body: Vec<u8>,
    pub level: i64,
    pub author: String,
    pub comment: String,
    pub subdir: Option<String>,
}

/// A source stamp, as Buildbot's `SourceStampModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStampModel {
    pub ssid: i64,
    pub branch: Option<String>,
    pub revision: Option<String>,
    pub repository: String,
    pub project: String,
    pub codebase: String,
    pub patch: Option<PatchModel>,
    pub created_at: i64,
}

impl Db {
    /// Buildbot's `findSourceStampId`: the id of the source stamp with these values, created
    /// if new (a patch, when given and not empty, is stored first and makes it new).
    pub async fn find_sourcestamp_id(&self, ss: &NewSourceStamp) -> Result<i64, DbError> {
        let _written = self.writing();
        let patchid = match &ss.patch {
            Some(patch) if !patch.body.is_empty() => {
                let row = sqlx::query(
                    "INSERT INTO patches (patchlevel, patch_base64, patch_author, patch_comment, subdir) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(patch.level)
                .bind(base64::engine::general_purpose::STANDARD.encode(&patch.body))
                .bind(&patch.author)
                .bind(&patch.comment)
                .bind(patch.subdir.as_deref())
                .fetch_one(&mut *self.conn().await?)
                .await?;
                Some(get_i64(&row, "id")?)
            }
            _ => None,
        };
        let patchid_text = patchid.map(|id| id.to_string());
        let hash = hash_columns(&[
            ss.branch.as_deref(),
            ss.revision.as_deref(),
            Some(&ss.repository),
            Some(&ss.project),
            Some(&ss.codebase),
            patchid_text.as_deref(),
        ]);
        if let Some(id) = self.sourcestamp_id_by_hash(&hash).await? {
            return Ok(id);
        }
        let inserted = sqlx::query(
            "INSERT INTO sourcestamps (ss_hash, branch, revision, patchid, repository, codebase, project, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&hash)
        .bind(ss.branch.as_deref())
        .bind(ss.revision.as_deref())
        .bind(patchid)
        .bind(&ss.repository)
        .bind(&ss.codebase)
        .bind(&ss.project)
        .bind(now())
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(DbError::from);
        match inserted {
            Ok(row) => get_i64(&row, "id"),
            // Another request created the same source stamp since we looked.
            Err(DbError::Conflict(_)) => self
                .sourcestamp_id_by_hash(&hash)
                .await?
                .ok_or_else(|| DbError::NotFound(format!("sourcestamp with ss_hash {hash}"))),
            Err(err) => Err(err),
        }
    }

    async fn sourcestamp_id_by_hash(&self, hash: &str) -> Result<Option<i64>, DbError> {
        sqlx::query("SELECT id FROM sourcestamps WHERE ss_hash = $1")
            .bind(hash)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .map(|row| get_i64(&row, "id"))
            .transpose()
    }

    pub async fn get_sourcestamp(&self, ssid: i64) -> Result<SourceStampModel, DbError> {
        let row = sqlx::query("SELECT * FROM sourcestamps WHERE id = $1")
            .bind(ssid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("sourcestamp {ssid}")))?;
        self.sourcestamp_model(&row).await
    }

    /// Every source stamp, by id.
    pub async fn get_sourcestamps(&self) -> Result<Vec<SourceStampModel>, DbError> {
        let rows = sqlx::query("SELECT * FROM sourcestamps ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        self.sourcestamp_models(&rows).await
    }

    /// The source stamps a build was built from (Buildbot's `getSourceStampsForBuild`).
    pub async fn get_sourcestamps_for_build(
        &self,
        buildid: i64,
    ) -> Result<Vec<SourceStampModel>, DbError> {
        let rows = sqlx::query(
            "SELECT ss.* FROM sourcestamps ss JOIN buildset_sourcestamps bss ON bss.sourcestampid = ss.id \
             JOIN buildrequests br ON br.buildsetid = bss.buildsetid JOIN builds b ON b.buildrequestid = br.id \
             WHERE b.id = $1 ORDER BY ss.id",
        )
        .bind(buildid)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        self.sourcestamp_models(&rows).await
    }

    async fn sourcestamp_models(&self, rows: &[AnyRow]) -> Result<Vec<SourceStampModel>, DbError> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.sourcestamp_model(row).await?);
        }
        Ok(out)
    }

    async fn sourcestamp_model(&self, row: &AnyRow) -> Result<SourceStampModel, DbError> {
        let patch = match get_opt_i64(row, "patchid")? {
            Some(patchid) => {
                let patch = sqlx::query("SELECT * FROM patches WHERE id = $1")
                    .bind(patchid)
                    .fetch_one(&mut *self.conn().await?)
                    .await?;
                let body = base64::engine::general_purpose::STANDARD
                    .decode(get_str(&patch, "patch_base64")?)
                    .map_err(|e| DbError::Other(format!("patch {patchid}: {e}")))?;
                Some(PatchModel {
                    patchid,
                    body,
                    level: get_i64(&patch, "patchlevel")?,
                    author: get_str(&patch, "patch_author")?,
                    comment: get_str(&patch, "patch_comment")?,
                    subdir: get_opt_str(&patch, "subdir")?,
                })
            }
            None => None,
        };
        Ok(SourceStampModel {
            ssid: get_i64(row, "id")?,
            branch: get_opt_str(row, "branch")?,
            revision: get_opt_str(row, "revision")?,
            repository: get_str(row, "repository")?,
            project: get_str(row, "project")?,
            codebase: get_str(row, "codebase")?,
            patch,
            created_at: get_i64(row, "created_at")?,
        })
    }

    /// A buildset's source stamps, by id.
    pub async fn get_sourcestamps_for_buildset(
        &self,
        bsid: i64,
    ) -> Result<Vec<SourceStampModel>, DbError> {
        if let Some(known) = self.cached_buildset_sourcestamps().get(bsid) {
            return Ok(known);
        }
        let rows = sqlx::query(
            "SELECT ss.* FROM sourcestamps ss JOIN buildset_sourcestamps bs ON bs.sourcestampid = ss.id \
             WHERE bs.buildsetid = $1 ORDER BY ss.id",
        )
        .bind(bsid)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let found = self.sourcestamp_models(&rows).await?;
        // A buildset is written with its source stamps in one transaction: one seen without
        // them is not known yet, and is not kept.
        if !found.is_empty() {
            self.cached_buildset_sourcestamps()
                .insert(bsid, found.clone());
        }
        Ok(found)
    }

    fn cached_buildset_sourcestamps(&self) -> MutexGuard<'_, BuildsetSourceStamps> {
        self.buildset_sourcestamps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The source stamps of the last [`BuildsetSourceStamps::CAPACITY`] buildsets read. A buildset's
/// source stamps and the rows linking them are never changed once written, so what was read
/// stays true, on PostgreSQL shared by several masters too: a build reads them several times
/// (its request, the buildset's `new` and `complete` events), and a page of buildsets once each.
#[derive(Debug, Default)]
pub(crate) struct BuildsetSourceStamps {
    by_buildset: HashMap<i64, Vec<SourceStampModel>>,
    /// Buildset ids, oldest first.
    order: VecDeque<i64>,
}

impl BuildsetSourceStamps {
    const CAPACITY: usize = 512;

    fn get(&self, bsid: i64) -> Option<Vec<SourceStampModel>> {
        self.by_buildset.get(&bsid).cloned()
    }

    fn insert(&mut self, bsid: i64, sourcestamps: Vec<SourceStampModel>) {
        if self.by_buildset.insert(bsid, sourcestamps).is_none() {
            self.order.push_back(bsid);
        }
        while self.order.len() > Self::CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.by_buildset.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_buildsets_are_forgotten_first() {
        let mut cache = BuildsetSourceStamps::default();
        let stamps = Vec::new();
        for bsid in 0..(BuildsetSourceStamps::CAPACITY as i64 + 10) {
            cache.insert(bsid, stamps.clone());
        }
        assert!(cache.get(9).is_none());
        assert!(cache.get(10).is_some());
        assert_eq!(cache.by_buildset.len(), BuildsetSourceStamps::CAPACITY);
        assert_eq!(cache.order.len(), BuildsetSourceStamps::CAPACITY);
    }
}
