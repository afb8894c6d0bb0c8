//! The blog API of the guide's "Mapping Problems to Processes" chapter: three services
//! under one supervisor, each registered under a name and found through the Registry
//! rather than passed around.
//!
//! ```text
//!                    [blog] one_for_one
//!          ┌──────────────┼───────────────┐
//!          ▼              ▼               ▼
//!    user-service    post-service     analytics
//!    users, follows  posts by author  views per post
//! ```
//!
//! The post service asks the user service (looked up by name) whether an author exists;
//! the feed is built from both. Then the analytics service hits a bug and crashes: the
//! supervisor restarts it alone (one-for-one), and the next lookup of "analytics" finds
//! the new process.
//!
//! Run with `cargo run --example blog_api`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::error::Error;

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor, SupervisorRef};

/// A user of the blog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its e-mail address.
    pub email: String,
}

/// The user service: users and who follows whom.
#[derive(Debug, Messages)]
pub enum UserMsg {
    /// Adds a user; fails if the id is taken.
    #[call(reply = Result<User, String>)]
    Create {
        id: String,
        name: String,
        email: String,
    },
    /// The user with this id.
    #[call(reply = Option<User>)]
    Get { id: String },
    /// `follower` follows `followee` from now on.
    #[call(reply = Result<(), String>)]
    Follow { follower: String, followee: String },
    /// Whom `user` follows.
    #[call(reply = Vec<String>)]
    Following { user: String },
}

/// The user service's state.
#[gen_server(messages = UserMsg)]
#[derive(Default)]
pub struct UserService {
    users: BTreeMap<String, User>,
    follows: HashMap<String, BTreeSet<String>>,
}

impl UserHandler for UserService {
    async fn create(
        &mut self,
        id: String,
        name: String,
        email: String,
        _ctx: &mut Ctx<Self>,
    ) -> Result<User, String> {
        if self.users.contains_key(&id) {
            return Err(format!("user {id} already exists"));
        }
        let user = User { id, name, email };
        self.users.insert(user.id.clone(), user.clone());
        Ok(user)
    }

    async fn get(&mut self, id: String, _ctx: &mut Ctx<Self>) -> Option<User> {
        self.users.get(&id).cloned()
    }

    async fn follow(
        &mut self,
        follower: String,
        followee: String,
        _ctx: &mut Ctx<Self>,
    ) -> Result<(), String> {
        for id in [&follower, &followee] {
            if !self.users.contains_key(id) {
                return Err(format!("no user {id}"));
            }
        }
        self.follows.entry(follower).or_default().insert(followee);
        Ok(())
    }

    async fn following(&mut self, user: String, _ctx: &mut Ctx<Self>) -> Vec<String> {
        self.follows
            .get(&user)
            .map(|f| f.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// A post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Its id.
    pub id: String,
    /// The id of its author.
    pub author: String,
    /// Its text.
    pub content: String,
}

/// The post service.
#[derive(Debug, Messages)]
pub enum PostMsg {
    /// Publishes a post by an existing user.
    #[call(reply = Result<Post, String>)]
    Create {
        id: String,
        author: String,
        content: String,
    },
    /// The posts of `author`, oldest first.
    #[call(reply = Vec<Post>)]
    ByAuthor { author: String },
    /// Removes a post (fire-and-forget).
    #[cast]
    Delete { id: String },
}

/// The post service's state.
#[gen_server(messages = PostMsg)]
#[derive(Default)]
pub struct PostService {
    posts: BTreeMap<String, Post>,
    by_author: HashMap<String, Vec<String>>,
}

impl PostHandler for PostService {
    async fn create(
        &mut self,
        id: String,
        author: String,
        content: String,
        _ctx: &mut Ctx<Self>,
    ) -> Result<Post, String> {
        // Another service, found by name: whichever process holds the name now.
        let users = Registry::global()
            .lookup::<UserService>(USERS)
            .map_err(|e| e.to_string())?;
        if users
            .get(author.clone())
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            return Err(format!("no user {author}"));
        }
        let post = Post {
            id,
            author,
            content,
        };
        self.by_author
            .entry(post.author.clone())
            .or_default()
            .push(post.id.clone());
        self.posts.insert(post.id.clone(), post.clone());
        Ok(post)
    }

    async fn by_author(&mut self, author: String, _ctx: &mut Ctx<Self>) -> Vec<Post> {
        let ids = self
            .by_author
            .get(&author)
            .map(Vec::as_slice)
            .unwrap_or_default();
        ids.iter()
            .filter_map(|id| self.posts.get(id).cloned())
            .collect()
    }

    async fn delete(&mut self, id: String, _ctx: &mut Ctx<Self>) {
        let Some(post) = self.posts.remove(&id) else {
            return;
        };
        if let Some(ids) = self.by_author.get_mut(&post.author) {
            ids.retain(|i| *i != id);
        }
    }
}

/// The analytics service: fire-and-forget tracking, read with a call.
#[derive(Debug, Messages)]
pub enum AnalyticsMsg {
    /// Counts one view of `post`.
    #[cast]
    TrackView { post: String },
    /// How many views `post` had.
    #[call(reply = u64)]
    Views { post: String },
}

const SHARDS: usize = 4;

/// The analytics service's state.
#[gen_server(messages = AnalyticsMsg)]
#[derive(Default)]
pub struct AnalyticsService {
    views: HashMap<String, u64>,
    /// Views per shard of post ids, for load statistics.
    shards: [u64; SHARDS],
}

impl AnalyticsHandler for AnalyticsService {
    async fn track_view(&mut self, post: String, _ctx: &mut Ctx<Self>) {
        // A bug: nobody thought of an empty post id, and indexing it panics.
        self.shards[usize::from(post.as_bytes()[0]) % SHARDS] += 1;
        *self.views.entry(post).or_default() += 1;
    }

    async fn views(&mut self, post: String, _ctx: &mut Ctx<Self>) -> u64 {
        self.views.get(&post).copied().unwrap_or(0)
    }
}

const USERS: &str = "user-service";
const POSTS: &str = "post-service";
const ANALYTICS: &str = "analytics";

/// Starts the blog's supervision tree; each service registers its name in the global
/// registry, again at every restart.
async fn start_blog_api() -> Result<SupervisorRef, StartError> {
    Supervisor::new(Strategy::OneForOne)
        .child(ChildSpec::new("user-service", || {
            UserService::default().start_with(StartOptions::new().name(USERS))
        }))
        .child(ChildSpec::new("post-service", || {
            PostService::default().start_with(StartOptions::new().name(POSTS))
        }))
        .child(ChildSpec::new("analytics-service", || {
            AnalyticsService::default().start_with(StartOptions::new().name(ANALYTICS))
        }))
        .start()
        .await
}

/// The posts of everyone `user` follows.
async fn feed(user: &str) -> Result<Vec<Post>, Box<dyn Error>> {
    let users = Registry::global().lookup::<UserService>(USERS)?;
    let posts = Registry::global().lookup::<PostService>(POSTS)?;
    let mut feed = Vec::new();
    for author in users.following(user.to_string()).await? {
        feed.extend(posts.by_author(author).await?);
    }
    Ok(feed)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let blog = start_blog_api().await?;
    println!("blog API started:");
    for child in blog.which_children().await? {
        let pid = child.process.as_ref().map(ProcessRef::pid);
        println!(
            "  {:<18} {}",
            child.id,
            pid.map_or("-".into(), |p| p.to_string())
        );
    }

    let users = Registry::global().lookup::<UserService>(USERS)?;
    let posts = Registry::global().lookup::<PostService>(POSTS)?;
    let analytics = Registry::global().lookup::<AnalyticsService>(ANALYTICS)?;

    users
        .create("u1".into(), "Alice".into(), "alice@example.com".into())
        .await??;
    users
        .create("u2".into(), "Bob".into(), "bob@example.com".into())
        .await??;
    users.follow("u1".into(), "u2".into()).await??;
    let post = posts
        .create("p1".into(), "u2".into(), "Hello from Bob!".into())
        .await??;
    println!("Bob posted {:?}", post.content);
    let refused = posts
        .create("p2".into(), "u9".into(), "who am I?".into())
        .await?;
    println!("a post by an unknown author: {refused:?}");

    analytics.track_view("p1".into())?;
    analytics.track_view("p1".into())?;
    println!("views of p1: {}", analytics.views("p1".into()).await?);

    let alice_feed = feed("u1").await?;
    println!(
        "Alice's feed: {:?}",
        alice_feed.iter().map(|p| &p.content).collect::<Vec<_>>()
    );
    assert_eq!(alice_feed, [post]);

    println!("tracking a view of a post with an empty id (a bug in analytics)...");
    analytics.track_view(String::new())?;
    println!("  analytics exited: {}", analytics.wait().await);
    // The supervisor has been told; its answer comes after it restarted analytics.
    let children = blog.which_children().await?;
    let again = Registry::global().lookup::<AnalyticsService>(ANALYTICS)?;
    println!(
        "  \"analytics\" now names {} (was {}); views of p1: {} (its state started over)",
        again.pid(),
        analytics.pid(),
        again.views("p1".into()).await?
    );
    assert_ne!(again.pid(), analytics.pid());
    let users_again = Registry::global().lookup::<UserService>(USERS)?;
    println!(
        "  user-service untouched: {} (one_for_one); {} children running",
        users_again.pid(),
        children.iter().filter(|c| c.process.is_some()).count()
    );
    assert_eq!(users_again.pid(), users.pid());
    assert_eq!(
        feed("u1").await?.len(),
        1,
        "users and posts kept their state"
    );

    posts.delete("p1".into())?;
    println!(
        "after deleting p1, Alice's feed has {} posts",
        feed("u1").await?.len()
    );

    blog.stop().await?;
    println!(
        "blog API stopped; names left: {:?}",
        [USERS, POSTS, ANALYTICS]
            .iter()
            .filter(|n| Registry::global().is_registered(n))
            .collect::<Vec<_>>()
    );
    Ok(())
}
