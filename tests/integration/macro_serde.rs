//! Serde's derives and attributes next to `#[derive(Messages)]` (the shape of
//! `tests/expand/serde.rs`): both derives see the enum, each ignores the other's
//! attributes, and the server works as usual.

use noex_core::prelude::*;
use serde::de::IntoDeserializer as _;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::{Deserialize, Serialize};

/// A job queue's protocol, also a wire format.
#[derive(Debug, PartialEq, Serialize, Deserialize, Messages)]
#[serde(rename_all = "snake_case")]
pub enum JobMsg {
    #[serde(rename = "submit_job")]
    #[call(reply = u64)]
    Submit {
        name: String,
        #[serde(default)]
        priority: u8,
    },
    #[call(reply = Vec<(u64, String)>)]
    ListAll,
    #[cast]
    Cancel(u64),
    #[cast]
    CancelAll,
}

#[gen_server(messages = JobMsg)]
#[derive(Default)]
pub struct Jobs {
    next: u64,
    queue: Vec<(u64, String, u8)>,
}

impl JobHandler for Jobs {
    async fn submit(&mut self, name: String, priority: u8, _ctx: &mut Ctx<Self>) -> u64 {
        self.next += 1;
        self.queue.push((self.next, name, priority));
        self.queue.sort_by_key(|(_, _, p)| std::cmp::Reverse(*p));
        self.next
    }

    async fn list_all(&mut self, _ctx: &mut Ctx<Self>) -> Vec<(u64, String)> {
        self.queue
            .iter()
            .map(|(id, n, _)| (*id, n.clone()))
            .collect()
    }

    async fn cancel(&mut self, id: u64, _ctx: &mut Ctx<Self>) {
        self.queue.retain(|(i, _, _)| *i != id);
    }

    async fn cancel_all(&mut self, _ctx: &mut Ctx<Self>) {
        self.queue.clear();
    }
}

/// What a transport would require of a protocol.
fn wire_ready<T: Serialize + for<'de> Deserialize<'de>>(_: &T) -> &'static str {
    std::any::type_name::<T>()
}

#[tokio::test]
async fn a_serde_protocol_is_served() -> Result<(), Box<dyn std::error::Error>> {
    let jobs = Jobs::default().start().await?;
    assert_eq!(jobs.submit("backup".into(), 1).await?, 1);
    assert_eq!(jobs.submit("deploy".into(), 9).await?, 2);
    assert_eq!(jobs.submit("report".into(), 5).await?, 3);
    assert_eq!(
        jobs.list_all().await?,
        vec![
            (2, "deploy".to_owned()),
            (3, "report".to_owned()),
            (1, "backup".to_owned())
        ]
    );
    jobs.cancel(3)?;
    assert_eq!(jobs.list_all().await?.len(), 2);
    jobs.cancel_all()?;
    assert!(jobs.list_all().await?.is_empty());
    jobs.stop().await?;
    Ok(())
}

#[test]
fn serde_attributes_still_apply() -> Result<(), ValueError> {
    let msg = JobMsg::CancelAll;
    assert!(wire_ready(&msg).ends_with("JobMsg"));
    // `rename_all = "snake_case"` shapes the variant names on the wire.
    let de: StrDeserializer<'_, ValueError> = "cancel_all".into_deserializer();
    assert_eq!(JobMsg::deserialize(de)?, JobMsg::CancelAll);
    let de: StrDeserializer<'_, ValueError> = "list_all".into_deserializer();
    assert_eq!(JobMsg::deserialize(de)?, JobMsg::ListAll);
    let de: StrDeserializer<'_, ValueError> = "CancelAll".into_deserializer();
    assert!(JobMsg::deserialize(de).is_err());
    Ok(())
}
