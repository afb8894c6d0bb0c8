//! A generic protocol served by a generic state struct (the shape of
//! `tests/expand/generics.rs`): `CacheHandler<K, V>`, `CacheClient<K, V>`, and one server
//! type per instantiation.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use noex_core::prelude::*;

/// A cache's protocol, generic over keys and values.
#[derive(Debug, Messages)]
pub enum CacheMsg<K, V>
where
    K: Eq + Hash,
{
    #[call(reply = Option<V>)]
    Get { key: K },
    #[call(reply = Option<V>)]
    Put { key: K, value: V },
    #[call(reply = usize)]
    Len,
    #[cast]
    Evict(K),
}

// The generated `impl GenServer` keeps these bounds; they must cover the handler impl's.
#[gen_server(messages = CacheMsg<K, V>)]
pub struct Cache<K, V>
where
    K: Eq + Hash,
    V: Clone,
{
    map: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    fn new() -> Self {
        Cache {
            map: HashMap::new(),
        }
    }
}

impl<K, V> CacheHandler<K, V> for Cache<K, V>
where
    K: Eq + Hash + Send + 'static,
    V: Clone + Send + 'static,
{
    async fn get(&mut self, key: K, _ctx: &mut Ctx<Self>) -> Option<V> {
        self.map.get(&key).cloned()
    }

    async fn put(&mut self, key: K, value: V, _ctx: &mut Ctx<Self>) -> Option<V> {
        self.map.insert(key, value)
    }

    async fn len(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.map.len()
    }

    async fn evict(&mut self, key: K, _ctx: &mut Ctx<Self>) {
        self.map.remove(&key);
    }
}

/// Generic code over any running cache: the client methods are usable through
/// `ServerRef<Cache<K, V>>` with the bounds the protocol states.
async fn fill<K, V>(cache: &ServerRef<Cache<K, V>>, entries: Vec<(K, V)>) -> Result<(), CallError>
where
    K: Eq + Hash + Send + 'static,
    V: Clone + Send + 'static,
{
    for (key, value) in entries {
        cache.put(key, value).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_generic_cache_serves_each_instantiation() -> Result<(), Box<dyn std::error::Error>> {
    let words = Cache::<String, usize>::new().start().await?;
    fill(&words, vec![("one".into(), 1), ("two".into(), 2)]).await?;
    assert_eq!(words.get("two".into()).await?, Some(2));
    assert_eq!(words.put("two".into(), 22).await?, Some(2));
    assert_eq!(words.get("two".into()).await?, Some(22));
    assert_eq!(words.get("three".into()).await?, None);
    words.evict("one".into())?;
    assert_eq!(words.len().await?, 1);

    let squares = Cache::<u32, Vec<u64>>::new().start().await?;
    fill(
        &squares,
        (1..=4).map(|n| (n, vec![u64::from(n * n)])).collect(),
    )
    .await?;
    assert_eq!(squares.get(3).await?, Some(vec![9]));
    assert_eq!(squares.len().await?, 4);
    squares.evict(3)?;
    assert_eq!(squares.get(3).await?, None);

    words.stop().await?;
    squares.stop().await?;
    Ok(())
}

fn assert_debug<T: Debug>(_: &T) {}

#[test]
fn the_enum_keeps_its_own_derives_and_bounds() {
    let msg: CacheMsg<String, u8> = CacheMsg::Put {
        key: "k".into(),
        value: 1,
    };
    assert_debug(&msg);
    assert_eq!(noex_core::Messages::variant_name(&msg), "Put");
}
