//! Registry: every operation and every error, on independent and global registries.

use noex_core::prelude::*;
use noex_core::{LookupError, RegisterError};

use crate::support::Probe;

/// A second server type, for lookups of the wrong type.
#[derive(Debug, Messages)]
pub enum OtherMsg {
    #[call(reply = &'static str)]
    Hello,
}

#[gen_server(messages = OtherMsg)]
#[derive(Default)]
pub struct Other;

impl OtherHandler for Other {
    async fn hello(&mut self, _ctx: &mut Ctx<Self>) -> &'static str {
        "hello"
    }
}

#[tokio::test]
async fn register_then_lookup_returns_the_typed_ref_that_works() {
    let registry = Registry::new();
    let probe = Probe::default().start().await.unwrap();
    registry.register("probe", &probe).unwrap();

    let found = registry.lookup::<Probe>("probe").unwrap();
    assert_eq!(found, probe);
    assert_eq!(found.add(3).await.unwrap(), 3);
    assert_eq!(registry.whereis::<Probe>("probe"), Some(probe.clone()));
    assert_eq!(
        registry.lookup_process("probe").unwrap(),
        probe.to_process()
    );
    assert_eq!(
        registry.whereis_process("probe").map(|p| p.pid()),
        Some(probe.pid())
    );
    assert!(registry.is_registered("probe"));
    assert_eq!(registry.names(), ["probe"]);
    assert_eq!(registry.count(), 1);
    probe.stop().await.unwrap();
}

#[tokio::test]
async fn a_free_name_is_a_typed_error_from_lookup_and_none_from_whereis() {
    let registry = Registry::new();
    assert_eq!(
        registry.lookup::<Probe>("nobody").unwrap_err(),
        LookupError::NotRegistered {
            name: "nobody".into()
        }
    );
    assert_eq!(
        registry.lookup_process("nobody").unwrap_err().to_string(),
        "no process is registered as \"nobody\""
    );
    assert!(registry.whereis::<Probe>("nobody").is_none());
    assert!(registry.whereis_process("nobody").is_none());
    assert!(!registry.is_registered("nobody"));
    assert!(registry.names().is_empty());
    assert_eq!(registry.count(), 0);
}

#[tokio::test]
async fn a_lookup_of_the_wrong_server_type_is_an_error_not_a_panic() {
    let registry = Registry::new();
    let other = Other.start().await.unwrap();
    registry.register("svc", &other).unwrap();

    let err = registry.lookup::<Probe>("svc").unwrap_err();
    assert_eq!(
        err,
        LookupError::WrongType {
            name: "svc".into(),
            expected: std::any::type_name::<Probe>(),
            actual: std::any::type_name::<Other>(),
        }
    );
    assert!(err.to_string().contains("not a"), "{err}");
    assert!(registry.whereis::<Probe>("svc").is_none());
    // The untyped lookups still find it, and the right type still works.
    assert!(registry.is_registered("svc"));
    assert_eq!(
        registry.lookup::<Other>("svc").unwrap().hello().await,
        Ok("hello")
    );
    other.stop().await.unwrap();
}

#[tokio::test]
async fn registering_a_taken_name_fails_with_the_holder() {
    let registry = Registry::new();
    let first = Probe::default().start().await.unwrap();
    let second = Probe::default().start().await.unwrap();
    registry.register("x", &first).unwrap();

    let err = registry.register("x", &second).unwrap_err();
    assert_eq!(
        err,
        RegisterError::AlreadyRegistered {
            name: "x".into(),
            pid: first.pid()
        }
    );
    assert_eq!(
        err.to_string(),
        format!("the name \"x\" is already registered to {}", first.pid())
    );
    // The same process again is a conflict too.
    assert!(matches!(
        registry.register("x", &first),
        Err(RegisterError::AlreadyRegistered { .. })
    ));
    assert_eq!(registry.lookup::<Probe>("x").unwrap(), first);
    first.stop().await.unwrap();
    second.stop().await.unwrap();
}

#[tokio::test]
async fn empty_names_and_dead_processes_are_refused() {
    let registry = Registry::new();
    let probe = Probe::default().start().await.unwrap();
    assert_eq!(registry.register("", &probe), Err(RegisterError::EmptyName));
    probe.stop().await.unwrap();
    assert_eq!(
        registry.register("late", &probe),
        Err(RegisterError::NotAlive {
            name: "late".into(),
            pid: probe.pid()
        })
    );
    assert!(!registry.is_registered("late"));
    assert_eq!(registry.count(), 0);
}

#[tokio::test]
async fn unregister_frees_the_name_and_leaves_the_process_running() {
    let registry = Registry::new();
    let probe = Probe::default().start().await.unwrap();
    registry.register("p", &probe).unwrap();

    assert_eq!(registry.unregister("p"), Some(probe.to_process()));
    assert!(!registry.is_registered("p"));
    assert_eq!(registry.unregister("p"), None);
    assert!(probe.is_alive());
    assert_eq!(probe.add(1).await.unwrap(), 1);

    // The name can be taken again, by anyone.
    let other = Other.start().await.unwrap();
    registry.register("p", &other).unwrap();
    // The first holder's exit does not remove the new holder's name.
    probe.stop().await.unwrap();
    assert_eq!(registry.lookup::<Other>("p").unwrap(), other);
    other.stop().await.unwrap();
    assert!(!registry.is_registered("p"));
}

#[tokio::test]
async fn a_process_may_hold_several_names_and_loses_all_of_them() {
    let registry = Registry::new();
    let probe = Probe::default().start().await.unwrap();
    for name in ["a", "b", "c"] {
        registry.register(name, &probe).unwrap();
    }
    let mut names = registry.names();
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(registry.count(), 3);
    registry.unregister("b");
    probe.stop().await.unwrap();
    assert_eq!(registry.count(), 0);
    assert!(registry.names().is_empty());
}

#[tokio::test]
async fn a_name_given_at_start_is_registered_before_start_returns() {
    let registry = Registry::new();
    let probe = Probe::default()
        .start_with(StartOptions::new().name_in(&registry, "named"))
        .await
        .unwrap();
    assert_eq!(registry.lookup::<Probe>("named").unwrap(), probe);

    let err = Probe::default()
        .start_with(StartOptions::new().name_in(&registry, "named"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StartError::AlreadyRegistered {
            name: "named".into(),
            pid: probe.pid()
        }
    );
    probe.stop().await.unwrap();
    assert!(!registry.is_registered("named"));
}

#[tokio::test]
async fn an_empty_name_at_start_is_an_invalid_option() {
    let registry = Registry::new();
    let err = Probe::default()
        .start_with(StartOptions::new().name_in(&registry, ""))
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::InvalidOptions(_)), "{err:?}");
    assert_eq!(registry.count(), 0);
}

#[tokio::test]
async fn independent_registries_do_not_share_names() {
    let one = Registry::new();
    let two = Registry::new();
    let a = Probe::default().start().await.unwrap();
    let b = Probe::default().start().await.unwrap();
    one.register("svc", &a).unwrap();
    two.register("svc", &b).unwrap();
    assert_eq!(one.lookup::<Probe>("svc").unwrap(), a);
    assert_eq!(two.lookup::<Probe>("svc").unwrap(), b);
    // Clones share the map.
    let one_again = one.clone();
    assert_eq!(one_again.lookup::<Probe>("svc").unwrap(), a);
    a.stop().await.unwrap();
    assert!(!one_again.is_registered("svc"));
    assert!(two.is_registered("svc"));
    assert_eq!(format!("{two:?}"), "Registry { count: 1 }");
    b.stop().await.unwrap();
}

#[tokio::test]
async fn the_global_registry_is_what_start_options_name_uses() {
    // Tests share the global registry: the name is unique to this test.
    let name = "registry_api::global::probe";
    let probe = Probe::default()
        .start_with(StartOptions::new().name(name))
        .await
        .unwrap();
    assert!(std::ptr::eq(Registry::global(), Registry::global()));
    assert_eq!(Registry::global().lookup::<Probe>(name).unwrap(), probe);
    assert!(Registry::global().names().contains(&name.to_string()));
    probe.stop().await.unwrap();
    assert!(!Registry::global().is_registered(name));
}

#[tokio::test]
async fn a_registry_outlived_by_its_processes_is_harmless() {
    let probe = Probe::default().start().await.unwrap();
    {
        let registry = Registry::new();
        registry.register("gone", &probe).unwrap();
    }
    // The exit hook finds the registry gone and does nothing.
    probe.stop().await.unwrap();
}
