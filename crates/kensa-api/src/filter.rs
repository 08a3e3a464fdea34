//! Inspector's `FilterCriteria`, read and evaluated against a finding in
//! Inspector's shape: what a suppression rule (a filter whose action is
//! `SUPPRESS`) applies to.
//!
//! Rules as Inspector states them: the fields of a criteria are AND'd; the
//! entries of one string field are OR'd for `EQUALS` and `PREFIX` and AND'd
//! for `NOT_EQUALS`; the ranges of a number or date field, the entries of a
//! map or package field, are OR'd. A field that names several values on a
//! finding (its resources, their tags, its packages) matches when one of them
//! does.
//!
//! Reading refuses what the service model refuses (unknown fields, lists
//! of more than ten entries, empty values, unknown comparisons) and the
//! fields this server does not evaluate, each error naming its field: a
//! criteria that silently matched nothing would suppress nothing, or
//! everything, without anyone knowing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::inspector::Finding;

/// Every member of the service model's `FilterCriteria`.
pub const FILTER_CRITERIA_FIELDS: &[&str] = &[
    "findingArn",
    "awsAccountId",
    "findingType",
    "severity",
    "firstObservedAt",
    "lastObservedAt",
    "updatedAt",
    "findingStatus",
    "title",
    "inspectorScore",
    "resourceType",
    "resourceId",
    "resourceTags",
    "ec2InstanceImageId",
    "ec2InstanceVpcId",
    "ec2InstanceSubnetId",
    "ecrImagePushedAt",
    "ecrImageArchitecture",
    "ecrImageRegistry",
    "ecrImageRepositoryName",
    "ecrImageTags",
    "ecrImageHash",
    "ecrImageLastInUseAt",
    "ecrImageInUseCount",
    "portRange",
    "networkProtocol",
    "componentId",
    "componentType",
    "vulnerabilityId",
    "vulnerabilitySource",
    "vendorSeverity",
    "vulnerablePackages",
    "relatedVulnerabilities",
    "fixAvailable",
    "lambdaFunctionName",
    "lambdaFunctionLayers",
    "lambdaFunctionRuntime",
    "lambdaFunctionLastModifiedAt",
    "lambdaFunctionExecutionRoleArn",
    "exploitAvailable",
    "codeVulnerabilityDetectorName",
    "codeVulnerabilityDetectorTags",
    "codeVulnerabilityFilePath",
    "epssScore",
    "codeRepositoryProjectName",
    "codeRepositoryProviderType",
    "machineImageId",
    "machineImageName",
    "machineImageOwnerAccountId",
    "machineImagePlatform",
    "cloudProvider",
    "cloudProviderRegion",
    "cloudProviderAccountId",
    "cloudProviderOrgId",
    "cloudVmImageReference",
    "cloudVmNetworkId",
    "cloudVmSubnetIds",
    "cloudImageRepositoryName",
    "cloudImageRegistry",
    "cloudImageDigest",
    "cloudImageTags",
    "cloudImagePushedAt",
    "cloudImageArchitecture",
    "cloudImageLastInUseAt",
    "cloudImageInUseCount",
    "cloudServerlessFunctionName",
    "cloudServerlessFunctionRuntime",
    "cloudServerlessFunctionLastModifiedAt",
    "cloudServerlessFunctionExecutionRole",
];

/// The string fields this server evaluates.
const STRING_FIELDS: &[&str] = &[
    "findingArn",
    "awsAccountId",
    "findingType",
    "severity",
    "findingStatus",
    "title",
    "resourceType",
    "resourceId",
    "vulnerabilityId",
    "vulnerabilitySource",
    "vendorSeverity",
    "relatedVulnerabilities",
    "fixAvailable",
    "exploitAvailable",
];
const NUMBER_FIELDS: &[&str] = &["inspectorScore", "epssScore"];
const DATE_FIELDS: &[&str] = &["firstObservedAt", "lastObservedAt", "updatedAt"];

/// The most entries a filter list holds (`StringFilterList` and the others).
const MAXIMUM_ENTRIES: usize = 10;

/// Why a criteria was refused: the field (dotted path) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filterCriteria.{field}: {problem}")]
pub struct FilterError {
    /// `filterCriteria.` is implied: `severity`, `vulnerablePackages[0].name`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn refuse(field: impl Into<String>, problem: impl Into<String>) -> FilterError {
    FilterError { field: field.into(), problem: problem.into() }
}

/// A string comparison (`StringComparison`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StringComparison {
    /// The whole value.
    Equals,
    /// A prefix of it.
    Prefix,
    /// Anything but it.
    NotEquals,
}

/// `StringFilter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StringCondition {
    /// How to compare.
    pub comparison: StringComparison,
    /// With what (1–1024 characters).
    pub value: String,
}

impl StringCondition {
    /// Whether `candidate` satisfies the condition.
    pub fn holds_for(&self, candidate: &str) -> bool {
        match self.comparison {
            StringComparison::Equals => candidate == self.value,
            StringComparison::Prefix => candidate.starts_with(&self.value),
            StringComparison::NotEquals => candidate != self.value,
        }
    }
}

/// `NumberFilter`: an inclusive range, either end open.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NumberRange {
    /// Lowest included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower_inclusive: Option<f64>,
    /// Highest included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_inclusive: Option<f64>,
}

impl NumberRange {
    fn holds_for(&self, value: f64) -> bool {
        self.lower_inclusive.is_none_or(|lower| value >= lower)
            && self.upper_inclusive.is_none_or(|upper| value <= upper)
    }
}

/// `DateFilter`: an inclusive range of epoch seconds, either end open.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DateRange {
    /// Earliest included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_inclusive: Option<f64>,
    /// Latest included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_inclusive: Option<f64>,
}

impl DateRange {
    /// Whether `value` (epoch seconds) is in the range.
    pub fn holds_for(&self, value: f64) -> bool {
        self.start_inclusive.is_none_or(|start| value >= start) && self.end_inclusive.is_none_or(|end| value <= end)
    }
}

/// `MapFilter` (the only comparison is `EQUALS`); without a value, any
/// value of the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapCondition {
    /// `EQUALS`.
    pub comparison: String,
    /// The tag key.
    pub key: String,
    /// The tag value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `PackageFilter`: each given part must hold for one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageCondition {
    /// The package's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<StringCondition>,
    /// Its installed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<StringCondition>,
    /// Its epoch (RPM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<NumberRange>,
    /// Its release (RPM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<StringCondition>,
    /// Its architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<StringCondition>,
    /// The image layer that added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_layer_hash: Option<StringCondition>,
    /// The Lambda layer it came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_lambda_layer_arn: Option<StringCondition>,
    /// Where it was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<StringCondition>,
}

/// A read `FilterCriteria`, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterCriteria {
    strings: BTreeMap<String, Vec<StringCondition>>,
    numbers: BTreeMap<String, Vec<NumberRange>>,
    dates: BTreeMap<String, Vec<DateRange>>,
    resource_tags: Vec<MapCondition>,
    packages: Vec<PackageCondition>,
}

/// A filter list of `field` (1–10 entries, as every filter list of the
/// service model), each entry read as `T`; errors name the entry.
pub fn read_entries<T: serde::de::DeserializeOwned>(
    field: &str,
    value: &serde_json::Value,
) -> Result<Vec<T>, FilterError> {
    let list = value.as_array().ok_or_else(|| refuse(field, "must be a list"))?;
    if list.is_empty() || list.len() > MAXIMUM_ENTRIES {
        return Err(refuse(field, format!("must hold 1 to {MAXIMUM_ENTRIES} entries, not {}", list.len())));
    }
    list.iter()
        .enumerate()
        .map(|(index, entry)| {
            serde_json::from_value(entry.clone())
                .map_err(|error| refuse(format!("{field}[{index}]"), error.to_string()))
        })
        .collect()
}

/// Refuses a string condition whose value is outside 1–1024 characters.
pub fn check_string(field: &str, condition: &StringCondition) -> Result<(), FilterError> {
    let length = condition.value.chars().count();
    if !(1..=1024).contains(&length) {
        return Err(refuse(field, format!("value must be 1 to 1024 characters, not {length}")));
    }
    Ok(())
}

impl FilterCriteria {
    /// Reads a criteria as the service model spells it (JSON object).
    pub fn from_json(criteria: &serde_json::Map<String, serde_json::Value>) -> Result<FilterCriteria, FilterError> {
        let mut read = FilterCriteria::default();
        for (field, value) in criteria {
            let field = field.as_str();
            if STRING_FIELDS.contains(&field) {
                let conditions: Vec<StringCondition> = read_entries(field, value)?;
                for (index, condition) in conditions.iter().enumerate() {
                    check_string(&format!("{field}[{index}]"), condition)?;
                }
                read.strings.insert(field.to_string(), conditions);
            } else if NUMBER_FIELDS.contains(&field) {
                read.numbers.insert(field.to_string(), read_entries(field, value)?);
            } else if DATE_FIELDS.contains(&field) {
                read.dates.insert(field.to_string(), read_entries(field, value)?);
            } else if field == "resourceTags" {
                let conditions: Vec<MapCondition> = read_entries(field, value)?;
                for (index, condition) in conditions.iter().enumerate() {
                    if condition.comparison != "EQUALS" {
                        return Err(refuse(
                            format!("{field}[{index}].comparison"),
                            format!("must be EQUALS, not {}", condition.comparison),
                        ));
                    }
                    if !(1..=128).contains(&condition.key.chars().count()) {
                        return Err(refuse(format!("{field}[{index}].key"), "must be 1 to 128 characters"));
                    }
                }
                read.resource_tags = conditions;
            } else if field == "vulnerablePackages" {
                let conditions: Vec<PackageCondition> = read_entries(field, value)?;
                for (index, condition) in conditions.iter().enumerate() {
                    for (part, string) in [
                        ("name", &condition.name),
                        ("version", &condition.version),
                        ("release", &condition.release),
                        ("architecture", &condition.architecture),
                        ("sourceLayerHash", &condition.source_layer_hash),
                        ("sourceLambdaLayerArn", &condition.source_lambda_layer_arn),
                        ("filePath", &condition.file_path),
                    ] {
                        if let Some(string) = string {
                            check_string(&format!("{field}[{index}].{part}"), string)?;
                        }
                    }
                }
                read.packages = conditions;
            } else if FILTER_CRITERIA_FIELDS.contains(&field) {
                return Err(refuse(field, "is not evaluated by this Kensa yet"));
            } else {
                return Err(refuse(field, "is not a FilterCriteria field"));
            }
        }
        Ok(read)
    }

    /// Whether nothing is filtered on (a criteria that matches every finding).
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
            && self.numbers.is_empty()
            && self.dates.is_empty()
            && self.resource_tags.is_empty()
            && self.packages.is_empty()
    }

    /// Whether `finding` satisfies the criteria.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.strings.iter().all(|(field, conditions)| strings_hold(conditions, &string_values(finding, field)))
            && self.numbers.iter().all(|(field, ranges)| {
                let value = match field.as_str() {
                    "inspectorScore" => finding.inspector_score,
                    "epssScore" => finding.epss.as_ref().map(|epss| epss.score),
                    _ => None,
                };
                value.is_some_and(|value| ranges.iter().any(|range| range.holds_for(value)))
            })
            && self.dates.iter().all(|(field, ranges)| {
                let value = match field.as_str() {
                    "firstObservedAt" => finding.first_observed_at,
                    "lastObservedAt" => finding.last_observed_at,
                    _ => finding.updated_at,
                };
                ranges.iter().any(|range| range.holds_for(value))
            })
            && (self.resource_tags.is_empty()
                || self.resource_tags.iter().any(|condition| {
                    finding.resources.iter().any(|resource| {
                        resource.tags.get(&condition.key).is_some_and(|value| {
                            condition.value.as_ref().is_none_or(|wanted| wanted.is_empty() || wanted == value)
                        })
                    })
                }))
            && (self.packages.is_empty()
                || self.packages.iter().any(|condition| {
                    finding.package_vulnerability_details.vulnerable_packages.iter().any(|package| {
                        let holds = |condition: &Option<StringCondition>, value: Option<&str>| {
                            condition.as_ref().is_none_or(|condition| condition.holds_for(value.unwrap_or_default()))
                        };
                        holds(&condition.name, Some(&package.name))
                            && holds(&condition.version, Some(&package.version))
                            && holds(&condition.file_path, package.file_path.as_deref())
                            && holds(&condition.source_layer_hash, package.source_layer_hash.as_deref())
                            // Kensa's packages carry no separate epoch, release,
                            // architecture or Lambda layer: a condition on one
                            // holds only for what an empty value satisfies.
                            && holds(&condition.release, None)
                            && holds(&condition.architecture, None)
                            && holds(&condition.source_lambda_layer_arn, None)
                            && condition.epoch.is_none_or(|range| range.holds_for(0.0))
                    })
                }))
    }
}

/// What a string field says of a finding (several values for the fields of
/// its resources and aliases).
fn string_values<'a>(finding: &'a Finding, field: &str) -> Vec<&'a str> {
    let details = &finding.package_vulnerability_details;
    match field {
        "findingArn" => vec![&finding.finding_arn],
        "awsAccountId" => vec![&finding.aws_account_id],
        "findingType" => vec![&finding.finding_type],
        "severity" => vec![&finding.severity],
        "findingStatus" => vec![&finding.status],
        "title" => vec![&finding.title],
        "resourceType" => finding.resources.iter().map(|resource| resource.resource_type.as_str()).collect(),
        "resourceId" => finding.resources.iter().map(|resource| resource.id.as_str()).collect(),
        "vulnerabilityId" => vec![&details.vulnerability_id],
        "vulnerabilitySource" => vec![&details.source],
        "vendorSeverity" => details.vendor_severity.as_deref().into_iter().collect(),
        "relatedVulnerabilities" => details.related_vulnerabilities.iter().map(String::as_str).collect(),
        "fixAvailable" => vec![&finding.fix_available],
        "exploitAvailable" => vec![&finding.exploit_available],
        _ => Vec::new(),
    }
}

/// One field's conditions over its values: some positive condition holds
/// for some value (when there are positive conditions), and no value is one
/// a `NOT_EQUALS` excludes.
pub fn strings_hold(conditions: &[StringCondition], values: &[&str]) -> bool {
    let mut positives = conditions.iter().filter(|condition| condition.comparison != StringComparison::NotEquals);
    let positive = positives.clone().next().is_none()
        || positives.any(|condition| values.iter().any(|value| condition.holds_for(value)));
    let negative = conditions
        .iter()
        .filter(|condition| condition.comparison == StringComparison::NotEquals)
        .all(|condition| values.iter().all(|value| condition.holds_for(value)));
    positive && negative
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        serde_json::from_value(serde_json::json!({
            "findingArn": "arn:aws:inspector2:us-east-1:111122223333:finding/0123456789abcdef0123456789abcdef",
            "awsAccountId": "111122223333",
            "type": "PACKAGE_VULNERABILITY",
            "description": "",
            "title": "CVE-2023-0001 - openssl",
            "remediation": {"recommendation": {"text": "Upgrade"}},
            "severity": "HIGH",
            "status": "ACTIVE",
            "firstObservedAt": 100.0,
            "lastObservedAt": 200.0,
            "updatedAt": 150.0,
            "fixAvailable": "YES",
            "exploitAvailable": "NO",
            "epss": {"score": 0.2},
            "inspectorScore": 7.5,
            "packageVulnerabilityDetails": {
                "vulnerabilityId": "CVE-2023-0001",
                "source": "DEBIAN",
                "referenceUrls": [],
                "relatedVulnerabilities": ["GHSA-aaaa-bbbb-cccc"],
                "cvss": [],
                "vulnerablePackages": [
                    {"name": "openssl", "version": "3.0.1", "packageManager": "OS", "filePath": "var/lib/dpkg/status"}
                ]
            },
            "resources": [{"id": "web-1", "type": "AWS_EC2_INSTANCE", "partition": "aws", "region": "us-east-1",
                           "tags": {"team": "payments"}}]
        }))
        .unwrap()
    }

    fn criteria(json: serde_json::Value) -> Result<FilterCriteria, FilterError> {
        FilterCriteria::from_json(json.as_object().unwrap())
    }

    /// Inspector's combination rules: EQUALS/PREFIX entries OR'd,
    /// NOT_EQUALS AND'd, fields AND'd, ranges OR'd.
    #[test]
    fn entries_and_fields_combine_as_inspector_combines_them() {
        let finding = finding();
        let holds = |json| criteria(json).unwrap().matches(&finding);
        assert!(holds(serde_json::json!({"severity": [
            {"comparison": "EQUALS", "value": "CRITICAL"}, {"comparison": "EQUALS", "value": "HIGH"}]})));
        assert!(!holds(serde_json::json!({"severity": [{"comparison": "EQUALS", "value": "CRITICAL"}]})));
        assert!(holds(serde_json::json!({"vulnerabilityId": [{"comparison": "PREFIX", "value": "CVE-2023-"}]})));
        assert!(!holds(serde_json::json!({"vulnerabilityId": [
            {"comparison": "NOT_EQUALS", "value": "CVE-2023-0002"},
            {"comparison": "NOT_EQUALS", "value": "CVE-2023-0001"}]})));
        assert!(!holds(serde_json::json!({
            "severity": [{"comparison": "EQUALS", "value": "HIGH"}],
            "resourceId": [{"comparison": "EQUALS", "value": "web-2"}]})));
        assert!(holds(serde_json::json!({"inspectorScore": [{"upperInclusive": 5.0}, {"lowerInclusive": 7.5}]})));
        assert!(!holds(serde_json::json!({"epssScore": [{"lowerInclusive": 0.5}]})));
        assert!(holds(serde_json::json!({"firstObservedAt": [{"startInclusive": 50, "endInclusive": 100}]})));
        assert!(holds(
            serde_json::json!({"resourceTags": [{"comparison": "EQUALS", "key": "team", "value": "payments"}]})
        ));
        assert!(!holds(serde_json::json!({"resourceTags": [{"comparison": "EQUALS", "key": "team", "value": "web"}]})));
        assert!(holds(
            serde_json::json!({"relatedVulnerabilities": [{"comparison": "EQUALS", "value": "GHSA-aaaa-bbbb-cccc"}]})
        ));
        assert!(holds(serde_json::json!({"vulnerablePackages": [
            {"name": {"comparison": "EQUALS", "value": "openssl"}, "version": {"comparison": "PREFIX", "value": "3.0"}}]})));
        assert!(!holds(serde_json::json!({"vulnerablePackages": [
            {"name": {"comparison": "EQUALS", "value": "openssl"}, "version": {"comparison": "PREFIX", "value": "1.1"}}]})));
    }

    /// What the service model refuses, and what this server does not
    /// evaluate, is refused with the field named.
    #[test]
    fn refusals_name_the_field() {
        let error = |json| criteria(json).unwrap_err().to_string();
        assert_eq!(
            error(serde_json::json!({"severty": [{"comparison": "EQUALS", "value": "HIGH"}]})),
            "filterCriteria.severty: is not a FilterCriteria field"
        );
        assert_eq!(
            error(serde_json::json!({"ecrImageHash": [{"comparison": "EQUALS", "value": "sha256:00"}]})),
            "filterCriteria.ecrImageHash: is not evaluated by this Kensa yet"
        );
        assert!(error(serde_json::json!({"severity": []})).contains("1 to 10 entries"));
        assert!(
            error(serde_json::json!({"severity": [{"comparison": "LIKE", "value": "HIGH"}]}))
                .starts_with("filterCriteria.severity[0]: unknown variant `LIKE`")
        );
        assert!(error(serde_json::json!({"title": [{"comparison": "EQUALS", "value": ""}]})).contains("1 to 1024"));
        assert!(
            error(serde_json::json!({"vulnerablePackages": [{"nam": {"comparison": "EQUALS", "value": "x"}}]}))
                .starts_with("filterCriteria.vulnerablePackages[0]: unknown field `nam`")
        );
        let entries = (0..11).map(|_| serde_json::json!({"comparison": "EQUALS", "value": "HIGH"})).collect::<Vec<_>>();
        assert!(error(serde_json::json!({"severity": entries})).contains("not 11"));
    }

    /// Every field the server claims to evaluate is a field of the service
    /// model: a typo in the lists above would make a field unreachable.
    #[test]
    fn evaluated_fields_are_the_service_models() {
        for field in STRING_FIELDS.iter().chain(NUMBER_FIELDS).chain(DATE_FIELDS) {
            assert!(FILTER_CRITERIA_FIELDS.contains(field), "{field}");
        }
    }
}
