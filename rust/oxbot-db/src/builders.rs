//! Builders, their tags and projects (Buildbot's `db/builders.py`, `db/tags.py`,
//! `db/projects.py`).

use std::collections::HashMap;

use sqlx::any::AnyRow;

use sqlx::AssertSqlSafe;

use crate::{Db, DbError, get_i64, get_opt_i64, get_opt_str, get_str, hash_columns, insert_rows};

/// A builder, as Buildbot's `BuilderModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderModel {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub description_format: Option<String>,
    pub description_html: Option<String>,
    pub projectid: Option<i64>,
    pub masterids: Vec<i64>,
    pub tags: Vec<String>,
}

/// A project, as Buildbot's `ProjectModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectModel {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub description_format: Option<String>,
    pub description_html: Option<String>,
}

impl Db {
    /// Finds a row by `name_hash` in a table with `name` and `name_hash` columns, inserting it
    /// (with `extra` columns) if missing.
    pub(crate) async fn find_named_id(
        &self,
        table: &str,
        name: &str,
        extra: &[(&str, &str)],
    ) -> Result<i64, DbError> {
        let _written = self.writing();
        let hash = hash_columns(&[Some(name)]);
        if let Some(row) = sqlx::query(AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE name_hash = $1"
        )))
        .bind(&hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        {
            return get_i64(&row, "id");
        }
        let mut columns = "name, name_hash".to_owned();
        let mut params = "$1, $2".to_owned();
        for (i, (column, _)) in extra.iter().enumerate() {
            columns.push_str(", ");
            columns.push_str(column);
            params.push_str(", $");
            params.push_str(&(i + 3).to_string());
        }
        let sql = format!("INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id");
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(name).bind(&hash);
        for (_, value) in extra {
            query = query.bind(*value);
        }
        match query
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(DbError::from)
        {
            Ok(row) => get_i64(&row, "id"),
            // Another master inserted it meanwhile.
            Err(DbError::Conflict(_)) => {
                let row = sqlx::query(AssertSqlSafe(format!(
                    "SELECT id FROM {table} WHERE name_hash = $1"
                )))
                .bind(&hash)
                .fetch_one(&mut *self.conn().await?)
                .await?;
                get_i64(&row, "id")
            }
            Err(err) => Err(err),
        }
    }

    pub async fn find_builder_id(&self, name: &str) -> Result<i64, DbError> {
        self.find_named_id("builders", name, &[]).await
    }

    /// The id of the project with this name, created if new with the name as its slug, as
    /// Buildbot does until [`Db::update_project_info`] sets the configured one.
    pub async fn find_project_id(&self, name: &str) -> Result<i64, DbError> {
        self.find_named_id("projects", name, &[("slug", name)])
            .await
    }

    /// Buildbot's `update_project_info`.
    pub async fn update_project_info(
        &self,
        projectid: i64,
        slug: &str,
        description: Option<&str>,
        description_format: Option<&str>,
        description_html: Option<&str>,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query(
            "UPDATE projects SET slug = $1, description = $2, description_format = $3, description_html = $4 WHERE id = $5",
        )
        .bind(slug)
        .bind(description)
        .bind(description_format)
        .bind(description_html)
        .bind(projectid)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Sets a builder's description, project and tags (Buildbot's `updateBuilderInfo`).
    pub async fn update_builder_info(
        &self,
        builderid: i64,
        description: Option<&str>,
        description_format: Option<&str>,
        description_html: Option<&str>,
        projectid: Option<i64>,
        tags: &[String],
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query(
            "UPDATE builders SET description = $1, description_format = $2, description_html = $3, projectid = $4 WHERE id = $5",
        )
        .bind(description)
        .bind(description_format)
        .bind(description_html)
        .bind(projectid)
        .bind(builderid)
        .execute(&mut *self.conn().await?)
        .await?;
        sqlx::query("DELETE FROM builders_tags WHERE builderid = $1")
            .bind(builderid)
            .execute(&mut *self.conn().await?)
            .await?;
        for tag in tags {
            let tagid = self.find_named_id("tags", tag, &[]).await?;
            sqlx::query("INSERT INTO builders_tags (builderid, tagid) VALUES ($1, $2)")
                .bind(builderid)
                .bind(tagid)
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(())
    }

    /// Registers the builders a master runs (at start and on reconfig), in one transaction:
    /// each builder found by name or created, its description, project and tags brought up to
    /// date where they differ (Buildbot's `updateBuilderInfo`), and the master recorded as
    /// running exactly these builders. Returns their ids, in the order given.
    pub async fn register_builders(
        &self,
        masterid: i64,
        builders: &[BuilderRegistration<'_>],
    ) -> Result<Vec<i64>, DbError> {
        let _written = self.writing();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let names: Vec<[String; 2]> = builders
            .iter()
            .map(|b| [b.name.to_owned(), hash_columns(&[Some(b.name)])])
            .collect();
        insert_rows(
            &mut tx,
            "builders (name, name_hash)",
            &names,
            "ON CONFLICT DO NOTHING",
        )
        .await?;
        let mut current: HashMap<String, (i64, Option<String>, Option<i64>, bool)> = HashMap::new();
        for row in sqlx::query(
            "SELECT id, name, description, description_format, description_html, projectid FROM builders",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let plain = get_opt_str(&row, "description_format")?.is_none()
                && get_opt_str(&row, "description_html")?.is_none();
            current.insert(
                get_str(&row, "name")?,
                (
                    get_i64(&row, "id")?,
                    get_opt_str(&row, "description")?,
                    get_opt_i64(&row, "projectid")?,
                    plain,
                ),
            );
        }
        let mut ids = Vec::with_capacity(builders.len());
        for builder in builders {
            let (id, description, projectid, plain) = current
                .get(builder.name)
                .cloned()
                .ok_or_else(|| DbError::NotFound(format!("builder {}", builder.name)))?;
            if description.as_deref() != builder.description
                || projectid != builder.projectid
                || !plain
            {
                sqlx::query(
                    "UPDATE builders SET description = $1, description_format = NULL, description_html = NULL, projectid = $2 WHERE id = $3",
                )
                .bind(builder.description)
                .bind(builder.projectid)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            ids.push(id);
        }
        register_tags(&mut tx, builders, &ids).await?;
        // The master runs exactly these builders: rows of others go (with their configured
        // workers), the missing ones are added.
        let mut running: HashMap<i64, i64> = HashMap::new();
        for row in sqlx::query("SELECT id, builderid FROM builder_masters WHERE masterid = $1")
            .bind(masterid)
            .fetch_all(&mut *tx)
            .await?
        {
            running.insert(get_i64(&row, "builderid")?, get_i64(&row, "id")?);
        }
        for (builderid, rowid) in &running {
            if !ids.contains(builderid) {
                sqlx::query("DELETE FROM builder_masters WHERE id = $1")
                    .bind(*rowid)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let added: Vec<[i64; 2]> = ids
            .iter()
            .filter(|id| !running.contains_key(id))
            .map(|id| [*id, masterid])
            .collect();
        insert_rows(&mut tx, "builder_masters (builderid, masterid)", &added, "").await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Records that a master runs a builder.
    pub async fn add_builder_master(&self, builderid: i64, masterid: i64) -> Result<(), DbError> {
        let _written = self.writing();
        let exists =
            sqlx::query("SELECT id FROM builder_masters WHERE builderid = $1 AND masterid = $2")
                .bind(builderid)
                .bind(masterid)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        if exists.is_none() {
            sqlx::query("INSERT INTO builder_masters (builderid, masterid) VALUES ($1, $2)")
                .bind(builderid)
                .bind(masterid)
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(())
    }

    /// Records that a master no longer runs a builder.
    pub async fn remove_builder_master(
        &self,
        builderid: i64,
        masterid: i64,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("DELETE FROM builder_masters WHERE builderid = $1 AND masterid = $2")
            .bind(builderid)
            .bind(masterid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn builder_model(&self, row: &AnyRow) -> Result<BuilderModel, DbError> {
        let id = get_i64(row, "id")?;
        let masterids = sqlx::query(
            "SELECT masterid FROM builder_masters WHERE builderid = $1 ORDER BY masterid",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|r| get_i64(r, "masterid"))
        .collect::<Result<_, _>>()?;
        let tags = sqlx::query(
            "SELECT tags.name AS name FROM builders_tags JOIN tags ON tags.id = builders_tags.tagid WHERE builders_tags.builderid = $1 ORDER BY builders_tags.id",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|r| get_str(r, "name"))
        .collect::<Result<_, _>>()?;
        builder_from_row(row, masterids, tags)
    }

    pub async fn get_builder(&self, builderid: i64) -> Result<BuilderModel, DbError> {
        let row = sqlx::query("SELECT * FROM builders WHERE id = $1")
            .bind(builderid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("builder {builderid}")))?;
        self.builder_model(&row).await
    }

    /// Every builder, by id.
    pub async fn get_builders(&self) -> Result<Vec<BuilderModel>, DbError> {
        self.get_builders_where(None, None, None).await
    }

    /// Buildbot's `getBuilders(masterid, projectid, workerid)`: builders a master runs, of a
    /// project, or for which a worker is configured; each with all its masters and tags.
    pub async fn get_builders_where(
        &self,
        masterid: Option<i64>,
        projectid: Option<i64>,
        workerid: Option<i64>,
    ) -> Result<Vec<BuilderModel>, DbError> {
        let mut sql = "SELECT * FROM builders WHERE 1 = 1".to_owned();
        let mut values = Vec::new();
        if let Some(masterid) = masterid {
            values.push(masterid);
            sql.push_str(&format!(
                " AND id IN (SELECT builderid FROM builder_masters WHERE masterid = ${})",
                values.len()
            ));
        }
        if let Some(projectid) = projectid {
            values.push(projectid);
            sql.push_str(&format!(" AND projectid = ${}", values.len()));
        }
        if let Some(workerid) = workerid {
            values.push(workerid);
            sql.push_str(&format!(
                " AND id IN (SELECT bm.builderid FROM builder_masters bm \
                 JOIN configured_workers cw ON cw.buildermasterid = bm.id WHERE cw.workerid = ${})",
                values.len()
            ));
        }
        sql.push_str(" ORDER BY id");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        // Every builder's masters and tags in two queries, not two per builder.
        let mut masterids: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in sqlx::query("SELECT builderid, masterid FROM builder_masters ORDER BY masterid")
            .fetch_all(&mut *self.conn().await?)
            .await?
        {
            masterids
                .entry(get_i64(&row, "builderid")?)
                .or_default()
                .push(get_i64(&row, "masterid")?);
        }
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        for row in sqlx::query(
            "SELECT builders_tags.builderid AS builderid, tags.name AS name FROM builders_tags \
             JOIN tags ON tags.id = builders_tags.tagid ORDER BY builders_tags.id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?
        {
            tags.entry(get_i64(&row, "builderid")?)
                .or_default()
                .push(get_str(&row, "name")?);
        }
        rows.iter()
            .map(|row| {
                let id = get_i64(row, "id")?;
                builder_from_row(
                    row,
                    masterids.remove(&id).unwrap_or_default(),
                    tags.remove(&id).unwrap_or_default(),
                )
            })
            .collect()
    }

    pub async fn get_project(&self, projectid: i64) -> Result<ProjectModel, DbError> {
        let row = sqlx::query("SELECT * FROM projects WHERE id = $1")
            .bind(projectid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("project {projectid}")))?;
        project_model(&row)
    }

    /// Every project, by id.
    pub async fn get_projects(&self) -> Result<Vec<ProjectModel>, DbError> {
        sqlx::query("SELECT * FROM projects ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(project_model)
            .collect()
    }

    /// Projects with a builder that some master runs, by name (Buildbot's
    /// `get_active_projects`).
    pub async fn get_active_projects(&self) -> Result<Vec<ProjectModel>, DbError> {
        sqlx::query(
            "SELECT * FROM projects WHERE id IN (SELECT b.projectid FROM builders b \
             JOIN builder_masters bm ON bm.builderid = b.id) ORDER BY name",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(project_model)
        .collect()
    }
}

fn project_model(row: &AnyRow) -> Result<ProjectModel, DbError> {
    Ok(ProjectModel {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        slug: get_str(row, "slug")?,
        description: get_opt_str(row, "description")?,
        description_format: get_opt_str(row, "description_format")?,
        description_html: get_opt_str(row, "description_html")?,
    })
}

/// A builder as a master's configuration gives it, for [`Db::register_builders`].
#[derive(Debug, Clone, Copy)]
pub struct BuilderRegistration<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub projectid: Option<i64>,
    pub tags: &'a [String],
}

/// Gives each builder (`ids[i]` is `builders[i]`) exactly its tags, in order, creating the
/// tags that are new; builders whose tags are already right are not touched.
async fn register_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    builders: &[BuilderRegistration<'_>],
    ids: &[i64],
) -> Result<(), DbError> {
    let mut tagids: HashMap<String, i64> = HashMap::new();
    for builder in builders {
        for tag in builder.tags {
            if tagids.contains_key(tag) {
                continue;
            }
            sqlx::query(
                "INSERT INTO tags (name, name_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(tag)
            .bind(hash_columns(&[Some(tag)]))
            .execute(&mut **tx)
            .await?;
            let row = sqlx::query("SELECT id FROM tags WHERE name_hash = $1")
                .bind(hash_columns(&[Some(tag)]))
                .fetch_one(&mut **tx)
                .await?;
            tagids.insert(tag.clone(), get_i64(&row, "id")?);
        }
    }
    let mut current: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in sqlx::query("SELECT builderid, tagid FROM builders_tags ORDER BY id")
        .fetch_all(&mut **tx)
        .await?
    {
        current
            .entry(get_i64(&row, "builderid")?)
            .or_default()
            .push(get_i64(&row, "tagid")?);
    }
    let mut added: Vec<[i64; 2]> = Vec::new();
    for (builder, id) in builders.iter().zip(ids) {
        let wanted: Vec<i64> = builder.tags.iter().map(|t| tagids[t]).collect();
        if current.get(id).map_or(&[][..], Vec::as_slice) == wanted.as_slice() {
            continue;
        }
        sqlx::query("DELETE FROM builders_tags WHERE builderid = $1")
            .bind(*id)
            .execute(&mut **tx)
            .await?;
        added.extend(wanted.into_iter().map(|tagid| [*id, tagid]));
    }
    insert_rows(tx, "builders_tags (builderid, tagid)", &added, "").await
}

/// A `builders` row with the builder's masters and tags.
fn builder_from_row(
    row: &AnyRow,
    masterids: Vec<i64>,
    tags: Vec<String>,
) -> Result<BuilderModel, DbError> {
    Ok(BuilderModel {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        description: get_opt_str(row, "description")?,
        description_format: get_opt_str(row, "description_format")?,
        description_html: get_opt_str(row, "description_html")?,
        projectid: get_opt_i64(row, "projectid")?,
        masterids,
        tags,
    })
}
