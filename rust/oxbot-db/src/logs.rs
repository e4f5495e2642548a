//! Logs and their chunks (Buildbot's `db/logs.py`). Content is split into `logchunks` rows of
//! whole lines, at most 64 KiB each, with the last newline of a chunk stripped, as Buildbot
//! stores them. Each chunk is compressed with the method `c['logCompressionMethod']` names
//! ([`LogCompression`]; `gz` unless set, what Buildbot 4.3 writes without the `zstandard`
//! package) when that makes it smaller, else stored as is, as Buildbot does. Every method
//! Buildbot 4.3 writes is read except brotli: 1 zlib (Buildbot's "gz"), 2 bz2, 3 lz4 block with
//! its size prefix, 4 zstd.

use std::io::{Read as _, Write as _};

use sqlx::Row as _;
use sqlx::any::AnyRow;

use std::sync::atomic::Ordering;

use crate::{Db, DbError, get_i64, get_str};

/// Buildbot's `MAX_CHUNK_SIZE`.
const MAX_CHUNK_SIZE: usize = 65536;

/// What [`Db::append_log`] added: Buildbot's `(first_line, last_line)` and the updated log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub first_line: i64,
    pub last_line: i64,
    pub log: LogModel,
}

/// A log, as Buildbot's `LogModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogModel {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub stepid: i64,
    pub complete: bool,
    pub num_lines: i64,
    /// `s` (stdio: lines prefixed with `o`, `e` or `h`), `t` (text) or `h` (HTML).
    pub log_type: String,
}

/// Consecutive lines of a log, starting at `first_line` (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    pub first_line: i64,
    pub content: String,
}

fn model(row: &AnyRow) -> Result<LogModel, DbError> {
    Ok(LogModel {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        slug: get_str(row, "slug")?,
        stepid: get_i64(row, "stepid")?,
        complete: get_i64(row, "complete")? != 0,
        num_lines: get_i64(row, "num_lines")?,
        log_type: get_str(row, "type")?,
    })
}

/// Splits content (whole lines) into chunks of at most `MAX_CHUNK_SIZE` bytes, each with its
/// line count. A single longer line is cut at a character boundary, as Buildbot truncates it.
fn chunks(content: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut lines = 0;
    for line in content.split_inclusive('\n') {
        if !current.is_empty() && current.len() + line.len() > MAX_CHUNK_SIZE {
            out.push((std::mem::take(&mut current), lines));
            lines = 0;
        }
        if line.len() > MAX_CHUNK_SIZE {
            let mut cut = MAX_CHUNK_SIZE - 1;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push((format!("{}\n", &line[..cut]), 1));
            continue;
        }
        current.push_str(line);
        lines += 1;
    }
    if !current.is_empty() {
        out.push((current, lines));
    }
    out
}

/// How new log chunks are stored (`c['logCompressionMethod']`), as Buildbot's method ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCompression {
    Raw = 0,
    Gz = 1,
    Bz2 = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl LogCompression {
    /// The method Buildbot calls `name`; `None` for brotli (`br`), which oxbot cannot write,
    /// and for names Buildbot does not know.
    pub fn from_name(name: &str) -> Option<LogCompression> {
        Some(match name {
            "raw" => LogCompression::Raw,
            "gz" => LogCompression::Gz,
            "bz2" => LogCompression::Bz2,
            "lz4" => LogCompression::Lz4,
            "zstd" => LogCompression::Zstd,
            _ => return None,
        })
    }

    fn from_id(id: u8) -> LogCompression {
        [
            LogCompression::Raw,
            LogCompression::Gz,
            LogCompression::Bz2,
            LogCompression::Lz4,
            LogCompression::Zstd,
        ]
        .into_iter()
        .find(|m| *m as u8 == id)
        .unwrap_or(LogCompression::Raw)
    }

    /// `data` compressed, and the method id to store with it: the data as is (`0`) when
    /// compressing does not make it smaller.
    fn compress(self, data: &[u8]) -> (Vec<u8>, i64) {
        let compressed = match self {
            LogCompression::Raw => None,
            // Any zlib level reads the same; 6 (zlib's default) rather than Buildbot's 9 keeps
            // ingesting big logs fast.
            LogCompression::Gz => zlib_smaller(data),
            LogCompression::Bz2 => {
                let mut out = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
                out.write_all(data).and_then(|()| out.finish()).ok()
            }
            LogCompression::Lz4 => Some(lz4_flex::block::compress_prepend_size(data)),
            LogCompression::Zstd => Some(ruzstd::encoding::compress_to_vec(
                data,
                ruzstd::encoding::CompressionLevel::Fastest,
            )),
        };
        match compressed {
            Some(smaller) if smaller.len() < data.len() => (smaller, self as i64),
            _ => (data.to_vec(), 0),
        }
    }
}

thread_local! {
    /// A zlib compressor per thread, reset between chunks: making a new one allocates and
    /// clears ~300 KB, which costs more than compressing a short chunk.
    static ZLIB: std::cell::RefCell<flate2::Compress> =
        std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::new(6), true));
}

/// `data` as a zlib stream, if that is smaller than `data`.
fn zlib_smaller(data: &[u8]) -> Option<Vec<u8>> {
    ZLIB.with_borrow_mut(|zlib| {
        zlib.reset();
        // Room for no more than the data: a stream that does not fit is not smaller.
        let mut out = Vec::with_capacity(data.len());
        loop {
            let (read, written) = (zlib.total_in(), zlib.total_out());
            let rest = data.get(usize::try_from(read).ok()?..)?;
            let status = zlib
                .compress_vec(rest, &mut out, flate2::FlushCompress::Finish)
                .ok()?;
            let stalled = (read, written) == (zlib.total_in(), zlib.total_out());
            match status {
                flate2::Status::StreamEnd => return Some(out),
                _ if stalled || out.len() == out.capacity() => return None,
                _ => {}
            }
        }
    })
}

/// Decompresses a chunk stored with Buildbot's compression method `method`.
fn decompress(method: i64, content: Vec<u8>) -> Result<Vec<u8>, DbError> {
    let failed = |name: &str, err: &dyn std::fmt::Display| {
        DbError::Other(format!(
            "log chunk compressed with {name} cannot be read: {err}"
        ))
    };
    let mut out = Vec::new();
    match method {
        0 => return Ok(content),
        1 => flate2::read::ZlibDecoder::new(content.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| failed("gz", &e))?,
        2 => bzip2::read::BzDecoder::new(content.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| failed("bz2", &e))?,
        3 => {
            return lz4_flex::block::decompress_size_prepended(&content)
                .map_err(|e| failed("lz4", &e));
        }
        4 => ruzstd::decoding::StreamingDecoder::new(content.as_slice())
            .map_err(|e| failed("zstd", &e))?
            .read_to_end(&mut out)
            .map_err(|e| failed("zstd", &e))?,
        5 => {
            return Err(DbError::Other(
                "not supported yet by oxbot: reading log chunks compressed with brotli (method 5)"
                    .to_owned(),
            ));
        }
        other => {
            return Err(DbError::Other(format!(
                "unknown log compression method ID {other}"
            )));
        }
    };
    Ok(out)
}

impl Db {
    /// Sets how chunks appended from now on are stored (`c['logCompressionMethod']`).
    pub fn set_log_compression(&self, method: LogCompression) {
        self.log_compression.store(method as u8, Ordering::Relaxed);
    }

    /// Adds a log to a step; `Conflict` if the step already has a log with this slug.
    pub async fn add_log(
        &self,
        stepid: i64,
        name: &str,
        slug: &str,
        log_type: &str,
    ) -> Result<LogModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query(
            "INSERT INTO logs (name, slug, stepid, complete, num_lines, type) VALUES ($1, $2, $3, 0, 0, $4) RETURNING *",
        )
        .bind(name)
        .bind(slug)
        .bind(stepid)
        .bind(log_type)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        model(&row)
    }

    /// Appends whole lines (`content` must end with a newline) to a log; returns the numbers
    /// of the first and last lines added, as Buildbot's `appendLog` (`(n, n - 1)` for empty
    /// content), and the log as it now is.
    pub async fn append_log(&self, logid: i64, content: &str) -> Result<Appended, DbError> {
        let _written = self.writing();
        if !content.is_empty() && !content.ends_with('\n') {
            return Err(DbError::Other(format!(
                "log {logid}: appended content must end with a newline"
            )));
        }
        // Compressed before the write transaction, which holds SQLite's one write lock.
        let method = LogCompression::from_id(self.log_compression.load(Ordering::Relaxed));
        let stored: Vec<(Vec<u8>, i64, i64)> = chunks(content)
            .into_iter()
            .map(|(chunk, lines)| {
                let text = chunk.strip_suffix('\n').unwrap_or(&chunk);
                let (bytes, compressed) = method.compress(text.as_bytes());
                (bytes, compressed, lines)
            })
            .collect();
        let added: i64 = stored.iter().map(|(_, _, lines)| lines).sum();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        // The log's new line count first (in the same transaction), which gives the numbers
        // of the lines added.
        let row =
            sqlx::query("UPDATE logs SET num_lines = num_lines + $1 WHERE id = $2 RETURNING *")
                .bind(added)
                .bind(logid)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| DbError::NotFound(format!("log {logid}")))?;
        let log = model(&row)?;
        let first_line = log.num_lines - added;
        let mut next_line = first_line;
        for (bytes, compressed, lines) in stored {
            sqlx::query("INSERT INTO logchunks (logid, first_line, last_line, content, compressed) VALUES ($1, $2, $3, $4, $5)")
                .bind(logid)
                .bind(next_line)
                .bind(next_line + lines - 1)
                .bind(bytes)
                .bind(compressed)
                .execute(&mut *tx)
                .await?;
            next_line += lines;
        }
        tx.commit().await?;
        Ok(Appended {
            first_line,
            last_line: next_line - 1,
            log,
        })
    }

    /// Marks a log complete; returns it as it now is.
    pub async fn finish_log(&self, logid: i64) -> Result<LogModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query("UPDATE logs SET complete = 1 WHERE id = $1 RETURNING *")
            .bind(logid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("log {logid}")))?;
        model(&row)
    }

    pub async fn get_log(&self, logid: i64) -> Result<LogModel, DbError> {
        let row = sqlx::query("SELECT * FROM logs WHERE id = $1")
            .bind(logid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("log {logid}")))?;
        model(&row)
    }

    pub async fn get_log_by_slug(&self, stepid: i64, slug: &str) -> Result<LogModel, DbError> {
        let row = sqlx::query("SELECT * FROM logs WHERE stepid = $1 AND slug = $2")
            .bind(stepid)
            .bind(slug)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("log {slug} of step {stepid}")))?;
        model(&row)
    }

    /// The logs of a step, in creation order.
    pub async fn get_logs(&self, stepid: i64) -> Result<Vec<LogModel>, DbError> {
        sqlx::query("SELECT * FROM logs WHERE stepid = $1 ORDER BY id")
            .bind(stepid)
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(model)
            .collect()
    }

    /// Lines `first_line..=last_line` of a log, each ending with a newline.
    pub async fn get_log_lines(
        &self,
        logid: i64,
        first_line: i64,
        last_line: i64,
    ) -> Result<String, DbError> {
        let rows = sqlx::query(
            "SELECT first_line, last_line, content, compressed FROM logchunks \
             WHERE logid = $1 AND last_line >= $2 AND first_line <= $3 ORDER BY first_line",
        )
        .bind(logid)
        .bind(first_line)
        .bind(last_line)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut out = String::new();
        for row in &rows {
            let content = decompress(get_i64(row, "compressed")?, row.try_get("content")?)?;
            let text = String::from_utf8_lossy(&content);
            let chunk_first = get_i64(row, "first_line")?;
            for (line_no, line) in (chunk_first..).zip(text.split('\n')) {
                if (first_line..=last_line).contains(&line_no) {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{LogCompression, chunks, decompress};

    #[test]
    fn chunks_compressed_by_buildbot_are_read() {
        let text = b"line one\nline two";
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        zlib.write_all(text).unwrap();
        assert_eq!(decompress(1, zlib.finish().unwrap()).unwrap(), text);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        bz.write_all(text).unwrap();
        assert_eq!(decompress(2, bz.finish().unwrap()).unwrap(), text);
        // `lz4.block.compress(b"line one\nline two")` from Python's lz4 package.
        let lz4 = [
            17, 0, 0, 0, 240, 2, b'l', b'i', b'n', b'e', b' ', b'o', b'n', b'e', b'\n', b'l', b'i',
            b'n', b'e', b' ', b't', b'w', b'o',
        ];
        assert_eq!(decompress(3, lz4.to_vec()).unwrap(), text);
        // `zstandard.compress(b"line one\nline two")` from Python's zstandard package.
        let zstd = [
            0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x11, 0x89, 0x00, 0x00, b'l', b'i', b'n', b'e', b' ',
            b'o', b'n', b'e', b'\n', b'l', b'i', b'n', b'e', b' ', b't', b'w', b'o',
        ];
        assert_eq!(decompress(4, zstd.to_vec()).unwrap(), text);
        assert!(decompress(5, vec![]).is_err());
    }

    #[test]
    fn chunks_keep_whole_lines_under_the_limit() {
        let line = format!("{}\n", "x".repeat(1000));
        let content = line.repeat(200);
        let parts = chunks(&content);
        assert!(
            parts
                .iter()
                .all(|(c, _)| c.len() <= super::MAX_CHUNK_SIZE && c.ends_with('\n'))
        );
        assert_eq!(parts.iter().map(|(_, n)| n).sum::<i64>(), 200);
        let huge = format!("{}\n", "y".repeat(70_000));
        let parts = chunks(&huge);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].1, 1);
        assert!(parts[0].0.len() <= super::MAX_CHUNK_SIZE);
    }

    #[test]
    fn chunks_are_stored_compressed_when_smaller() {
        let text = "make[1]: Entering directory '/build'\n".repeat(100);
        for name in ["gz", "bz2", "lz4", "zstd"] {
            let method = LogCompression::from_name(name).unwrap();
            let (stored, id) = method.compress(text.as_bytes());
            assert_eq!(id, method as i64, "{name}");
            assert!(
                stored.len() < text.len() / 4,
                "{name}: {} bytes",
                stored.len()
            );
            assert_eq!(decompress(id, stored).unwrap(), text.as_bytes(), "{name}");
        }
        // What compressing does not shrink is stored as is, as Buildbot does.
        assert_eq!(LogCompression::Gz.compress(b"ok"), (b"ok".to_vec(), 0));
        assert_eq!(LogCompression::Raw.compress(text.as_bytes()).1, 0);
        assert_eq!(LogCompression::from_name("br"), None);
    }
}
