use noex_core::prelude::*;

#[derive(Messages)]
pub enum FetchMsg {
    #[call(reply = String)]
    HttpGet,
    #[call(reply = String)]
    HTTPGet,
}

fn main() {}
