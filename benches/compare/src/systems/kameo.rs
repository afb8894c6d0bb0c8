//! kameo with its default features: `ask`/`tell`. Spawned with an unbounded mailbox,
//! like every other system here (kameo's `spawn` defaults to a bounded one of 64).

use kameo::Actor;
use kameo::actor::{ActorRef, Spawn};
use kameo::mailbox;
use kameo::message::{Context, Message};

use crate::workloads::System;
use crate::{Result, fail};

/// The counter actor.
#[derive(Actor, Default)]
pub(crate) struct Counter {
    value: u64,
}

/// Reads the value.
pub(crate) struct Get;
/// Adds one and returns the new value.
pub(crate) struct Bump;
/// Adds one.
pub(crate) struct Incr;

impl Message<Get> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _msg: Get, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
        self.value
    }
}

impl Message<Bump> for Counter {
    type Reply = u64;

    async fn handle(&mut self, _msg: Bump, _ctx: &mut Context<Self, Self::Reply>) -> u64 {
        self.value += 1;
        self.value
    }
}

impl Message<Incr> for Counter {
    type Reply = ();

    async fn handle(&mut self, _msg: Incr, _ctx: &mut Context<Self, Self::Reply>) {
        self.value += 1;
    }
}

/// kameo on a 2-worker tokio runtime.
pub(crate) struct Kameo;

impl System for Kameo {
    type Server = ActorRef<Counter>;

    async fn start() -> Result<Self::Server> {
        Ok(Counter::spawn_with_mailbox(
            Counter::default(),
            mailbox::unbounded(),
        ))
    }

    async fn bump(server: &Self::Server) -> Result<u64> {
        server
            .ask(Bump)
            .await
            .map_err(|e| fail(format!("kameo ask: {e}")))
    }

    async fn get(server: &Self::Server) -> Result<u64> {
        server
            .ask(Get)
            .await
            .map_err(|e| fail(format!("kameo ask: {e}")))
    }

    async fn incr(server: &Self::Server) -> Result<()> {
        server
            .tell(Incr)
            .await
            .map_err(|e| fail(format!("kameo tell: {e}")))
    }
}
