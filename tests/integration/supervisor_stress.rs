//! 10 000 supervised servers crashing at random, on a multi-threaded runtime: the
//! supervisor ends with exactly the children OTP's rules predict, and once it stops no
//! task is left behind.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use noex_core::prelude::*;
use noex_core::supervisor::{
    ChildInfo, ChildSpec, DynamicSupervisor, Restart, Strategy, Supervisor, SupervisorError,
    SupervisorRef,
};

const CHILDREN: usize = 10_000;
const ROUNDS: usize = 4;
/// Tasks sending the crashes of a round, so exits race with each other and with restarts.
const CRASHERS: usize = 8;
/// The timeout of calls made while the supervisor is busy restarting thousands of children.
const BUSY: Duration = Duration::from_secs(120);
/// The timeout of calls the supervisor answers at once. Short, because a call's timeout is
/// watched by a task of the calling thread that stays until the deadline of the last call
/// (plus a second), and the leak check waits for that task to go.
const IDLE: Duration = Duration::from_secs(2);

/// A minimal server that can be told to end in every way a process can.
#[derive(Debug, Messages)]
pub enum CrasherMsg {
    #[cast]
    Crash,
    #[cast]
    Exit(ExitReason),
    #[call(reply = ())]
    Ping,
}

#[gen_server(messages = CrasherMsg)]
pub struct Crasher;

impl CrasherHandler for Crasher {
    async fn crash(&mut self, _ctx: &mut Ctx<Self>) {
        panic!("random crash");
    }

    async fn exit(&mut self, reason: ExitReason, ctx: &mut Ctx<Self>) {
        ctx.stop(reason);
    }

    async fn ping(&mut self, _ctx: &mut Ctx<Self>) {}
}

/// xorshift64*: a seeded, dependency-free pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn restart_of(i: usize) -> Restart {
    [Restart::Permanent, Restart::Transient, Restart::Temporary][i % 3]
}

/// What the model expects of one child.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Running(Pid),
    /// Restarted: running with a pid other than this old one.
    RunningAgain(Pid),
    /// A transient child that ended normally: its spec stays, nothing runs.
    Stopped,
}

async fn end(process: ProcessRef, how: u64) {
    let crasher = process.downcast::<Crasher>().expect("a crasher");
    match how {
        0 => crasher.crash().unwrap(),
        1 => crasher.exit(ExitReason::error("random error")).unwrap(),
        2 => crasher.exit(ExitReason::Normal).unwrap(),
        _ => {
            crasher.kill().await;
        }
    }
    crasher.wait().await;
}

async fn check(sup: &SupervisorRef, model: &mut HashMap<String, Expect>) {
    let children = sup.with_timeout(BUSY).which_children().await.unwrap();
    assert_eq!(children.len(), model.len(), "specs held");
    for child in &children {
        let pid = child.process.as_ref().map(ProcessRef::pid);
        match model[&child.id] {
            Expect::Running(p) => assert_eq!(pid, Some(p), "{} untouched", child.id),
            Expect::RunningAgain(old) => {
                assert!(pid.is_some_and(|p| p != old), "{} restarted", child.id)
            }
            Expect::Stopped => assert_eq!(pid, None, "{} left down", child.id),
        }
        let settled = pid.map_or(Expect::Stopped, Expect::Running);
        model.insert(child.id.clone(), settled);
    }
    let counts = sup.with_timeout(IDLE).count_children().await.unwrap();
    let running = model
        .values()
        .filter(|e| matches!(e, Expect::Running(_)))
        .count();
    assert_eq!((counts.specs, counts.active), (model.len(), running));
}

/// The processes of the children that run.
fn running(children: Vec<ChildInfo>) -> Vec<ProcessRef> {
    children.into_iter().filter_map(|c| c.process).collect()
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits until the runtime has no more tasks than `baseline`. A task is counted until
/// the runtime has retired it, a moment after the process it runs has exited, and the
/// task watching call timeouts stays until the last deadline, so this polls; a leaked
/// task keeps the count up and fails the assertion after 30 s.
async fn assert_no_task_left(baseline: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive_tasks() != baseline && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(alive_tasks(), baseline, "tasks left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_children_crashing_at_random() {
    let baseline = alive_tasks();
    let clock = Instant::now();

    let specs = (0..CHILDREN)
        .map(|i| ChildSpec::new(format!("c{i}"), || Crasher.start()).restart(restart_of(i)));
    let sup = Supervisor::new(Strategy::OneForOne)
        .max_restarts(u32::MAX, Duration::from_secs(1))
        .children(specs)
        .start_with(StartOptions::new().init_timeout(Duration::from_secs(120)))
        .await
        .unwrap();
    let started = clock.elapsed();

    let mut model: HashMap<String, Expect> = HashMap::new();
    for child in sup.which_children().await.unwrap() {
        let pid = child.process.as_ref().expect("every child runs").pid();
        model.insert(child.id, Expect::Running(pid));
    }
    assert_eq!(model.len(), CHILDREN);

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ended = 0;
    for _ in 0..ROUNDS {
        let children = sup.which_children().await.unwrap();
        let mut batches: Vec<Vec<(ProcessRef, u64)>> = vec![Vec::new(); CRASHERS];
        for child in children {
            let Some(process) = child.process else {
                continue;
            };
            // About one running child in three ends this round, in one of four ways.
            if rng.below(3) != 0 {
                continue;
            }
            let how = rng.below(4);
            let restart = restart_of(child.id[1..].parse().unwrap());
            let normal = how == 2;
            let expect = match restart {
                Restart::Permanent => Some(Expect::RunningAgain(process.pid())),
                Restart::Transient if !normal => Some(Expect::RunningAgain(process.pid())),
                Restart::Transient => Some(Expect::Stopped),
                Restart::Temporary => None,
            };
            match expect {
                Some(e) => model.insert(child.id, e),
                None => model.remove(&child.id),
            };
            batches[rng.below(CRASHERS as u64) as usize].push((process, how));
            ended += 1;
        }
        let crashers: Vec<_> = batches
            .into_iter()
            .map(|batch| {
                tokio::spawn(async move {
                    for (process, how) in batch {
                        end(process, how).await;
                    }
                })
            })
            .collect();
        for crasher in crashers {
            crasher.await.unwrap();
        }
        // Every Down is in the supervisor's mailbox before this call.
        check(&sup, &mut model).await;
    }
    assert!(ended > CHILDREN, "{ended} exits in {ROUNDS} rounds");

    let survivors = running(sup.with_timeout(IDLE).which_children().await.unwrap());
    sup.stop().await.unwrap();
    assert!(survivors.iter().all(|p| !p.is_alive()));
    let total = clock.elapsed();

    assert_no_task_left(baseline).await;
    eprintln!(
        "stress: {CHILDREN} children started in {started:?}; {ended} exits in {ROUNDS} rounds; \
         {} left running; {total:?} in all",
        survivors.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_dynamic_children_started_crashed_and_terminated_concurrently() {
    let baseline = alive_tasks();
    let sup = DynamicSupervisor::new(|_: u64| Crasher.start())
        .restart(Restart::Transient)
        .max_restarts(u32::MAX, Duration::from_secs(1))
        .max_children(CHILDREN)
        .start()
        .await
        .unwrap()
        .with_timeout(IDLE);
    // Start them from several tasks at once; one more than the maximum is refused.
    let starters: Vec<_> = (0..CRASHERS as u64)
        .map(|t| {
            let sup = sup.clone();
            tokio::spawn(async move {
                let mut started = Vec::new();
                for i in 0..(CHILDREN / CRASHERS) as u64 {
                    started.push(sup.start_child(t * 1_000_000 + i).await.unwrap());
                }
                started
            })
        })
        .collect();
    let mut children = Vec::new();
    for starter in starters {
        children.extend(starter.await.unwrap());
    }
    assert_eq!(children.len(), CHILDREN);
    assert_eq!(
        sup.start_child(0).await.unwrap_err(),
        SupervisorError::MaxChildren(CHILDREN)
    );

    // End each child in one of four ways, or terminate it through the supervisor, from
    // several tasks at once. Transient: crashes and kills are restarted, the rest go.
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut batches: Vec<Vec<(ProcessRef, u64)>> = vec![Vec::new(); CRASHERS];
    let mut expected = CHILDREN;
    for child in children {
        let how = rng.below(6);
        if how == 2 || how >= 4 {
            expected -= 1;
        }
        batches[rng.below(CRASHERS as u64) as usize].push((child, how));
    }
    let enders: Vec<_> = batches
        .into_iter()
        .map(|batch| {
            let sup = sup.clone();
            tokio::spawn(async move {
                for (process, how) in batch {
                    if how >= 4 {
                        sup.terminate_child(process.pid()).await.unwrap();
                    } else {
                        end(process, how).await;
                    }
                }
            })
        })
        .collect();
    for ender in enders {
        ender.await.unwrap();
    }
    let counts = sup.with_timeout(BUSY).count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (expected, expected));

    let survivors = running(sup.with_timeout(IDLE).which_children().await.unwrap());
    assert_eq!(survivors.len(), expected);
    sup.stop().await.unwrap();
    assert!(survivors.iter().all(|p| !p.is_alive()));
    assert_no_task_left(baseline).await;
}
