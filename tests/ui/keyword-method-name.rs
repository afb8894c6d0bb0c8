use noex_core::prelude::*;

#[derive(Messages)]
pub enum ParserMsg {
    #[call(reply = String)]
    Type,
}

fn main() {}
