use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(reply = u64)]
    Get,
}

#[gen_server(messages = CounterMsg)]
pub struct Counter {
    value: u64,
}

fn main() {}
