use noex_core::prelude::*;

#[derive(Messages)]
#[messages(handler = CounterBehaviour, server = Counter)]
pub enum CounterMsg {
    #[cast]
    Reset,
}

fn main() {}
