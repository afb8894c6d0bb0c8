use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(reply = u64)]
    Get,
    #[cast]
    Reset,
}

#[gen_server(messages = CounterMsg)]
pub struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> u64 {
        self.value
    }
}

fn main() {}
