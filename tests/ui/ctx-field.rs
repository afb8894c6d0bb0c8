use noex_core::prelude::*;

#[derive(Messages)]
pub enum SessionMsg {
    #[call(reply = bool)]
    Login { user: String, ctx: String },
}

fn main() {}
