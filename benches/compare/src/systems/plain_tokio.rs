//! The floor: a tokio task owning a `u64`, fed by an unbounded mpsc channel, replying
//! through a oneshot. No timeouts, no panic isolation, no monitors.

use tokio::sync::{mpsc, oneshot};

use crate::workloads::System;
use crate::{Result, fail};

/// The task's commands.
pub(crate) enum Cmd {
    Get(oneshot::Sender<u64>),
    Bump(oneshot::Sender<u64>),
    Incr,
}

/// Plain tokio on a 2-worker runtime, or on a current-thread one if `ONE_THREAD`.
pub(crate) struct PlainTokio<const ONE_THREAD: bool = false>;

async fn ask(
    server: &mpsc::UnboundedSender<Cmd>,
    cmd: impl FnOnce(oneshot::Sender<u64>) -> Cmd,
) -> Result<u64> {
    let (tx, rx) = oneshot::channel();
    server
        .send(cmd(tx))
        .map_err(|_| fail("tokio: the server task is gone"))?;
    rx.await
        .map_err(|_| fail("tokio: the server task dropped the reply"))
}

impl<const ONE_THREAD: bool> System for PlainTokio<ONE_THREAD> {
    type Server = mpsc::UnboundedSender<Cmd>;
    const ONE_THREAD: bool = ONE_THREAD;

    async fn start() -> Result<Self::Server> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut value = 0u64;
            while let Some(cmd) = rx.recv().await {
                match cmd {
                    Cmd::Get(reply) => {
                        let _ = reply.send(value);
                    }
                    Cmd::Bump(reply) => {
                        value += 1;
                        let _ = reply.send(value);
                    }
                    Cmd::Incr => value += 1,
                }
            }
        });
        Ok(tx)
    }

    async fn bump(server: &Self::Server) -> Result<u64> {
        ask(server, Cmd::Bump).await
    }

    async fn get(server: &Self::Server) -> Result<u64> {
        ask(server, Cmd::Get).await
    }

    async fn incr(server: &Self::Server) -> Result<()> {
        server
            .send(Cmd::Incr)
            .map_err(|_| fail("tokio: the server task is gone"))
    }
}
