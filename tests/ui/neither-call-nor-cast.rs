use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(reply = u64)]
    Get,
    Reset,
}

fn main() {}
