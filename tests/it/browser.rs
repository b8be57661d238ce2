//! Every kind of page in a real browser: headless Chromium renders it, a
//! screenshot is taken, and the DOM it dumps must show every chart drawn
//! with a non-empty size and no script or console error (the page's own
//! inline script writes both into attributes of `<body>`).
//!
//! Skipped, with a message, where no Chromium is installed (`.ci/run`
//! installs Debian's `chromium`). `REVSIM_CHROMIUM` names another binary.
//! Screenshots are kept in `target/tmp/browser/` for a person to look at.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::root;

/// The browser to use, if any.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REVSIM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs the browser headless on `page` with `extra` flags, in a new empty
/// profile, and returns its stdout and how long it took. Gives up after a
/// minute.
fn headless(browser: &Path, page: &Path, extra: &[String]) -> (String, Duration) {
    let profile = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the browser starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).ok();
        text
    });
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("{} did not finish within a minute", browser.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (reader.join().unwrap(), started.elapsed())
}

/// The value of attribute `name` of the dumped `<body ...>` tag.
fn body_attribute(dom: &str, name: &str) -> Option<String> {
    let start = dom.find("<body ")?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!("{name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].replace("&quot;", "\""))
}

fn simulate(args: &[&str], page: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .current_dir(root())
        .args(args)
        .args(["--quiet", "--report"])
        .arg(page)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "simulate {args:?}");
}

#[test]
fn every_kind_of_page_renders_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED every_kind_of_page_renders_in_chromium: no chromium on PATH \
             (install Debian's chromium, as .ci/run does, or set REVSIM_CHROMIUM)"
        );
        return;
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let pages: [(&str, &[&str]); 6] = [
        ("base", &["scenarios/base.toml"]),
        (
            "sweep_one_way",
            &[
                "sweep",
                "scenarios/sweeps/tiktok_churn.toml",
                "--paths",
                "5000",
            ],
        ),
        (
            "sweep_two_way",
            &[
                "sweep",
                "scenarios/sweeps/churn_by_copilot_growth.toml",
                "--paths",
                "2000",
            ],
        ),
        (
            "sweep_latin_hypercube",
            &[
                "sweep",
                "scenarios/sweeps/latin_hypercube.toml",
                "--paths",
                "1000",
            ],
        ),
        (
            "sensitivity",
            &["sensitivity", "scenarios/base.toml", "--paths", "5000"],
        ),
        (
            "compare",
            &[
                "compare",
                "scenarios/base.toml",
                "scenarios/bytedance_leaves_early.toml",
                "scenarios/diversified.toml",
                "--paths",
                "5000",
            ],
        ),
    ];
    for (name, args) in pages {
        let page = shots.join(format!("{name}.html"));
        simulate(args, &page);
        let html = std::fs::read_to_string(&page).unwrap();
        let charts = html.matches("<figure class=\"chart\">").count();
        assert!(charts > 0, "{name}: no chart on the page");

        let (dom, took) = headless(&browser, &page, &["--dump-dom".to_string()]);
        let sizes = body_attribute(&dom, "data-chart-sizes")
            .unwrap_or_else(|| panic!("{name}: the page's script did not run:\n{dom:.400}"));
        let sizes: Vec<(u32, u32)> = sizes
            .split_whitespace()
            .map(|s| {
                let (w, h) = s.split_once('x').unwrap();
                (w.parse().unwrap(), h.parse().unwrap())
            })
            .collect();
        assert_eq!(sizes.len(), charts, "{name}: every chart is in the DOM");
        assert!(
            sizes.iter().all(|&(w, h)| w > 100 && h > 100),
            "{name}: a chart rendered empty: {sizes:?}"
        );
        assert_eq!(
            body_attribute(&dom, "data-errors").as_deref(),
            Some("[]"),
            "{name}: console errors"
        );
        let render_ms = body_attribute(&dom, "data-render-ms").unwrap_or_default();
        eprintln!(
            "{name}: {} bytes, {charts} charts, loaded in {render_ms} ms after navigation \
             ({} ms for the whole headless browser run)",
            html.len(),
            took.as_millis()
        );

        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        headless(
            &browser,
            &page,
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1000,2400".to_string(),
                "--hide-scrollbars".to_string(),
            ],
        );
        let bytes = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(bytes > 20_000, "{name}: screenshot of {bytes} bytes");
        eprintln!("{name}: screenshot {}", shot.display());
    }
}
