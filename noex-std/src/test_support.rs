//! Helpers shared by the unit tests.

use std::fmt::Debug;
use std::time::Duration;

use noex_core::StartError;

/// Lets every task run until all wait for the (paused) clock.
pub(crate) async fn settle() {
    tokio::time::sleep(Duration::from_nanos(1)).await;
}

/// Asserts that a start failed with `InvalidOptions` whose text contains `expected`.
#[track_caller]
pub(crate) fn assert_invalid<T: Debug>(result: Result<T, StartError>, expected: &str) {
    match result {
        Err(StartError::InvalidOptions(text)) => {
            assert!(text.contains(expected), "{text:?} lacks {expected:?}")
        }
        other => panic!("expected InvalidOptions({expected}), got {other:?}"),
    }
}
