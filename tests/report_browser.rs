//! `report.html` opened in a real browser: headless Chromium (Debian's `chromium`;
//! `.ci/install-browser` installs it) loads the page from disk and the plots render.
//!
//! Behind the `browser` feature, so a plain `cargo test` needs no browser:
//! `cargo test --features browser --test report_browser`. With the feature on, a missing browser
//! fails the test.
#![cfg(feature = "browser")]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/cli.rs"]
mod cli_support;
#[path = "support/small_run.rs"]
mod small_run;
use cli_support::{dialer, text};

/// The browser: `$CHROMIUM`, else Debian's path.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Runs headless Chromium on `page` with `args` (a fresh profile, no network services, no GPU),
/// giving up after a minute; returns stdout.
fn headless(page: &Path, profile: &Path, args: &[&str]) -> String {
    let browser = chromium();
    assert!(browser.exists(), "{} is missing: run .ci/install-browser (or set CHROMIUM)", browser.display());
    let url = format!("file://{}", page.display());
    let out = Command::new("timeout")
        .arg("60")
        .arg(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .output()
        .expect("chromium starts");
    assert!(out.status.success(), "chromium failed ({:?}): {}", out.status, text(&out.stderr));
    text(&out.stdout)
}

/// A report of a short simulated run; returns the page.
fn report(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    small_run::simulate_small(&run);
    let report = dir.join("report");
    let out = dialer(["report".as_ref(), run.as_os_str(), "--out".as_ref(), report.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    report.join("report.html")
}

#[test]
fn the_plots_render_in_chromium() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let page = report(tmp.path());

    // The page's own check, run by the browser after layout: each inline plot has a non-empty box
    // and drawn marks. It writes the count onto <body>, which --dump-dom prints.
    let dom = headless(&page, &tmp.path().join("profile-dom"), &["--dump-dom"]);
    let body = dom.find("<body").map(|i| &dom[i..]).and_then(|b| b.find('>').map(|j| &b[..j])).expect("a body");
    assert!(body.contains("data-plots-expected=\"5\""), "{body}");
    assert!(body.contains("data-plots-rendered=\"5\""), "the browser laid out fewer than 5 plots: {body}");

    // And the pixels: a screenshot of the top of the page, where the first plot is, is mostly
    // the page's light background but has dark marks (text, axes, lines) and the plots' colours.
    let shot = tmp.path().join("shot.png");
    headless(
        &page,
        &tmp.path().join("profile-shot"),
        &["--window-size=1300,1400", &format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (width, height, pixels) = decode(&png);
    assert_eq!((width, height), (1300, 1400));
    let colourful = pixels.iter().filter(|p| p.iter().max().unwrap_or(&0) - p.iter().min().unwrap_or(&0) > 80).count();
    let dark = pixels.iter().filter(|p| p.iter().all(|c| *c < 90)).count();
    // Only the plots are in colour (the page's own colours, pale backgrounds, differ by less than
    // 80 between channels), so without them this count is near zero; drawn, it was 134 690 on
    // Chromium 156 at this size. Dark pixels are text and axes: a page that rendered at all.
    assert!(colourful > 5_000, "only {colourful} coloured pixels: the plots did not draw");
    assert!(dark > 2_000, "only {dark} dark pixels: no text or axes");
}

/// The RGB pixels of a PNG screenshot.
fn decode(png: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("a PNG").to_rgb8();
    let (w, h) = image.dimensions();
    (w, h, image.pixels().map(|p| p.0).collect())
}
