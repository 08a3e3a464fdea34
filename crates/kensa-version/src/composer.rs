//! Composer (Packagist) versions and constraints, as Composer's
//! `VersionParser` and `Constraint` read them.
//!
//! Versions are first normalised like `VersionParser::normalize`: optional
//! `v`, up to four numeric parts padded to four (`1.2` → `1.2.0.0`), a
//! stability suffix expanded (`a`→`alpha`, `b`→`beta`, `rc`→`RC`,
//! `p`/`pl`→`patch`) with its number, an optional `-dev`, build metadata
//! dropped, date versions (`20230101`) dotted, `1.x-dev` branches padded
//! with `9999999`, and `dev-<branch>` names kept (`master`, `trunk`,
//! `default` become `9999999-dev` as `Semver::sort` does). Normalised
//! versions are then ordered with PHP's `version_compare`, which is what
//! Composer's `Constraint` calls: dev < alpha < beta < RC < release < patch.
//! A `dev-<branch>` name equals only itself and is unordered against
//! everything else (`compare` returns `None`), as in Composer.
//!
//! Constraints: `||` or `|` is OR; `,` or whitespace is AND; operators
//! `=`, `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`; `^`, `~`, wildcards
//! (`1.2.*`), hyphen ranges (`1.0 - 2.0`) and `*`. As in Composer, `<1.2`
//! and `>=1.2` without a stability compare against `1.2.0.0-dev`, so
//! `1.2.0-beta1` is not `< 1.2`. Stability flags (`@dev`) are dropped and
//! `as` aliases are not supported.

use std::cmp::Ordering;

use crate::{RequirementError, VersionScheme};

mod normalize;
mod php_version_compare;

use normalize::normalize;
use php_version_compare::php_version_compare;

/// A normalised version: either a comparable version or a branch name.
fn normalized_for_ordering(version: &str) -> Option<String> {
    let normalized = normalize(version)?;
    // Semver::sort's normalizeDefaultBranch.
    Some(match normalized.as_str() {
        "dev-master" | "dev-default" | "dev-trunk" => "9999999-dev".to_owned(),
        _ => normalized,
    })
}

pub(crate) fn is_valid(version: &str) -> bool {
    normalize(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    let left = normalized_for_ordering(left)?;
    let right = normalized_for_ordering(right)?;
    if left == right {
        return Some(Ordering::Equal);
    }
    if left.starts_with("dev-") || right.starts_with("dev-") {
        return None;
    }
    Some(php_version_compare(&left, &right))
}

/// One normalised comparison of Composer's `Constraint`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Constraint {
    operator: &'static str,
    version: String,
}

impl Constraint {
    /// Composer's `Constraint::versionCompare` with branches not comparable.
    fn matches(&self, version: &str) -> bool {
        let version_is_branch = version.starts_with("dev-");
        let constraint_is_branch = self.version.starts_with("dev-");
        if self.operator == "!=" && (version_is_branch || constraint_is_branch) {
            return version != self.version;
        }
        if version_is_branch && constraint_is_branch {
            return self.operator == "==" && version == self.version;
        }
        if version_is_branch || constraint_is_branch {
            return false;
        }
        let ordering = php_version_compare(version, &self.version);
        match self.operator {
            "==" => ordering == Ordering::Equal,
            "!=" => ordering != Ordering::Equal,
            "<" => ordering == Ordering::Less,
            "<=" => ordering != Ordering::Greater,
            ">" => ordering == Ordering::Greater,
            _ => ordering != Ordering::Less,
        }
    }
}

/// The numeric parts and modifiers of a constraint operand, for `^`, `~`,
/// wildcards and hyphen ranges.
struct OperandParts {
    numbers: Vec<u64>,
    has_stability: bool,
}

fn operand_parts(operand: &str) -> Option<OperandParts> {
    let operand = operand.strip_prefix(['v', 'V']).unwrap_or(operand);
    let numeric_end =
        operand.find(|character: char| !(character.is_ascii_digit() || character == '.')).unwrap_or(operand.len());
    let numeric = operand.get(..numeric_end)?.trim_end_matches('.');
    let numbers: Vec<u64> = numeric.split('.').map(|part| part.parse().ok()).collect::<Option<_>>()?;
    if numbers.is_empty() || numbers.len() > 4 {
        return None;
    }
    let modifier = operand.get(numeric_end..)?;
    Some(OperandParts { numbers, has_stability: !modifier.is_empty() })
}

/// Composer's `manipulateVersionString`: zero parts after `position`,
/// add `increment` at `position` (1-based).
fn manipulate(numbers: &[u64], position: usize, increment: u64) -> String {
    let mut parts = [0_u64; 4];
    for (index, part) in parts.iter_mut().enumerate() {
        if index + 1 < position {
            *part = numbers.get(index).copied().unwrap_or(0);
        } else if index + 1 == position {
            *part = numbers.get(index).copied().unwrap_or(0).saturating_add(increment);
        }
    }
    format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[3])
}

fn lower_bound(operand: &str, parts: &OperandParts) -> Option<Constraint> {
    let suffix = if parts.has_stability { "" } else { "-dev" };
    Some(Constraint { operator: ">=", version: normalize(&format!("{operand}{suffix}"))? })
}

/// Parses one AND-ed constraint into normalised comparisons; `None` = unreadable.
fn parse_single(constraint: &str) -> Option<Vec<Constraint>> {
    let constraint = match constraint.rsplit_once('@') {
        Some((head, _stability)) => head,
        None => constraint,
    };
    if matches!(constraint, "*" | "x" | "X" | "*.*" | "x.x") {
        return Some(Vec::new());
    }
    if let Some(operand) = constraint.strip_prefix('^') {
        let parts = operand_parts(operand)?;
        // Composer: the first non-zero of major/minor is the one that may not change.
        let numbers = &parts.numbers;
        let position = if numbers.first() != Some(&0) || numbers.len() < 2 {
            1
        } else if numbers.get(1) != Some(&0) || numbers.len() < 3 {
            2
        } else {
            3
        };
        let upper = format!("{}-dev", manipulate(&parts.numbers, position, 1));
        return Some(vec![lower_bound(operand, &parts)?, Constraint { operator: "<", version: upper }]);
    }
    if let Some(operand) = constraint.strip_prefix('~') {
        if operand.starts_with('>') {
            return None;
        }
        let parts = operand_parts(operand)?;
        let high_position = parts.numbers.len().saturating_sub(1).max(1);
        let upper = format!("{}-dev", manipulate(&parts.numbers, high_position, 1));
        return Some(vec![lower_bound(operand, &parts)?, Constraint { operator: "<", version: upper }]);
    }
    if let Some(prefix) = constraint
        .strip_suffix(".*")
        .or_else(|| constraint.strip_suffix(".x"))
        .or_else(|| constraint.strip_suffix(".X"))
    {
        let parts = operand_parts(prefix)?;
        if parts.has_stability {
            return None;
        }
        let position = parts.numbers.len();
        let low = format!("{}-dev", manipulate(&parts.numbers, position + 1, 0));
        let high = format!("{}-dev", manipulate(&parts.numbers, position, 1));
        let upper = Constraint { operator: "<", version: high };
        if low == "0.0.0.0-dev" {
            return Some(vec![upper]);
        }
        return Some(vec![Constraint { operator: ">=", version: low }, upper]);
    }
    let (operator, operand): (&'static str, &str) =
        [("<>", "!="), ("!=", "!="), (">=", ">="), ("<=", "<="), ("==", "=="), (">", ">"), ("<", "<"), ("=", "==")]
            .iter()
            .find_map(|(text, operator)| constraint.strip_prefix(text).map(|rest| (*operator, rest.trim())))
            .unwrap_or(("==", constraint));
    let mut version = normalize(operand)?;
    if (operator == "<" || operator == ">=") && !has_stability_suffix(operand) && !operand.starts_with("dev-") {
        version.push_str("-dev");
    }
    Some(vec![Constraint { operator, version }])
}

/// Composer's check `/-(stable|RC|beta|alpha|dev)$/` on the lower-cased operand
/// — deliberately only the `-` spelled forms, as in Composer.
fn has_stability_suffix(operand: &str) -> bool {
    let lower = operand.to_lowercase();
    ["-stable", "-rc", "-beta", "-alpha", "-dev"].iter().any(|suffix| lower.ends_with(suffix))
}

/// Splits an OR-alternative into AND-ed pieces, keeping `>= 1.0` together and
/// recognising `A - B` hyphen ranges.
fn split_and(alternative: &str) -> Vec<String> {
    let tokens: Vec<&str> = alternative.split([',', ' ']).filter(|token| !token.is_empty()).collect();
    let mut pieces: Vec<String> = Vec::new();
    let mut index = 0;
    while let Some(token) = tokens.get(index) {
        let is_bare_operator = matches!(*token, ">" | ">=" | "<" | "<=" | "=" | "==" | "!=" | "<>" | "^" | "~");
        if tokens.get(index + 1) == Some(&"-")
            && let Some(upper) = tokens.get(index + 2)
        {
            pieces.push(format!("{token} - {upper}"));
            index += 3;
            continue;
        }
        if is_bare_operator && let Some(next) = tokens.get(index + 1) {
            pieces.push(format!("{token}{next}"));
            index += 2;
            continue;
        }
        pieces.push((*token).to_owned());
        index += 1;
    }
    pieces
}

fn parse_hyphen_range(piece: &str) -> Option<Vec<Constraint>> {
    let (from, to) = piece.split_once(" - ")?;
    let from_parts = operand_parts(from)?;
    let to_parts = operand_parts(to)?;
    let lower = lower_bound(from, &from_parts)?;
    // A complete upper version (or one with a stability) is inclusive; a partial one is bumped.
    let upper = if to_parts.numbers.len() >= 3 || to_parts.has_stability {
        Constraint { operator: "<=", version: normalize(to)? }
    } else {
        Constraint {
            operator: "<",
            version: format!("{}-dev", manipulate(&to_parts.numbers, to_parts.numbers.len(), 1)),
        }
    };
    Some(vec![lower, upper])
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    let normalized_version = normalize(version)
        .ok_or_else(|| RequirementError::invalid_version(VersionScheme::Composer, requirement, version))?;
    // Composer splits alternatives on `||` or `|`, then AND-ed constraints on
    // `,` or spaces; an empty alternative or an empty piece between commas
    // (`1.0 || || 2.0`, `>=1.0,,<2`, a trailing `,`) is a parse error there,
    // not a no-op, so it is refused here too.
    let alternatives = requirement.replace("||", "|");
    let mut any_alternative_holds = false;
    for alternative in alternatives.split('|') {
        let mut all_hold = true;
        let pieces = split_and(alternative.trim());
        if pieces.is_empty() || alternative.split(',').any(|piece| piece.trim().is_empty()) {
            return Err(RequirementError::new(VersionScheme::Composer, requirement, "empty constraint"));
        }
        for piece in pieces {
            let constraints = if piece.contains(" - ") { parse_hyphen_range(&piece) } else { parse_single(&piece) }
                .ok_or_else(|| {
                    RequirementError::new(VersionScheme::Composer, requirement, format!("cannot read {piece:?}"))
                })?;
            all_hold &= constraints.iter().all(|constraint| constraint.matches(&normalized_version));
        }
        any_alternative_holds |= all_hold;
    }
    Ok(any_alternative_holds)
}

#[cfg(test)]
mod tests;
