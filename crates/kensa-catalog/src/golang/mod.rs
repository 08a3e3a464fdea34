//! Go modules: `go.mod` files ([`gomod`]) and the build information inside Go
//! executables ([`buildinfo`]).
//!
//! Module paths are reported exactly as written (they are case-sensitive) and
//! versions with their `v` prefix, as Go writes them; the matcher strips the
//! prefix when comparing with the Go vulnerability database's SEMVER ranges.
//! A binary also yields the `stdlib` package at the toolchain's version, in the
//! same `v`-prefixed semver form (`go1.21rc2` → `v1.21.0-rc.2`), because the Go
//! vulnerability database files standard-library advisories under the module
//! `stdlib` with semver ranges (`1.21.5`) converted from Go's own release names.
//!
//! Not handled: `go.work` workspaces, vendor/modules.txt, and package- or
//! symbol-level reachability (every module in the build list is reported).

mod buildinfo;
mod gomod;

pub(crate) use buildinfo::is_executable_image;

use kensa_fs::FileEntry;
use kensa_model::{Ecosystem, Package, UnresolvedDependency};

use crate::{BINARY_SIZE_LIMIT, CatalogError, Cataloger, FileInput, Found};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(gomod::GoModCataloger), Box::new(GoBinaryCataloger)]
}

/// The name the Go vulnerability database gives the standard library.
const STANDARD_LIBRARY_MODULE: &str = "stdlib";

/// Reads module build information from Go executables.
pub(crate) struct GoBinaryCataloger;

impl Cataloger for GoBinaryCataloger {
    fn name(&self) -> &'static str {
        "go-binary"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_possible_executable(entry)
    }

    fn size_limit(&self) -> u64 {
        BINARY_SIZE_LIMIT
    }

    fn sniff(&self, probe: &mut crate::FileProbe<'_>) -> bool {
        // Go 1.13+ ELF binaries carry `.go.buildinfo`; older ones still have
        // Go's own symbol and build-id sections.
        const GO_SECTIONS: &[&str] = &[".go.buildinfo", ".gopclntab", ".note.go.buildid"];
        match probe.executable() {
            crate::binary::Sniffed::NotExecutable => false,
            crate::binary::Sniffed::Elf(names) => names.iter().any(|name| GO_SECTIONS.contains(&name.as_str())),
            crate::binary::Sniffed::ReadWhole => true,
        }
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        match buildinfo::read_build_info(input.contents) {
            Ok(Some(build_info)) => Ok(packages_from_build_info(&build_info, input.path)),
            Ok(None) => Ok(Found::default()),
            Err(message) => Err(CatalogError::parse(input.path, "Go executable build info", message)),
        }
    }
}

/// A file worth opening to look for embedded dependency data: executable on a
/// filesystem with modes, or named like a Windows executable or a shared library
/// (image layers and archives often lose the mode bits).
pub(crate) fn is_possible_executable(entry: &FileEntry) -> bool {
    const EXTENSIONS: &[&str] = &[".exe", ".dll", ".so", ".dylib"];
    // Documentation, manual, locale and time-zone trees hold thousands of data
    // files and, by the FHS, no programs: skipping them spares a `stat` each.
    const DATA_TREES: &[&str] = &[
        "usr/share/doc/",
        "usr/share/man/",
        "usr/share/info/",
        "usr/share/locale/",
        "usr/share/zoneinfo/",
        "usr/share/i18n/",
    ];
    // Nothing shorter than an ELF header can be an executable.
    if entry.size < 64 {
        return false;
    }
    let path = entry.path.as_str();
    if path.starts_with("usr/share/") && DATA_TREES.iter().any(|tree| path.starts_with(tree)) {
        return false;
    }
    let name = entry.file_name().to_ascii_lowercase();
    entry.executable || EXTENSIONS.iter().any(|extension| name.ends_with(extension))
}

/// Turns a binary's build information into packages: the main module (unless it
/// is an unversioned `(devel)` build), every `dep` with its `=>` replacement
/// applied, and `stdlib` at the toolchain version.
fn packages_from_build_info(build_info: &buildinfo::BuildInfo, path: &str) -> Found {
    let mut found = Found::default();
    match standard_library_version(&build_info.go_version) {
        Some(version) => found.packages.push(Package::new(Ecosystem::Go, STANDARD_LIBRARY_MODULE, &version, path)),
        None => found.unresolved.push(UnresolvedDependency {
            ecosystem: Ecosystem::Go,
            name: STANDARD_LIBRARY_MODULE.to_owned(),
            requirement: build_info.go_version.clone(),
            location: path.to_owned(),
        }),
    }

    // A `=>` line replaces the module on the line before it, so each module is
    // settled only when the next `mod`/`dep` line (or the end) is reached.
    let mut pending: Option<BuildModule> = None;
    for line in build_info.module_info.lines() {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or_default();
        let module_path = fields.next().unwrap_or_default().to_owned();
        let version = fields.next().unwrap_or_default().to_owned();
        match kind {
            "mod" | "dep" => {
                if let Some(module) = pending.take() {
                    module.report(path, &mut found);
                }
                pending = Some(BuildModule { is_main: kind == "mod", module_path, version, replacement: None });
            }
            "=>" => {
                if let Some(module) = pending.as_mut() {
                    module.replacement = Some((module_path, version));
                }
            }
            _ => {}
        }
    }
    if let Some(module) = pending.take() {
        module.report(path, &mut found);
    }
    found
}

/// One `mod` or `dep` line with its optional `=>` replacement.
struct BuildModule {
    is_main: bool,
    module_path: String,
    version: String,
    replacement: Option<(String, String)>,
}

impl BuildModule {
    fn report(self, path: &str, found: &mut Found) {
        let is_unversioned = |version: &str| version.is_empty() || version == "(devel)";
        match self.replacement {
            Some((replacement_path, replacement_version))
                if is_unversioned(&replacement_version) || gomod::is_local_path(&replacement_path) =>
            {
                // A local directory replaced the module: its code has no version.
                found.unresolved.push(UnresolvedDependency {
                    ecosystem: Ecosystem::Go,
                    name: self.module_path,
                    requirement: format!("{} => {replacement_path}", self.version),
                    location: path.to_owned(),
                });
            }
            Some((replacement_path, replacement_version)) => {
                found.packages.push(Package::new(Ecosystem::Go, &replacement_path, &replacement_version, path));
            }
            None if is_unversioned(&self.version) => {
                // The main module of a local build is `(devel)`: it is the
                // scanned program itself, not a dependency with advisories.
                if !self.is_main {
                    found.unresolved.push(UnresolvedDependency {
                        ecosystem: Ecosystem::Go,
                        name: self.module_path,
                        requirement: self.version,
                        location: path.to_owned(),
                    });
                }
            }
            None => found.packages.push(Package::new(Ecosystem::Go, &self.module_path, &self.version, path)),
        }
    }
}

/// Converts a Go toolchain version (`go1.21.5`, `go1.21rc2`, `go1.19beta1`,
/// `go1.20`, `go1.22.5 X:boringcrypto`) to `v`-prefixed semver the way the Go
/// vulnerability database does; `None` for development builds (`devel …`).
pub(crate) fn standard_library_version(go_version: &str) -> Option<String> {
    let token = go_version.split_whitespace().next()?;
    let rest = token.strip_prefix("go")?;
    let numeric_end =
        rest.find(|character: char| !character.is_ascii_digit() && character != '.').unwrap_or(rest.len());
    let (numbers, suffix) = rest.split_at(numeric_end);
    let mut parts = numbers.split('.');
    let major: u64 = parts.next()?.parse().ok()?;
    let minor: u64 = parts.next().map_or(Some(0), |part| part.parse().ok())?;
    let patch: u64 = parts.next().map_or(Some(0), |part| part.parse().ok())?;
    if parts.next().is_some() {
        return None;
    }
    let prerelease = ["rc", "beta", "alpha"].iter().find_map(|label| {
        let number = suffix.strip_prefix(label)?;
        let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
        Some(if digits.is_empty() { (*label).to_owned() } else { format!("{label}.{digits}") })
    });
    Some(match prerelease {
        Some(prerelease) => format!("v{major}.{minor}.{patch}-{prerelease}"),
        None => format!("v{major}.{minor}.{patch}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Toolchain names convert as the Go vulnerability database converts them.
    #[test]
    fn standard_library_versions() {
        assert_eq!(standard_library_version("go1.21.5").as_deref(), Some("v1.21.5"));
        assert_eq!(standard_library_version("go1.20").as_deref(), Some("v1.20.0"));
        assert_eq!(standard_library_version("go1.21rc2").as_deref(), Some("v1.21.0-rc.2"));
        assert_eq!(standard_library_version("go1.19beta1").as_deref(), Some("v1.19.0-beta.1"));
        assert_eq!(standard_library_version("go1.22.5 X:boringcrypto").as_deref(), Some("v1.22.5"));
        assert_eq!(standard_library_version("devel go1.23-abcdef"), None);
        assert_eq!(standard_library_version(""), None);
    }

    /// Replacements apply to the line before them; a local replacement and a
    /// `(devel)` main module are not packages.
    #[test]
    fn module_lines_with_replacements() {
        let build_info = buildinfo::BuildInfo {
            go_version: "go1.19.8".to_owned(),
            module_info: "path\texample.com/cmd\nmod\texample.com/cmd\t(devel)\t\n\
                          dep\ta.example/old\tv1.0.0\n=>\tb.example/new\tv1.2.0\th1:x=\n\
                          dep\tc.example/local\tv0.0.0\n=>\t../local\t(devel)\t\n\
                          dep\td.example/plain\tv0.3.0\th1:y=\nbuild\tGOOS=linux\n"
                .to_owned(),
        };
        let found = packages_from_build_info(&build_info, "bin/cmd");
        let packages: Vec<(&str, &str)> =
            found.packages.iter().map(|package| (package.name.as_str(), package.version.as_str())).collect();
        assert_eq!(packages, [("stdlib", "v1.19.8"), ("b.example/new", "v1.2.0"), ("d.example/plain", "v0.3.0")]);
        assert_eq!(found.unresolved.len(), 1);
        assert_eq!(found.unresolved[0].name, "c.example/local");
        assert_eq!(found.unresolved[0].requirement, "v0.0.0 => ../local");
    }
}
