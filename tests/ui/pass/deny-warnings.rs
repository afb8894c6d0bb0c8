//! A binary that declares a whole protocol but calls none of it, under
//! `#![deny(warnings)]`: the generated client, reply slots and docs raise no lint (no
//! dead code, no missing docs, no naming complaints). The enum's variants have no docs
//! (allowed on the enum only): the generated methods get docs of their own.
#![deny(warnings, missing_docs, unreachable_pub)]

use noex_core::prelude::*;

/// A thermostat's protocol.
#[allow(missing_docs)]
#[derive(Debug, Messages)]
pub enum ThermostatMsg {
    #[call(reply = f64)]
    CurrentTemperature,
    #[call(reply = Result<(), String>)]
    SetTarget { celsius: f64 },
    #[call(reply = bool, deferred)]
    WaitUntilReached,
    #[cast]
    HTTPPoll(String, u16),
}

/// The state.
#[gen_server(messages = ThermostatMsg)]
#[derive(Default)]
pub struct Thermostat {
    target: f64,
}

impl ThermostatHandler for Thermostat {
    async fn current_temperature(&mut self, _ctx: &mut Ctx<Self>) -> f64 {
        self.target
    }

    async fn set_target(&mut self, celsius: f64, _ctx: &mut Ctx<Self>) -> Result<(), String> {
        self.target = celsius;
        Ok(())
    }

    async fn wait_until_reached(&mut self, reply: ReplyTo<bool>, _ctx: &mut Ctx<Self>) {
        reply.send(true);
    }

    async fn http_poll(&mut self, _host: String, _port: u16, _ctx: &mut Ctx<Self>) {}
}

fn main() {
    let _ = Thermostat::default();
}
