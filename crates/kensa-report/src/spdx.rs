//! SPDX 2.3 JSON: the inventory as an SBOM — one package for the scanned
//! resource that DESCRIBES the document and CONTAINS a package per
//! (package, location) found, each with its purl as a PACKAGE-MANAGER
//! external reference. SPDX 2.3 has no place for vulnerabilities (SPDX 3's
//! security profile does); findings go to the other formats.
//!
//! `created` is the only part that changes from run to run (the format
//! requires it); the namespace is derived from the content.

use std::io::Write;

use serde_json::json;

use crate::Report;

/// SPDX ids allow letters, digits, `.` and `-` only.
fn spdx_id(index: usize, name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() || character == '.' { character } else { '-' })
        .collect();
    format!("SPDXRef-Package-{index}-{cleaned}")
}

/// Writes the inventory as SPDX 2.3 JSON; `created` is `YYYY-MM-DDTHH:MM:SSZ`.
pub fn write_spdx(report: &Report<'_>, created: &str, output: &mut dyn Write) -> std::io::Result<()> {
    let inventory = report.inventory;
    let mut packages = vec![json!({
        "SPDXID": "SPDXRef-Resource",
        "name": inventory.resource.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": match inventory.resource.kind {
            kensa_model::ResourceKind::Image => "CONTAINER",
            kensa_model::ResourceKind::Archive | kensa_model::ResourceKind::File => "ARCHIVE",
            _ => "APPLICATION",
        },
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Resource",
    })];
    let mut index = 0;
    for package in &inventory.packages {
        let locations: Vec<&str> = if package.locations.is_empty() {
            vec![""]
        } else {
            package.locations.iter().map(String::as_str).collect()
        };
        for location in locations {
            index += 1;
            let id = spdx_id(index, &package.name);
            let mut entry = json!({
                "SPDXID": id,
                "name": package.name,
                "versionInfo": package.version,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": package.purl}],
            });
            if !location.is_empty()
                && let Some(object) = entry.as_object_mut()
            {
                object.insert("sourceInfo".to_owned(), json!(format!("found in {location}")));
            }
            packages.push(entry);
            relationships.push(json!({
                "spdxElementId": "SPDXRef-Resource",
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": id,
            }));
        }
    }
    let content = serde_json::to_string(&packages).map_err(std::io::Error::other)?;
    let digest = content
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    let document = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("kensa inventory of {}", inventory.resource.name),
        "documentNamespace": format!("https://spdx.kensa.invalid/inventories/{digest:016x}"),
        "creationInfo": {"created": created, "creators": [format!("Tool: kensa-{}", env!("CARGO_PKG_VERSION"))]},
        "packages": packages,
        "relationships": relationships,
    });
    serde_json::to_writer_pretty(&mut *output, &document).map_err(std::io::Error::other)?;
    writeln!(output)
}
