//! A progress bar for long work, drawn on standard error only when it is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Runs `work`, which advances the counter it is given towards `total`, showing a bar labelled
/// `label` if the work lasts more than half a second and standard error is a terminal.
pub fn track<T>(label: &str, total: u64, work: impl FnOnce(&AtomicU64) -> T) -> T {
    let done = AtomicU64::new(0);
    if !std::io::stderr().is_terminal() {
        return work(&done);
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% simulated, {elapsed} (eta {eta})")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar.set_message(label.to_owned());
            let mut ticks = 0;
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                ticks += 1;
                if ticks >= 5 {
                    bar.set_position(done.load(Ordering::Relaxed));
                }
            }
            bar.finish_and_clear();
        });
        let result = work(&done);
        finished.store(true, Ordering::Relaxed);
        result
    })
}
