//! Program log parsing: which program emitted each `Program data:` line.
//!
//! The runtime writes `Program <id> invoke [<depth>]` when a program starts,
//! `Program <id> success` or `Program <id> failed: <error>` when it ends, and
//! `Program data: <base64> <base64> ...` for each `sol_log_data` call of the program on top of
//! the invocation stack. Events are attributed by replaying that stack.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use trestle_core::solana::SolanaAddress;

/// One `Program data:` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramData {
    /// The program that logged it (top of the invocation stack).
    pub program: SolanaAddress,
    /// Invocation depth (1 = called by the transaction, 2+ = by cross-program invocation).
    pub depth: usize,
    /// The logged fields, decoded and concatenated (Anchor events are one field:
    /// discriminator then Borsh data).
    pub data: Vec<u8>,
}

/// What the logs say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedLogs {
    /// Every `Program data:` record, in log order.
    pub data: Vec<ProgramData>,
    /// Whether the node truncated the logs (`Log truncated`): records may be missing.
    pub truncated: bool,
}

/// Parses a transaction's log messages. Refuses (naming the line) a `Program data:` line
/// that is not base64 or that no program is running for; other lines are not interpreted.
pub fn parse_logs(logs: &[String]) -> Result<ParsedLogs, String> {
    let mut stack: Vec<SolanaAddress> = Vec::new();
    let mut out = ParsedLogs::default();
    for (n, line) in logs.iter().enumerate() {
        if line == "Log truncated" {
            out.truncated = true;
            continue;
        }
        if let Some(fields) = line.strip_prefix("Program data: ") {
            let program = *stack
                .last()
                .ok_or_else(|| format!("log line {n}: `Program data:` with no program running"))?;
            let mut data = Vec::new();
            for field in fields.split(' ').filter(|f| !f.is_empty()) {
                let bytes = BASE64.decode(field).map_err(|e| {
                    format!("log line {n}: `Program data:` field is not base64: {e}")
                })?;
                data.extend_from_slice(&bytes);
            }
            out.data.push(ProgramData {
                program,
                depth: stack.len(),
                data,
            });
            continue;
        }
        let Some(rest) = line.strip_prefix("Program ") else {
            continue;
        };
        let mut words = rest.split(' ');
        let (Some(id), Some(verb)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(program) = SolanaAddress::parse(id) else {
            // `Program log: ...`, `Program return: ...`, `Program consumption: ...`.
            continue;
        };
        match verb {
            "invoke" => stack.push(program),
            "success" | "failed:" => {
                if stack.last() == Some(&program) {
                    stack.pop();
                } else {
                    return Err(format!(
                        "log line {n}: {program} ended but {} was running",
                        stack
                            .last()
                            .map_or_else(|| "no program".to_owned(), ToString::to_string)
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn attributes_data_to_the_running_program() {
        let outer = SolanaAddress([1; 32]);
        let inner = SolanaAddress([2; 32]);
        let logs = lines(&[
            &format!("Program {outer} invoke [1]"),
            "Program log: Instruction: Send",
            "Program data: AQID",
            &format!("Program {inner} invoke [2]"),
            "Program data: BAU= Bg==",
            &format!("Program {inner} consumed 100 of 200 compute units"),
            &format!("Program {inner} success"),
            "Program data: Bw==",
            &format!("Program return: {outer} AA=="),
            &format!("Program {outer} success"),
        ]);
        let parsed = parse_logs(&logs).unwrap();
        assert!(!parsed.truncated);
        assert_eq!(
            parsed.data,
            [
                ProgramData {
                    program: outer,
                    depth: 1,
                    data: vec![1, 2, 3]
                },
                ProgramData {
                    program: inner,
                    depth: 2,
                    data: vec![4, 5, 6]
                },
                ProgramData {
                    program: outer,
                    depth: 1,
                    data: vec![7]
                },
            ]
        );
    }

    #[test]
    fn refuses_inconsistent_logs() {
        let a = SolanaAddress([1; 32]);
        assert!(parse_logs(&lines(&["Program data: AQID"])).is_err());
        assert!(
            parse_logs(&lines(&[
                &format!("Program {a} invoke [1]"),
                "Program data: !!"
            ]))
            .is_err()
        );
        assert!(parse_logs(&lines(&[&format!("Program {a} success")])).is_err());
        let truncated = parse_logs(&lines(&["Log truncated"])).unwrap();
        assert!(truncated.truncated);
    }
}
