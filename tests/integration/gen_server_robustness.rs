//! Regressions found by review: timeouts that fire late or never, kills that wait, reply
//! handles dropped in panics outside the server, calls from outside any runtime.

use std::sync::Arc;
use std::task::{Context, Poll, Wake};
use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Shutdown, Strategy, Supervisor};

/// Holds deferred replies forever, or hands one to a task that panics.
#[derive(Debug, Messages)]
pub enum HoldMsg {
    #[call(reply = u32)]
    Ping,
    #[call(reply = u32, deferred)]
    Hang,
    #[call(reply = u32, deferred)]
    Offload,
    /// How many replies it holds.
    #[call(reply = usize)]
    Held,
}

#[gen_server(messages = HoldMsg)]
#[derive(Default)]
pub struct Hold {
    held: Vec<ReplyTo<u32>>,
    slow_init: Option<Duration>,
}

impl HoldHandler for Hold {
    async fn init(&mut self, _ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        if let Some(d) = self.slow_init {
            tokio::time::sleep(d).await;
        }
        Ok(())
    }

    async fn ping(&mut self, _ctx: &mut Ctx<Self>) -> u32 {
        1
    }

    async fn hang(&mut self, reply: ReplyTo<u32>, _ctx: &mut Ctx<Self>) {
        self.held.push(reply);
    }

    async fn held(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.held.len()
    }

    async fn offload(&mut self, reply: ReplyTo<u32>, _ctx: &mut Ctx<Self>) {
        tokio::spawn(async move {
            let _reply = reply;
            panic!("the worker holding the reply failed");
        });
    }
}

#[tokio::test(start_paused = true)]
async fn a_covered_call_is_not_timed_out_late_by_later_calls() {
    // A's ping leaves a wake-up at t = 5 s; A's next call (deadline 5.1 s) relies on it,
    // then B queues a later deadline. A must still time out at exactly 5 s after it began.
    let server = Hold::default().start().await.unwrap();
    let a = tokio::spawn({
        let server = server.clone();
        async move {
            server.ping().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let started = tokio::time::Instant::now();
            let outcome = server.hang().await;
            (outcome, started.elapsed())
        }
    });
    let b = tokio::spawn({
        let server = server.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(4_900)).await;
            server.hang().await
        }
    });
    let (outcome, waited) = a.await.unwrap();
    assert!(matches!(outcome, Err(CallError::Timeout { .. })));
    assert_eq!(waited, Duration::from_secs(5));
    assert!(matches!(b.await.unwrap(), Err(CallError::Timeout { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_dropped_in_a_panicking_task_is_no_reply_not_a_timeout() {
    let server = Hold::default().start().await.unwrap();
    let outcome = server.with_timeout(Duration::from_secs(30)).offload().await;
    assert_eq!(outcome, Err(CallError::NoReply { pid: server.pid() }));
    assert!(server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_kill_during_init_ends_it_at_once() {
    let registry = Registry::new();
    let starter = tokio::spawn({
        let registry = registry.clone();
        Hold {
            slow_init: Some(Duration::from_secs(30)),
            ..Hold::default()
        }
        .start_with(
            StartOptions::new()
                .name_in(&registry, "slow")
                .init_timeout(Duration::from_secs(60)),
        )
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let process = registry.lookup_process("slow").unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(process.kill().await, ExitReason::Killed);
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "kill did not wait for init"
    );
    assert_eq!(
        starter.await.unwrap().unwrap_err(),
        StartError::Init(ExitReason::Killed)
    );
    assert!(!registry.is_registered("slow"));
}

#[test]
fn calls_time_out_on_either_of_two_runtimes_sharing_a_thread() {
    let rt1 = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let rt2 = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for rt in [&rt1, &rt2] {
        rt.block_on(async {
            let server = Hold::default().start().await.unwrap();
            let outcome = tokio::time::timeout(
                Duration::from_secs(5),
                server.with_timeout(Duration::from_millis(50)).hang(),
            )
            .await;
            assert!(
                matches!(outcome, Ok(Err(CallError::Timeout { .. }))),
                "{outcome:?}"
            );
        });
    }
}

/// Polls a future on the current thread with no tokio runtime, parking between polls.
fn block_on_plain<F: Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

#[test]
fn calls_from_outside_any_runtime_time_out_and_see_exits() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(Hold::default().start()).unwrap();

    let caller = server.clone();
    let timed_out = std::thread::spawn(move || {
        block_on_plain(caller.with_timeout(Duration::from_millis(50)).hang())
    });
    assert!(matches!(
        timed_out.join().unwrap(),
        Err(CallError::Timeout { .. })
    ));

    let caller = server.clone();
    let waiting = std::thread::spawn(move || block_on_plain(caller.hang()));
    // Wait until the server holds the call, so the stop finds it pending.
    while runtime.block_on(server.held()).unwrap() < 2 {
        std::thread::yield_now();
    }
    runtime.block_on(server.stop()).unwrap();
    assert_eq!(
        waiting.join().unwrap(),
        Err(CallError::Exited {
            pid: server.pid(),
            reason: ExitReason::Normal
        })
    );
}

#[tokio::test]
async fn a_shutdown_timeout_of_duration_max_is_accepted() {
    let sup = Supervisor::new(Strategy::OneForOne)
        .child(
            ChildSpec::new("w", || Hold::default().start())
                .shutdown(Shutdown::Timeout(Duration::MAX)),
        )
        .start()
        .await
        .unwrap();
    sup.terminate_child("w").await.unwrap();
    assert!(sup.is_alive());
    sup.stop().await.unwrap();
}
