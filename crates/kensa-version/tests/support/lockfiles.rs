//! Real versions from the lockfile fixtures under `targets/`: Cargo.lock,
//! Gemfile.lock, composer.lock (and Composer's `installed.json`),
//! pubspec.lock, mix.lock, package-lock.json, go.mod and go.sum, and
//! gradle.lockfile.
//!
//! A file's kind is told from its path (the fixtures are named after their
//! format or sit in a directory that is), and its versions are read with
//! line patterns or a JSON/YAML parse — enough to gather version strings,
//! deliberately not a lockfile parser (that is the catalogers' job). Files
//! that do not parse (the fixtures include broken ones on purpose) give
//! nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

/// The lockfile formats versions are gathered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum LockfileKind {
    CargoLock,
    GemfileLock,
    ComposerLock,
    PubspecLock,
    MixLock,
    PackageLockJson,
    GoMod,
    GradleLockfile,
}

impl LockfileKind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            LockfileKind::CargoLock => "Cargo.lock",
            LockfileKind::GemfileLock => "Gemfile.lock",
            LockfileKind::ComposerLock => "composer.lock",
            LockfileKind::PubspecLock => "pubspec.lock",
            LockfileKind::MixLock => "mix.lock",
            LockfileKind::PackageLockJson => "package-lock.json",
            LockfileKind::GoMod => "go.mod",
            LockfileKind::GradleLockfile => "gradle.lockfile",
        }
    }

    /// The kind a fixture's path names, if any.
    fn of_path(path: &Path) -> Option<LockfileKind> {
        let lowered = path.to_string_lossy().to_lowercase();
        let file_name = path.file_name()?.to_string_lossy().to_lowercase();
        let is_lock = file_name.ends_with(".lock");
        if lowered.contains("cargo") && is_lock {
            Some(LockfileKind::CargoLock)
        } else if (lowered.contains("gemfile") || lowered.contains("bundler")) && is_lock {
            Some(LockfileKind::GemfileLock)
        } else if lowered.contains("composer") && (is_lock || file_name.ends_with(".json")) {
            Some(LockfileKind::ComposerLock)
        } else if (lowered.contains("pubspec") || lowered.contains("dart-pub")) && is_lock {
            Some(LockfileKind::PubspecLock)
        } else if lowered.contains("mix") && (is_lock || path.extension().is_none()) {
            Some(LockfileKind::MixLock)
        } else if (lowered.contains("package-lock") || lowered.contains("packagelockjson"))
            && file_name.ends_with(".json")
        {
            Some(LockfileKind::PackageLockJson)
        } else if file_name == "go.mod"
            || file_name == "go.sum"
            || ((lowered.contains("gomod") || lowered.contains("golang")) && !file_name.ends_with(".go"))
        {
            Some(LockfileKind::GoMod)
        } else if lowered.contains("gradle") && !file_name.ends_with(".xml") && !file_name.ends_with(".txt") {
            Some(LockfileKind::GradleLockfile)
        } else {
            None
        }
    }
}

/// Package name → versions, per lockfile kind, over every fixture under
/// `targets/`. Read once per test binary.
pub(crate) fn lockfile_versions(data: &Path) -> &'static BTreeMap<LockfileKind, BTreeMap<String, BTreeSet<String>>> {
    static CACHE: OnceLock<BTreeMap<LockfileKind, BTreeMap<String, BTreeSet<String>>>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let mut by_kind: BTreeMap<LockfileKind, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for entry in walkdir::WalkDir::new(data.join("targets")).into_iter().filter_map(Result::ok) {
            let path = entry.path();
            if !entry.file_type().is_file() || entry.metadata().is_ok_and(|metadata| metadata.len() > 4_000_000) {
                continue;
            }
            let Some(kind) = LockfileKind::of_path(path) else { continue };
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let packages = by_kind.entry(kind).or_default();
            let mut add = |name: &str, version: &str| {
                let version = version.trim();
                if !version.is_empty() && !version.contains(['\t', '\n', '\r']) {
                    packages.entry(name.to_owned()).or_default().insert(version.to_owned());
                }
            };
            match kind {
                LockfileKind::CargoLock => read_cargo_lock(&text, &mut add),
                LockfileKind::GemfileLock => read_gemfile_lock(&text, &mut add),
                LockfileKind::ComposerLock => read_composer_lock(&text, &mut add),
                LockfileKind::PubspecLock => read_pubspec_lock(&text, &mut add),
                LockfileKind::MixLock => read_mix_lock(&text, &mut add),
                LockfileKind::PackageLockJson => read_package_lock(&text, &mut add),
                LockfileKind::GoMod => read_go_mod_or_sum(&text, &mut add),
                LockfileKind::GradleLockfile => read_gradle_lockfile(&text, &mut add),
            }
        }
        by_kind
    })
}

fn read_cargo_lock(text: &str, add: &mut impl FnMut(&str, &str)) {
    let mut name = None;
    for line in text.lines().map(str::trim) {
        if line == "[[package]]" {
            name = None;
        } else if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"').to_owned());
        } else if let (Some(value), Some(name)) = (line.strip_prefix("version = "), &name) {
            add(name, value.trim_matches('"'));
        }
    }
}

/// Bundler writes platform gems as `name (version-platform)`; the platform
/// is not part of the gem's version.
fn read_gemfile_lock(text: &str, add: &mut impl FnMut(&str, &str)) {
    static SPEC: OnceLock<Regex> = OnceLock::new();
    let spec = SPEC.get_or_init(|| Regex::new(r"^    ([^ (]+) \(([^)]+)\)$").expect("regex"));
    let platforms = ["x86", "x64", "arm", "aarch64", "java", "mingw", "mswin", "darwin", "linux", "universal"];
    for line in text.lines() {
        let Some(captures) = spec.captures(line) else { continue };
        let mut version = &captures[2];
        if let Some((number, platform)) = version.split_once('-')
            && platforms.iter().any(|known| platform.starts_with(known))
        {
            version = number;
        }
        add(&captures[1], version);
    }
}

fn read_composer_lock(text: &str, add: &mut impl FnMut(&str, &str)) {
    let Ok(document) = serde_json::from_str::<serde_json::Value>(text) else { return };
    let lists = ["packages", "packages-dev"].map(|key| document.get(key).cloned().unwrap_or_default());
    let top_level = if document.is_array() { vec![document.clone()] } else { Vec::new() };
    for list in lists.iter().chain(&top_level) {
        for package in list.as_array().into_iter().flatten() {
            if let (Some(name), Some(version)) = (
                package.get("name").and_then(|name| name.as_str()),
                package.get("version").and_then(|version| version.as_str()),
            ) {
                add(&name.to_lowercase(), version);
            }
        }
    }
}

fn read_pubspec_lock(text: &str, add: &mut impl FnMut(&str, &str)) {
    let Ok(document) = serde_yaml_ng::from_str::<serde_json::Value>(text) else { return };
    let Some(packages) = document.get("packages").and_then(|packages| packages.as_object()) else { return };
    for (name, package) in packages {
        if let Some(version) = package.get("version").and_then(|version| version.as_str()) {
            add(name, version);
        }
    }
}

fn read_mix_lock(text: &str, add: &mut impl FnMut(&str, &str)) {
    static HEX: OnceLock<Regex> = OnceLock::new();
    let hex = HEX.get_or_init(|| Regex::new(r#"\{:hex, :([A-Za-z0-9_]+), "([^"]+)""#).expect("regex"));
    for captures in hex.captures_iter(text) {
        add(&captures[1], &captures[2]);
    }
}

fn read_package_lock(text: &str, add: &mut impl FnMut(&str, &str)) {
    fn walk_v1_dependencies(dependencies: &serde_json::Value, add: &mut impl FnMut(&str, &str)) {
        for (name, dependency) in dependencies.as_object().into_iter().flatten() {
            if let Some(version) = dependency.get("version").and_then(|version| version.as_str()) {
                add(name, version);
            }
            if let Some(nested) = dependency.get("dependencies") {
                walk_v1_dependencies(nested, add);
            }
        }
    }
    let Ok(document) = serde_json::from_str::<serde_json::Value>(text) else { return };
    for (key, package) in document.get("packages").and_then(|packages| packages.as_object()).into_iter().flatten() {
        let name = key.rsplit("node_modules/").next().unwrap_or_default();
        if let (false, Some(version)) = (name.is_empty(), package.get("version").and_then(|version| version.as_str())) {
            add(name, version);
        }
    }
    if let Some(dependencies) = document.get("dependencies") {
        walk_v1_dependencies(dependencies, add);
    }
}

/// go.mod `require`/`replace` lines and go.sum lines both hold `module version`.
fn read_go_mod_or_sum(text: &str, add: &mut impl FnMut(&str, &str)) {
    static MODULE_VERSION: OnceLock<Regex> = OnceLock::new();
    let module_version = MODULE_VERSION
        .get_or_init(|| Regex::new(r"([A-Za-z0-9][^\s]*)\s+(v[0-9][^\s/]*)(?:/go\.mod)?(?:\s|$)").expect("regex"));
    for line in text.lines() {
        for captures in module_version.captures_iter(line) {
            add(&captures[1], &captures[2]);
        }
    }
}

/// gradle.lockfile lines are `group:artifact:version=configurations`.
fn read_gradle_lockfile(text: &str, add: &mut impl FnMut(&str, &str)) {
    static COORDINATES: OnceLock<Regex> = OnceLock::new();
    let coordinates = COORDINATES.get_or_init(|| Regex::new(r"^\s*([^:#\s]+:[^:\s]+):([^=\s]+)=").expect("regex"));
    for line in text.lines() {
        if let Some(captures) = coordinates.captures(line) {
            add(&captures[1], &captures[2]);
        }
    }
}
