use noex_core::prelude::*;

#[derive(Messages)]
pub enum TimerMsg {
    #[call(reply = u64, timeout = 5)]
    Elapsed,
}

fn main() {}
