use noex_core::prelude::*;

#[derive(Messages)]
pub struct CounterMsg {
    by: u64,
}

fn main() {}
