//! The one place that decides whether a progress bar is drawn, and the
//! Ctrl-C flag every long run checks between chunks of work.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::report::money::thousands;

use crate::engine::Observer;

/// The signal that asked running work to stop (SIGINT, SIGTERM or
/// SIGHUP), or 0.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Makes the first Ctrl-C (SIGINT), SIGTERM or SIGHUP ask running work to
/// stop at the next block or stream, and a second one end the process at
/// once. Safe to call more than once.
pub fn install_interrupt_handler() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    // If the handler cannot be installed, the signals keep their default
    // effect of ending the process, which writes nothing half either.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if SIGNAL.swap(signal, Ordering::SeqCst) != 0 {
                std::process::exit(128 + signal);
            }
        }
    });
}

/// Whether a signal asked running work to stop.
pub fn interrupted() -> bool {
    SIGNAL.load(Ordering::SeqCst) != 0
}

/// The exit code of a run stopped by a signal: 128 plus its number (130
/// for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).
pub fn interrupted_exit_code() -> u8 {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => 130,
        signal => (128 + signal).clamp(0, 255) as u8,
    }
}

/// Runs shorter than this never show a bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A progress bar on stderr, drawn only on a terminal, only when not quiet,
/// and only once the work has taken a second.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
    shown: AtomicBool,
}

impl Progress {
    /// `unit` names what is counted ("paths", "points").
    pub fn new(total: u64, unit: &str, quiet: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let template = format!(
            "{{elapsed_precise}} [{{wide_bar}}] {{msg}}{{human_pos}}/{{human_len}} {unit} ({{rate}}/s, {{eta}} left)"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            // indicatif's own {per_sec} prints four decimals of a rate in
            // the millions; a whole number with separators reads better.
            let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", thousands(state.per_sec().max(0.0).round() as u64));
            };
            bar.set_style(style.with_key("rate", rate).progress_chars("=> "));
        }
        Progress {
            bar,
            started: Instant::now(),
            enabled: !quiet && std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
        }
    }

    pub fn set(&self, done: u64) {
        self.bar.set_position(done);
        if self.enabled
            && self.started.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::SeqCst)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Text shown before the count, such as "12/50 points · ": a sweep
    /// counts paths, for the rate and the time left, and shows points too.
    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn progress(&self, done: u64, total: u64) {
        // The solver learns its total only as it goes.
        self.bar.set_length(total);
        self.set(done);
    }

    fn should_stop(&self) -> bool {
        interrupted()
    }
}
