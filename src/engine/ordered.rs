//! Numbered jobs run on every worker of a pool, their results handed on
//! in job order.
//!
//! Every worker takes the next job not yet taken, runs it, and files its
//! result; whoever files the job that is next in order hands it on, and
//! any later ones already waiting. Results are handed on in job order, so
//! whatever folds them gets the same bits whatever the thread count, and
//! no worker waits at a barrier. A worker does not start a job more than
//! a few jobs per thread ahead of the one next in order, so at most that
//! many finished results wait in memory even if one thread is held up (by
//! the operating system, say).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::Observer;

/// Jobs a worker may run ahead of the one next in order, per thread.
pub(super) const WINDOW_PER_THREAD: usize = 4;

/// Runs `work(0..jobs)` on every worker of `pool` and calls
/// `hand_on(job, result)` for each job in job order (on whichever worker
/// filed the result, one call at a time). `hand_on` returns the paths
/// done so far, which the observer is told after every hand-on, against
/// `total_paths`; it is asked before every job whether to stop.
///
/// Returns whether every job was handed on: false when the observer asked
/// to stop, or a job panicked (the panic then propagates from the pool).
pub(super) fn in_order<T: Send>(
    pool: &rayon::ThreadPool,
    jobs: u64,
    total_paths: u64,
    observer: &dyn Observer,
    work: impl Fn(u64) -> T + Sync,
    hand_on: impl FnMut(u64, T) -> u64 + Send,
) -> bool {
    let window = (pool.current_num_threads() * WINDOW_PER_THREAD) as u64;
    let state = Mutex::new(Queue {
        next: 0,
        waiting: BTreeMap::new(),
        stop: false,
        hand_on,
    });
    let filed = Condvar::new();
    let taken = AtomicU64::new(0);
    pool.broadcast(|_| {
        // If a job panics, let the others stop rather than wait for it.
        let _unblock = StopOnUnwind {
            state: &state,
            filed: &filed,
        };
        loop {
            if observer.should_stop() {
                lock(&state).stop = true;
                filed.notify_all();
                return;
            }
            let job = taken.fetch_add(1, Ordering::Relaxed);
            if job >= jobs {
                return;
            }
            {
                let mut s = lock(&state);
                while job >= s.next + window && !s.stop {
                    s = filed.wait(s).unwrap_or_else(PoisonError::into_inner);
                }
                if s.stop {
                    return;
                }
            }
            let result = work(job);
            let done = {
                let mut s = lock(&state);
                let Queue {
                    next,
                    waiting,
                    hand_on,
                    ..
                } = &mut *s;
                waiting.insert(job, result);
                let mut done = None;
                while let Some(result) = waiting.remove(next) {
                    done = Some(hand_on(*next, result));
                    *next += 1;
                }
                done
            };
            filed.notify_all();
            if let Some(done) = done {
                observer.progress(done, total_paths);
            }
        }
    });
    let state = state.into_inner().unwrap_or_else(PoisonError::into_inner);
    state.next == jobs
}

/// The jobs handed on so far (`0..next`), and finished ones waiting for
/// an earlier one.
struct Queue<T, H> {
    next: u64,
    waiting: BTreeMap<u64, T>,
    stop: bool,
    hand_on: H,
}

fn lock<T, H>(state: &Mutex<Queue<T, H>>) -> MutexGuard<'_, Queue<T, H>> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Asks every worker to stop when dropped during a panic, so that none
/// waits for a job that will never be filed.
struct StopOnUnwind<'a, T, H> {
    state: &'a Mutex<Queue<T, H>>,
    filed: &'a Condvar,
}

impl<T, H> Drop for StopOnUnwind<'_, T, H> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(self.state).stop = true;
            self.filed.notify_all();
        }
    }
}
