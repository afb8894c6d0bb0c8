//! `#[derive(Messages)]` + `#[gen_server]` on a plain protocol with unit, tuple and
//! struct variants (the shape of `tests/expand/basic.rs`): every generated client method
//! reaches its handler with its arguments and returns the handler's reply.

use std::collections::BTreeMap;

use noex_core::prelude::*;

/// A small key-value store's protocol.
#[derive(Debug, Messages)]
pub enum StoreMsg {
    /// Reads a key.
    #[call(reply = Option<String>)]
    Get { key: String },
    #[call(reply = Option<String>)]
    Put(String, String),
    #[call(reply = usize)]
    Len,
    #[call(reply = Vec<String>)]
    KeysWithPrefix { prefix: String, limit: usize },
    #[cast]
    Remove(String),
    #[cast]
    Clear,
}

#[gen_server(messages = StoreMsg)]
#[derive(Default)]
pub struct Store {
    map: BTreeMap<String, String>,
}

impl StoreHandler for Store {
    async fn get(&mut self, key: String, _ctx: &mut Ctx<Self>) -> Option<String> {
        self.map.get(&key).cloned()
    }

    async fn put(&mut self, key: String, value: String, _ctx: &mut Ctx<Self>) -> Option<String> {
        self.map.insert(key, value)
    }

    async fn len(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.map.len()
    }

    async fn keys_with_prefix(
        &mut self,
        prefix: String,
        limit: usize,
        _ctx: &mut Ctx<Self>,
    ) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .take(limit)
            .cloned()
            .collect()
    }

    async fn remove(&mut self, key: String, _ctx: &mut Ctx<Self>) {
        self.map.remove(&key);
    }

    async fn clear(&mut self, _ctx: &mut Ctx<Self>) {
        self.map.clear();
    }
}

#[tokio::test]
async fn every_generated_method_reaches_its_handler() -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::default().start().await?;
    assert_eq!(store.put("apple".into(), "1".into()).await?, None);
    assert_eq!(store.put("apricot".into(), "2".into()).await?, None);
    assert_eq!(store.put("banana".into(), "3".into()).await?, None);
    assert_eq!(
        store.put("apple".into(), "4".into()).await?,
        Some("1".into())
    );
    assert_eq!(store.get("apple".into()).await?, Some("4".into()));
    assert_eq!(store.get("cherry".into()).await?, None);
    assert_eq!(store.len().await?, 3);
    assert_eq!(
        store.keys_with_prefix("ap".into(), 10).await?,
        vec!["apple".to_owned(), "apricot".to_owned()]
    );
    assert_eq!(
        store.keys_with_prefix("ap".into(), 1).await?,
        vec!["apple".to_owned()]
    );

    // Casts return at once; the next call is queued behind them (per-sender FIFO).
    store.remove("apple".into())?;
    assert_eq!(store.len().await?, 2);
    assert_eq!(store.get("apple".into()).await?, None);
    store.clear()?;
    assert_eq!(store.len().await?, 0);

    store.stop().await?;
    assert!(!store.is_alive());
    Ok(())
}

#[tokio::test]
async fn a_cast_to_a_stopped_server_hands_the_message_back()
-> Result<(), Box<dyn std::error::Error>> {
    let store = Store::default().start().await?;
    store.stop().await?;
    match store.remove("gone".into()) {
        Err(CastError::NotRunning(StoreMsg::Remove(key))) => assert_eq!(key, "gone"),
        other => panic!("expected NotRunning with the message, got {other:?}"),
    }
    assert!(matches!(
        store.len().await,
        Err(CallError::NotRunning { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn a_whole_message_can_be_cast_and_variant_names_are_reported()
-> Result<(), Box<dyn std::error::Error>> {
    use noex_core::Messages as _;

    let store = Store::default().start().await?;
    // A call variant sent as a cast is handled; its reply is discarded.
    store.cast(StoreMsg::Put("k".into(), "v".into()))?;
    assert_eq!(store.get("k".into()).await?, Some("v".into()));

    assert_eq!(StoreMsg::Len.variant_name(), "Len");
    assert_eq!(
        StoreMsg::KeysWithPrefix {
            prefix: String::new(),
            limit: 0
        }
        .variant_name(),
        "KeysWithPrefix"
    );
    assert_eq!(StoreMsg::Remove(String::new()).variant_name(), "Remove");
    store.stop().await?;
    Ok(())
}
