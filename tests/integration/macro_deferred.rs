//! Deferred replies (the shape of `tests/expand/deferred.rs`): the handler keeps the
//! `ReplyTo` and answers later, while the server goes on handling other messages (OTP's
//! `{noreply, State}` followed by `gen_server:reply/2`).

use std::time::Duration;

use noex_core::prelude::*;

/// A gate that callers wait at until it opens.
#[derive(Debug, Messages)]
pub enum GateMsg {
    /// Resolves when the gate opens, with the number of openings so far.
    #[call(reply = u32, deferred)]
    Enter,
    /// Resolves when the gate opens; tickets above the limit are refused at once.
    #[call(reply = Result<u32, String>, deferred)]
    EnterWith { ticket: u32 },
    #[call(reply = usize)]
    Waiting,
    #[call(reply = usize)]
    Delivered,
    /// Drops every waiting reply unanswered.
    #[cast]
    Abandon,
    #[cast]
    Open,
}

#[gen_server(messages = GateMsg)]
#[derive(Default)]
pub struct Gate {
    waiting: Vec<ReplyTo<u32>>,
    ticketed: Vec<(u32, ReplyTo<Result<u32, String>>)>,
    opened: u32,
    /// How many answers reached someone (`ReplyTo::send` returned true).
    delivered: usize,
}

impl GateHandler for Gate {
    async fn enter(&mut self, reply: ReplyTo<u32>, _ctx: &mut Ctx<Self>) {
        self.waiting.push(reply);
    }

    async fn enter_with(
        &mut self,
        ticket: u32,
        reply: ReplyTo<Result<u32, String>>,
        _ctx: &mut Ctx<Self>,
    ) {
        if ticket > 100 {
            reply.send(Err(format!("ticket {ticket} is not valid")));
        } else {
            self.ticketed.push((ticket, reply));
        }
    }

    async fn waiting(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.waiting.len() + self.ticketed.len()
    }

    async fn delivered(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.delivered
    }

    async fn abandon(&mut self, _ctx: &mut Ctx<Self>) {
        self.waiting.clear();
        self.ticketed.clear();
    }

    async fn open(&mut self, _ctx: &mut Ctx<Self>) {
        self.opened += 1;
        for reply in self.waiting.drain(..) {
            self.delivered += usize::from(reply.send(self.opened));
        }
        for (ticket, reply) in self.ticketed.drain(..) {
            self.delivered += usize::from(reply.send(Ok(ticket + self.opened)));
        }
    }
}

async fn until_waiting(gate: &ServerRef<Gate>, n: usize) -> Result<(), CallError> {
    while gate.waiting().await? < n {
        tokio::task::yield_now().await;
    }
    Ok(())
}

#[tokio::test]
async fn deferred_calls_are_answered_when_the_gate_opens() -> Result<(), Box<dyn std::error::Error>>
{
    let gate = Gate::default().start().await?;
    let first = tokio::spawn({
        let gate = gate.clone();
        async move { gate.enter().await }
    });
    let second = tokio::spawn({
        let gate = gate.clone();
        async move { gate.enter_with(7).await }
    });
    until_waiting(&gate, 2).await?;
    // The server keeps handling calls while the replies are pending.
    assert_eq!(gate.delivered().await?, 0);
    assert!(!first.is_finished() && !second.is_finished());

    gate.open()?;
    assert_eq!(first.await??, 1);
    assert_eq!(second.await??, Ok(8));
    assert_eq!(gate.delivered().await?, 2);
    gate.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_deferred_handler_may_answer_at_once() -> Result<(), Box<dyn std::error::Error>> {
    let gate = Gate::default().start().await?;
    assert_eq!(
        gate.enter_with(101).await?,
        Err("ticket 101 is not valid".to_owned())
    );
    gate.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_dropped_reply_fails_the_call_with_no_reply() -> Result<(), Box<dyn std::error::Error>> {
    let gate = Gate::default().start().await?;
    let waiter = tokio::spawn({
        let gate = gate.clone();
        async move { gate.enter().await }
    });
    until_waiting(&gate, 1).await?;
    gate.abandon()?;
    assert!(matches!(waiter.await?, Err(CallError::NoReply { .. })));
    gate.stop().await?;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_deferred_variant_sent_as_a_cast_gets_a_detached_reply()
-> Result<(), Box<dyn std::error::Error>> {
    let gate = Gate::default().start().await?;
    // No caller waits: the handler receives a detached `ReplyTo`, whose send reaches nobody.
    gate.cast(GateMsg::Enter)?;
    gate.cast(GateMsg::EnterWith { ticket: 1 })?;
    assert_eq!(gate.waiting().await?, 2);
    gate.open()?;
    assert_eq!(gate.waiting().await?, 0);
    assert_eq!(gate.delivered().await?, 0);

    // A caller that gave up is not answered either.
    let hurried = gate.with_timeout(Duration::from_millis(10));
    assert!(matches!(
        hurried.enter().await,
        Err(CallError::Timeout { .. })
    ));
    gate.open()?;
    assert_eq!(gate.delivered().await?, 0);
    gate.stop().await?;
    Ok(())
}
