//! Deferred replies: the handler gets a `ReplyTo<T>` and may answer later.

use noex_core::prelude::*;

#[derive(Messages)]
pub(crate) enum GateMsg {
    /// Resolves when the gate opens.
    #[call(reply = u32, deferred)]
    Enter,
    #[call(reply = Result<u32, String>, deferred)]
    EnterWith { ticket: u32 },
    #[cast]
    Open,
}

#[gen_server(messages = GateMsg)]
pub(crate) struct Gate {
    waiting: Vec<ReplyTo<u32>>,
}

fn main() {}
