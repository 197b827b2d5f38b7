//! Where the archive lives: an object store opened from a URL, the deterministic key of
//! each day's object, and the reader Parquet reads objects through.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use futures::FutureExt;
use futures::future::BoxFuture;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use url::Url;

use super::ArchiveError;

/// An object store and the path prefix the archive URL names in it.
#[derive(Debug, Clone)]
pub struct ArchiveStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
}

/// Opens the archive store `url` names: `file:///dir` (the directory is created;
/// writes are fsynced), `s3://bucket/prefix` with credentials, region, `AWS_ENDPOINT`
/// and `AWS_ALLOW_HTTP` from the environment as object_store reads them, or any other
/// scheme object_store knows (gs://, az://, memory://, ...).
pub fn open_store(url: &str) -> Result<ArchiveStore, ArchiveError> {
    open_store_with_options(url, std::iter::empty::<(String, String)>())
}

/// [`open_store`] with object_store configuration keys (`endpoint`, `allow_http`,
/// `region`, `access_key_id`, ...) that take precedence over the environment.
pub fn open_store_with_options<I, K, V>(url: &str, options: I) -> Result<ArchiveStore, ArchiveError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    let fail = |reason: String| ArchiveError::StoreUrl {
        url: url.to_owned(),
        reason,
    };
    let parsed = Url::parse(url).map_err(|e| fail(e.to_string()))?;
    let (store, prefix): (Arc<dyn ObjectStore>, Path) = match parsed.scheme() {
        "file" => {
            let dir = parsed
                .to_file_path()
                .map_err(|()| fail("not an absolute local path".into()))?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| fail(format!("creating {}: {e}", dir.display())))?;
            // The partition is dropped once its object is verified: the object must be
            // on disk by then, not in the page cache.
            let fs = LocalFileSystem::new_with_prefix(&dir)
                .map_err(|e| fail(e.to_string()))?
                .with_fsync(true);
            (Arc::new(fs), Path::default())
        }
        "s3" | "s3a" => {
            let mut builder = AmazonS3Builder::from_env().with_url(url);
            for (key, value) in options {
                let key: AmazonS3ConfigKey = key
                    .as_ref()
                    .parse()
                    .map_err(|e: object_store::Error| fail(e.to_string()))?;
                builder = builder.with_config(key, value);
            }
            let store = builder.build().map_err(|e| fail(e.to_string()))?;
            (Arc::new(store), Path::from(parsed.path()))
        }
        _ => {
            let (store, prefix) =
                object_store::parse_url_opts(&parsed, options).map_err(|e| fail(e.to_string()))?;
            (Arc::from(store), prefix)
        }
    };
    Ok(ArchiveStore {
        store,
        prefix,
        url: url.to_owned(),
    })
}

impl ArchiveStore {
    /// An archive in `store` under `prefix` (for stores built by hand, e.g. in tests);
    /// `url` only names it in messages.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, url: &str) -> ArchiveStore {
        ArchiveStore {
            store,
            prefix: Path::from(prefix),
            url: url.to_owned(),
        }
    }

    /// The URL the store was opened from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The underlying object store.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The full path in the object store of `key` (relative to the archive URL).
    pub fn path(&self, key: &str) -> Path {
        Path::from_iter(self.prefix.parts().chain(Path::from(key).parts()))
    }

    /// Every object under the archive URL, as keys relative to it, sorted.
    pub async fn keys(&self) -> Result<Vec<String>, ArchiveError> {
        use futures::TryStreamExt;
        let listed: Vec<ObjectMeta> = self
            .store
            .list(Some(&self.prefix))
            .try_collect()
            .await
            .map_err(|e| ArchiveError::store(self.prefix.as_ref(), e))?;
        let skip = self.prefix.parts().count();
        let mut keys: Vec<String> = listed
            .iter()
            .map(|m| Path::from_iter(m.location.parts().skip(skip)).to_string())
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Size of the object at `key`, None when there is none.
    pub(super) async fn size(&self, key: &str) -> Result<Option<u64>, ArchiveError> {
        match self.store.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(ArchiveError::store(key, e)),
        }
    }

    /// A Parquet reader of the object at `key`, which is `size` bytes long.
    pub(super) fn reader(&self, key: &str, size: u64) -> ObjectReader {
        ObjectReader {
            store: Arc::clone(&self.store),
            path: self.path(key),
            size,
        }
    }
}

/// The key of `day`'s object, relative to the archive URL: Hive-style partition
/// directories, so query engines prune by year, month and day, and one name per day,
/// so a rerun overwrites the object it wrote before instead of adding a second one.
pub(super) fn object_key(day: NaiveDate) -> String {
    format!(
        "events/year={:04}/month={:02}/day={:02}/{}.parquet",
        day.year(),
        day.month(),
        day.day(),
        schema::DayPartition::of(day)
    )
}

/// Reads byte ranges of one object for Parquet, so a verification or a restore holds
/// one row group at a time rather than the whole object.
#[derive(Debug, Clone)]
pub(super) struct ObjectReader {
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
}

fn external(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileReader for ObjectReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(external)
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            self.store
                .get_ranges(&self.path, &ranges)
                .await
                .map_err(external)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            let metadata = ParquetMetaDataReader::new()
                .with_arrow_reader_options(options)
                .load_and_finish(self, size)
                .await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hive_style_and_one_per_day() {
        let day = testkit::day("2024-03-07");
        assert_eq!(
            object_key(day),
            "events/year=2024/month=03/day=07/events_p20240307.parquet"
        );
    }

    #[test]
    fn a_prefix_is_joined_to_keys() {
        let store = ArchiveStore::new(
            Arc::new(object_store::memory::InMemory::new()),
            "tally/archive",
            "memory:///tally/archive",
        );
        assert_eq!(
            store.path("events/x.parquet").as_ref(),
            "tally/archive/events/x.parquet"
        );
    }

    #[test]
    fn unknown_schemes_are_refused_with_the_url() {
        let e = open_store("ftp://example.com/x").map(|_| ()).unwrap_err();
        assert!(e.to_string().contains("ftp://example.com/x"), "{e}");
    }
}
