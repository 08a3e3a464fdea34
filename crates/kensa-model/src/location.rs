//! Where a package was found, for packages inside archives inside archives.

/// The separator between an archive and a path inside it, as Java tooling
/// writes `app.war!/WEB-INF/lib/log4j-core.jar`.
pub const NESTING_SEPARATOR: &str = "!/";

/// A location inside the scanned resource: a path, followed by one path per
/// archive level (`app.war!/WEB-INF/lib/x.jar!/META-INF/maven/…/pom.properties`).
/// The one place that knows how a nested location is spelled; every crate
/// that needs the file on disk (SARIF's artifact, policy path globs, layer
/// attribution) asks [`Location::outermost`] instead of splitting strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location<'a> {
    text: &'a str,
}

impl<'a> Location<'a> {
    /// Reads a location as it is stored in an inventory.
    pub fn parse(text: &'a str) -> Location<'a> {
        Location { text }
    }

    /// The path of the outermost file: the file in the scanned tree that
    /// holds the package, however deep the archive nesting.
    pub fn outermost(&self) -> &'a str {
        self.text.split(NESTING_SEPARATOR).next().unwrap_or(self.text)
    }

    /// Every level, outermost first.
    pub fn levels(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.text.split(NESTING_SEPARATOR)
    }

    /// Whether the package sits inside an archive.
    pub fn is_nested(&self) -> bool {
        self.text.contains(NESTING_SEPARATOR)
    }

    /// The location as stored.
    pub fn as_str(&self) -> &'a str {
        self.text
    }
}

/// A location one archive level deeper: `inner` inside `archive`.
pub fn nested_location(archive: &str, inner: &str) -> String {
    format!("{archive}{NESTING_SEPARATOR}{inner}")
}

/// The outermost path of a stored location (see [`Location::outermost`]).
pub fn outermost_path(location: &str) -> &str {
    Location::parse(location).outermost()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_locations_name_their_outermost_file() {
        let text = nested_location(&nested_location("app.war", "WEB-INF/lib/x.jar"), "META-INF/pom.properties");
        assert_eq!(text, "app.war!/WEB-INF/lib/x.jar!/META-INF/pom.properties");
        let location = Location::parse(&text);
        assert_eq!(location.outermost(), "app.war");
        assert!(location.is_nested());
        assert_eq!(location.levels().count(), 3);
        assert_eq!(Location::parse("usr/lib/x.jar").outermost(), "usr/lib/x.jar");
        assert!(!Location::parse("usr/lib/x.jar").is_nested());
    }
}
