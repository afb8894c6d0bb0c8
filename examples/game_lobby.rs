//! The game lobby of the guide's "Mapping Problems to Processes" chapter: one process
//! per connected player, started on demand by a dynamic supervisor (OTP's
//! `simple_one_for_one`) from one template, with `transient` restarts.
//!
//! ```text
//!              [lobby] dynamic, transient, max 3 players
//!         ┌──────────┼──────────┐
//!         ▼          ▼          ▼
//!     player:alice player:bob player:carol   ← start_child("alice"), ...
//! ```
//!
//! A player that crashes is restarted with the same arguments (a fresh state, the same
//! name); a player that leaves (a normal exit) is not, and frees its slot; a player can
//! also be kicked through the supervisor.
//!
//! Run with `cargo run --example game_lobby`.

use std::error::Error;

use noex_core::prelude::*;
use noex_core::supervisor::{DynamicSupervisor, DynamicSupervisorRef, Restart, SupervisorError};

/// What a player's process answers about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerState {
    /// The player's id.
    pub id: String,
    /// Where it stands.
    pub position: (i32, i32),
    /// 0 to 100.
    pub health: u32,
}

/// A player's protocol.
#[derive(Debug, Messages)]
pub enum PlayerMsg {
    /// The player's state.
    #[call(reply = PlayerState)]
    State,
    /// Moves the player; returns the new position.
    #[call(reply = (i32, i32))]
    Walk { dx: i32, dy: i32 },
    /// Hurts the player; returns whether it is still alive.
    #[call(reply = bool)]
    Damage { amount: u32 },
    /// A chat message for the player (written to its socket in a real game).
    #[cast]
    SendMessage { text: String },
    /// A raw packet from the player's client.
    #[cast]
    Packet { bytes: Vec<u8> },
    /// The player quits: a normal exit.
    #[cast]
    Leave,
}

/// One connected player.
#[gen_server(messages = PlayerMsg)]
pub struct Player {
    id: String,
    position: (i32, i32),
    health: u32,
}

impl Player {
    fn new(id: String) -> Player {
        Player {
            id,
            position: (0, 0),
            health: 100,
        }
    }
}

impl PlayerHandler for Player {
    async fn init(&mut self, ctx: &mut Ctx<Self>) -> Result<(), BoxError> {
        println!("  + {} joined as {}", self.id, ctx.pid());
        Ok(())
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Ctx<Self>) {
        println!("  - {} ({}) left: {reason}", self.id, ctx.pid());
    }

    async fn state(&mut self, _ctx: &mut Ctx<Self>) -> PlayerState {
        PlayerState {
            id: self.id.clone(),
            position: self.position,
            health: self.health,
        }
    }

    async fn walk(&mut self, dx: i32, dy: i32, _ctx: &mut Ctx<Self>) -> (i32, i32) {
        self.position = (
            self.position.0.saturating_add(dx),
            self.position.1.saturating_add(dy),
        );
        self.position
    }

    async fn damage(&mut self, amount: u32, _ctx: &mut Ctx<Self>) -> bool {
        self.health = self.health.saturating_sub(amount);
        self.health > 0
    }

    async fn send_message(&mut self, text: String, _ctx: &mut Ctx<Self>) {
        println!("  [to {}] {text}", self.id);
    }

    async fn packet(&mut self, bytes: Vec<u8>, _ctx: &mut Ctx<Self>) {
        // A bug: the opcode is read before the length is checked.
        let opcode = bytes[0];
        println!("  {} sent opcode {opcode}", self.id);
    }

    async fn leave(&mut self, ctx: &mut Ctx<Self>) {
        ctx.stop(ExitReason::Normal);
    }
}

type Lobby = DynamicSupervisorRef<String>;

/// The lobby's players, in the order they joined.
async fn roster(lobby: &Lobby) -> Result<Vec<String>, Box<dyn Error>> {
    let mut names = Vec::new();
    for child in lobby.which_children().await? {
        if let Some(player) = child.process.and_then(|p| p.downcast::<Player>()) {
            names.push(player.state().await?.id);
        }
    }
    Ok(names)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let registry = Registry::new();
    let names = registry.clone();
    let lobby: Lobby = DynamicSupervisor::new(move |id: String| {
        let name = format!("player:{id}");
        Player::new(id).start_with(StartOptions::new().name_in(&names, name))
    })
    .restart(Restart::Transient)
    .max_children(3)
    .start()
    .await?;

    println!("players connect:");
    for id in ["alice", "bob", "carol"] {
        lobby.start_child(id.to_string()).await?;
    }
    match lobby.start_child("dave".to_string()).await {
        Err(SupervisorError::MaxChildren(max)) => println!("  dave cannot join: {max} players max"),
        other => return Err(format!("dave should not get in: {other:?}").into()),
    }

    let alice = registry.lookup::<Player>("player:alice")?;
    alice.walk(3, -1).await?;
    alice.damage(30).await?;
    alice.send_message("welcome to the lobby".into())?;
    println!("alice: {:?}", alice.state().await?);

    println!("bob's client sends an empty packet:");
    let bob = registry.lookup::<Player>("player:bob")?;
    bob.walk(10, 10).await?;
    bob.packet(Vec::new())?;
    println!("  bob's process exited: {}", bob.wait().await);
    // The lobby restarts bob before it answers this call: same arguments, same name.
    let count = lobby.count_children().await?;
    let bob_again = registry.lookup::<Player>("player:bob")?;
    println!(
        "  bob is back as {} (was {}), at {:?}; {} players",
        bob_again.pid(),
        bob.pid(),
        bob_again.state().await?.position,
        count.active
    );
    assert_ne!(bob_again.pid(), bob.pid());

    println!("carol quits:");
    let carol = registry.lookup::<Player>("player:carol")?;
    carol.leave()?;
    carol.wait().await;
    println!("  players now: {:?}", roster(&lobby).await?);
    assert!(!registry.is_registered("player:carol"));

    println!("her slot is free, dave joins:");
    lobby.start_child("dave".to_string()).await?;

    println!("alice is kicked:");
    lobby.terminate_child(alice.pid()).await?;
    let players = roster(&lobby).await?;
    println!("  players now: {players:?}");
    assert_eq!(players, ["bob", "dave"]);

    println!("the lobby closes (every player is stopped at once):");
    lobby.stop().await?;
    println!("registered players left: {}", registry.count());
    Ok(())
}
