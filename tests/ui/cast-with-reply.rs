use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[cast(reply = u64)]
    Reset,
}

fn main() {}
