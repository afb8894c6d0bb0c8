//! The counter from the README: declare a protocol, a state and its handlers, then start
//! the server and talk to it through the generated typed client.
//!
//! Run with `cargo run --example quickstart`.

use noex_core::prelude::*;

/// The protocol: `#[call(reply = T)]` is a request answered with a `T`,
/// `#[cast]` is fire-and-forget. Field names become parameter names.
#[derive(Debug, Messages)]
pub enum CounterMsg {
    /// The current value.
    #[call(reply = i64)]
    Get,
    /// Adds `by` and returns the new value.
    #[call(reply = i64)]
    Add { by: i64 },
    /// Back to zero.
    #[cast]
    Reset,
}

/// The state.
#[gen_server(messages = CounterMsg)]
#[derive(Default)]
pub struct Counter {
    value: i64,
}

/// The behaviour: one method per variant, typed by the enum.
impl CounterHandler for Counter {
    async fn get(&mut self, _ctx: &mut Ctx<Self>) -> i64 {
        self.value
    }

    async fn add(&mut self, by: i64, _ctx: &mut Ctx<Self>) -> i64 {
        self.value += by;
        self.value
    }

    async fn reset(&mut self, _ctx: &mut Ctx<Self>) {
        self.value = 0;
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Ctx<Self>) {
        println!(
            "counter {} terminating ({reason}) at value {}",
            ctx.pid(),
            self.value
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let counter = Counter::default().start().await?;
    println!("started counter {}", counter.pid());

    let value = counter.add(5).await?;
    println!("add(5)  -> {value}");
    assert_eq!(value, 5);

    counter.reset()?;
    println!("reset() -> cast sent");

    let value = counter.get().await?;
    println!("get()   -> {value}");
    assert_eq!(value, 0);

    counter.stop().await?;
    println!("stopped; alive = {}", counter.is_alive());
    assert!(!counter.is_alive());

    // A call to a stopped server is an error, never a hang.
    let err = counter.get().await.unwrap_err();
    println!("get() after stop -> error: {err}");
    Ok(())
}
