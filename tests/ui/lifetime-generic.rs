use noex_core::prelude::*;

#[derive(Messages)]
pub enum LogMsg<'a> {
    #[cast]
    Line(&'a str),
}

fn main() {}
