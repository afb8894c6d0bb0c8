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
/// run there would pay a cross-thread wake on every message. With `one_thread`, on a
/// current-thread runtime instead, where `block_on`'s thread runs every task.
pub(crate) fn run_on_tokio<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
    one_thread: bool,
) -> Result<T> {
    let mut builder = if one_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    };
    let runtime = builder
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
