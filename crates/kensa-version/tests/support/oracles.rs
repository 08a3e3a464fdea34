//! Running the oracles: each ecosystem's own implementation, driven once per
//! scheme over a file of tab-separated lines (`left<TAB>right` pairs to
//! order, or `version<TAB>requirement` to check), one answer per line.
//!
//! Oracles are installed by `.ci/needs/version-oracles.sh`. A missing one
//! gives `None`; the caller skips or, with `KENSA_REQUIRE_ORACLES=1`, fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) const ORACLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracles");

/// Where Debian's libmaven3-core-java puts maven-artifact (the first that
/// exists is used), and the commons-lang3 it needs for ranges.
const MAVEN_ARTIFACT_JARS: &[&str] =
    &["/usr/share/java/maven3-artifact.jar", "/usr/share/maven/lib/maven-artifact-3.x.jar"];
const COMMONS_LANG3_JAR: &str = "/usr/share/java/commons-lang3.jar";
/// Where Debian's php-composer-semver installs its autoloader.
const COMPOSER_SEMVER_AUTOLOAD: &str = "/usr/share/php/Composer/Semver/autoload.php";
/// Debian's golang-golang-x-mod-dev: a GOPATH holding golang.org/x/mod.
const DEBIAN_GOPATH: &str = "/usr/share/gocode";

/// An ecosystem's own implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Oracle {
    /// `dpkg --compare-versions`.
    Dpkg,
    /// rpm's Lua `rpm.vercmp`.
    Rpm,
    /// Python `packaging`.
    Packaging,
    /// node's `semver` package (npm's own).
    NodeSemver,
    /// Ruby's `Gem::Version` and `Gem::Requirement`.
    RubyGems,
    /// Maven's `ComparableVersion` and `VersionRange` (maven-artifact).
    MavenArtifact,
    /// composer/semver's `VersionParser`, `Constraint` and `Semver`.
    ComposerSemver,
    /// `golang.org/x/mod/semver`.
    GoModSemver,
    /// The `osv` Python package's sort keys for an ecosystem (approximations).
    Osv(&'static str),
}

/// What an oracle is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Order `left<TAB>right`: `lt`, `eq`, `gt`, `unordered` or `invalid`.
    Compare,
    /// Check `version<TAB>requirement`: `true`, `false` or `invalid`.
    Satisfies,
}

/// How far an oracle's idea of a valid version can be held against ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Validity {
    /// It refuses exactly the strings the ecosystem refuses: every answer counts.
    Exact,
    /// It reads every string as some version (Maven's `ComparableVersion`):
    /// pairs we refuse are counted, not compared.
    ReadsEverything,
    /// Its validity is an approximation (osv's keys coerce or push
    /// unreadable versions last): pairs either side refuses are skipped.
    Approximate,
}

impl Oracle {
    pub(crate) fn validity(self) -> Validity {
        match self {
            Oracle::MavenArtifact => Validity::ReadsEverything,
            Oracle::Osv(_) => Validity::Approximate,
            _ => Validity::Exact,
        }
    }

    fn mode_argument(mode: Mode) -> &'static str {
        match mode {
            Mode::Compare => "compare",
            Mode::Satisfies => "satisfies",
        }
    }

    /// The command that runs this oracle, or `None` if it is not installed.
    fn command(self, mode: Mode, input: &Path) -> Option<Command> {
        let script = |name: &str| Path::new(ORACLES).join(name);
        let mode_argument = Self::mode_argument(mode);
        let mut command = match self {
            Oracle::Dpkg => {
                program_exists("dpkg").then_some(())?;
                let mut command = Command::new("bash");
                command.arg(script("dpkg_oracle.sh")).arg(input);
                command
            }
            Oracle::Rpm => {
                program_exists("rpm").then_some(())?;
                let mut command = Command::new("bash");
                command.arg(script("rpm_oracle.sh")).arg(input);
                command
            }
            Oracle::Packaging => {
                let mut command = Command::new(installed("venv-packaging/bin/python")?);
                command.arg(script("packaging_oracle.py"));
                command
            }
            Oracle::NodeSemver => {
                let semver_directory = installed("node_modules/semver")?;
                program_exists("node").then_some(())?;
                let mut command = Command::new("node");
                command.arg(script("npm_oracle.js")).arg(semver_directory).arg(mode_argument);
                command
            }
            Oracle::RubyGems => {
                program_exists("ruby").then_some(())?;
                let mut command = Command::new("ruby");
                command.arg(script("rubygems_oracle.rb")).arg(mode_argument);
                command
            }
            Oracle::MavenArtifact => {
                let jar = MAVEN_ARTIFACT_JARS.iter().find(|jar| Path::new(jar).exists())?;
                (Path::new(COMMONS_LANG3_JAR).exists() && program_exists("java")).then_some(())?;
                let mut command = Command::new("java");
                command
                    .arg("-cp")
                    .arg(format!("{jar}:{COMMONS_LANG3_JAR}"))
                    .arg(script("MavenOracle.java"))
                    .arg(mode_argument);
                command
            }
            Oracle::ComposerSemver => {
                (Path::new(COMPOSER_SEMVER_AUTOLOAD).exists() && program_exists("php")).then_some(())?;
                let mut command = Command::new("php");
                command.arg(script("composer_oracle.php")).arg(mode_argument);
                command
            }
            Oracle::GoModSemver => {
                let module = Path::new(DEBIAN_GOPATH).join("src/golang.org/x/mod/semver");
                (module.exists() && program_exists("go")).then_some(())?;
                // GOPATH mode against Debian's copy of x/mod: no module proxy is reachable.
                let mut command = Command::new("go");
                command
                    .arg("run")
                    .arg(script("go_semver_oracle.go"))
                    .env("GO111MODULE", "off")
                    .env("GOPATH", DEBIAN_GOPATH)
                    .env("GOFLAGS", "")
                    .env("GOTOOLCHAIN", "local")
                    .env("GOCACHE", Path::new(ORACLES).join(".installed/go-build"));
                command
            }
            Oracle::Osv(ecosystem) => {
                let mut command = Command::new(installed("venv-osv/bin/python")?);
                command.arg(script("osv_oracle.py")).arg(ecosystem);
                command
            }
        };
        command.stdin(std::fs::File::open(input).expect("open oracle input"));
        Some(command)
    }
}

pub(crate) fn require_oracles() -> bool {
    std::env::var("KENSA_REQUIRE_ORACLES").is_ok_and(|value| value == "1")
}

fn installed(relative: &str) -> Option<PathBuf> {
    let path = Path::new(ORACLES).join(".installed").join(relative);
    path.exists().then_some(path)
}

fn program_exists(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs an oracle once over all lines; `None` when it is not installed.
pub(crate) fn run_oracle(oracle: Oracle, mode: Mode, lines: &[(String, String)]) -> Option<Vec<String>> {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input.tsv");
    let text: String = lines.iter().map(|(left, right)| format!("{left}\t{right}\n")).collect();
    std::fs::write(&input, &text).expect("write oracle input");
    let output = oracle.command(mode, &input)?.output().expect("run oracle");
    assert!(output.status.success(), "oracle {oracle:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    let answers: Vec<String> =
        String::from_utf8_lossy(&output.stdout).lines().filter(|line| !line.is_empty()).map(str::to_owned).collect();
    assert_eq!(
        answers.len(),
        lines.len(),
        "oracle {oracle:?} answered {} lines for {} inputs",
        answers.len(),
        lines.len()
    );
    Some(answers)
}

/// The oracle's answers, or `None` after a printed skip; panics instead when
/// `KENSA_REQUIRE_ORACLES=1`.
pub(crate) fn run_or_skip(oracle: Oracle, mode: Mode, lines: &[(String, String)], what: &str) -> Option<Vec<String>> {
    let answers = run_oracle(oracle, mode, lines);
    if answers.is_none() {
        assert!(!require_oracles(), "oracle {oracle:?} for {what} is not installed and KENSA_REQUIRE_ORACLES=1");
        eprintln!("SKIP {what}: oracle {oracle:?} is not installed (run .ci/needs/version-oracles.sh)");
    }
    answers
}
