//! actix on a single-thread `actix_rt::System`: `send` for calls, `do_send` for casts.
//! Every actor and the measuring tasks share the one thread, as in an actix application
//! that does not start more arbiters.

use std::future::Future;

use actix::{Actor, Addr, Context, Handler, Message};
use tokio::task::JoinHandle;

use crate::workloads::System;
use crate::{Result, fail};

/// The counter actor.
pub(crate) struct Counter {
    value: u64,
}

impl Actor for Counter {
    type Context = Context<Self>;
}

/// Reads the value.
#[derive(Message)]
#[rtype(result = "u64")]
pub(crate) struct Get;

/// Adds one and returns the new value.
#[derive(Message)]
#[rtype(result = "u64")]
pub(crate) struct Bump;

/// Adds one.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Incr;

impl Handler<Get> for Counter {
    type Result = u64;

    fn handle(&mut self, _msg: Get, _ctx: &mut Context<Self>) -> u64 {
        self.value
    }
}

impl Handler<Bump> for Counter {
    type Result = u64;

    fn handle(&mut self, _msg: Bump, _ctx: &mut Context<Self>) -> u64 {
        self.value += 1;
        self.value
    }
}

impl Handler<Incr> for Counter {
    type Result = ();

    fn handle(&mut self, _msg: Incr, _ctx: &mut Context<Self>) {
        self.value += 1;
    }
}

/// actix 0.13 on one thread.
pub(crate) struct Actix;

impl System for Actix {
    type Server = Addr<Counter>;

    async fn start() -> Result<Self::Server> {
        Ok(Counter { value: 0 }.start())
    }

    async fn bump(server: &Self::Server) -> Result<u64> {
        server
            .send(Bump)
            .await
            .map_err(|e| fail(format!("actix send: {e}")))
    }

    async fn get(server: &Self::Server) -> Result<u64> {
        server
            .send(Get)
            .await
            .map_err(|e| fail(format!("actix send: {e}")))
    }

    async fn incr(server: &Self::Server) -> Result<()> {
        server.do_send(Incr);
        Ok(())
    }

    fn run<T: Send + 'static>(work: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
        let system = actix_rt::System::new();
        let out = system.block_on(async move { actix_rt::spawn(work).await });
        // The process exits right after; see `run_on_tokio`.
        std::mem::forget(system);
        out.map_err(|e| fail(format!("the measuring task failed: {e}")))?
    }

    fn spawn<T: Send + 'static>(task: impl Future<Output = T> + Send + 'static) -> JoinHandle<T> {
        actix_rt::spawn(task)
    }
}
