//! .NET catalogers over the real packages.lock.json, deps.json and packages.config
//! fixtures in shared/data.

use crate::common::{catalog_fixture, interested_catalogers_starting_with, listing};
use kensa_catalog::Found;

/// packages.lock.json: exact sets; `Project` entries skipped.
#[test]
fn packages_lock_exact_package_sets() {
    for (snapshot, fixture) in [
        ("nuget_lock_simple", "trivy/nuget-lock/packages_lock_simple.json"),
        ("nuget_lock_legacy", "trivy/nuget-lock/packages_lock_legacy.json"),
        ("nuget_lock_subdependencies", "trivy/nuget-lock/packages_lock_subdependencies.json"),
        ("nuget_lock_integration", "trivy-integration-repos/nuget/packages.lock.json"),
    ] {
        let found = catalog_fixture("dotnet-packages-lock", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// Several target frameworks: a package locked under two frameworks at one
/// version is one package.
#[test]
fn packages_lock_counts() {
    for (fixture, expected) in [
        ("trivy/nuget-lock/packages_lock_multi.json", 40),
        ("osv-scalibr/dotnet-packageslockjson/valid/packages.lock.json", 8),
        ("osv-scanner/locks-scalibr/packages.lock.json", 1),
    ] {
        let found = catalog_fixture("dotnet-packages-lock", fixture).unwrap();
        assert_eq!(found.packages.len(), expected, "{fixture}");
    }
}

/// Not JSON is an error naming the file.
#[test]
fn packages_lock_malformed() {
    let fixture = "osv-scalibr/dotnet-packageslockjson/invalid/invalid";
    let error = catalog_fixture("dotnet-packages-lock", fixture).unwrap_err();
    assert!(error.to_string().contains(fixture), "{error}");
}

/// deps.json: only libraries of type `package`; projects and runtime packs skipped.
#[test]
fn deps_json_exact_package_sets() {
    for (snapshot, fixture) in [
        ("deps_happy", "trivy/dotnet-core_deps/happy.deps.json"),
        ("deps_without_runtime", "trivy/dotnet-core_deps/without-runtime.deps.json"),
        ("deps_self_contained", "trivy/dotnet-core_deps/self-contained.deps.json"),
        ("deps_multi_project", "trivy/dotnet-core_deps/multi-project.deps.json"),
        ("deps_integration", "trivy-integration-repos/dotnet/datacollector.deps.json"),
        ("deps_osv_scanner", "osv-scanner/locks-scalibr/depsjson"),
    ] {
        let found = catalog_fixture("dotnet-deps-json", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// A library key without `/version` is a diagnostic; the rest is still read.
#[test]
fn deps_json_key_without_version() {
    let fixture = "osv-scalibr/dotnet-depsjson/nopackagename";
    let found = catalog_fixture("dotnet-deps-json", fixture).unwrap();
    assert_eq!(listing(&found), "AWSSDK.Core@3.7.10.6");
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, fixture);
}

/// No libraries, or `{}`, is empty; broken JSON is an error naming the file.
#[test]
fn deps_json_empty_and_malformed() {
    for fixture in ["trivy/dotnet-core_deps/no-libraries.deps.json", "osv-scalibr/dotnet-depsjson/empty"] {
        assert_eq!(catalog_fixture("dotnet-deps-json", fixture).unwrap(), Found::default(), "{fixture}");
    }
    for fixture in ["trivy/dotnet-core_deps/invalid.deps.json", "osv-scalibr/dotnet-depsjson/invalid"] {
        let error = catalog_fixture("dotnet-deps-json", fixture).unwrap_err();
        assert!(error.to_string().contains(fixture), "{error}");
    }
}

/// packages.config: id and version attributes, BOM tolerated.
#[test]
fn packages_config_exact_package_sets() {
    for (snapshot, fixture) in [
        ("packages_config_trivy", "trivy/nuget-config/packages.config"),
        ("packages_config_dev", "trivy/nuget-config/dev_dependency.config"),
        ("packages_config_scalibr", "osv-scalibr/dotnet-packagesconfig/valid"),
    ] {
        let found = catalog_fixture("dotnet-packages-config", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// A package without a version is unresolved (not dropped); one without an id is a diagnostic.
#[test]
fn packages_config_partial_entries() {
    let found = catalog_fixture("dotnet-packages-config", "osv-scalibr/dotnet-packagesconfig/noversion").unwrap();
    assert_eq!(listing(&found), "Microsoft.CodeDom.Providers.DotNetCompilerPlatform@1.0.0");
    assert_eq!(found.unresolved.len(), 1);
    assert_eq!(found.unresolved[0].name, "Microsoft.Net.Compilers");
    let found = catalog_fixture("dotnet-packages-config", "osv-scalibr/dotnet-packagesconfig/nopackage").unwrap();
    assert_eq!(found.packages.len(), 1);
    assert_eq!(found.diagnostics.len(), 1);
}

/// Truncated XML and non-XML are errors naming the file.
#[test]
fn packages_config_malformed() {
    for fixture in ["trivy/nuget-config/malformed_xml.config", "osv-scalibr/dotnet-packagesconfig/invalid"] {
        let error = catalog_fixture("dotnet-packages-config", fixture).unwrap_err();
        assert!(error.to_string().contains(fixture), "{error}");
    }
}

/// Which paths the .NET catalogers claim.
#[test]
fn dotnet_interest() {
    let claimed_by = |path: &str| interested_catalogers_starting_with("dotnet-", path);
    assert_eq!(claimed_by("src/App/packages.lock.json"), ["dotnet-packages-lock"]);
    assert_eq!(claimed_by("app/MyApp.deps.json"), ["dotnet-deps-json"]);
    assert_eq!(claimed_by("packages.config"), ["dotnet-packages-config"]);
    assert!(claimed_by("App.csproj").is_empty());
}
