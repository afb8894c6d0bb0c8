use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[cast]
    Reset,
}

#[gen_server(messages = CounterMsg, mailbox = 16)]
pub struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn reset(&mut self, _ctx: &mut Ctx<Self>) {
        self.value = 0;
    }
}

fn main() {}
