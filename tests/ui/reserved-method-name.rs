// The variant's methods are still generated (they would only be shadowed), so the
// handler impl below compiles and the only error is the one about the name.
use noex_core::prelude::*;

#[derive(Messages)]
pub enum MachineMsg {
    #[cast]
    Stop,
}

#[gen_server(messages = MachineMsg)]
pub struct Machine {
    running: bool,
}

impl MachineHandler for Machine {
    async fn stop(&mut self, _ctx: &mut Ctx<Self>) {
        self.running = false;
    }
}

fn main() {}
