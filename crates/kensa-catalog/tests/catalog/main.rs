//! kensa-catalog's integration tests, one binary: each module was a test
//! crate of its own, which cost a link of the whole crate and its
//! dependencies per file for nothing (the tests share no state).

#[path = "../common/mod.rs"]
mod common;
#[path = "os_rpm/support.rs"]
mod rpm_support;

mod bun_lockfiles;
mod cargo_auditable;
mod cargo_lockfiles;
mod dart_catalog;
mod dotnet_catalog;
mod elixir_catalog;
mod golang_binaries;
mod golang_gomod;
mod gradle_lockfiles;
mod hostile_inputs;
mod java_archive;
mod java_pom;
mod node_lockfiles;
mod node_python_end_to_end;
mod os_apk;
mod os_dpkg;
mod os_release;
mod os_rpm;
mod os_rpm_built;
mod os_rpm_hostile;
mod php_catalog;
mod pylock_lockfiles;
mod pyproject_and_new_lockfiles_end_to_end;
mod pyproject_manifests;
mod python_lockfiles;
mod python_requirements;
mod ruby_catalog;
mod sbt_lockfiles;
