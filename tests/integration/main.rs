//! Cross-crate tests of noex, one module per behaviour.

mod hand_expanded;
