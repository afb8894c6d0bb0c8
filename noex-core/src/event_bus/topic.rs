//! Topic and pattern syntax, and the segment trie that matches topics to subscriptions.
//!
//! Topics are dot-separated segments (`order.created`). A pattern is a topic whose
//! segments may be `*`, matching exactly one segment (`user.*` matches `user.created` but
//! not `user.profile.updated`); the pattern `*` alone matches every topic. Matching walks
//! the topic's segments down a trie built from the patterns, following the exact child
//! and the `*` child at each level, so its cost depends on the topic's length and the
//! patterns that share its prefixes, not on how many other subscriptions exist.

use std::collections::HashMap;

/// Why a topic or pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// The topic or pattern is empty.
    #[error("empty {0}: use dot-separated segments such as \"order.created\"")]
    Empty(&'static str),
    /// A segment is empty (leading, trailing or doubled dot).
    #[error(
        "{kind} {text:?} has an empty segment: segments are separated by single dots, e.g. \"order.created\""
    )]
    EmptySegment {
        /// "topic" or "pattern".
        kind: &'static str,
        /// The rejected text.
        text: String,
    },
    /// A wildcard in a topic (publish to concrete topics only).
    #[error(
        "topic {0:?} contains '*': publish to a concrete topic; wildcards belong in subscription patterns"
    )]
    WildcardInTopic(String),
    /// A `*` mixed with other characters in one segment.
    #[error("pattern {0:?} has a partial wildcard: '*' must be a whole segment, as in \"user.*\"")]
    PartialWildcard(String),
}

pub(crate) fn validate_topic(topic: &str) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty("topic"));
    }
    if topic.contains('*') {
        return Err(TopicError::WildcardInTopic(topic.to_string()));
    }
    if topic.split('.').any(str::is_empty) {
        return Err(TopicError::EmptySegment {
            kind: "topic",
            text: topic.to_string(),
        });
    }
    Ok(())
}

pub(crate) fn validate_pattern(pattern: &str) -> Result<(), TopicError> {
    if pattern.is_empty() {
        return Err(TopicError::Empty("pattern"));
    }
    for segment in pattern.split('.') {
        if segment.is_empty() {
            return Err(TopicError::EmptySegment {
                kind: "pattern",
                text: pattern.to_string(),
            });
        }
        if segment != "*" && segment.contains('*') {
            return Err(TopicError::PartialWildcard(pattern.to_string()));
        }
    }
    Ok(())
}

/// True if `pattern` matches `topic` (both already validated). The reference the trie
/// is tested against.
#[cfg(test)]
pub(crate) fn matches(pattern: &str, topic: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.split('.');
    let mut t = topic.split('.');
    loop {
        match (p.next(), t.next()) {
            (None, None) => return true,
            (Some(ps), Some(ts)) if ps == "*" || ps == ts => {}
            _ => return false,
        }
    }
}

#[derive(Default)]
struct Node {
    exact: HashMap<Box<str>, Node>,
    star: Option<Box<Node>>,
    here: Vec<u64>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.here.is_empty() && self.exact.is_empty() && self.star.is_none()
    }
}

/// Subscription ids indexed by pattern.
#[derive(Default)]
pub(crate) struct Trie {
    root: Node,
    /// Subscriptions to `*`, which match every topic.
    everything: Vec<u64>,
}

impl Trie {
    pub(crate) fn insert(&mut self, pattern: &str, id: u64) {
        if pattern == "*" {
            self.everything.push(id);
            return;
        }
        let mut node = &mut self.root;
        for segment in pattern.split('.') {
            node = if segment == "*" {
                node.star.get_or_insert_with(Box::default)
            } else {
                node.exact.entry(segment.into()).or_default()
            };
        }
        node.here.push(id);
    }

    pub(crate) fn remove(&mut self, pattern: &str, id: u64) {
        if pattern == "*" {
            self.everything.retain(|&i| i != id);
            return;
        }
        let segments: Vec<&str> = pattern.split('.').collect();
        remove_in(&mut self.root, &segments, id);
    }

    /// Calls `found` with every subscription whose pattern matches `topic`.
    pub(crate) fn for_each_match(&self, topic: &str, mut found: impl FnMut(u64)) {
        for &id in &self.everything {
            found(id);
        }
        walk(&self.root, topic.split('.'), &mut found);
    }
}

fn walk(node: &Node, mut segments: std::str::Split<'_, char>, found: &mut impl FnMut(u64)) {
    let Some(first) = segments.next() else {
        for &id in &node.here {
            found(id);
        }
        return;
    };
    if let Some(child) = node.exact.get(first) {
        walk(child, segments.clone(), found);
    }
    if let Some(child) = &node.star {
        walk(child, segments, found);
    }
}

/// Removes `id` below `node`; prunes nodes left empty. Returns true if `node` is empty.
fn remove_in(node: &mut Node, segments: &[&str], id: u64) -> bool {
    match segments.split_first() {
        None => node.here.retain(|&i| i != id),
        Some((&"*", rest)) => {
            if let Some(child) = node.star.as_mut() {
                if remove_in(child, rest, id) {
                    node.star = None;
                }
            }
        }
        Some((first, rest)) => {
            if let Some(child) = node.exact.get_mut(*first) {
                if remove_in(child, rest, id) {
                    node.exact.remove(*first);
                }
            }
        }
    }
    node.is_empty()
}
