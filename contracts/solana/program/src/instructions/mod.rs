//! One module per instruction (or per small family of instructions), and the timelocked
//! actions `execute_proposal` runs.

pub mod action;
pub mod close_signatures;
pub mod deliver;
pub mod execute_message;
pub mod fees;
pub mod governance;
pub mod initialize;
pub mod post_signatures;
pub mod queued;
pub mod refund;
pub mod remotes;
pub mod send;
pub mod tokens;
pub mod upgrade;
