//! The finishing steps every parser shares: alias and reference clean-up,
//! de-duplication, and the checks that make an [`Advisory`] valid whatever feed it
//! came from.
//!
//! Format-specific validation (requirement syntax, OSV events) stays in each
//! format's module; this module only knows the model.

use std::collections::BTreeSet;

use kensa_model::{Advisory, AffectedPackage};

/// Aliases sorted, de-duplicated, trimmed, without empties and without `id`
/// itself (feeds sometimes list an advisory's own id among its aliases).
pub(crate) fn normalize_aliases(id: &str, aliases: impl IntoIterator<Item = String>) -> Vec<String> {
    let unique: BTreeSet<String> = aliases
        .into_iter()
        .map(|alias| alias.trim().to_owned())
        .filter(|alias| !alias.is_empty() && alias != id)
        .collect();
    unique.into_iter().collect()
}

/// Drops empty strings and later repeats, keeping the feed's order (reference
/// lists are ordered by importance in most feeds).
pub(crate) fn dedupe_keep_order(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut kept = Vec::new();
    for item in items {
        let item = item.trim().to_owned();
        if !item.is_empty() && seen.insert(item.clone()) {
            kept.push(item);
        }
    }
    kept
}

/// Removes affected entries that are exact repeats of an earlier one: some feeds
/// list a package twice with the same ranges, which would double every match.
pub(crate) fn dedupe_affected(affected: Vec<AffectedPackage>) -> Vec<AffectedPackage> {
    let mut kept: Vec<AffectedPackage> = Vec::with_capacity(affected.len());
    for entry in affected {
        if !kept.contains(&entry) {
            kept.push(entry);
        }
    }
    kept
}

/// The checks every advisory must pass before it leaves this crate, whatever
/// its feed. Returns the reason for rejection.
pub(crate) fn validate_advisory(advisory: &Advisory) -> Result<(), String> {
    validate_identifier("id", &advisory.id)?;
    for alias in &advisory.aliases {
        validate_identifier("alias", alias)?;
    }
    for affected in &advisory.affected {
        if affected.name.is_empty() {
            return Err(format!("an affected {} package has an empty name", affected.ecosystem));
        }
    }
    Ok(())
}

/// Identifiers end up in database keys, report columns and URLs: they must be a
/// single non-empty token.
fn validate_identifier(what: &str, identifier: &str) -> Result<(), String> {
    if identifier.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if identifier.chars().any(char::is_control) {
        return Err(format!("{what} {identifier:?} contains a control character"));
    }
    if identifier.chars().any(char::is_whitespace) {
        return Err(format!("{what} {identifier:?} contains whitespace"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Aliases come out sorted and unique, and never repeat the advisory's own id.
    #[test]
    fn aliases_are_sorted_unique_and_exclude_the_id() {
        let aliases = normalize_aliases("GHSA-aaaa", ["CVE-2", "GHSA-aaaa", "CVE-1", " CVE-2 ", ""].map(String::from));
        assert_eq!(aliases, ["CVE-1", "CVE-2"]);
    }

    /// References keep the feed's order but lose repeats.
    #[test]
    fn references_keep_order_without_repeats() {
        let references = dedupe_keep_order(["b", "a", "b", ""].map(String::from));
        assert_eq!(references, ["b", "a"]);
    }
}
