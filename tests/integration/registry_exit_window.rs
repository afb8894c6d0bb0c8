//! A monitor added while a process is exiting must not hear of the exit before the
//! process's names are gone: no lookup may find a process a monitor was told is dead.

use std::sync::Mutex;
use std::sync::mpsc;

use noex_core::prelude::*;

#[derive(Debug, Messages)]
pub enum StickyMsg {
    #[call(reply = ())]
    Ping,
}

/// Its state blocks in `drop` until released: the process sits between `Exiting` and
/// the exit hooks.
#[gen_server(messages = StickyMsg)]
pub struct Sticky {
    entered: mpsc::Sender<()>,
    release: Mutex<mpsc::Receiver<()>>,
}

impl Drop for Sticky {
    fn drop(&mut self) {
        let _ = self.entered.send(());
        let _ = self.release.lock().unwrap().recv();
    }
}

impl StickyHandler for Sticky {
    async fn ping(&mut self, _ctx: &mut Ctx<Self>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_added_while_the_process_exits_never_finds_its_name() {
    let registry = Registry::new();
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let sticky = Sticky {
        entered: entered_tx,
        release: Mutex::new(release_rx),
    }
    .start_with(StartOptions::new().name_in(&registry, "sticky"))
    .await
    .unwrap();
    let stopping = tokio::spawn({
        let sticky = sticky.clone();
        async move { sticky.stop().await }
    });
    tokio::task::spawn_blocking(move || entered_rx.recv())
        .await
        .unwrap()
        .unwrap();
    // The process is exiting, its state is being dropped, its names not yet removed:
    // a monitor added now must wait for the names to go.
    let mut monitor = sticky.monitor();
    let early = tokio::time::timeout(std::time::Duration::from_millis(50), &mut monitor).await;
    assert!(
        early.is_err(),
        "the Down came while the name still resolved"
    );
    assert_eq!(
        registry.whereis_process("sticky").map(|p| p.pid()),
        Some(sticky.pid())
    );
    release_tx.send(()).unwrap();
    let down = monitor.await;
    // From the moment a monitor hears of the exit, no lookup finds the process.
    assert_eq!(registry.whereis_process("sticky").map(|p| p.pid()), None);
    assert_eq!(down.pid, sticky.pid());
    assert_eq!(down.reason, ExitReason::Normal);
    stopping.await.unwrap().unwrap();
}
