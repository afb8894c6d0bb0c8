use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[cast]
    Reset,
}

#[gen_server(messages = CounterMsg)]
fn counter() {}

fn main() {}
