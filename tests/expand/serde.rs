//! Serde's derives and attributes next to ours, on the enum and its variants.

use noex_core::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Messages)]
#[serde(rename_all = "snake_case")]
pub enum JobMsg {
    #[serde(rename = "submit_job")]
    #[call(reply = u64)]
    Submit {
        name: String,
        #[serde(default)]
        priority: u8,
    },
    #[cast]
    Cancel(u64),
}

#[gen_server(messages = JobMsg)]
pub struct Jobs {
    next: u64,
}

fn main() {}
