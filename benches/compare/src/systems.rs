//! The systems compared, each a [`System`](crate::workloads::System) implementation over
//! its recommended API, and the multi-thread tokio runtime four of them share.

use std::future::Future;

use crate::{Result, fail};

pub(crate) mod actix;
pub(crate) mod kameo;
pub(crate) mod noex;
pub(crate) mod plain_tokio;
pub(crate) mod ractor;

/// Runs `work` as a task on a fresh multi-thread tokio runtime with 2 workers, as the
/// benchmark of noex-core does: `block_on`'s thread is not a worker, so a measuring loop
/// run there would pay a cross-thread wake on every message.
pub(crate) fn run_on_tokio<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(format!("building the tokio runtime: {e}")))?;
    let task = runtime.spawn(work);
    let out = runtime
        .block_on(task)
        .map_err(|e| fail(format!("the measuring task failed: {e}")));
    // The process exits right after; tearing down 100 000 servers would only waste time.
    std::mem::forget(runtime);
    out?
}
