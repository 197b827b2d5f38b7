//! The connection pool every service uses: tokio-postgres connections under deadpool,
//! checked cheaply when taken back out.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

pub use deadpool_postgres::{BuildError as PoolBuildError, Object as PooledClient};

/// A pool of at most `size` connections to `database`.
pub fn pool(database: &tokio_postgres::Config, size: usize) -> Result<Pool, PoolBuildError> {
    let manager = Manager::from_config(
        database.clone(),
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager).max_size(size).build()
}
