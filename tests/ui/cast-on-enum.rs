use noex_core::prelude::*;

#[derive(Messages)]
#[cast]
pub enum CounterMsg {
    #[cast]
    Reset,
}

fn main() {}
