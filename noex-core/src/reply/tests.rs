use std::time::Duration;

use tokio::time::Instant;

use super::{Lost, ReplyTo, channel};

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

#[tokio::test]
async fn a_sent_value_reaches_the_caller() {
    let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
    assert!(!tx.is_closed());
    assert!(tx.send(7));
    assert_eq!(rx.await, Ok(7));
}

#[tokio::test]
async fn the_caller_waits_for_a_later_send() {
    let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
    let sender = tokio::spawn(async move {
        tokio::task::yield_now().await;
        tx.send(9)
    });
    assert_eq!(rx.await, Ok(9));
    assert!(sender.await.unwrap_or(false));
}

#[tokio::test]
async fn dropping_the_handle_unanswered_is_reported() {
    let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
    drop(tx);
    assert_eq!(rx.await, Err(Lost::Unanswered));
}

#[tokio::test]
async fn a_handle_dropped_while_its_server_crashes_is_abandoned() {
    let server = crate::Pid::next();
    let (tx, rx) = channel::<u32>(far(), server);
    let crashed = crate::runtime::handler(server, async move {
        let _tx = tx;
        panic!("handler crashed");
    })
    .await;
    assert!(crashed.is_err());
    assert_eq!(rx.await, Err(Lost::Abandoned));
}

#[tokio::test]
async fn a_handle_dropped_in_a_panic_elsewhere_is_unanswered() {
    let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _tx = tx;
        panic!("a task holding the handle crashed");
    }));
    assert_eq!(rx.await, Err(Lost::Unanswered));
}

#[tokio::test]
async fn sending_after_the_caller_left_returns_false() {
    let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
    drop(rx);
    assert!(tx.is_closed());
    assert!(!tx.send(1));
}

#[tokio::test]
async fn a_detached_handle_is_closed_and_sends_nowhere() {
    let tx = ReplyTo::<u32>::detached();
    assert!(tx.is_closed());
    assert!(!tx.send(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_receive_race_across_threads_without_loss() {
    for i in 0..5_000u32 {
        let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
        let sender = tokio::spawn(async move { tx.send(i) });
        let receiver = tokio::spawn(rx);
        assert_eq!(receiver.await.ok(), Some(Ok(i)));
        assert_eq!(sender.await.ok(), Some(true));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_settler_wins_a_race_between_send_and_expiry() {
    let mut sent = 0;
    let mut expired = 0;
    for i in 0..5_000u32 {
        let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
        let slot = rx.slot.clone();
        let sender = tokio::spawn(async move { tx.send(i) });
        let expirer = std::thread::spawn(move || slot.expire());
        let outcome = rx.await;
        let delivered = sender.await.unwrap_or(false);
        let _ = expirer.join();
        match outcome {
            Ok(v) => {
                assert_eq!(v, i);
                assert!(delivered, "the value arrived, so send must report success");
                sent += 1;
            }
            Err(Lost::TimedOut) => {
                assert!(
                    !delivered,
                    "the call timed out, so send must report failure"
                );
                expired += 1;
            }
            Err(other) => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(sent + expired, 5_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropped_mid_wait_makes_send_fail() {
    for _ in 0..2_000 {
        let (tx, rx) = channel::<u32>(far(), crate::Pid::next());
        let waiting = tokio::spawn(rx);
        tokio::task::yield_now().await;
        waiting.abort();
        let _ = waiting.await;
        assert!(tx.is_closed());
        assert!(!tx.send(1));
    }
}
