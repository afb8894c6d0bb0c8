use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call]
    Get,
}

fn main() {}
