use noex_core::prelude::*;

#[derive(Messages)]
pub enum CounterMsg {
    #[call(reply = u64)]
    Get,
}

#[gen_server(messages = CounterMsg)]
pub struct Counter {
    value: u64,
}

impl CounterHandler for Counter {
    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> String {
        self.value.to_string()
    }
}

fn main() {}
