use super::TopicError;
use super::topic::{Trie, matches, validate_pattern, validate_topic};

#[test]
fn wildcard_table() {
    let cases = [
        ("user.created", "user.created", true),
        ("user.created", "user.updated", false),
        ("user.created", "user.created.admin", false),
        ("user.*", "user.created", true),
        ("user.*", "user.deleted", true),
        ("user.*", "order.created", false),
        ("user.*", "user.profile.updated", false),
        ("user.*", "user", false),
        ("*", "anything", true),
        ("*", "user.profile.updated", true),
        ("*.created", "order.created", true),
        ("*.created", "order.updated", false),
        ("user.*.updated", "user.profile.updated", true),
        ("user.*.updated", "user.profile.deleted", false),
        ("*.*", "a.b", true),
        ("*.*", "a", false),
        ("*.*", "a.b.c", false),
    ];
    for (pattern, topic, expected) in cases {
        assert_eq!(matches(pattern, topic), expected, "{pattern} vs {topic}");
        let mut trie = Trie::default();
        trie.insert(pattern, 7);
        let mut found = Vec::new();
        trie.for_each_match(topic, |id| found.push(id));
        assert_eq!(found == [7], expected, "trie: {pattern} vs {topic}");
    }
}

#[test]
fn invalid_topics_and_patterns_are_rejected() {
    assert_eq!(validate_topic(""), Err(TopicError::Empty("topic")));
    assert!(matches!(
        validate_topic("a..b"),
        Err(TopicError::EmptySegment { .. })
    ));
    assert!(matches!(
        validate_topic(".a"),
        Err(TopicError::EmptySegment { .. })
    ));
    assert!(matches!(
        validate_topic("a."),
        Err(TopicError::EmptySegment { .. })
    ));
    assert!(matches!(
        validate_topic("a.*"),
        Err(TopicError::WildcardInTopic(_))
    ));
    assert_eq!(validate_pattern(""), Err(TopicError::Empty("pattern")));
    assert!(matches!(
        validate_pattern("user..x"),
        Err(TopicError::EmptySegment { .. })
    ));
    assert!(matches!(
        validate_pattern("us*r.x"),
        Err(TopicError::PartialWildcard(_))
    ));
    assert!(matches!(
        validate_pattern("user.**"),
        Err(TopicError::PartialWildcard(_))
    ));
    assert!(validate_pattern("*").is_ok());
    assert!(validate_pattern("a.*.c").is_ok());
    assert!(validate_topic("a.b.c").is_ok());
}

#[test]
fn trie_matches_agree_with_the_reference_on_many_subscriptions() {
    let patterns = [
        "a.b", "a.*", "*.b", "*", "a.b.c", "a.*.c", "*.*.*", "x.y", "a", "*.b.*",
    ];
    let topics = [
        "a.b", "a.c", "x.b", "a.b.c", "a.x.c", "x.y", "a", "q.b.z", "x.y.z",
    ];
    let mut trie = Trie::default();
    for (id, p) in patterns.iter().enumerate() {
        trie.insert(p, id as u64);
    }
    for topic in topics {
        let mut found = Vec::new();
        trie.for_each_match(topic, |id| found.push(id));
        found.sort_unstable();
        let expected: Vec<u64> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| matches(p, topic))
            .map(|(i, _)| i as u64)
            .collect();
        assert_eq!(found, expected, "topic {topic}");
    }
}

#[test]
fn removing_subscriptions_prunes_the_trie() {
    let mut trie = Trie::default();
    trie.insert("a.b.c", 1);
    trie.insert("a.*.c", 2);
    trie.insert("*", 3);
    trie.remove("a.b.c", 1);
    trie.remove("*", 3);
    let mut found = Vec::new();
    trie.for_each_match("a.b.c", |id| found.push(id));
    assert_eq!(found, [2]);
    trie.remove("a.*.c", 2);
    let mut found = Vec::new();
    trie.for_each_match("a.b.c", |id| found.push(id));
    assert!(found.is_empty());
    // Removing what is not there is harmless.
    trie.remove("q.r", 9);
}
