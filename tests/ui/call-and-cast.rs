use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(reply = u64)]
    #[cast]
    Reset,
}

fn main() {}
