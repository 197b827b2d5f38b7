//! What the tests that run the real `tally` binary share.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Taken by the tests that drive the ingest binary through long streams, kills and
/// outages, so that they run one at a time: they bound stalls, stop times and memory,
/// which a neighbour's load on a small machine would skew.
pub static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Stops the process if the test ends before it does: a process left behind would hold
/// the test run's output open and hang it.
pub struct Guard {
    pub child: Child,
    /// How long a SIGTERM is given to work before the SIGKILL; zero kills at once.
    grace: Duration,
}

impl Guard {
    /// Kills the process with SIGKILL when the guard is dropped.
    pub fn kill_on_drop(child: Child) -> Guard {
        Guard {
            child,
            grace: Duration::ZERO,
        }
    }

    /// Sends SIGTERM when the guard is dropped, so the process can clean up after itself,
    /// and SIGKILL if it has not exited after `grace`.
    pub fn terminate_on_drop(child: Child, grace: Duration) -> Guard {
        Guard { child, grace }
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("signal the child");
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        if !self.grace.is_zero() {
            let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
            if exit_within(&mut self.child, self.grace).is_some() {
                return;
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's exit status, or `None` if it has not exited within `within`, so that a
/// child that fails to stop fails the test instead of hanging it.
pub fn exit_within(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return Some(status);
        }
        if started.elapsed() > within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
