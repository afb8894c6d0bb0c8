use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;

use super::{Mailbox, PushError};

fn id(x: i32) -> i32 {
    x
}

#[tokio::test]
async fn delivers_in_push_order_across_batches() {
    let mb = Mailbox::new(None);
    let mut local = VecDeque::new();
    for i in 0..10 {
        assert!(mb.push(i).is_ok());
    }
    for i in 0..5 {
        assert_eq!(mb.recv(&mut local).await, Some(i));
    }
    for i in 10..15 {
        assert!(mb.push(i).is_ok());
    }
    let mut got = Vec::new();
    for _ in 0..10 {
        got.push(mb.recv(&mut local).await.unwrap_or(-1));
    }
    assert_eq!(got, (5..15).collect::<Vec<_>>());
}

#[tokio::test]
async fn closing_refuses_pushes_and_returns_the_rest() {
    let mb = Mailbox::new(None);
    assert!(mb.push(1).is_ok());
    assert!(mb.push(2).is_ok());
    let rest = mb.close();
    assert_eq!(rest, VecDeque::from([1, 2]));
    assert_eq!(mb.push(3), Err(3));
    let mut local = VecDeque::new();
    assert_eq!(mb.recv(&mut local).await, None);
}

#[tokio::test]
async fn bound_refuses_user_messages_but_not_system_ones() {
    let mb = Mailbox::new(NonZeroUsize::new(2));
    assert!(mb.try_push_user(1, id).is_ok());
    assert!(mb.try_push_user(2, id).is_ok());
    assert!(matches!(mb.try_push_user(3, id), Err(PushError::Full(3))));
    // System messages bypass the bound.
    assert!(mb.push(100).is_ok());
    let mut local = VecDeque::new();
    assert_eq!(mb.recv(&mut local).await, Some(1));
    mb.release_user_slot();
    assert!(mb.try_push_user(3, id).is_ok());
}

#[tokio::test]
async fn waiting_push_resumes_when_a_slot_frees() {
    let mb = Arc::new(Mailbox::new(NonZeroUsize::new(1)));
    assert!(mb.try_push_user(1, id).is_ok());
    let waiter = tokio::spawn({
        let mb = mb.clone();
        async move { mb.push_user_wait(2, id).await }
    });
    tokio::task::yield_now().await;
    assert!(!waiter.is_finished());
    let mut local = VecDeque::new();
    assert_eq!(mb.recv(&mut local).await, Some(1));
    mb.release_user_slot();
    assert_eq!(waiter.await.ok(), Some(Ok(())));
    assert_eq!(mb.recv(&mut local).await, Some(2));
}

#[tokio::test]
async fn waiting_push_fails_when_the_mailbox_closes() {
    let mb = Arc::new(Mailbox::new(NonZeroUsize::new(1)));
    assert!(mb.try_push_user(1, id).is_ok());
    let waiter = tokio::spawn({
        let mb = mb.clone();
        async move { mb.push_user_wait(2, id).await }
    });
    tokio::task::yield_now().await;
    drop(mb.close());
    assert_eq!(waiter.await.ok(), Some(Err(2)));
}

#[tokio::test]
async fn a_parked_receiver_is_woken_by_a_push() {
    let mb = Arc::new(Mailbox::<u32>::new(None));
    let rx = tokio::spawn({
        let mb = mb.clone();
        async move {
            let mut local = VecDeque::new();
            mb.recv(&mut local).await
        }
    });
    tokio::task::yield_now().await;
    assert!(mb.push(7).is_ok());
    assert_eq!(rx.await.ok(), Some(Some(7)));
}
