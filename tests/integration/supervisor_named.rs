//! Named children: a child whose start function names it is registered under that name
//! again at every restart, so a caller that looks it up finds the new instance.

use noex_core::prelude::*;
use noex_core::supervisor::{ChildSpec, Strategy, Supervisor};

use crate::supervisor_support::{Kit, Worker};

#[tokio::test]
async fn a_restarted_child_is_found_under_its_name() {
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["cache"]).await;
    let old = kit.find("cache");
    assert_eq!(old.bump().await.unwrap(), 1);
    kit.crash("cache").await;
    sup.which_children().await.unwrap();

    let new = kit.registry.lookup::<Worker>("cache").unwrap();
    assert_ne!(new.pid(), old.pid());
    assert_eq!(new.bump().await.unwrap(), 1, "a fresh instance");
    // The old reference does not follow: it names the dead process.
    assert!(matches!(
        old.bump().await,
        Err(CallError::NotRunning { .. })
    ));
    sup.stop().await.unwrap();
    assert!(!kit.registry.is_registered("cache"));
}

#[tokio::test]
async fn every_name_of_a_group_restart_points_at_the_new_processes() {
    let kit = Kit::new();
    let names = ["a", "b", "c"];
    let sup = kit.supervise(Strategy::OneForAll, &names).await;
    let before = names.map(|n| kit.pid(n));
    kit.crash("b").await;
    let children = sup.which_children().await.unwrap();
    for (i, name) in names.iter().enumerate() {
        let found = kit.find(name);
        assert_ne!(found.pid(), before[i], "{name}");
        assert_eq!(
            Some(found.pid()),
            children[i].process.as_ref().map(|p| p.pid())
        );
        assert_eq!(found.name().await.unwrap(), *name);
    }
    assert_eq!(kit.registry.count(), 3);
    sup.stop().await.unwrap();
}

#[tokio::test]
async fn a_child_named_in_the_global_registry_is_re_registered() {
    const NAME: &str = "supervisor_named::global_worker";
    let kit = Kit::new();
    let journal = kit.journal.clone();
    let sup = Supervisor::new(Strategy::OneForOne)
        .child(ChildSpec::new("global", move || {
            Worker {
                name: "global".into(),
                journal: journal.clone(),
                count: 0,
                slow_terminate: None,
                fail_init: false,
            }
            .start_with(StartOptions::new().name(NAME))
        }))
        .start()
        .await
        .unwrap();
    let old = Registry::global().lookup::<Worker>(NAME).unwrap();
    old.crash().unwrap();
    old.wait().await;
    sup.which_children().await.unwrap();
    let new = Registry::global().lookup::<Worker>(NAME).unwrap();
    assert_ne!(new.pid(), old.pid());
    assert_eq!(new.name().await.unwrap(), "global");
    sup.stop().await.unwrap();
    assert!(Registry::global().whereis::<Worker>(NAME).is_none());
}

#[tokio::test]
async fn a_lookup_never_finds_the_dead_instance() {
    // Names are removed before the supervisor hears of the exit, so between the crash
    // and the restart a lookup finds nothing rather than the dead process.
    let kit = Kit::new();
    let sup = kit.supervise(Strategy::OneForOne, &["w"]).await;
    for _ in 0..3 {
        let old = kit.crash("w").await;
        if let Some(found) = kit.registry.whereis::<Worker>("w") {
            assert_ne!(found.pid(), old.pid());
        }
        sup.which_children().await.unwrap();
        assert!(kit.find("w").is_alive());
    }
    sup.stop().await.unwrap();
}
