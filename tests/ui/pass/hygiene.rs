//! The expansion names everything by absolute path (`::noex_core::__private::..`,
//! `::core::..`), so local items named like the runtime, like `core` or like prelude
//! items change nothing, and `unused_qualifications` finds nothing to complain about.
//!
//! (`#![no_implicit_prelude]` is not supported: it also removes the tool prelude, so the
//! generated `#[diagnostic::on_unimplemented]` cannot resolve.)
#![deny(unused_qualifications, missing_docs, warnings)]

/// Shadows `core` for relative paths; the expansion says `::core`.
mod core {}

/// Shadows the runtime's name for relative paths; the expansion says `::noex_core`.
mod noex_core {}

/// A server declared next to local items named like everything the expansion uses.
pub mod server {
    #![allow(dead_code, non_camel_case_types)]

    use ::noex_core::prelude::{Ctx, Messages, ReplyTo, gen_server};

    struct Option;
    struct Result;
    struct Some;
    struct Ok;
    struct Send;
    struct Future;
    struct Box;
    struct str;
    struct String;
    struct GenServer;
    struct Dispatch;
    struct Client;
    struct RawRef;
    struct CallError;
    struct CastError;
    struct ExitReason;
    struct Down;
    struct BoxError;
    mod __private {}
    mod noex_core {}
    mod core {}

    /// The protocol.
    #[derive(Messages)]
    pub enum EchoMsg {
        /// Echoes its text.
        #[call(reply = ::std::string::String)]
        Echo {
            /// What to echo.
            text: ::std::string::String,
        },
        /// Answers with the count, later.
        #[call(reply = u32, deferred)]
        Count,
        /// Adds to the count.
        #[cast]
        Bump(u32),
    }

    /// The state.
    #[gen_server(messages = EchoMsg)]
    pub struct Echo {
        /// Bumps so far.
        pub count: u32,
    }

    impl EchoHandler for Echo {
        async fn echo(
            &mut self,
            text: ::std::string::String,
            _ctx: &mut Ctx<Self>,
        ) -> ::std::string::String {
            text
        }

        async fn count(&mut self, reply: ReplyTo<u32>, _ctx: &mut Ctx<Self>) {
            reply.send(self.count);
        }

        async fn bump(&mut self, by: u32, _ctx: &mut Ctx<Self>) {
            self.count += by;
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    use ::noex_core::prelude::GenServer as _;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let echo = server::Echo { count: 0 }.start().await?;
        assert_eq!(echo.echo("hi".into()).await?, "hi");
        echo.bump(2)?;
        echo.bump(3)?;
        assert_eq!(echo.count().await?, 5);
        echo.stop().await?;
        Ok(())
    })
}
