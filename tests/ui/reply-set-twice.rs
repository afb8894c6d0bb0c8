use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(reply = u64, reply = i64)]
    Get,
}

fn main() {}
