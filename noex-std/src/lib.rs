//! Ready-made noex servers (coming with the noex-std issue).
