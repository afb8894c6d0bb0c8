//! The macros' options and unusual inputs, each run for real: renamed handler and client,
//! the runtime through a re-export (`crate = ..`), `#[cfg]` on variants, `Self` in message
//! types, fields named like the generated code's locals, raw identifiers, an empty
//! protocol, const generics, an enum as the state, a state struct borrowing `'static`
//! data, `reply = ()`.

/// A crate that re-exports the runtime under another name, as a framework built on noex
/// would.
mod framework {
    pub use noex_core as runtime;
}

mod renamed {
    use crate::macro_options::framework::runtime::prelude::*;

    /// A protocol whose generated items are named explicitly, reaching the runtime through
    /// `crate::macro_options::framework::runtime`.
    #[derive(Debug, Messages)]
    #[messages(handler = Behaviour, client = Remote, crate = crate::macro_options::framework::runtime)]
    pub enum Protocol {
        /// `Self` here is the enum, in the handler and client too.
        #[call(reply = Vec<Self>)]
        Echo(
            /// Attributes on tuple fields are left alone.
            Box<Self>,
        ),
        #[cfg(any())]
        #[cast]
        CompiledOut(NotAType),
        #[cfg(test)]
        #[call(reply = &'static str)]
        CompiledIn,
        /// Fields named like the dispatch's locals, and a raw identifier.
        #[call(reply = u32)]
        Locals {
            __server: u8,
            __msg: u8,
            __reply: u8,
            __ctx: u8,
            __value: u8,
            __r: u8,
            __f0: u8,
            r#type: u8,
        },
        /// Answered with nothing: the caller only waits for it to be handled.
        #[call(reply = ())]
        Flush,
        #[cast]
        HTTPGet { url: String },
        /// What was fetched, and how many flushes.
        #[call(reply = (Vec<String>, u32))]
        Report,
    }

    #[gen_server(messages = Protocol, crate = crate::macro_options::framework::runtime)]
    #[derive(Default)]
    pub struct Server {
        pub fetched: Vec<String>,
        pub flushed: u32,
    }

    impl Behaviour for Server {
        async fn echo(&mut self, msg: Box<Protocol>, _ctx: &mut Ctx<Self>) -> Vec<Protocol> {
            vec![*msg, Protocol::Flush]
        }

        async fn compiled_in(&mut self, _ctx: &mut Ctx<Self>) -> &'static str {
            "in"
        }

        async fn locals(
            &mut self,
            server: u8,
            msg: u8,
            reply: u8,
            ctx_field: u8,
            value: u8,
            r: u8,
            f0: u8,
            ty: u8,
            _ctx: &mut Ctx<Self>,
        ) -> u32 {
            [server, msg, reply, ctx_field, value, r, f0, ty]
                .iter()
                .enumerate()
                .map(|(i, &v)| u32::from(v) * 10u32.pow(i as u32))
                .sum()
        }

        async fn flush(&mut self, _ctx: &mut Ctx<Self>) {
            self.flushed += 1;
        }

        async fn http_get(&mut self, url: String, _ctx: &mut Ctx<Self>) {
            self.fetched.push(url);
        }

        async fn report(&mut self, _ctx: &mut Ctx<Self>) -> (Vec<String>, u32) {
            (self.fetched.clone(), self.flushed)
        }
    }

    /// The client's name is the one asked for.
    pub fn client_of(server: &ServerRef<Server>) -> &Remote {
        server
    }
}

#[tokio::test]
async fn renamed_items_through_a_reexported_runtime() -> Result<(), Box<dyn std::error::Error>> {
    use framework::runtime::GenServer as _;
    use renamed::{Protocol, Server};

    let server = Server::default().start().await?;
    let echoed = server.echo(Box::new(Protocol::CompiledIn)).await?;
    assert!(matches!(
        echoed.as_slice(),
        [Protocol::CompiledIn, Protocol::Flush]
    ));
    assert_eq!(server.compiled_in().await?, "in");
    assert_eq!(
        server.locals(1, 2, 3, 4, 5, 6, 7, 8).await?,
        87_654_321,
        "each field reaches the parameter of its own name"
    );
    server.flush().await?;
    renamed::client_of(&server).http_get("http://a".into())?;
    server.http_get("http://b".into())?;
    server.flush().await?;
    assert_eq!(
        server.report().await?,
        (vec!["http://a".to_owned(), "http://b".to_owned()], 2)
    );
    server.stop().await?;
    Ok(())
}

mod edge {
    use noex_core::prelude::*;

    /// A server that takes no messages: only its lifecycle hooks run.
    #[derive(Debug, Messages)]
    pub enum QuietMsg {}

    #[gen_server(messages = QuietMsg)]
    pub struct Quiet {
        pub started: std::sync::Arc<std::sync::atomic::AtomicBool>,
    }

    impl QuietHandler for Quiet {
        async fn init(&mut self, _ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
            self.started
                .store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    /// A fixed-size window of samples: const generics on the enum and the state.
    #[derive(Debug, Messages)]
    pub enum WindowMsg<const N: usize> {
        #[call(reply = [u32; N])]
        Snapshot,
        #[cast]
        Push(u32),
    }

    #[gen_server(messages = WindowMsg<N>)]
    pub struct Window<const N: usize> {
        pub samples: [u32; N],
    }

    impl<const N: usize> WindowHandler<N> for Window<N> {
        async fn snapshot(&mut self, _ctx: &mut Ctx<Self>) -> [u32; N] {
            self.samples
        }

        async fn push(&mut self, sample: u32, _ctx: &mut Ctx<Self>) {
            self.samples.rotate_left(1);
            if let Some(last) = self.samples.last_mut() {
                *last = sample;
            }
        }
    }

    /// A switch's protocol.
    #[derive(Debug, Messages)]
    pub enum SwitchMsg {
        #[cast]
        Toggle,
        #[call(reply = bool)]
        IsOn,
    }

    /// An enum as the server's state.
    #[gen_server(messages = SwitchMsg)]
    pub enum Switch {
        On,
        Off,
    }

    impl SwitchHandler for Switch {
        async fn toggle(&mut self, _ctx: &mut Ctx<Self>) {
            *self = match self {
                Switch::On => Switch::Off,
                Switch::Off => Switch::On,
            };
        }

        async fn is_on(&mut self, _ctx: &mut Ctx<Self>) -> bool {
            matches!(self, Switch::On)
        }
    }

    /// The enum named just `Msg`: the handler is `MsgHandler`.
    #[derive(Debug, Messages)]
    pub enum Msg {
        #[call(reply = &'static str)]
        Name,
    }

    /// State that borrows `'static` data.
    #[gen_server(messages = Msg)]
    pub struct Greeter<'a> {
        pub name: &'a str,
    }

    impl MsgHandler for Greeter<'static> {
        async fn name(&mut self, _ctx: &mut Ctx<Self>) -> &'static str {
            self.name
        }
    }
}

#[tokio::test]
async fn an_empty_protocol_still_runs_its_hooks() -> Result<(), Box<dyn std::error::Error>> {
    use noex_core::GenServer as _;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let started = Arc::new(AtomicBool::new(false));
    let quiet = edge::Quiet {
        started: started.clone(),
    }
    .start()
    .await?;
    assert!(started.load(Ordering::SeqCst));
    quiet.stop().await?;
    Ok(())
}

#[tokio::test]
async fn const_generic_enum_and_borrowing_servers() -> Result<(), Box<dyn std::error::Error>> {
    use noex_core::GenServer as _;

    let window = edge::Window { samples: [0; 3] }.start().await?;
    for sample in [1, 2, 3, 4] {
        window.push(sample)?;
    }
    assert_eq!(window.snapshot().await?, [2, 3, 4]);
    window.stop().await?;

    let switch = edge::Switch::Off.start().await?;
    assert!(!switch.is_on().await?);
    switch.toggle()?;
    assert!(switch.is_on().await?);
    switch.toggle()?;
    assert!(!switch.is_on().await?);
    switch.stop().await?;

    let greeter = edge::Greeter { name: "noex" }.start().await?;
    assert_eq!(greeter.name().await?, "noex");
    greeter.stop().await?;
    Ok(())
}
