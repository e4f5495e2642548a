//! Build requests and their claims (Buildbot's `db/buildrequests.py`). A claim is a row in
//! `buildrequest_claims`; its unique index on `brid` is what stops two masters from taking the
//! same request.

use sqlx::any::AnyRow;

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::{Db, DbError, get_i64, get_opt_i64, now};

/// A build request, as Buildbot's `BuildRequestModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRequestModel {
    pub buildrequestid: i64,
    pub buildsetid: i64,
    pub builderid: i64,
    pub priority: i64,
    pub claimed: bool,
    pub claimed_at: Option<i64>,
    pub claimed_by_masterid: Option<i64>,
    pub complete: bool,
    /// -1 until complete, as Buildbot stores it.
    pub results: i64,
    pub submitted_at: i64,
    pub complete_at: Option<i64>,
    pub waited_for: bool,
}

const SELECT: &str = "SELECT br.id AS id, br.buildsetid AS buildsetid, br.builderid AS builderid, br.priority AS priority, \
     br.complete AS complete, br.results AS results, br.submitted_at AS submitted_at, br.complete_at AS complete_at, \
     br.waited_for AS waited_for, c.masterid AS claimed_by, c.claimed_at AS claimed_at \
     FROM buildrequests br LEFT JOIN buildrequest_claims c ON c.brid = br.id";

fn model(row: &AnyRow) -> Result<BuildRequestModel, DbError> {
    let claimed_by = get_opt_i64(row, "claimed_by")?;
    Ok(BuildRequestModel {
        buildrequestid: get_i64(row, "id")?,
        buildsetid: get_i64(row, "buildsetid")?,
        builderid: get_i64(row, "builderid")?,
        priority: get_i64(row, "priority")?,
        claimed: claimed_by.is_some(),
        claimed_at: get_opt_i64(row, "claimed_at")?,
        claimed_by_masterid: claimed_by,
        complete: get_opt_i64(row, "complete")?.unwrap_or(0) != 0,
        results: get_opt_i64(row, "results")?.unwrap_or(-1),
        submitted_at: get_i64(row, "submitted_at")?,
        complete_at: get_opt_i64(row, "complete_at")?,
        waited_for: get_opt_i64(row, "waited_for")?.unwrap_or(0) != 0,
    })
}

/// Which claim state `get_build_requests_where` selects (Buildbot's `claimed` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimedFilter {
    /// Claimed by any master (`true`), or unclaimed and incomplete (`false`).
    Claimed(bool),
    /// Claimed by this master.
    ByMaster(i64),
}

/// Filters of Buildbot's `getBuildRequests`; `None` selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildRequestFilter {
    pub builderid: Option<i64>,
    pub complete: Option<bool>,
    pub claimed: Option<ClaimedFilter>,
    pub bsid: Option<i64>,
    /// Requests whose buildset has a source stamp on this branch.
    pub branch: Option<String>,
    /// Requests whose buildset has a source stamp of this repository.
    pub repository: Option<String>,
}

/// `$first, $first+1, ...` for an `IN (...)` list of `n` values.
/// How many requests one `UPDATE` completes at most.
const COMPLETE_BATCH: usize = 100;

/// Claims requests for `masterid` (Buildbot's `AlreadyClaimedError` as a conflict).
async fn insert_claims(
    conn: &mut AnyConnection,
    brids: &[i64],
    masterid: i64,
    claimed_at: i64,
) -> Result<(), DbError> {
    for brid in brids {
        sqlx::query(
            "INSERT INTO buildrequest_claims (brid, masterid, claimed_at) VALUES ($1, $2, $3)",
        )
        .bind(*brid)
        .bind(masterid)
        .bind(claimed_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| match DbError::from(e) {
            DbError::Conflict(_) => {
                DbError::Conflict(format!("buildrequest {brid} is already claimed"))
            }
            other => other,
        })?;
    }
    Ok(())
}

/// Completes requests (at most [`COMPLETE_BATCH`]) in one statement; a conflict if one of them
/// was complete already.
async fn mark_complete(
    conn: &mut AnyConnection,
    brids: &[i64],
    results: i64,
    complete_at: i64,
) -> Result<(), DbError> {
    let sql = format!(
        "UPDATE buildrequests SET complete = 1, results = $1, complete_at = $2 WHERE complete <> 1 AND id IN ({})",
        placeholders(3, brids.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(results)
        .bind(complete_at);
    for brid in brids {
        query = query.bind(*brid);
    }
    let done = query.execute(&mut *conn).await?.rows_affected();
    if done != brids.len() as u64 {
        return Err(DbError::Conflict(format!(
            "tried to complete {} buildrequests, but only completed {done}",
            brids.len()
        )));
    }
    Ok(())
}

fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Every build request, oldest first.
    pub async fn get_build_requests(&self) -> Result<Vec<BuildRequestModel>, DbError> {
        self.get_build_requests_where(&BuildRequestFilter::default())
            .await
    }

    /// Buildbot's `getBuildRequests(builderid, complete, claimed, bsid, branch, repository)`,
    /// oldest first.
    pub async fn get_build_requests_where(
        &self,
        filter: &BuildRequestFilter,
    ) -> Result<Vec<BuildRequestModel>, DbError> {
        let mut sql = format!("{SELECT} WHERE 1 = 1");
        let mut ints = Vec::new();
        let mut texts = Vec::new();
        match filter.claimed {
            Some(ClaimedFilter::Claimed(false)) => {
                sql.push_str(" AND c.claimed_at IS NULL AND br.complete = 0");
            }
            Some(ClaimedFilter::Claimed(true)) => sql.push_str(" AND c.claimed_at IS NOT NULL"),
            Some(ClaimedFilter::ByMaster(masterid)) => {
                ints.push(("c.masterid", masterid));
            }
            None => {}
        }
        if let Some(builderid) = filter.builderid {
            ints.push(("br.builderid", builderid));
        }
        if let Some(bsid) = filter.bsid {
            ints.push(("br.buildsetid", bsid));
        }
        match filter.complete {
            Some(true) => sql.push_str(" AND br.complete <> 0"),
            Some(false) => sql.push_str(" AND br.complete = 0"),
            None => {}
        }
        if let Some(branch) = &filter.branch {
            texts.push(("ss.branch", branch));
        }
        if let Some(repository) = &filter.repository {
            texts.push(("ss.repository", repository));
        }
        let mut n = 0;
        for (column, _) in &ints {
            n += 1;
            sql.push_str(&format!(" AND {column} = ${n}"));
        }
        if !texts.is_empty() {
            let mut cond = String::new();
            for (column, _) in &texts {
                n += 1;
                cond.push_str(&format!(" AND {column} = ${n}"));
            }
            sql.push_str(&format!(
                " AND br.buildsetid IN (SELECT bss.buildsetid FROM buildset_sourcestamps bss \
                 JOIN sourcestamps ss ON ss.id = bss.sourcestampid WHERE 1 = 1{cond})"
            ));
        }
        sql.push_str(" ORDER BY br.id");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (_, value) in ints {
            query = query.bind(value);
        }
        for (_, value) in texts {
            query = query.bind(value.as_str());
        }
        query
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(model)
            .collect()
    }

    pub async fn get_build_request(&self, brid: i64) -> Result<BuildRequestModel, DbError> {
        let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE br.id = $1")))
            .bind(brid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("buildrequest {brid}")))?;
        model(&row)
    }

    pub async fn get_build_requests_for_buildset(
        &self,
        bsid: i64,
    ) -> Result<Vec<BuildRequestModel>, DbError> {
        sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE br.buildsetid = $1 ORDER BY br.id"
        )))
        .bind(bsid)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(model)
        .collect()
    }

    /// Unclaimed, incomplete requests of a builder, highest priority first, then oldest.
    pub async fn unclaimed_build_requests(
        &self,
        builderid: i64,
    ) -> Result<Vec<BuildRequestModel>, DbError> {
        sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE br.builderid = $1 AND br.complete = 0 AND c.brid IS NULL \
             ORDER BY br.priority DESC, br.submitted_at, br.id"
        )))
        .bind(builderid)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(model)
        .collect()
    }

    /// The first `limit` of [`Db::unclaimed_build_requests`], and when the oldest of all the
    /// builder's unclaimed requests was submitted, without reading them all.
    pub async fn first_unclaimed_build_requests(
        &self,
        builderid: i64,
        limit: i64,
    ) -> Result<(Vec<BuildRequestModel>, Option<i64>), DbError> {
        let columns = SELECT
            .strip_prefix("SELECT ")
            .expect("SELECT starts the query");
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT MIN(br.submitted_at) OVER () AS oldest_submitted_at, {columns} \
             WHERE br.builderid = $1 AND br.complete = 0 AND c.brid IS NULL \
             ORDER BY br.priority DESC, br.submitted_at, br.id LIMIT $2"
        )))
        .bind(builderid)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let oldest = match rows.first() {
            Some(row) => get_opt_i64(row, "oldest_submitted_at")?,
            None => None,
        };
        Ok((rows.iter().map(model).collect::<Result<_, _>>()?, oldest))
    }

    /// Claims requests for a master now; all or none. `Conflict` if one is already claimed
    /// (Buildbot's `AlreadyClaimedError`).
    pub async fn claim_build_requests(&self, brids: &[i64], masterid: i64) -> Result<(), DbError> {
        self.claim_build_requests_at(brids, masterid, now()).await
    }

    /// Buildbot's `claimBuildRequests` with an explicit `claimed_at`.
    pub async fn claim_build_requests_at(
        &self,
        brids: &[i64],
        masterid: i64,
        claimed_at: i64,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        let mut conn = self.conn().await?;
        // One claim is one statement, atomic alone; several are taken all or none.
        if let [_] = brids {
            return insert_claims(&mut conn, brids, masterid, claimed_at).await;
        }
        let mut tx = self.begin_write(&mut conn).await?;
        insert_claims(&mut tx, brids, masterid, claimed_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Releases claims on requests that are not complete (they will be built again).
    pub async fn unclaim_build_requests(&self, brids: &[i64]) -> Result<(), DbError> {
        let _written = self.writing();
        if brids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM buildrequest_claims WHERE brid IN ({}) AND brid IN (SELECT id FROM buildrequests WHERE complete = 0)",
            placeholders(1, brids.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for brid in brids {
            query = query.bind(*brid);
        }
        query.execute(&mut *self.conn().await?).await?;
        Ok(())
    }

    /// Buildbot's `unclaimBuildRequests`: releases this master's claims on these requests.
    pub async fn unclaim_build_requests_for_master(
        &self,
        brids: &[i64],
        masterid: i64,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        for batch in brids.chunks(100) {
            let sql = format!(
                "DELETE FROM buildrequest_claims WHERE masterid = $1 AND brid IN ({})",
                placeholders(2, batch.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(masterid);
            for brid in batch {
                query = query.bind(*brid);
            }
            query.execute(&mut *self.conn().await?).await?;
        }
        Ok(())
    }

    /// Marks requests complete; all or none. `Conflict` if one is unknown or already
    /// complete (Buildbot's `NotClaimedError`).
    pub async fn complete_build_requests(
        &self,
        brids: &[i64],
        results: i64,
        complete_at: i64,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        if brids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        // Up to 100 requests are one statement, atomic alone.
        if brids.len() <= COMPLETE_BATCH {
            return mark_complete(&mut conn, brids, results, complete_at).await;
        }
        let mut tx = self.begin_write(&mut conn).await?;
        for batch in brids.chunks(COMPLETE_BATCH) {
            mark_complete(&mut tx, batch, results, complete_at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Buildbot's `set_build_requests_priority`: sets the priority of requests that are not
    /// complete yet; returns how many were changed.
    pub async fn set_build_requests_priority(
        &self,
        brids: &[i64],
        priority: i64,
    ) -> Result<u64, DbError> {
        let _written = self.writing();
        if brids.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "UPDATE buildrequests SET priority = $1 WHERE complete = 0 AND id IN ({})",
            placeholders(2, brids.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(priority);
        for brid in brids {
            query = query.bind(*brid);
        }
        Ok(query
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected())
    }
}
