use noex_core::prelude::*;

#[derive(Messages)]
pub enum MailMsg {
    #[call(reply = bool, deferred)]
    Send { to: String, reply: String },
}

fn main() {}
