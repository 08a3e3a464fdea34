//! Maven versions, ordered as Maven's `ComparableVersion` orders them, and
//! Maven version ranges (`[1.0,2.0)`, `(,1.5]`, unions `[1,2),[3,)`).
//!
//! The algorithm, written by hand (no maintained crate reproduces it):
//! the version is lower-cased and split into items — integers, strings and
//! sub-lists. `.` separates items in the same list; `-`, and a switch
//! between digits and letters, opens a nested list. Known qualifiers order
//! `alpha` < `beta` < `milestone` < `rc` (= `cr`) < `snapshot` < release
//! (`""` = `ga` = `final` = `release`) < `sp`, and unknown qualifiers come
//! after all of them, alphabetically. `a1`, `b1`, `m1` are `alpha-1`,
//! `beta-1`, `milestone-1`. Trailing "null" items (0, release qualifiers,
//! empty lists) are trimmed from each list, so `1.0.0` equals `1`.
//! A qualifier after a dot opens a sub-list as if after a dash (MNG-7644,
//! so `1.foo` = `1-foo`). The reference is maven-artifact 3.8.7, the
//! `ComparableVersion` the differential test runs.
//!
//! Ranges: a plain version is Maven's *soft* requirement, which for matching
//! is read as equality. Property placeholders and `LATEST`/`RELEASE`
//! metaversions are not versions and are rejected.

use std::cmp::Ordering;

use crate::{RequirementError, VersionScheme, compare_decimal_strings};

/// One item of a parsed Maven version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits, leading zeros stripped (unbounded, as Maven's `BigIntegerItem`).
    Integer(String),
    /// A qualifier, after aliasing (`cr`→`rc`, `ga`/`final`/`release`→`""`).
    Text(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// Maven's `comparableQualifier`: the index of a known qualifier, or
/// `"7-" + qualifier` so that unknown ones sort after all known ones.
fn comparable_qualifier(qualifier: &str) -> String {
    match QUALIFIERS.iter().position(|known| *known == qualifier) {
        Some(index) => index.to_string(),
        None => format!("{}-{qualifier}", QUALIFIERS.len()),
    }
}

const RELEASE_QUALIFIER_INDEX: &str = "5";

fn make_text_item(text: &str, followed_by_digit: bool) -> Item {
    let text = match (followed_by_digit, text) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, other) => other,
    };
    Item::Text(text.to_owned())
}

fn make_item(is_digit: bool, text: &str) -> Item {
    if is_digit { Item::Integer(text.trim_start_matches('0').to_owned()) } else { make_text_item(text, false) }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Integer(digits) => digits.is_empty(),
            Item::Text(text) => comparable_qualifier(text) == RELEASE_QUALIFIER_INDEX,
            Item::List(items) => items.is_empty(),
        }
    }

    /// Maven's `Item.compareTo`, where `None` is the absent item of a shorter list.
    fn compare_to(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Integer(digits), None) => {
                if digits.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Integer(left), Some(Item::Integer(right))) => compare_decimal_strings(left, right),
            (Item::Integer(_), Some(_)) => Ordering::Greater,
            (Item::Text(text), None) => comparable_qualifier(text).as_str().cmp(RELEASE_QUALIFIER_INDEX),
            (Item::Text(_), Some(Item::Integer(_) | Item::List(_))) => Ordering::Less,
            (Item::Text(left), Some(Item::Text(right))) => comparable_qualifier(left).cmp(&comparable_qualifier(right)),
            (Item::List(items), None) => {
                // MNG-6964: the whole list is compared with null, not only its first item.
                items
                    .iter()
                    .map(|item| item.compare_to(None))
                    .find(|ordering| ordering.is_ne())
                    .unwrap_or(Ordering::Equal)
            }
            (Item::List(_), Some(Item::Integer(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Text(_))) => Ordering::Greater,
            (Item::List(left), Some(Item::List(right))) => compare_lists(left, right),
        }
    }
}

fn compare_lists(left: &[Item], right: &[Item]) -> Ordering {
    for index in 0..left.len().max(right.len()) {
        let ordering = match (left.get(index), right.get(index)) {
            (None, None) => Ordering::Equal,
            (None, Some(right_item)) => right_item.compare_to(None).reverse(),
            (Some(left_item), right_item) => left_item.compare_to(right_item),
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    Ordering::Equal
}

/// Maven's `ListItem.normalize`: drops null items from the end, looking past
/// trailing non-null sub-lists.
fn normalize(items: &mut Vec<Item>) {
    let mut index = items.len();
    while index > 0 {
        index -= 1;
        let Some(item) = items.get(index) else { break };
        if item.is_null() {
            items.remove(index);
        } else if !matches!(item, Item::List(_)) {
            break;
        }
    }
}

/// Builds the item tree. Nested lists are kept on a stack of (items) vectors
/// and folded into their parents at the end, innermost first, which is the
/// order in which Maven normalises them.
fn parse(version: &str) -> Vec<Item> {
    let version = version.to_lowercase();
    let bytes = version.as_bytes();
    // Each open list; a child list is attached to its parent when closed.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let push_item = |stack: &mut Vec<Vec<Item>>, item: Item| {
        if let Some(current) = stack.last_mut() {
            current.push(item);
        }
    };
    let mut is_digit = false;
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let token = version.get(start..index).unwrap_or_default();
        if byte == b'.' {
            push_item(
                &mut stack,
                if index == start { Item::Integer(String::new()) } else { make_item(is_digit, token) },
            );
            start = index + 1;
        } else if byte == b'-' {
            push_item(
                &mut stack,
                if index == start { Item::Integer(String::new()) } else { make_item(is_digit, token) },
            );
            start = index + 1;
            stack.push(Vec::new());
        } else if byte.is_ascii_digit() {
            if !is_digit && index > start {
                // MNG-7644: a qualifier after `.` is read as if after `-`
                // (`1.0.0.X1` < `1.0.0-X2`), so it opens its own list unless
                // it already starts one.
                if stack.last().is_some_and(|current| !current.is_empty()) {
                    stack.push(Vec::new());
                }
                push_item(&mut stack, make_text_item(token, true));
                start = index;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && index > start {
                push_item(&mut stack, make_item(true, token));
                start = index;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if let Some(rest) = version.get(start..).filter(|rest| !rest.is_empty()) {
        // MNG-7644 again, for a trailing qualifier: `1.0.foo` is `1.0-foo`.
        if !is_digit && stack.last().is_some_and(|current| !current.is_empty()) {
            stack.push(Vec::new());
        }
        push_item(&mut stack, make_item(is_digit, rest));
    }
    while stack.len() > 1 {
        let Some(mut innermost) = stack.pop() else { break };
        normalize(&mut innermost);
        push_item(&mut stack, Item::List(innermost));
    }
    let mut root = stack.pop().unwrap_or_default();
    normalize(&mut root);
    root
}

/// Maven's `ComparableVersion` takes any string; strings that cannot be a
/// version in a POM or an advisory (empty, whitespace, range syntax) are refused.
pub(crate) fn is_valid(version: &str) -> bool {
    !version.is_empty()
        && !version.bytes().any(|byte| byte.is_ascii_whitespace() || byte.is_ascii_control())
        && !version.contains(['[', ']', '(', ')', ',', '$', '{', '}'])
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    if !is_valid(left) || !is_valid(right) {
        return None;
    }
    Some(compare_lists(&parse(left), &parse(right)))
}

/// One `[lower,upper)` restriction; `None` bounds are open-ended.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Restriction {
    lower: Option<(String, bool)>,
    upper: Option<(String, bool)>,
}

impl Restriction {
    fn contains(&self, version: &str) -> bool {
        let above_lower = match &self.lower {
            None => true,
            Some((bound, inclusive)) => match compare(version, bound) {
                Some(Ordering::Greater) => true,
                Some(Ordering::Equal) => *inclusive,
                _ => false,
            },
        };
        let below_upper = match &self.upper {
            None => true,
            Some((bound, inclusive)) => match compare(version, bound) {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => *inclusive,
                _ => false,
            },
        };
        above_lower && below_upper
    }
}

fn parse_restriction(text: &str, requirement: &str) -> Result<Restriction, RequirementError> {
    let error = |reason: &str| RequirementError::new(VersionScheme::Maven, requirement, reason);
    let lower_inclusive = text.starts_with('[');
    let upper_inclusive = text.ends_with(']');
    let inner = text.get(1..text.len().saturating_sub(1)).ok_or_else(|| error("range too short"))?.trim();
    let bound = |bound_text: &str| -> Result<Option<String>, RequirementError> {
        let bound_text = bound_text.trim();
        if bound_text.is_empty() {
            Ok(None)
        } else if is_valid(bound_text) {
            Ok(Some(bound_text.to_owned()))
        } else {
            Err(error("invalid version in range"))
        }
    };
    match inner.split_once(',') {
        None => {
            // `[1.0]` is an exact version; `(1.0)` and `[1.0)` are errors in Maven.
            if !(lower_inclusive && upper_inclusive) {
                return Err(error("single version ranges must be written [x]"));
            }
            let exact = bound(inner)?.ok_or_else(|| error("empty range"))?;
            Ok(Restriction { lower: Some((exact.clone(), true)), upper: Some((exact, true)) })
        }
        Some((lower_text, upper_text)) => {
            if upper_text.contains(',') {
                return Err(error("more than two bounds in one range"));
            }
            let lower = bound(lower_text)?;
            let upper = bound(upper_text)?;
            if let (Some(low), Some(high)) = (&lower, &upper) {
                let ordering = compare(low, high).ok_or_else(|| error("invalid bound"))?;
                if ordering == Ordering::Greater
                    || (ordering == Ordering::Equal && !(lower_inclusive && upper_inclusive))
                {
                    return Err(error("lower bound is above upper bound"));
                }
            }
            Ok(Restriction {
                lower: lower.map(|value| (value, lower_inclusive)),
                upper: upper.map(|value| (value, upper_inclusive)),
            })
        }
    }
}

/// Splits `[1,2),[3,)` into its bracketed restrictions (Maven's `VersionRange.createFromVersionSpec`).
fn parse_ranges(requirement: &str) -> Result<Vec<Restriction>, RequirementError> {
    let error = |reason: &str| RequirementError::new(VersionScheme::Maven, requirement, reason);
    let mut rest = requirement.trim();
    let mut restrictions = Vec::new();
    while rest.starts_with(['[', '(']) {
        let close = rest.find([']', ')']).ok_or_else(|| error("unbounded range"))?;
        let (range_text, after) = rest.split_at(close + 1);
        restrictions.push(parse_restriction(range_text, requirement)?);
        rest = after.trim_start();
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma.trim_start();
            if !rest.starts_with(['[', '(']) {
                return Err(error("only fully-qualified sets are allowed in a multiple set"));
            }
        } else if !rest.is_empty() {
            return Err(error("unexpected text after a range"));
        }
    }
    if !rest.is_empty() {
        return Err(error("unexpected text"));
    }
    Ok(restrictions)
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    if !is_valid(version) {
        return Err(RequirementError::invalid_version(VersionScheme::Maven, requirement, version));
    }
    let trimmed = requirement.trim();
    if !trimmed.starts_with(['[', '(']) {
        // A soft requirement: Maven would prefer this version; for matching it means this version.
        return compare(version, trimmed)
            .map(|ordering| ordering == Ordering::Equal)
            .ok_or_else(|| RequirementError::new(VersionScheme::Maven, requirement, "not a version or a range"));
    }
    Ok(parse_ranges(trimmed)?.iter().any(|restriction| restriction.contains(version)))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::*;

    #[test]
    fn qualifier_order() {
        // alpha < beta < milestone < rc < snapshot < release < sp < unknown.
        let ordered = ["1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp", "1-abc"];
        for pair in ordered.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Some(Less), "{pair:?}");
        }
        // Aliases: cr = rc, ga = final = release = "", a1 = alpha-1.
        assert_eq!(compare("1.0-cr1", "1.0-rc1"), Some(Equal));
        assert_eq!(compare("1.0-ga", "1.0"), Some(Equal));
        assert_eq!(compare("1.0.final", "1.0-release"), Some(Equal));
        assert_eq!(compare("1a1", "1-alpha-1"), Some(Equal));
        // Case does not matter.
        assert_eq!(compare("1.0-RC1", "1.0-rc1"), Some(Equal));
    }

    #[test]
    fn trailing_nulls_and_separators() {
        // Trailing zeros are trimmed; the dash opens a sub-list.
        assert_eq!(compare("1.0.0", "1"), Some(Equal));
        assert_eq!(compare("1.0-1", "1-1"), Some(Equal));
        // A number beats a qualifier; a sub-list sits between them.
        assert_eq!(compare("1.0.1", "1.0-1"), Some(Greater));
        assert_eq!(compare("1-1", "1.sp"), Some(Greater));
        // Long numbers compare as numbers.
        assert_eq!(compare("1.99999999999999999999", "1.100000000000000000000"), Some(Less));
    }

    #[test]
    fn ranges() {
        // Half-open and open-ended ranges, and unions.
        assert_eq!(satisfies("1.5", "[1.0,2.0)"), Ok(true));
        assert_eq!(satisfies("2.0", "[1.0,2.0)"), Ok(false));
        assert_eq!(satisfies("1.5", "(,1.5]"), Ok(true));
        assert_eq!(satisfies("1.5.1", "(,1.5]"), Ok(false));
        assert_eq!(satisfies("3.1", "[1.0,1.2),[3.0,)"), Ok(true));
        assert_eq!(satisfies("1.2", "[1.0,1.2),[3.0,)"), Ok(false));
        // [x] is exact; a plain version is a soft requirement read as equality.
        assert_eq!(satisfies("1.0.0", "[1.0]"), Ok(true));
        assert_eq!(satisfies("1.0.0", "1.0"), Ok(true));
        assert_eq!(satisfies("1.0.1", "1.0"), Ok(false));
        // Malformed ranges are errors.
        assert!(satisfies("1.0", "[1.0,2.0").is_err());
        assert!(satisfies("1.0", "[2.0,1.0]").is_err());
        assert!(satisfies("1.0", "[1.0,2.0),3.0").is_err());
    }

    /// Pins MNG-7644 (maven-artifact 3.8.7, the differential oracle): a
    /// qualifier after a dot opens its own sub-list as if after a dash, so
    /// `1.foo` = `1-foo` and `1.0.1.foo` sorts after `1.0.1-sp1` (found by
    /// the ComparableVersion differential test).
    #[test]
    fn mng_7644_dot_qualifier_reads_as_dash_qualifier() {
        assert_eq!(compare("1.foo", "1-foo"), Some(Equal));
        assert_eq!(compare("1.0.0.rc1", "1.0.0-rc1"), Some(Equal));
        assert_eq!(compare("1.0.0.X1", "1.0.0-X2"), Some(Less));
        assert_eq!(compare("1.0.1-sp1", "1.0.1.foo"), Some(Less));
        assert_eq!(compare("1.0-1", "1.0.0.foo"), Some(Greater));
        assert_eq!(satisfies("1.0.1-sp1", "[1.0.1.0,1.0.1.foo)"), Ok(true));
    }
}
