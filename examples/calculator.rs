//! The calculator from the guide's `call()` section: requests answered with a value, and
//! the server keeps a history of what it computed.
//!
//! Run with `cargo run --example calculator`.

use noex_core::prelude::*;

/// The calculator's protocol: every request is a call answered with a result.
#[derive(Debug, Messages)]
pub enum CalcMsg {
    /// `a + b`.
    #[call(reply = f64)]
    Add { a: f64, b: f64 },
    /// `a * b`.
    #[call(reply = f64)]
    Multiply { a: f64, b: f64 },
    /// `a / b`; dividing by zero is an application error, returned to the caller.
    #[call(reply = Result<f64, String>)]
    Divide { a: f64, b: f64 },
    /// Everything computed so far.
    #[call(reply = Vec<String>)]
    History,
}

/// The calculator's state: its history.
#[gen_server(messages = CalcMsg)]
#[derive(Default)]
pub struct Calculator {
    history: Vec<String>,
}

impl CalcHandler for Calculator {
    async fn add(&mut self, a: f64, b: f64, _ctx: &mut Ctx<Self>) -> f64 {
        let result = a + b;
        self.history.push(format!("{a} + {b} = {result}"));
        result
    }

    async fn multiply(&mut self, a: f64, b: f64, _ctx: &mut Ctx<Self>) -> f64 {
        let result = a * b;
        self.history.push(format!("{a} * {b} = {result}"));
        result
    }

    async fn divide(&mut self, a: f64, b: f64, _ctx: &mut Ctx<Self>) -> Result<f64, String> {
        if b == 0.0 {
            return Err(format!("cannot divide {a} by zero"));
        }
        let result = a / b;
        self.history.push(format!("{a} / {b} = {result}"));
        Ok(result)
    }

    async fn history(&mut self, _ctx: &mut Ctx<Self>) -> Vec<String> {
        self.history.clone()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calc = Calculator::default().start().await?;

    let sum = calc.add(5.0, 3.0).await?;
    println!("add(5, 3)       = {sum}");
    let product = calc.multiply(4.0, 7.0).await?;
    println!("multiply(4, 7)  = {product}");

    // An application error is a reply value: the caller gets it, the server goes on.
    match calc.divide(1.0, 0.0).await? {
        Ok(q) => println!("divide(1, 0)    = {q}"),
        Err(e) => println!("divide(1, 0)    -> error: {e}"),
    }
    let quotient = calc.divide(9.0, 3.0).await??;
    println!("divide(9, 3)    = {quotient}");

    let history = calc.history().await?;
    println!("history         = {history:?}");
    assert_eq!(history, ["5 + 3 = 8", "4 * 7 = 28", "9 / 3 = 3"]);

    calc.stop().await?;
    Ok(())
}
