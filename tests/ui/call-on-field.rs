use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[cast]
    Add {
        #[call(reply = u64)]
        by: u64,
    },
}

fn main() {}
