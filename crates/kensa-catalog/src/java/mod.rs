//! Java artifacts from Maven repositories: `pom.xml` manifests and JAR/WAR/EAR
//! archives (including jars nested inside them).
//!
//! Deliberately not handled: Gradle and sbt lockfiles, parent POMs fetched from a
//! repository, and class-file fingerprinting of shaded jars without Maven metadata.

mod archive;
mod metadata;
mod pom;
pub(crate) mod xml;

use crate::Cataloger;

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(pom::PomCataloger), Box::new(archive::JavaArchiveCataloger)]
}
