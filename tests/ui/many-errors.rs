// Every mistake in the enum is reported in one compile, each at its own tokens.
use noex_core::prelude::*;

#[derive(Messages)]
pub enum ShopMsg {
    #[call]
    Price {
        item: String,
    },
    #[cast(reply = bool)]
    Restock {
        item: String,
        count: u32,
    },
    Checkout,
    #[call(reply = u32, retries = 3)]
    Stock {
        ctx: String,
    },
    #[cast]
    Kill,
}

fn main() {}
