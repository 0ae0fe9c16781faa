//! Child processes that are killed on drop and die with the test process.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::error::{Error, Result};
use crate::tool::Tool;

/// How many of the node's last output lines are kept for error messages.
const KEPT_LINES: usize = 60;

type SpawnJob = (Command, Sender<std::io::Result<Child>>);

/// A running node process. Dropping it kills the process and waits for it.
pub(crate) struct NodeProcess {
    tool: Tool,
    child: Child,
    output: Arc<Mutex<VecDeque<String>>>,
}

impl NodeProcess {
    /// Starts `command` (whose program is `path`) with stdout and stderr captured. Every stdout
    /// line is also sent to `stdout_lines` while its receiver lives.
    pub(crate) fn spawn(
        tool: Tool,
        path: &Path,
        mut command: Command,
        stdout_lines: Option<Sender<String>>,
    ) -> Result<Self> {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        die_with_parent(&mut command);
        let mut child = spawn_from_long_lived_thread(command).map_err(|source| Error::Spawn {
            tool: tool.binary_name(),
            path: path.to_path_buf(),
            source,
        })?;
        let output = Arc::new(Mutex::new(VecDeque::with_capacity(KEPT_LINES)));
        if let Some(stdout) = child.stdout.take() {
            drain(stdout, Arc::clone(&output), stdout_lines);
        }
        if let Some(stderr) = child.stderr.take() {
            drain(stderr, Arc::clone(&output), None);
        }
        Ok(Self {
            tool,
            child,
            output,
        })
    }

    /// The operating system's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has ended.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// An [`Error::Startup`] with `reason` and the node's last output lines.
    pub(crate) fn startup_error(&mut self, reason: impl Into<String>) -> Error {
        let mut reason = reason.into();
        if let Some(status) = self.exited() {
            reason = format!("{reason} (process exited: {status})");
        }
        let output = self
            .output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        Error::Startup {
            tool: self.tool.binary_name(),
            reason,
            output,
        }
    }
}

impl std::fmt::Debug for NodeProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeProcess")
            .field("tool", &self.tool)
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        // Errors mean the process is already gone; there is nothing else to do in a drop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `pipe` line by line on a detached thread until the process closes it, keeping the
/// last lines in `kept` and forwarding each to `forward`. Draining also keeps a chatty node
/// from blocking on a full pipe.
fn drain(
    pipe: impl Read + Send + 'static,
    kept: Arc<Mutex<VecDeque<String>>>,
    mut forward: Option<Sender<String>>,
) {
    let spawned = std::thread::Builder::new()
        .name("trestle-node-output".into())
        .spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(tx) = &forward
                    && tx.send(line.clone()).is_err()
                {
                    forward = None;
                }
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                if kept.len() == KEPT_LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
    // Without the thread the pipe is dropped: the node then gets EPIPE on output rather than
    // blocking, and startup errors just lack its output.
    drop(spawned);
}

/// Spawns `command` from one thread that lives as long as the test process.
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the child ends, not the process. Tests
/// run on short-lived threads and may hand a node to another thread (a shared fixture), so the
/// fork happens on a dedicated thread that never exits; the signal then means "the test process
/// died", which is the intent.
fn spawn_from_long_lived_thread(command: Command) -> std::io::Result<Child> {
    static SPAWNER: OnceLock<Sender<SpawnJob>> = OnceLock::new();
    let spawner = match SPAWNER.get() {
        Some(spawner) => spawner,
        None => {
            let (tx, rx) = mpsc::channel::<SpawnJob>();
            std::thread::Builder::new()
                .name("trestle-node-spawner".into())
                .spawn(move || {
                    for (mut command, reply) in rx {
                        // The requester may have given up; the child is then dropped (and, on
                        // Linux, lives until this process ends). Nothing to report to.
                        let _ = reply.send(command.spawn());
                    }
                })?;
            // If another thread won the race, `tx` is dropped here and our spawner thread ends
            // without ever having forked anything.
            SPAWNER.get_or_init(|| tx)
        }
    };
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner
        .send((command, reply_tx))
        .map_err(|_| std::io::Error::other("the node spawner thread has stopped"))?;
    reply_rx
        .recv()
        .map_err(|_| std::io::Error::other("the node spawner thread has stopped"))?
}

/// Makes the child receive SIGKILL when the test process dies, so that a test binary killed by
/// a timeout or a signal (which runs no destructors) leaves no node behind.
#[cfg(target_os = "linux")]
#[allow(
    unsafe_code,
    reason = "pre_exec is unsafe and prctl/getppid are FFI; there is no safe way to set a parent-death signal"
)]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;

    let parent = libc::pid_t::try_from(std::process::id()).ok();
    // SAFETY: the closure runs in the forked child before exec. It only calls prctl(2) and
    // getppid(2), which are async-signal-safe, and does not allocate or take locks.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then no signal will come.
            if parent.is_some_and(|parent| libc::getppid() != parent) {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Elsewhere the node is only stopped by drop.
#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}
