//! What a command prints: text for people or one JSON object for programs, and its exit code.

use std::process::ExitCode;

/// What a command produced: text for people, JSON for programs, and whether it succeeded.
#[derive(Debug)]
pub struct Outcome {
    text: String,
    json: serde_json::Value,
    success: bool,
}

impl Outcome {
    /// A successful result.
    pub fn ok(text: impl Into<String>, json: serde_json::Value) -> Self {
        Outcome {
            text: text.into(),
            json,
            success: true,
        }
    }

    /// A result that is reported normally but exits with status 1 (for example an invalid
    /// address given to `validate-address`). The text goes to stderr.
    pub fn failed(text: impl Into<String>, json: serde_json::Value) -> Self {
        Outcome {
            text: text.into(),
            json,
            success: false,
        }
    }

    /// Prints the outcome in the chosen format.
    pub fn print(&self, json: bool) {
        let body = if json {
            self.json.to_string()
        } else {
            self.text.clone()
        };
        if self.success {
            println!("{body}");
        } else {
            eprintln!("{body}");
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        if self.success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Prints an error to stderr, as text (`error: ...: cause`) or as `{"error": "..."}`.
pub fn print_error(err: &anyhow::Error, json: bool) {
    let message = format!("{err:#}");
    if json {
        eprintln!("{}", serde_json::json!({ "error": message }));
    } else {
        eprintln!("error: {message}");
    }
}
