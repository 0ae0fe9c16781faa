//! Builders of the program's administration instructions: `initialize`, `propose` with its
//! actions, `execute_proposal`, `cancel_proposal`, `pause`, `cancel_queued`.
