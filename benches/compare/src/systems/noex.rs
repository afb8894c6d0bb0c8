//! noex in its normal configuration: the 5 s default call timeout, panic catching,
//! monitors and supervision all available, an unbounded mailbox.

use noex_core::prelude::*;

use crate::workloads::System;
use crate::{Result, fail};

/// The counter's protocol.
#[derive(Debug, Messages)]
pub(crate) enum CounterMsg {
    /// Reads the value.
    #[call(reply = u64)]
    Get,
    /// Adds one and returns the new value.
    #[call(reply = u64)]
    Bump,
    /// Adds one.
    #[cast]
    Incr,
}

/// A server holding a `u64`.
#[gen_server(messages = CounterMsg)]
#[derive(Default)]
pub(crate) struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value
    }

    async fn bump(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value += 1;
        self.value
    }

    async fn incr(&mut self, _ctx: &mut Ctx<Self>) {
        self.value += 1;
    }
}

/// noex on a 2-worker tokio runtime, or on a current-thread one if `ONE_THREAD`.
pub(crate) struct Noex<const ONE_THREAD: bool = false>;

impl<const ONE_THREAD: bool> System for Noex<ONE_THREAD> {
    type Server = ServerRef<Counter>;
    const ONE_THREAD: bool = ONE_THREAD;

    async fn start() -> Result<Self::Server> {
        Counter::default()
            .start()
            .await
            .map_err(|e| fail(format!("noex start: {e}")))
    }

    async fn bump(server: &Self::Server) -> Result<u64> {
        server
            .bump()
            .await
            .map_err(|e| fail(format!("noex call: {e}")))
    }

    async fn get(server: &Self::Server) -> Result<u64> {
        server
            .get()
            .await
            .map_err(|e| fail(format!("noex call: {e}")))
    }

    async fn incr(server: &Self::Server) -> Result<()> {
        server.incr().map_err(|e| fail(format!("noex cast: {e}")))
    }
}
