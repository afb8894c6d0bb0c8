//! Names of generated items: method names from variant names, the handler and client
//! names from the enum's name, and the method names that generated code must not use.

/// `GetHistory` → `get_history`, `HTTPGet` → `http_get`, `V2Get` → `v2_get`.
///
/// A word starts at an uppercase letter that follows a lowercase letter or a digit, or
/// that ends a run of capitals (the `G` of `HTTPGet`). Underscores are kept, never doubled.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_uppercase() {
            if c != '_' || !out.ends_with('_') {
                out.push(c);
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let starts_word = match prev {
            Some(p) if p.is_lowercase() || p.is_numeric() => true,
            Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
            _ => false,
        };
        if starts_word && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The enum's name without a trailing `Messages`, `Message` or `Msg`, when something is
/// left: `CounterMsg` → `Counter`, `Msg` → `Msg`.
pub(crate) fn base_name(enum_name: &str) -> &str {
    ["Messages", "Message", "Msg"]
        .iter()
        .find_map(|suffix| {
            enum_name
                .strip_suffix(suffix)
                .filter(|base| !base.is_empty())
        })
        .unwrap_or(enum_name)
}

/// True for Rust's strict and reserved keywords (all editions), which cannot be method
/// names. (Raw identifiers would work for most, not for `self`, `super` or `crate`; a
/// method called `r#type` is no pleasure to call either.)
pub(crate) fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
        "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    KEYWORDS.contains(&name)
}

/// Why a generated method may not be called `name`, if it may not.
pub(crate) struct Reserved {
    /// The end of a sentence starting "the method `name` …".
    pub(crate) why: &'static str,
    /// True if generating the method anyway would not compile (it would clash with a
    /// hook of the handler trait); false if it would only be unreachable or ambiguous
    /// where it is called, so the expansion can still be emitted next to the error.
    pub(crate) clashes: bool,
}

/// If a generated method called `name` would be hidden by, clash with, or make ambiguous
/// a method that already exists where it is called, says so.
///
/// The client methods are called through `ServerRef`'s `Deref`, so `ServerRef`'s own
/// methods and the methods of the traits it implements win over them. The handler methods
/// share the handler trait with the lifecycle hooks, and the state struct with
/// `GenServer`'s provided methods.
pub(crate) fn reserved_by(name: &str) -> Option<Reserved> {
    const RESERVED: &[(&str, &str)] = &[
        ("pid", "is shadowed by `ServerRef::pid`"),
        ("is_alive", "is shadowed by `ServerRef::is_alive`"),
        ("exit_reason", "is shadowed by `ServerRef::exit_reason`"),
        ("with_timeout", "is shadowed by `ServerRef::with_timeout`"),
        ("cast", "is shadowed by `ServerRef::cast`"),
        ("cast_wait", "is shadowed by `ServerRef::cast_wait`"),
        ("stop", "is shadowed by `ServerRef::stop`"),
        ("stop_with", "is shadowed by `ServerRef::stop_with`"),
        ("stop_timeout", "is shadowed by `ServerRef::stop_timeout`"),
        ("kill", "is shadowed by `ServerRef::kill`"),
        ("wait", "is shadowed by `ServerRef::wait`"),
        ("monitor", "is shadowed by `ServerRef::monitor`"),
        ("to_process", "is shadowed by `ServerRef::to_process`"),
        (
            "as_process",
            "`AsProcess::as_process`, implemented by `ServerRef`",
        ),
        (
            "clone",
            "is shadowed by `Clone::clone`, which `ServerRef` implements",
        ),
        (
            "clone_from",
            "`Clone::clone_from`, implemented by `ServerRef`",
        ),
        (
            "clone_into",
            "`ToOwned::clone_into`, implemented by `ServerRef`",
        ),
        (
            "fmt",
            "is shadowed by `Debug::fmt`, which `ServerRef` implements",
        ),
        (
            "eq",
            "is shadowed by `PartialEq::eq`, which `ServerRef` implements",
        ),
        (
            "ne",
            "is shadowed by `PartialEq::ne`, which `ServerRef` implements",
        ),
        (
            "hash",
            "is shadowed by `Hash::hash`, which `ServerRef` implements",
        ),
        (
            "deref",
            "is shadowed by `Deref::deref`, which `ServerRef` implements",
        ),
        (
            "into",
            "is shadowed by `Into::into`, which `ServerRef` implements",
        ),
        (
            "from",
            "is shadowed by `From::from`, which `ServerRef` implements",
        ),
        (
            "try_into",
            "`TryInto::try_into`, implemented by `ServerRef`",
        ),
        (
            "try_from",
            "`TryFrom::try_from`, implemented by `ServerRef`",
        ),
        (
            "type_id",
            "is shadowed by `Any::type_id`, which `ServerRef` implements",
        ),
        (
            "borrow",
            "is shadowed by `Borrow::borrow`, which `ServerRef` implements",
        ),
        (
            "borrow_mut",
            "`BorrowMut::borrow_mut`, implemented by `ServerRef`",
        ),
        (
            "to_owned",
            "`ToOwned::to_owned`, implemented by `ServerRef`",
        ),
        ("init", "clashes with the handler trait's `init` hook"),
        (
            "terminate",
            "clashes with the handler trait's `terminate` hook",
        ),
        (
            "handle_down",
            "clashes with the handler trait's `handle_down` hook",
        ),
        (
            "start",
            "would make `GenServer::start` ambiguous on the state",
        ),
        (
            "start_with",
            "`GenServer::start_with`, which starts the server",
        ),
    ];
    const HOOKS: &[&str] = &["init", "terminate", "handle_down"];
    RESERVED
        .iter()
        .find(|(reserved, _)| *reserved == name)
        .map(|&(_, why)| Reserved {
            why,
            clashes: HOOKS.contains(&name),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_camel_case_words() {
        assert_eq!(snake_case("Get"), "get");
        assert_eq!(snake_case("GetHistory"), "get_history");
        assert_eq!(snake_case("AddManyItems"), "add_many_items");
    }

    #[test]
    fn snake_case_keeps_acronyms_together() {
        assert_eq!(snake_case("HTTPGet"), "http_get");
        assert_eq!(snake_case("GetHTTP"), "get_http");
        assert_eq!(snake_case("GetHTTPResponse"), "get_http_response");
        assert_eq!(snake_case("IOError"), "io_error");
        assert_eq!(snake_case("ABC"), "abc");
        assert_eq!(snake_case("A"), "a");
    }

    #[test]
    fn snake_case_handles_digits_and_underscores() {
        assert_eq!(snake_case("V2Get"), "v2_get");
        assert_eq!(snake_case("Get2"), "get2");
        assert_eq!(snake_case("Md5Sum"), "md5_sum");
        assert_eq!(snake_case("Get_History"), "get_history");
        assert_eq!(snake_case("Get__History"), "get_history");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }

    #[test]
    fn snake_case_handles_non_ascii_letters() {
        assert_eq!(snake_case("ÉtatCourant"), "état_courant");
    }

    #[test]
    fn base_name_strips_one_message_suffix() {
        assert_eq!(base_name("CounterMsg"), "Counter");
        assert_eq!(base_name("CounterMessage"), "Counter");
        assert_eq!(base_name("CounterMessages"), "Counter");
        assert_eq!(base_name("Counter"), "Counter");
        assert_eq!(base_name("CounterMsgs"), "CounterMsgs");
    }

    #[test]
    fn base_name_keeps_a_bare_suffix() {
        assert_eq!(base_name("Msg"), "Msg");
        assert_eq!(base_name("Message"), "Message");
        assert_eq!(base_name("Messages"), "Messages");
    }

    #[test]
    fn keywords_and_reserved_names_are_recognised() {
        assert!(is_keyword("type"));
        assert!(is_keyword("gen"));
        assert!(!is_keyword("get"));
        let stop = reserved_by("stop").map(|r| (r.why, r.clashes));
        assert_eq!(stop, Some(("is shadowed by `ServerRef::stop`", false)));
        assert!(reserved_by("init").is_some_and(|r| r.clashes));
        assert!(reserved_by("start").is_some_and(|r| !r.clashes));
        assert!(reserved_by("get").is_none());
    }
}
