//! One module per instruction (or per small family of instructions).

pub mod close_signatures;
pub mod deliver;
pub mod execute_message;
pub mod governance;
pub mod initialize;
pub mod post_signatures;
pub mod queued;
pub mod remotes;
pub mod send;
