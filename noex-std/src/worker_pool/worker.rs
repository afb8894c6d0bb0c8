//! A pool worker: a server that runs one job at a time in its own task and reports the
//! result to the dispatcher. A panicking job crashes it; its supervisor restarts it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use noex_core::prelude::*;

use super::dispatcher::{DispatchMsg, Dispatcher};

/// What runs the jobs: one clone per worker, a fresh clone at every (re)start.
///
/// Implemented for every `FnMut(J) -> impl Future` closure that is `Clone + Send + Sync`;
/// implement it on a type of your own for a worker with state (a connection, a cache):
/// the state lives as long as the worker, and is rebuilt from the prototype after a
/// crash.
///
/// ```
/// use noex_std::worker_pool::JobHandler;
///
/// #[derive(Clone, Default)]
/// struct Resizer {
///     done: u64,
/// }
///
/// impl JobHandler<(u32, u32)> for Resizer {
///     type Output = u64;
///     async fn handle(&mut self, (w, h): (u32, u32)) -> u64 {
///         self.done += 1;
///         u64::from(w) * u64::from(h)
///     }
/// }
/// ```
pub trait JobHandler<J>: Clone + Send + Sync + 'static {
    /// What a job produces, handed to its submitter.
    type Output: Send + 'static;

    /// Runs one job.
    fn handle(&mut self, job: J) -> impl Future<Output = Self::Output> + Send;
}

impl<J, F, Fut> JobHandler<J> for F
where
    F: FnMut(J) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future + Send,
    Fut::Output: Send + 'static,
{
    type Output = Fut::Output;

    fn handle(&mut self, job: J) -> impl Future<Output = Fut::Output> + Send {
        self(job)
    }
}

type BoxFuture<'a, O> = Pin<Box<dyn Future<Output = O> + Send + 'a>>;

/// A job handler with its type erased, so the pool's types name only `J` and `O`.
pub(crate) trait DynHandler<J, O>: Send + 'static {
    fn run(&mut self, job: J) -> BoxFuture<'_, O>;
}

impl<J: 'static, H: JobHandler<J>> DynHandler<J, H::Output> for H {
    fn run(&mut self, job: J) -> BoxFuture<'_, H::Output> {
        Box::pin(self.handle(job))
    }
}

/// Makes the handler of a (re)started worker.
pub(crate) type Factory<J, O> = Arc<dyn Fn() -> Box<dyn DynHandler<J, O>> + Send + Sync>;

#[derive(Messages)]
pub(crate) enum WorkerMsg<J> {
    /// Runs job `id`.
    #[cast]
    Run { id: u64, job: J },
}

#[gen_server(messages = WorkerMsg<J>)]
pub(crate) struct PoolWorker<J: Send + 'static, O: Send + 'static> {
    pub(crate) index: usize,
    pub(crate) handler: Box<dyn DynHandler<J, O>>,
    pub(crate) dispatcher: ServerRef<Dispatcher<J, O>>,
}

impl<J: Send + 'static, O: Send + 'static> WorkerHandler<J> for PoolWorker<J, O> {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        let up = DispatchMsg::WorkerUp {
            index: self.index,
            worker: ctx.this(),
        };
        self.dispatcher
            .cast(up)
            .map_err(|_| "the pool's dispatcher is not running")?;
        Ok(())
    }

    async fn run(&mut self, id: u64, job: J, _ctx: &mut Ctx<Self>) {
        let output = self.handler.run(job).await;
        // If the dispatcher is gone the pool is stopping: nobody waits for the result.
        let _ = self.dispatcher.cast(DispatchMsg::Done {
            index: self.index,
            id,
            output,
        });
    }
}
