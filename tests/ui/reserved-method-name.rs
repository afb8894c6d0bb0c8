use noex_core::prelude::*;

#[derive(Messages)]
pub enum MachineMsg {
    #[cast]
    Stop,
}

fn main() {}
