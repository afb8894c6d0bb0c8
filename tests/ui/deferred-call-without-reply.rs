use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(deferred)]
    Get,
}

fn main() {}
