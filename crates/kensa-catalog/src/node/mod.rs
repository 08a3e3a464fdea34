//! Node.js catalogers: npm `package-lock.json`/`npm-shrinkwrap.json`, `yarn.lock`
//! (classic v1 and berry), `pnpm-lock.yaml` (v5, v6, v9), `bun.lock` and
//! installed `node_modules/**/package.json`.
//!
//! Every locked package is reported, development dependencies included: a lockfile
//! does not say which environment it will be installed in, and a vulnerable build
//! tool is still worth knowing about. Packages that live in the project itself
//! (workspace members, `file:`/`link:`/`portal:` dependencies) are not reported:
//! they are not published to the npm registry, so advisories about a registry
//! package of the same name would not apply to them.
//!
//! Lockfiles inside `node_modules` are not read: they belong to a dependency, and
//! what was really installed from them is visible through the installed
//! `package.json` files.

mod bun;
mod installed;
mod package_lock;
mod pnpm;
mod yarn;

use crate::{CatalogError, Cataloger};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(package_lock::PackageLockCataloger),
        Box::new(yarn::YarnLockCataloger),
        Box::new(pnpm::PnpmLockCataloger),
        Box::new(bun::BunLockCataloger),
        Box::new(installed::InstalledPackageJsonCataloger),
    ]
}

/// Splits `name@rest` where the name may be scoped (`@scope/name@rest`). A
/// specifier without a version part (`name`) gives an empty rest.
fn split_name_and_rest(specifier: &str) -> (&str, &str) {
    let search_from = usize::from(specifier.starts_with('@'));
    match specifier.get(search_from..).and_then(|tail| tail.find('@')) {
        Some(offset) => {
            let at = offset + search_from;
            (specifier.get(..at).unwrap_or(specifier), specifier.get(at + 1..).unwrap_or(""))
        }
        None => (specifier, ""),
    }
}

/// Whether a path has a `node_modules` component, i.e. belongs to a dependency.
fn is_inside_node_modules(path: &str) -> bool {
    path.split('/').any(|component| component == "node_modules")
}

/// Decodes a lockfile as UTF-8, dropping a byte-order mark.
fn decode_utf8<'a>(path: &str, format: &'static str, contents: &'a [u8]) -> Result<&'a str, CatalogError> {
    let text = std::str::from_utf8(contents)
        .map_err(|error| CatalogError::parse(path, format, format!("not UTF-8: {error}")))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Protocols whose packages come from the project's own tree rather than a registry.
const LOCAL_PROTOCOLS: &[&str] = &["file:", "link:", "portal:", "workspace:", "exec:"];

fn is_local_protocol(range: &str) -> bool {
    LOCAL_PROTOCOLS.iter().any(|protocol| range.starts_with(protocol))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scoped names keep their leading `@`; a bare name has no rest.
    #[test]
    fn splits_scoped_and_plain_specifiers() {
        assert_eq!(split_name_and_rest("@babel/core@^7.0.0"), ("@babel/core", "^7.0.0"));
        assert_eq!(split_name_and_rest("lodash@npm:4.17.21"), ("lodash", "npm:4.17.21"));
        assert_eq!(split_name_and_rest("balanced-match"), ("balanced-match", ""));
        assert_eq!(split_name_and_rest("@scope/only"), ("@scope/only", ""));
        assert_eq!(split_name_and_rest(""), ("", ""));
    }
}
