//! What the generator itself costs: CPU time and peak memory of this process, read from Linux's
//! `/proc` (the only platform the load figures are measured on). Elsewhere they read as zero.

/// CPU time (user + system) this process has used, seconds.
pub fn cpu_seconds() -> f64 {
    // /proc/self/stat: fields 14 and 15 (utime, stime) in clock ticks, after the command name,
    // which is in parentheses and may itself hold spaces.
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return 0.0 };
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After ')' the fields start at field 3 (state): utime is field 14 → index 11.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

/// The kernel's clock tick (USER_HZ): 100 on every Linux architecture in use.
fn clock_ticks_per_second() -> f64 {
    100.0
}

/// The peak resident set size of this process, KiB (`VmHWM`).
pub fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// The resident set size now, KiB (`VmRSS`).
pub fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn status_kib(key: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return 0 };
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work_and_memory_is_read() {
        // Spin until the process has used 50 ms more CPU: the counter must move (in 10 ms
        // ticks) however loaded the machine is; the wall-clock bound only stops a broken reader.
        let before = cpu_seconds();
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while cpu_seconds() < before + 0.05 && start.elapsed().as_secs() < 30 {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(std::hint::black_box(1));
            }
        }
        std::hint::black_box(x);
        assert!(cpu_seconds() >= before + 0.05, "CPU time stuck at {before} s after 30 s of spinning");
        assert!(peak_rss_kib() >= rss_kib() && rss_kib() > 100);
    }
}
