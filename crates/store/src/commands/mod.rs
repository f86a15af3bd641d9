//! One file per user-level operation, each a plain function over a [`crate::Repository`].

pub mod backup;
pub mod check;
pub mod folder;
pub mod forget;
pub mod gc;
pub mod list;
pub mod marks;
pub mod restore;
pub mod rewrite;
pub mod stats;
