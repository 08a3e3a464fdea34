//! The single-file HTML report (`--format html`) opened in a real browser:
//! headless Chromium (installed by .ci/needs/browser.sh) loads the report of
//! real scans (a project with findings, trivy-ci-test, and an image, alpine
//! 3.10) from a `file://` URL with the network cut off (every host name
//! unresolvable, every request sent to a dead proxy). The test then checks
//! what the browser made of it, not the source file:
//! - the DOM Chromium serialized after parsing holds the severity summary, the
//!   inline SVG chart with the counts of the JSON report of the same scan, and
//!   every finding id of that JSON report;
//! - that DOM references nothing outside the file (no script, stylesheet,
//!   image, font or frame; `href` only on plain `<a>` links);
//! - Chromium's network log shows no request made for the page, and its log
//!   no console message;
//! - the screenshot is not blank, and each bar of the chart is painted in its
//!   colour at least as large as the DOM says.
//!
//! A canary page with a script and external resources, loaded the same way,
//! proves that these checks do catch what they look for.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{database, kensa, shared};

/// A browser that hangs fails the test after this long instead of hanging it.
const BROWSER_TIME_LIMIT: Duration = Duration::from_secs(60);

/// The screenshot's size in CSS pixels (the device scale factor is 1).
const WINDOW_WIDTH: usize = 1280;
const WINDOW_HEIGHT: usize = 2000;

/// Chromium's executable: `chromium` (Debian), else `chromium-browser` or
/// `google-chrome` from the PATH. `None` with a notice when there is none, a
/// failure when `KENSA_REQUIRE_FIXTURES` is set (CI), so CI cannot pass by
/// skipping.
fn chromium() -> Option<PathBuf> {
    let path_variable = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for directory in std::env::split_paths(&path_variable) {
            let candidate = directory.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    assert!(std::env::var("KENSA_REQUIRE_FIXTURES").is_err(), "no Chromium on the PATH (run .ci/needs/browser.sh)");
    eprintln!("skipping: no Chromium on the PATH (run .ci/needs/browser.sh)");
    None
}

/// What Chromium made of one page.
struct BrowserRun {
    /// The DOM after parsing, as `--dump-dom` serializes it.
    dom: String,
    /// Chromium's own log (`--enable-logging=stderr`), console messages included.
    log: String,
    /// The network log (`--log-net-log`), a JSON document of every request.
    network_log: serde_json::Value,
    /// The screenshot of the first 1280 × 2000 pixels.
    screenshot: PathBuf,
}

/// Opens `page` in headless Chromium with the network cut off, within
/// `BROWSER_TIME_LIMIT`.
fn open_in_browser(browser: &Path, page: &Path) -> BrowserRun {
    let directory = tempfile::tempdir().unwrap();
    let profile = directory.path().join("profile");
    let screenshot = directory.path().join("page.png");
    let network_log_path = directory.path().join("network-log.json");
    let stdout_path = directory.path().join("stdout");
    let stderr_path = directory.path().join("stderr");
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
            "--net-log-capture-mode=Default",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", network_log_path.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"))
        .args(["--dump-dom", &url])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        // Its own process group, so a hung browser is killed with its renderer and GPU processes.
        .process_group(0)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIME_LIMIT {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            panic!(
                "Chromium did not finish {url} within {BROWSER_TIME_LIMIT:?}: {}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(status.success(), "Chromium failed on {url} ({status}): {log}");
    let network_log = serde_json::from_slice(&std::fs::read(&network_log_path).unwrap())
        .unwrap_or_else(|error| panic!("Chromium's network log for {url}: {error}"));
    let kept_screenshot = page.with_extension("png");
    std::fs::copy(&screenshot, &kept_screenshot).unwrap_or_else(|error| panic!("no screenshot of {url}: {error}"));
    BrowserRun { dom: std::fs::read_to_string(&stdout_path).unwrap(), log, network_log, screenshot: kept_screenshot }
}

/// Every request Chromium's network log shows made for a page opened from a
/// file (its network isolation key is the `file://` site), as opposed to the
/// browser's own background requests; the canary proves this catches them.
fn requests_made_by_the_page(network_log: &serde_json::Value) -> Vec<String> {
    let mut urls: Vec<String> = network_log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| {
            let parameters = &event["params"];
            let url = parameters["url"].as_str()?;
            let isolation_key = parameters["network_isolation_key"].as_str()?;
            (!url.starts_with("file:") && isolation_key.contains("file://")).then(|| url.to_owned())
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// The console messages in Chromium's log (`INFO:CONSOLE:1] "…", source: …`).
fn console_messages(log: &str) -> Vec<&str> {
    log.lines().filter(|line| line.contains(":CONSOLE")).collect()
}

/// One element's start tag in a serialized DOM: its name and attributes.
struct StartTag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of a DOM as Chromium serializes it: text has `<` escaped,
/// attribute values are double-quoted with `"` escaped, so every `<` starts
/// a tag, a comment or the doctype.
fn start_tags(dom: &str) -> Vec<StartTag> {
    let mut tags = Vec::new();
    let mut rest = dom;
    while let Some(position) = rest.find('<') {
        rest = &rest[position + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.split_once("-->").map_or("", |(_, after)| after);
            continue;
        }
        if !rest.starts_with(|character: char| character.is_ascii_alphabetic()) {
            continue;
        }
        let name_end = rest.find(|character: char| character.is_whitespace() || character == '>' || character == '/');
        let name_end = name_end.unwrap_or(rest.len());
        let mut tag = StartTag { name: rest[..name_end].to_ascii_lowercase(), attributes: Vec::new() };
        rest = &rest[name_end..];
        loop {
            rest = rest.trim_start_matches(|character: char| character.is_whitespace() || character == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let attribute_end = rest
                .find(|character: char| character.is_whitespace() || character == '=' || character == '>')
                .unwrap_or(rest.len());
            let attribute = rest[..attribute_end].to_ascii_lowercase();
            rest = &rest[attribute_end..];
            let mut value = String::new();
            if let Some(after_equals) = rest.strip_prefix("=\"") {
                let value_end = after_equals.find('"').unwrap_or(after_equals.len());
                value = after_equals[..value_end].to_owned();
                rest = after_equals.get(value_end + 1..).unwrap_or("");
            }
            tag.attributes.push((attribute, value));
        }
        tags.push(tag);
    }
    tags
}

/// The contents of every `<style>` element of a serialized DOM.
fn style_sheets(dom: &str) -> Vec<&str> {
    dom.split("<style").skip(1).map(|after| after.split_once("</style>").map_or(after, |(sheet, _)| sheet)).collect()
}

/// Everything in a DOM that makes a browser load something from outside the
/// file: resource-loading elements, source attributes, `href` anywhere but on
/// a plain `<a>` link, and `url(…)` or `@import` in styles.
fn external_references(dom: &str) -> Vec<String> {
    const LOADING_ELEMENTS: [&str; 17] = [
        "script", "link", "iframe", "frame", "object", "embed", "img", "image", "picture", "source", "video", "audio",
        "track", "base", "use", "feimage", "portal",
    ];
    const LOADING_ATTRIBUTES: [&str; 10] =
        ["src", "srcset", "data", "poster", "background", "action", "formaction", "ping", "manifest", "xlink:href"];
    let mut references = Vec::new();
    for tag in start_tags(dom) {
        if LOADING_ELEMENTS.contains(&tag.name.as_str()) {
            references.push(format!("a <{}> element", tag.name));
        }
        // The one http-equiv allowed is the report's own policy forbidding every load and script.
        let is_locking_policy = tag.attributes.iter().any(|(attribute, value)| {
            attribute == "http-equiv" && value.eq_ignore_ascii_case("Content-Security-Policy")
        }) && tag
            .attributes
            .iter()
            .any(|(attribute, value)| attribute == "content" && value.starts_with("default-src 'none'"));
        if tag.name == "meta"
            && !is_locking_policy
            && tag.attributes.iter().any(|(attribute, _)| attribute == "http-equiv")
        {
            references.push("a <meta http-equiv> element".to_owned());
        }
        for (attribute, value) in &tag.attributes {
            let style_loads = attribute == "style" && value.to_ascii_lowercase().contains("url(");
            if LOADING_ATTRIBUTES.contains(&attribute.as_str())
                || (attribute == "href" && tag.name != "a")
                || style_loads
            {
                references.push(format!("<{} {attribute}=\"{value}\">", tag.name));
            }
        }
    }
    for sheet in style_sheets(dom) {
        let sheet = sheet.to_ascii_lowercase();
        if sheet.contains("url(") || sheet.contains("@import") {
            references.push(format!("a style sheet that loads something: {sheet}"));
        }
    }
    references
}

/// A PNG decoded to 8-bit RGB(A) rows: width, height, bytes per pixel, pixels.
struct Image {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Image {
    fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let offset = (y * self.width + x) * self.channels;
        [self.pixels[offset], self.pixels[offset + 1], self.pixels[offset + 2]]
    }
}

/// Decodes the screenshot (8-bit RGB or RGBA, as Chromium writes it) with the `png` crate.
fn decode_png(bytes: &[u8]) -> Image {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0_u8; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    pixels.truncate(frame.buffer_size());
    Image { width: frame.width as usize, height: frame.height as usize, channels, pixels }
}

/// `#rrggbb` as bytes.
fn colour(hex: &str) -> [u8; 3] {
    let channel = |range: std::ops::Range<usize>| u8::from_str_radix(&hex[range], 16).unwrap();
    [channel(1..3), channel(3..5), channel(5..7)]
}

/// The `--format json` report of a scan, for what the HTML page must show.
fn json_report(arguments: &[String], directory: &Path) -> serde_json::Value {
    let path = scan_to(arguments, "json", &directory.join("report.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Runs `kensa <arguments> --format <format> -o <path> --db <shared test database>`.
fn scan_to(arguments: &[String], format: &str, path: &Path) -> PathBuf {
    let database_path = database().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = arguments.iter().map(String::as_str).collect();
    all.extend(["--format", format, "-o", path.to_str().unwrap(), "--db", &database_path]);
    let output = kensa(&all);
    // 1 means "vulnerabilities found"; 2 and up are errors.
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "kensa {all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    path.to_owned()
}

/// Scans a target to HTML and JSON, opens the HTML page in Chromium and
/// checks what it rendered against the JSON report.
fn check_report_in_browser(name: &str, arguments: &[String]) {
    let Some(browser) = chromium() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let report = json_report(arguments, directory.path());
    let page = scan_to(arguments, "html", &directory.path().join(format!("{name}.html")));
    let run = open_in_browser(&browser, &page);
    let dom = &run.dom;

    assert!(dom.contains("<html") && dom.contains("</body>"), "{name}: Chromium produced no document: {dom}");
    let findings = report["findings"].as_array().unwrap();
    let summary = &report["summary"];

    // The severity summary: the counts line, then the chart with one bar per severity.
    let suppressed = findings.iter().filter(|finding| !finding["suppressed"].is_null()).count();
    let counts_line = format!("<p>{} packages", summary["packages"].as_u64().unwrap());
    assert!(dom.contains(&counts_line), "{name}: no {counts_line:?} in the DOM");
    let vulnerabilities = format!("{} vulnerabilities ({suppressed} suppressed)", findings.len() - suppressed);
    assert!(dom.contains(&vulnerabilities), "{name}: no {vulnerabilities:?} in the DOM");
    assert!(dom.contains("<h2>By severity</h2>"), "{name}: no severity heading");
    let chart_start = dom.find("<svg").unwrap_or_else(|| panic!("{name}: no <svg> element in the DOM"));
    let chart = &dom[chart_start..chart_start + dom[chart_start..].find("</svg>").unwrap()];
    let chart_tags = start_tags(chart);
    assert_eq!(chart_tags[0].name, "svg");
    assert!(
        chart_tags[0].attributes.contains(&("aria-label".to_owned(), "Findings by severity".to_owned())),
        "{name}: the chart's label"
    );
    let labels: Vec<&str> = chart
        .split("<text")
        .skip(1)
        .map(|text| text.split_once('>').unwrap().1.split_once("</text>").unwrap().0)
        .collect();
    let chart_counts: BTreeMap<&str, u64> =
        labels.chunks(2).map(|pair| (pair[0], pair[1].parse::<u64>().unwrap())).collect();
    let mut expected_counts: BTreeMap<&str, u64> = BTreeMap::new();
    for finding in findings.iter().filter(|finding| finding["suppressed"].is_null()) {
        *expected_counts.entry(finding["severity"].as_str().unwrap()).or_default() += 1;
    }
    for severity in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] {
        expected_counts.entry(severity).or_default();
        assert_eq!(summary["by_severity"][severity].as_u64(), Some(expected_counts[severity]), "{name}: {severity}");
    }
    assert_eq!(chart_counts, expected_counts, "{name}: the chart's counts against the JSON report");
    let bars: Vec<&StartTag> = chart_tags.iter().filter(|tag| tag.name == "rect").collect();
    assert_eq!(bars.len(), 5, "{name}: one bar per severity");

    // Every finding, by id, in a table row of its own.
    let missing: Vec<&str> = findings
        .iter()
        .map(|finding| finding["id"].as_str().unwrap())
        .filter(|id| !dom.contains(&format!(">{id}<")))
        .collect();
    assert!(missing.is_empty(), "{name}: finding ids missing from the DOM: {missing:?}");
    assert_eq!(dom.matches("<tr class=\"").count(), findings.len(), "{name}: one table row per finding");
    if findings.is_empty() {
        assert!(dom.contains("No vulnerabilities found."), "{name}: the empty report says so");
    }

    // Nothing outside the file: in the page, on the network, in the console.
    let references = external_references(dom);
    assert!(references.is_empty(), "{name}: the page loads from outside the file: {references:?}");
    let links = start_tags(dom).into_iter().filter(|tag| tag.name == "a").count();
    eprintln!("{name}: {} findings, {links} plain links", findings.len());
    let requests = requests_made_by_the_page(&run.network_log);
    assert!(requests.is_empty(), "{name}: the page made network requests: {requests:?}");
    let messages = console_messages(&run.log);
    assert!(messages.is_empty(), "{name}: console messages: {messages:?}");

    // The rendering: not blank, and every bar painted at least as large as the DOM says.
    let image = decode_png(&std::fs::read(&run.screenshot).unwrap());
    assert_eq!((image.width, image.height), (WINDOW_WIDTH, WINDOW_HEIGHT), "{name}: the screenshot's size");
    let background = image.pixel(0, 0);
    let painted = (0..image.height)
        .flat_map(|y| (0..image.width).map(move |x| (x, y)))
        .filter(|&(x, y)| image.pixel(x, y) != background)
        .count();
    // A blank page paints no pixel; the emptiest report here (the image, no
    // findings: title, counts line, chart labels) paints about 14 000.
    assert!(painted > 5_000, "{name}: the screenshot is (nearly) blank: {painted} pixels differ from the background");
    for bar in bars {
        let attribute = |wanted: &str| &bar.attributes.iter().find(|(attribute, _)| attribute == wanted).unwrap().1;
        let width: usize = attribute("width").parse().unwrap();
        let height: usize = attribute("height").parse().unwrap();
        let fill = attribute("fill");
        // A bar laid out at a fractional position has anti-aliased edges: one
        // pixel on each side is not counted. Bars of 1 or 2 pixels cannot be told from text.
        if width > 2 {
            assert!(
                has_solid_block(&image, colour(fill), width - 2, height - 2),
                "{name}: no {width} × {height} {fill} bar in the screenshot"
            );
        }
    }
}

/// Whether the image has a `width` × `height` block of exactly `fill` (a bar
/// of the chart; text in the same colour is anti-aliased and never solid).
fn has_solid_block(image: &Image, fill: [u8; 3], width: usize, height: usize) -> bool {
    // For each column, the run of rows so far whose run of `fill` pixels ending there is long enough.
    let mut rows_in_a_row = vec![0_usize; image.width];
    for y in 0..image.height {
        let mut run = 0;
        for (x, rows) in rows_in_a_row.iter_mut().enumerate() {
            run = if image.pixel(x, y) == fill { run + 1 } else { 0 };
            *rows = if run >= width { *rows + 1 } else { 0 };
            if *rows >= height {
                return true;
            }
        }
    }
    false
}

#[test]
fn project_report_renders_offline_in_chromium() {
    let project = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    check_report_in_browser("project", &["scan".into(), "fs".into(), project.display().to_string()]);
}

#[test]
fn image_report_renders_offline_in_chromium() {
    let image = shared("targets/images/docker-save/alpine-3.10.tar.gz");
    check_report_in_browser("image", &["scan".into(), "image".into(), "--input".into(), image.display().to_string()]);
}

/// The checks above would catch a page that runs a script or loads from the
/// network: a canary page doing both, opened the same way, trips each of them.
#[test]
fn the_checks_catch_scripts_and_network_requests() {
    let Some(browser) = chromium() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let page = directory.path().join("canary.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"https://canary.invalid/style.css\"></head>\
         <body><img src=\"https://canary.invalid/image.png\"><script>console.error('kensa canary')</script></body></html>",
    )
    .unwrap();
    let run = open_in_browser(&browser, &page);
    let references = external_references(&run.dom);
    assert!(
        references.iter().any(|reference| reference.contains("<link href=\"https://canary.invalid/style.css\">"))
            && references.iter().any(|reference| reference.contains("<img src=\"https://canary.invalid/image.png\">"))
            && references.iter().any(|reference| reference == "a <script> element"),
        "the DOM check missed the canary's references: {references:?}"
    );
    let requests = requests_made_by_the_page(&run.network_log);
    assert!(
        requests.contains(&"https://canary.invalid/style.css".to_owned())
            && requests.contains(&"https://canary.invalid/image.png".to_owned()),
        "the network log check missed the canary's requests: {requests:?}"
    );
    let messages = console_messages(&run.log);
    assert!(
        messages.iter().any(|message| message.contains("kensa canary")),
        "the console check missed the canary's message: {messages:?}"
    );
}
