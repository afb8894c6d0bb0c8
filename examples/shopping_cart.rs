//! The e-commerce decomposition from "Mapping Problems to Processes": one cart process
//! per user, one inventory process for the shared stock. Reservations are atomic because
//! only the inventory touches the stock, one message at a time.
//!
//! Run with `cargo run --example shopping_cart`.

use std::collections::HashMap;

use noex_core::prelude::*;

/// A cart's protocol.
#[derive(Debug, Messages)]
pub enum CartMsg {
    /// Adds `quantity` of a product.
    #[call(reply = u32)]
    AddItem { product: String, quantity: u32 },
    /// Removes a product entirely.
    #[call(reply = bool)]
    Remove { product: String },
    /// The cart's contents.
    #[call(reply = HashMap<String, u32>)]
    Items,
    /// Empties the cart.
    #[cast]
    Clear,
}

/// One user's cart.
#[gen_server(messages = CartMsg)]
pub struct Cart {
    user: String,
    items: HashMap<String, u32>,
}

impl Cart {
    /// An empty cart for `user`.
    pub fn new(user: &str) -> Cart {
        Cart {
            user: user.to_string(),
            items: HashMap::new(),
        }
    }
}

impl CartHandler for Cart {
    async fn add_item(&mut self, product: String, quantity: u32, _ctx: &mut Ctx<Self>) -> u32 {
        let total = self.items.entry(product).or_insert(0);
        *total += quantity;
        *total
    }

    async fn remove(&mut self, product: String, _ctx: &mut Ctx<Self>) -> bool {
        self.items.remove(&product).is_some()
    }

    async fn items(&mut self, _ctx: &mut Ctx<Self>) -> HashMap<String, u32> {
        self.items.clone()
    }

    async fn clear(&mut self, _ctx: &mut Ctx<Self>) {
        println!("cart of {} cleared", self.user);
        self.items.clear();
    }
}

/// Why a reservation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveError {
    /// Not enough stock: how many are available.
    Insufficient {
        /// Units available.
        available: u32,
    },
    /// The order already holds a reservation.
    AlreadyReserved,
}

impl std::fmt::Display for ReserveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReserveError::Insufficient { available } => write!(f, "only {available} in stock"),
            ReserveError::AlreadyReserved => f.write_str("the order already holds a reservation"),
        }
    }
}

impl std::error::Error for ReserveError {}

/// The inventory's protocol.
#[derive(Debug, Messages)]
pub enum InventoryMsg {
    /// Units in stock.
    #[call(reply = u32)]
    Check { product: String },
    /// Atomically takes units out of stock for an order.
    #[call(reply = Result<(), ReserveError>)]
    Reserve {
        order: String,
        product: String,
        quantity: u32,
    },
    /// Confirms an order's reservation (the stock stays taken).
    #[call(reply = bool)]
    Commit { order: String },
    /// Cancels an order's reservation and puts the units back.
    #[call(reply = bool)]
    Release { order: String },
}

/// The one inventory, owner of the stock.
#[gen_server(messages = InventoryMsg)]
pub struct Inventory {
    stock: HashMap<String, u32>,
    reserved: HashMap<String, (String, u32)>,
}

impl InventoryHandler for Inventory {
    async fn check(&mut self, product: String, _ctx: &mut Ctx<Self>) -> u32 {
        self.stock.get(&product).copied().unwrap_or(0)
    }

    async fn reserve(
        &mut self,
        order: String,
        product: String,
        quantity: u32,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), ReserveError> {
        if self.reserved.contains_key(&order) {
            return Err(ReserveError::AlreadyReserved);
        }
        let available = self.stock.get(&product).copied().unwrap_or(0);
        if available < quantity {
            return Err(ReserveError::Insufficient { available });
        }
        self.stock.insert(product.clone(), available - quantity);
        self.reserved.insert(order, (product, quantity));
        Ok(())
    }

    async fn commit(&mut self, order: String, _ctx: &mut Ctx<Self>) -> bool {
        self.reserved.remove(&order).is_some()
    }

    async fn release(&mut self, order: String, _ctx: &mut Ctx<Self>) -> bool {
        match self.reserved.remove(&order) {
            Some((product, quantity)) => {
                *self.stock.entry(product).or_insert(0) += quantity;
                true
            }
            None => false,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let inventory = Inventory {
        stock: HashMap::from([("product-1".to_string(), 100), ("product-2".to_string(), 1)]),
        reserved: HashMap::new(),
    }
    .start()
    .await?;

    // One cart process per user.
    let alice = Cart::new("alice").start().await?;
    let bob = Cart::new("bob").start().await?;
    alice.add_item("product-1".into(), 2).await?;
    alice.add_item("product-1".into(), 1).await?;
    bob.add_item("product-2".into(), 1).await?;
    println!("alice's cart: {:?}", alice.items().await?);
    println!("bob's cart:   {:?}", bob.items().await?);

    // Two users race for the last unit of product-2: the inventory serializes them, so
    // exactly one reservation succeeds.
    let (a, b) = tokio::join!(
        inventory.reserve("order-a".into(), "product-2".into(), 1),
        inventory.reserve("order-b".into(), "product-2".into(), 1),
    );
    let (a, b) = (a?, b?);
    println!("race for the last product-2: order-a {a:?}, order-b {b:?}");
    assert!(a.is_ok() != b.is_ok(), "exactly one reservation wins");

    // Checkout for alice: reserve, then commit.
    inventory
        .reserve("order-c".into(), "product-1".into(), 3)
        .await??;
    assert!(inventory.commit("order-c".into()).await?);
    alice.clear()?;
    println!(
        "alice checked out; product-1 left: {}",
        inventory.check("product-1".into()).await?
    );
    assert_eq!(inventory.check("product-1".into()).await?, 97);

    // A failed payment releases the reservation.
    let winner = if a.is_ok() { "order-a" } else { "order-b" };
    assert!(inventory.release(winner.into()).await?);
    println!(
        "{winner} released; product-2 back in stock: {}",
        inventory.check("product-2".into()).await?
    );
    assert_eq!(inventory.check("product-2".into()).await?, 1);

    // Asking for more than exists is an error value, not a crash.
    let too_many = inventory
        .reserve("order-d".into(), "product-1".into(), 1_000)
        .await?;
    println!("reserve 1000 of product-1 -> {too_many:?}");
    assert_eq!(too_many, Err(ReserveError::Insufficient { available: 97 }));

    for cart in [alice, bob] {
        cart.stop().await?;
    }
    inventory.stop().await?;
    Ok(())
}
