use noex_core::prelude::*;

#[derive(Messages)]
pub enum MachineMsg {
    #[call(reply = bool)]
    Init,
}

fn main() {}
