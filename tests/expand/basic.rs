//! Unit, tuple and struct variants; calls and casts; documented and undocumented variants.

use noex_core::prelude::*;

#[derive(Messages)]
pub enum KvMsg {
    /// Reads a key.
    #[call(reply = Option<String>)]
    Get { key: String },
    #[call(reply = Option<String>)]
    Put(String, String),
    #[call(reply = usize)]
    Len,
    #[cast]
    Clear,
}

#[gen_server(messages = KvMsg)]
pub struct Kv {
    map: std::collections::HashMap<String, String>,
}

fn main() {}
