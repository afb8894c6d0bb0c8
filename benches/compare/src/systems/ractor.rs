//! ractor with its default features: `call!`/`cast!` over an `RpcReplyPort`.

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use crate::workloads::System;
use crate::{Result, fail};

/// The counter's messages.
pub(crate) enum CounterMsg {
    Get(RpcReplyPort<u64>),
    Bump(RpcReplyPort<u64>),
    Incr,
}

/// The counter actor; its state is the `u64`.
pub(crate) struct Counter;

impl Actor for Counter {
    type Msg = CounterMsg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        _args: (),
    ) -> std::result::Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        value: &mut u64,
    ) -> std::result::Result<(), ActorProcessingErr> {
        match message {
            CounterMsg::Get(reply) => reply.send(*value)?,
            CounterMsg::Bump(reply) => {
                *value += 1;
                reply.send(*value)?;
            }
            CounterMsg::Incr => *value += 1,
        }
        Ok(())
    }
}

/// ractor on a 2-worker tokio runtime.
pub(crate) struct Ractor;

impl System for Ractor {
    type Server = ActorRef<CounterMsg>;

    async fn start() -> Result<Self::Server> {
        let (actor, _join) = Actor::spawn(None, Counter, ())
            .await
            .map_err(|e| fail(format!("ractor spawn: {e}")))?;
        Ok(actor)
    }

    async fn bump(server: &Self::Server) -> Result<u64> {
        ractor::call!(server, CounterMsg::Bump).map_err(|e| fail(format!("ractor call: {e}")))
    }

    async fn get(server: &Self::Server) -> Result<u64> {
        ractor::call!(server, CounterMsg::Get).map_err(|e| fail(format!("ractor call: {e}")))
    }

    async fn incr(server: &Self::Server) -> Result<()> {
        ractor::cast!(server, CounterMsg::Incr).map_err(|e| fail(format!("ractor cast: {e}")))
    }
}
