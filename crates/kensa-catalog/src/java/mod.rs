//! Java artifacts from Maven repositories: `pom.xml` manifests, JAR/WAR/EAR
//! archives (including jars nested inside them), Gradle lockfiles and
//! verification metadata, and sbt `build.sbt.lock`.
//!
//! Deliberately not handled: parent POMs fetched from a repository, and
//! class-file fingerprinting of shaded jars without Maven metadata.

mod archive;
mod gradle;
mod metadata;
mod pom;
mod sbt;
pub(crate) mod xml;

use crate::Cataloger;

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(pom::PomCataloger),
        Box::new(archive::JavaArchiveCataloger),
        Box::new(gradle::GradleLockfileCataloger),
        Box::new(gradle::GradleVerificationMetadataCataloger),
        Box::new(sbt::SbtLockCataloger),
    ]
}
