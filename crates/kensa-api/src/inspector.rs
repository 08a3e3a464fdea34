//! `inspector2` shapes (botocore `inspector2/2020-06-08`), and the engine's
//! findings in Inspector's vocabulary.

use serde::{Deserialize, Serialize};

use kensa_model::{Ecosystem, FixState, Severity};

/// The SigV4 service name of the Inspector API.
pub const INSPECTOR_SERVICE: &str = "inspector2";

/// `ListFindings`: `POST /findings/list`.
pub const LIST_FINDINGS_PATH: &str = "/findings/list";

/// `ListFindings` request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFindingsRequest {
    /// Filters, as the service model's `FilterCriteria` (kept as JSON: the
    /// server says which fields it evaluates and refuses the others).
    #[serde(default)]
    pub filter_criteria: Option<serde_json::Map<String, serde_json::Value>>,
    /// 1–100.
    #[serde(default)]
    pub max_results: Option<i64>,
    /// The token a previous page returned.
    #[serde(default)]
    pub next_token: Option<String>,
    /// Sort (`sortField`, `sortOrder`).
    #[serde(default)]
    pub sort_criteria: Option<serde_json::Value>,
}

/// A string filter (`StringFilter`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StringFilter {
    /// `EQUALS`, `PREFIX`, `NOT_EQUALS`.
    pub comparison: String,
    /// The value compared with.
    pub value: String,
}

/// `ListFindings` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFindingsResponse {
    /// This page.
    pub findings: Vec<Finding>,
    /// Present when there is a next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// An Inspector finding (`Finding`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// `arn:aws:inspector2:REGION:ACCOUNT:finding/<32 hex>`.
    pub finding_arn: String,
    /// The owning account.
    pub aws_account_id: String,
    /// `PACKAGE_VULNERABILITY`.
    #[serde(rename = "type")]
    pub finding_type: String,
    /// The advisory's summary.
    pub description: String,
    /// `CVE-… - package` as Inspector titles them.
    pub title: String,
    /// What to do.
    pub remediation: Remediation,
    /// `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`, `UNTRIAGED`.
    pub severity: String,
    /// `ACTIVE`, `SUPPRESSED`, `CLOSED`.
    pub status: String,
    /// Epoch seconds.
    pub first_observed_at: f64,
    /// Epoch seconds.
    pub last_observed_at: f64,
    /// Epoch seconds.
    pub updated_at: f64,
    /// `YES`, `NO`, `PARTIAL`.
    pub fix_available: String,
    /// `YES`, `NO`.
    pub exploit_available: String,
    /// When CISA last saw it exploited (its KEV date added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exploitability_details: Option<ExploitabilityDetails>,
    /// EPSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<Epss>,
    /// The Kensa score, in Inspector's place for its own score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector_score: Option<f64>,
    /// How the score was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector_score_details: Option<InspectorScoreDetails>,
    /// The vulnerability and the packages it is in.
    pub package_vulnerability_details: PackageVulnerabilityDetails,
    /// The resource it is on.
    pub resources: Vec<ResourceOfFinding>,
}

/// `Remediation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// The recommendation.
    pub recommendation: Recommendation,
}

/// `Recommendation` (note botocore's capital `Url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// What to do.
    pub text: String,
    /// Where to read more.
    #[serde(rename = "Url", default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `ExploitabilityDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExploitabilityDetails {
    /// Epoch seconds.
    pub last_known_exploit_at: f64,
}

/// `EpssDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Epss {
    /// Probability, 0–1.
    pub score: f64,
}

/// `InspectorScoreDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectorScoreDetails {
    /// The adjusted score.
    pub adjusted_cvss: AdjustedCvss,
}

/// `CvssScoreDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdjustedCvss {
    /// The score after adjustments.
    pub score: f64,
    /// `KENSA`.
    pub score_source: String,
    /// The vector the base came from, when one did.
    pub scoring_vector: String,
    /// CVSS version of that vector.
    pub version: String,
    /// What moved the score.
    pub adjustments: Vec<CvssAdjustment>,
}

/// `CvssScoreAdjustment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvssAdjustment {
    /// What factor.
    pub metric: String,
    /// Why.
    pub reason: String,
}

/// `PackageVulnerabilityDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageVulnerabilityDetails {
    /// The vulnerability's primary id.
    pub vulnerability_id: String,
    /// Where the advisory came from (`OSV`, the distribution…).
    pub source: String,
    /// References.
    pub reference_urls: Vec<String>,
    /// Aliases.
    pub related_vulnerabilities: Vec<String>,
    /// CVSS vectors published.
    pub cvss: Vec<CvssScore>,
    /// The distribution's own rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_severity: Option<String>,
    /// The affected package.
    pub vulnerable_packages: Vec<VulnerablePackage>,
}

/// `CvssScore`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CvssScore {
    /// Base score (0 when unknown to this shape).
    pub base_score: f64,
    /// The vector.
    pub scoring_vector: String,
    /// Who published it.
    pub source: String,
    /// `2.0`, `3.1`, `4.0`.
    pub version: String,
}

/// `VulnerablePackage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnerablePackage {
    /// Name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Inspector's `PackageManager` value.
    pub package_manager: String,
    /// Where it was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// The lowest version with the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_in_version: Option<String>,
    /// What to do for this package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The image layer that added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_layer_hash: Option<String>,
}

/// `Resource` of a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceOfFinding {
    /// The resource id.
    pub id: String,
    /// `AWS_EC2_INSTANCE`, `AWS_ECR_CONTAINER_IMAGE`, `AWS_LAMBDA_FUNCTION`, …
    #[serde(rename = "type")]
    pub resource_type: String,
    /// `aws` (Inspector's partition; Kensa has one).
    pub partition: String,
    /// The server's region.
    pub region: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// Inspector's severity label of an engine severity.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Unknown => "UNTRIAGED",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// Inspector's `PackageManager` of an ecosystem (operating-system packages
/// are all `OS`, as in Inspector).
pub fn package_manager(ecosystem: Ecosystem, location: &str) -> &'static str {
    let file = location.rsplit('/').next().unwrap_or(location);
    match ecosystem {
        Ecosystem::CratesIo => "CARGO",
        Ecosystem::Npm => match file {
            "yarn.lock" => "YARN",
            "package-lock.json" | "npm-shrinkwrap.json" | "pnpm-lock.yaml" => "NPM",
            _ => "NODEPKG",
        },
        Ecosystem::PyPI => match file {
            "Pipfile.lock" => "PIPENV",
            "poetry.lock" => "POETRY",
            "requirements.txt" => "PIP",
            _ => "PYTHONPKG",
        },
        Ecosystem::Go => {
            if file == "go.mod" || file == "go.sum" {
                "GOMOD"
            } else {
                "GOBINARY"
            }
        }
        Ecosystem::RubyGems => {
            if file == "Gemfile.lock" {
                "BUNDLER"
            } else {
                "GEMSPEC"
            }
        }
        Ecosystem::Packagist => "COMPOSER",
        Ecosystem::NuGet => "NUGET",
        Ecosystem::Maven => {
            if file.ends_with(".xml") {
                "POM"
            } else {
                "JAR"
            }
        }
        Ecosystem::Pub | Ecosystem::Hex => "GENERIC",
        _ => "OS",
    }
}

/// `fixAvailable` of an engine finding.
pub fn fix_available(fix_state: FixState, fixed_versions: &[String]) -> &'static str {
    match fix_state {
        FixState::Fixed if !fixed_versions.is_empty() => "YES",
        _ => "NO",
    }
}

/// What Inspector's finding says of an engine finding, apart from what the
/// server's lifecycle and resource add.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingContext<'a> {
    /// The full ARN.
    pub finding_arn: &'a str,
    /// Owner.
    pub account_id: &'a str,
    /// The server's region.
    pub region: &'a str,
    /// Status label.
    pub status: &'a str,
    /// Epoch seconds.
    pub first_observed_at: i64,
    /// Epoch seconds.
    pub last_observed_at: i64,
    /// Epoch seconds.
    pub updated_at: i64,
    /// The resource.
    pub resource_id: &'a str,
    /// Its type.
    pub resource_type: &'a str,
    /// Its tags.
    pub tags: std::collections::BTreeMap<String, String>,
}

#[allow(clippy::cast_precision_loss)]
fn seconds(value: i64) -> f64 {
    value as f64
}

/// An engine finding in Inspector's shape.
pub fn finding_of(finding: &kensa_model::Finding, context: &FindingContext<'_>) -> Finding {
    let fixed_in_version = finding.fixed_versions.first().cloned();
    let remediation_text = match &fixed_in_version {
        Some(version) => format!("Upgrade {} to version {version} or later.", finding.package.name),
        None => format!("None available for {} {}.", finding.package.name, finding.package.version),
    };
    let last_known_exploit_at = finding.known_exploited.as_ref().and_then(|known| {
        kensa_model::time::parse_rfc3339_nanoseconds(&format!("{}T00:00:00Z", known.date_added))
            .map(|nanoseconds| i64::try_from(nanoseconds / 1_000_000_000).unwrap_or(0))
    });
    let score_details = finding.kensa_score.as_ref().map(|score| {
        let base = finding.cvss.first();
        InspectorScoreDetails {
            adjusted_cvss: AdjustedCvss {
                score: score.score,
                score_source: "KENSA".to_string(),
                scoring_vector: base.map(|vector| vector.vector.clone()).unwrap_or_default(),
                version: base.map(|vector| cvss_version_label(&vector.vector)).unwrap_or_default(),
                adjustments: score
                    .adjustments
                    .iter()
                    .map(|adjustment| CvssAdjustment {
                        metric: adjustment.factor.clone(),
                        reason: adjustment.reason.clone(),
                    })
                    .collect(),
            },
        }
    });
    // The advisory database the matched record came from, by its id's
    // prefix (GHSA, RUSTSEC, DSA, ALAS, …), as Inspector names its sources.
    let source = finding
        .evidence
        .first()
        .and_then(|evidence| evidence.advisory_id.split('-').next())
        .filter(|prefix| !prefix.is_empty())
        .unwrap_or("KENSA")
        .to_ascii_uppercase();
    Finding {
        finding_arn: context.finding_arn.to_string(),
        aws_account_id: context.account_id.to_string(),
        finding_type: "PACKAGE_VULNERABILITY".to_string(),
        description: finding.summary.clone(),
        title: format!("{} - {}", finding.id, finding.package.name),
        remediation: Remediation {
            recommendation: Recommendation { text: remediation_text.clone(), url: finding.references.first().cloned() },
        },
        severity: severity_label(finding.severity).to_string(),
        status: context.status.to_string(),
        first_observed_at: seconds(context.first_observed_at),
        last_observed_at: seconds(context.last_observed_at),
        updated_at: seconds(context.updated_at),
        fix_available: fix_available(finding.fix_state, &finding.fixed_versions).to_string(),
        exploit_available: if finding.known_exploited.is_some() { "YES" } else { "NO" }.to_string(),
        exploitability_details: last_known_exploit_at
            .map(|at| ExploitabilityDetails { last_known_exploit_at: seconds(at) }),
        epss: finding.epss.as_ref().map(|epss| Epss { score: epss.probability }),
        inspector_score: finding.kensa_score.as_ref().map(|score| score.score),
        inspector_score_details: score_details,
        package_vulnerability_details: PackageVulnerabilityDetails {
            vulnerability_id: finding.id.clone(),
            source,
            reference_urls: finding.references.clone(),
            related_vulnerabilities: finding.aliases.clone(),
            cvss: finding
                .cvss
                .iter()
                .map(|vector| CvssScore {
                    base_score: 0.0,
                    scoring_vector: vector.vector.clone(),
                    source: "KENSA".to_string(),
                    version: cvss_version_label(&vector.vector),
                })
                .collect(),
            vendor_severity: finding.distro_severity.clone(),
            vulnerable_packages: vec![VulnerablePackage {
                name: finding.package.name.clone(),
                version: finding.package.version.clone(),
                package_manager: package_manager(finding.package.ecosystem, &finding.package.location).to_string(),
                file_path: (!finding.package.location.is_empty()).then(|| finding.package.location.clone()),
                fixed_in_version,
                remediation: Some(remediation_text),
                source_layer_hash: finding.package.layer.clone(),
            }],
        },
        resources: vec![ResourceOfFinding {
            id: context.resource_id.to_string(),
            resource_type: context.resource_type.to_string(),
            partition: "aws".to_string(),
            region: context.region.to_string(),
            tags: context.tags.clone(),
        }],
    }
}

fn cvss_version_label(vector: &str) -> String {
    if let Some(rest) = vector.strip_prefix("CVSS:") {
        rest.split('/').next().unwrap_or_default().to_string()
    } else {
        "2.0".to_string()
    }
}

/// `CreateFilter`: `POST /filters/create`.
pub const CREATE_FILTER_PATH: &str = "/filters/create";
/// `ListFilters`: `POST /filters/list`.
pub const LIST_FILTERS_PATH: &str = "/filters/list";
/// `UpdateFilter`: `POST /filters/update`.
pub const UPDATE_FILTER_PATH: &str = "/filters/update";
/// `DeleteFilter`: `POST /filters/delete`.
pub const DELETE_FILTER_PATH: &str = "/filters/delete";

/// The tag of a filter that makes it lapse (RFC 3339 or epoch seconds):
/// Kensa's suppression rules may expire, Inspector's shapes have no member
/// for it, and a tag passes through every client unchanged.
pub const FILTER_EXPIRY_TAG: &str = "kensa:expiresAt";

/// `CreateFilterRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFilterRequest {
    /// `NONE` or `SUPPRESS`.
    pub action: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Which findings.
    pub filter_criteria: serde_json::Map<String, serde_json::Value>,
    /// Unique in the account; 3–64 of letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

/// `CreateFilterResponse`, `UpdateFilterResponse`, `DeleteFilterResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterArnResponse {
    /// The filter's ARN.
    pub arn: String,
}

/// `UpdateFilterRequest`: what is given replaces what was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFilterRequest {
    /// Which filter.
    pub filter_arn: String,
    /// `NONE` or `SUPPRESS`.
    #[serde(default)]
    pub action: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Which findings.
    #[serde(default)]
    pub filter_criteria: Option<serde_json::Map<String, serde_json::Value>>,
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `DeleteFilterRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteFilterRequest {
    /// Which filter.
    pub arn: String,
}

/// `ListFiltersRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFiltersRequest {
    /// Only filters of this action.
    #[serde(default)]
    pub action: Option<String>,
    /// Only these filters.
    #[serde(default)]
    pub arns: Option<Vec<String>>,
    /// 1–100.
    #[serde(default)]
    pub max_results: Option<i64>,
    /// The token a previous page returned.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `ListFiltersResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFiltersResponse {
    /// This page.
    pub filters: Vec<Filter>,
    /// Present when there is a next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `Filter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// `arn:aws:inspector2:REGION:ACCOUNT:owner/ACCOUNT/filter/ID`.
    pub arn: String,
    /// The account that created it.
    pub owner_id: String,
    /// Its name.
    pub name: String,
    /// Which findings.
    pub criteria: serde_json::Map<String, serde_json::Value>,
    /// `NONE` or `SUPPRESS`.
    pub action: String,
    /// Epoch seconds.
    pub created_at: f64,
    /// Epoch seconds.
    pub updated_at: f64,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
    /// Who created it (the access key's principal), beyond Inspector's
    /// shape: SDKs ignore members they do not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// `ListCoverage`: `POST /coverage/list`.
pub const LIST_COVERAGE_PATH: &str = "/coverage/list";

/// `ListCoverageRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCoverageRequest {
    /// `CoverageFilterCriteria`, as JSON (the server says what it evaluates).
    #[serde(default)]
    pub filter_criteria: Option<serde_json::Map<String, serde_json::Value>>,
    /// 1–200.
    #[serde(default)]
    pub max_results: Option<i64>,
    /// The token a previous page returned.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `ListCoverageResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCoverageResponse {
    /// This page.
    pub covered_resources: Vec<CoveredResource>,
    /// Present when there is a next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `CoveredResource`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoveredResource {
    /// `AWS_EC2_INSTANCE`, `AWS_ECR_CONTAINER_IMAGE`, …
    pub resource_type: String,
    /// The resource id.
    pub resource_id: String,
    /// The owning account.
    pub account_id: String,
    /// `PACKAGE`.
    pub scan_type: String,
    /// Scanned or not, and why.
    pub scan_status: ScanStatus,
    /// When its findings were last matched (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scanned_at: Option<f64>,
}

/// `ScanStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanStatus {
    /// `ACTIVE` or `INACTIVE`.
    pub status_code: String,
    /// `SUCCESSFUL`, `PENDING_INITIAL_SCAN`, `EXCLUDED_BY_TAG`, …
    pub reason: String,
}

/// Every member of the service model's `CoverageFilterCriteria`.
pub const COVERAGE_FILTER_CRITERIA_FIELDS: &[&str] = &[
    "scanStatusCode",
    "scanStatusReason",
    "accountId",
    "resourceId",
    "resourceType",
    "scanType",
    "ecrRepositoryName",
    "ecrImageTags",
    "ec2InstanceTags",
    "lambdaFunctionName",
    "lambdaFunctionTags",
    "lambdaFunctionRuntime",
    "machineImageTags",
    "lastScannedAt",
    "scanMode",
    "imagePulledAt",
    "ecrImageLastInUseAt",
    "ecrImageInUseCount",
    "codeRepositoryProjectName",
    "codeRepositoryProviderType",
    "codeRepositoryProviderTypeVisibility",
    "lastScannedCommitId",
    "cloudProvider",
    "cloudProviderAccountId",
    "cloudProviderRegion",
    "cloudVmInstanceTags",
    "cloudContainerImageTags",
    "cloudContainerRepositoryName",
    "cloudContainerRegistryName",
    "cloudServerlessFunctionName",
    "cloudServerlessFunctionRuntime",
    "cloudServerlessFunctionTags",
    "cloudProviderOrgId",
];

/// `GetConfiguration`: `POST /configuration/get`.
pub const GET_CONFIGURATION_PATH: &str = "/configuration/get";
/// `UpdateConfiguration`: `POST /configuration/update`.
pub const UPDATE_CONFIGURATION_PATH: &str = "/configuration/update";

/// `GetConfigurationRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetConfigurationRequest {
    /// Another account of the organisation (the caller's own when absent).
    #[serde(default)]
    pub account_id: Option<String>,
}

/// `GetConfigurationResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetConfigurationResponse {
    /// Images.
    pub ecr_configuration: EcrConfigurationState,
    /// Hosts.
    pub ec2_configuration: Ec2ConfigurationState,
}

/// `EcrConfigurationState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcrConfigurationState {
    /// The rescan durations.
    pub rescan_duration_state: EcrRescanDurationState,
}

/// `EcrRescanDurationState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcrRescanDurationState {
    /// After the push.
    pub rescan_duration: String,
    /// `SUCCESS`: applied (its re-match queued) as it was stored.
    pub status: String,
    /// Epoch seconds of the last change, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<f64>,
    /// After the last pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_date_rescan_duration: Option<String>,
    /// `LAST_PULL_DATE` or `LAST_IN_USE_AT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_date_rescan_mode: Option<String>,
}

/// `Ec2ConfigurationState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ec2ConfigurationState {
    /// The scan mode.
    pub scan_mode_state: Ec2ScanModeState,
}

/// `Ec2ScanModeState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ec2ScanModeState {
    /// `EC2_SSM_AGENT_BASED` or `EC2_HYBRID`.
    pub scan_mode: String,
    /// `SUCCESS`.
    pub scan_mode_status: String,
}

/// `UpdateConfigurationRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConfigurationRequest {
    /// Another account of the organisation (the caller's own when absent).
    #[serde(default)]
    pub account_id: Option<String>,
    /// Images.
    #[serde(default)]
    pub ecr_configuration: Option<EcrConfiguration>,
    /// Hosts.
    #[serde(default)]
    pub ec2_configuration: Option<Ec2Configuration>,
}

/// `EcrConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcrConfiguration {
    /// Required.
    pub rescan_duration: String,
    /// After the last pull.
    #[serde(default)]
    pub pull_date_rescan_duration: Option<String>,
    /// `LAST_PULL_DATE` or `LAST_IN_USE_AT`.
    #[serde(default)]
    pub pull_date_rescan_mode: Option<String>,
}

/// `Ec2Configuration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ec2Configuration {
    /// `EC2_SSM_AGENT_BASED` or `EC2_HYBRID`.
    pub scan_mode: String,
}
