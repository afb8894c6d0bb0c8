//! The seeds' request-response pipeline: parse → validate → enrich → store, each stage a
//! server with its own state, all supervised (one_for_one) and found by name.
//!
//! The orchestrator answers each request with a deferred reply from a task of its own,
//! so it never waits for a stage and requests move through the stages concurrently. A
//! request that crashes the parser fails (as would requests queued at the parser at that
//! moment: as in OTP, a crashed process's mailbox is lost); the supervisor restarts the
//! parser, and the next request finds the new one under the same name.
//!
//! Run with `cargo run --example request_pipeline`.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::time::Duration;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorEvent};

type Fields = BTreeMap<String, String>;

#[derive(Clone, Debug)]
pub struct Validated {
    user_id: String,
    action: String,
    fields: Fields,
}

#[derive(Clone, Debug)]
pub struct User {
    id: String,
    name: String,
    email: String,
}

#[derive(Clone, Debug)]
pub struct Enriched {
    request: Validated,
    user: User,
}

// ---- stage 1: parser -------------------------------------------------------------------

/// Turns a `key=value&key=value` body into fields.
#[derive(Debug, Messages)]
pub enum ParserMsg {
    #[call(reply = Result<Fields, String>)]
    Parse { body: String },
}

#[gen_server(messages = ParserMsg)]
#[derive(Default)]
pub struct Parser {
    parsed: u64,
}

impl ParserHandler for Parser {
    async fn parse(&mut self, body: String, _ctx: &mut Ctx<Self>) -> Result<Fields, String> {
        if body == "\u{0}" {
            panic!("the parser choked on a NUL body");
        }
        let mut fields = Fields::new();
        for pair in body.split('&') {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("invalid body: {pair:?} is not key=value"))?;
            fields.insert(key.to_string(), value.to_string());
        }
        self.parsed += 1;
        Ok(fields)
    }
}

// ---- stage 2: validator ----------------------------------------------------------------

#[derive(Debug, Messages)]
pub enum ValidatorMsg {
    #[call(reply = Result<Validated, String>)]
    Validate { fields: Fields },
}

#[gen_server(messages = ValidatorMsg)]
#[derive(Default)]
pub struct Validator {
    valid: u64,
    invalid: u64,
}

impl ValidatorHandler for Validator {
    async fn validate(
        &mut self,
        mut fields: Fields,
        _ctx: &mut Ctx<Self>,
    ) -> Result<Validated, String> {
        let (Some(user_id), Some(action)) = (fields.remove("userId"), fields.remove("action"))
        else {
            self.invalid += 1;
            return Err("missing userId or action".into());
        };
        if user_id.is_empty() {
            self.invalid += 1;
            return Err("empty userId".into());
        }
        self.valid += 1;
        Ok(Validated {
            user_id,
            action,
            fields,
        })
    }
}

// ---- stage 3: enricher (with a cache in front of a slow lookup) --------------------------

#[derive(Debug, Messages)]
pub enum EnricherMsg {
    #[call(reply = Enriched)]
    Enrich { request: Validated },
}

#[gen_server(messages = EnricherMsg)]
#[derive(Default)]
pub struct Enricher {
    users: HashMap<String, User>,
}

impl EnricherHandler for Enricher {
    async fn enrich(&mut self, request: Validated, _ctx: &mut Ctx<Self>) -> Enriched {
        let id = request.user_id.clone();
        let user = match self.users.get(&id) {
            Some(user) => user.clone(),
            None => {
                tokio::time::sleep(Duration::from_millis(10)).await; // the "database"
                let user = User {
                    name: format!("User {id}"),
                    email: format!("{id}@example.com"),
                    id: id.clone(),
                };
                self.users.insert(id, user.clone());
                user
            }
        };
        Enriched { request, user }
    }
}

// ---- stage 4: store ----------------------------------------------------------------------

#[derive(Debug, Messages)]
pub enum StoreMsg {
    #[call(reply = String)]
    Store { record: Enriched },
    #[call(reply = usize)]
    Count,
}

#[gen_server(messages = StoreMsg)]
#[derive(Default)]
pub struct Store {
    records: BTreeMap<String, Enriched>,
    next_id: u64,
}

impl StoreHandler for Store {
    async fn store(&mut self, record: Enriched, _ctx: &mut Ctx<Self>) -> String {
        self.next_id += 1;
        let id = format!("record-{}", self.next_id);
        let summary = format!(
            "{id}: {} by {} <{}> ({}), fields {:?}",
            record.request.action,
            record.user.name,
            record.user.email,
            record.user.id,
            record.request.fields
        );
        self.records.insert(id, record);
        summary
    }

    async fn count(&mut self, _ctx: &mut Ctx<Self>) -> usize {
        self.records.len()
    }
}

// ---- the orchestrator --------------------------------------------------------------------

#[derive(Debug, Messages)]
pub enum PipelineMsg {
    /// Runs a body through every stage; answers with the stored record's summary.
    #[call(reply = Result<String, String>, deferred)]
    Process { body: String },
    /// A request finished.
    #[cast]
    Finished { ok: bool },
    /// `(processed, failed)`.
    #[call(reply = (u64, u64))]
    Stats,
}

#[gen_server(messages = PipelineMsg)]
pub struct Pipeline {
    registry: Registry,
    processed: u64,
    failed: u64,
}

/// Every stage in turn, each looked up by name (so restarted stages are found).
async fn run_stages(registry: &Registry, body: String) -> Result<String, Box<dyn Error>> {
    let fields = registry
        .lookup::<Parser>("pipeline-parser")?
        .parse(body)
        .await??;
    let request = registry
        .lookup::<Validator>("pipeline-validator")?
        .validate(fields)
        .await??;
    let record = registry
        .lookup::<Enricher>("pipeline-enricher")?
        .enrich(request)
        .await?;
    Ok(registry
        .lookup::<Store>("pipeline-store")?
        .store(record)
        .await?)
}

impl PipelineHandler for Pipeline {
    async fn process(
        &mut self,
        body: String,
        reply: ReplyTo<Result<String, String>>,
        ctx: &mut Ctx<Self>,
    ) {
        let registry = self.registry.clone();
        let me = ctx.this();
        tokio::spawn(async move {
            let result = run_stages(&registry, body).await.map_err(|e| e.to_string());
            let _ = me.finished(result.is_ok());
            reply.send(result);
        });
    }

    async fn finished(&mut self, ok: bool, _ctx: &mut Ctx<Self>) {
        if ok {
            self.processed += 1;
        } else {
            self.failed += 1;
        }
    }

    async fn stats(&mut self, _ctx: &mut Ctx<Self>) -> (u64, u64) {
        (self.processed, self.failed)
    }
}

fn stage<S, F>(registry: &Registry, name: &'static str, make: F) -> ChildSpec
where
    S: GenServer,
    F: Fn() -> S + Send + Sync + 'static,
{
    let registry = registry.clone();
    ChildSpec::new(name, move || {
        make().start_with(StartOptions::new().name_in(&registry, name))
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // A job below panics on purpose: print that panic in one line, without a backtrace.
    std::panic::set_hook(Box::new(|info| eprintln!("  (panic: {info})")));
    let registry = Registry::new();
    let reg = registry.clone();
    let supervisor = Supervisor::new(Strategy::OneForOne)
        .child(stage(&registry, "pipeline-parser", Parser::default))
        .child(stage(&registry, "pipeline-validator", Validator::default))
        .child(stage(&registry, "pipeline-enricher", Enricher::default))
        .child(stage(&registry, "pipeline-store", Store::default))
        .child(stage(&registry, "pipeline", move || Pipeline {
            registry: reg.clone(),
            processed: 0,
            failed: 0,
        }))
        .start()
        .await?;
    let mut events = supervisor.subscribe().await?;
    println!("pipeline started: {:?}", registry.names());

    let bodies = [
        "userId=u123&action=create&title=Hello",
        "userId=u456&action=update&title=Again",
        "this is not a form body",
        "action=create&title=no user",
        "userId=u123&action=delete&title=Bye",
    ];
    let pipeline = registry.lookup::<Pipeline>("pipeline")?;
    // All at once: they flow through the stages concurrently.
    let requests: Vec<_> = bodies
        .iter()
        .map(|body| {
            let pipeline = pipeline.clone();
            let body = body.to_string();
            tokio::spawn(async move { pipeline.process(body).await })
        })
        .collect();
    for (body, request) in bodies.iter().zip(requests) {
        match request.await?? {
            Ok(summary) => println!("{body:?} -> stored {summary}"),
            Err(e) => println!("{body:?} -> failed: {e}"),
        }
    }

    // This one crashes the parser.
    let crashed = pipeline.process("\u{0}".into()).await?;
    println!("a NUL body -> {crashed:?}");
    while let Ok(event) = events.recv().await {
        let restarted = matches!(event, SupervisorEvent::ChildRestarted { .. });
        println!("supervisor: {event:?}");
        if restarted {
            break;
        }
    }
    while let Ok(event) = events.try_recv() {
        println!("supervisor: {event:?}");
    }
    // The restarted parser is registered again under its name.
    let result = pipeline
        .process("userId=u789&action=create&title=After".into())
        .await?;
    println!("after the parser's restart -> {result:?}");

    let (processed, failed) = pipeline.stats().await?;
    let stored = registry.lookup::<Store>("pipeline-store")?.count().await?;
    println!("processed {processed}, failed {failed}, {stored} records stored");
    supervisor.stop().await?;
    Ok(())
}
