//! A generic protocol with bounds and a where clause, served by a generic state struct.

use std::collections::HashMap;
use std::hash::Hash;

use noex_core::prelude::*;

#[derive(Messages)]
pub enum CacheMsg<K, V>
where
    K: Eq + Hash,
{
    #[call(reply = Option<V>)]
    Get { key: K },
    #[call(reply = Option<V>)]
    Put { key: K, value: V },
    #[cast]
    Evict(K),
}

#[gen_server(messages = CacheMsg<K, V>)]
pub struct Cache<K, V>
where
    K: Eq + Hash,
{
    map: HashMap<K, V>,
}

fn main() {}
