use noex_core::prelude::*;

#[gen_server]
pub struct Counter {
    value: u64,
}

fn main() {}
