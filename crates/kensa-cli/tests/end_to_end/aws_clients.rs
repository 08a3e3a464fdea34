//! The real AWS CLI and boto3 (`.ci/needs/aws-clients.sh`), unchanged but
//! for the endpoint, against `kensa server`. Proves: the CLI signs with a
//! profile from a shared credentials file and its auto-pagination and
//! `--max-items`/`--starting-token` paging return exactly the local scan's
//! findings; boto3 (endpoint from `AWS_ENDPOINT_URL_INSPECTOR2`) pages with
//! its paginator, filters by severity, parses every finding against
//! Inspector's service model, and reads AWS's error codes off refusals,
//! including the `maxResults` maximum the SDK itself does not enforce; the
//! CLI's filter, coverage and configuration commands work against it, and
//! Kensa's lists of criteria fields are botocore's.

use std::collections::BTreeSet;
use std::process::Command;

use super::server::{credentials, init, kensa_as, start};
use crate::common;

fn aws_clients_tool(name: &str) -> Option<std::path::PathBuf> {
    common::fixture(&format!("aws-clients/bin/{name}"), ".ci/needs/aws-clients.sh")
}

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_aws_cli_and_boto3_read_the_servers_findings_unchanged() {
    let (Some(aws), Some(python)) = (aws_clients_tool("aws"), aws_clients_tool("python")) else { return };
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, None);

    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pushed = kensa_as(&admin, &["push", "--server", &server.url, "--wait", inventory.to_str().unwrap()]);
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let local = common::json_report(&[
        "scan",
        "inventory",
        inventory.to_str().unwrap(),
        "--db",
        common::database().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let local_findings = local["findings"].as_array().unwrap();
    let expected: BTreeSet<(String, String, String)> = local_findings
        .iter()
        .map(|finding| {
            (
                finding["id"].as_str().unwrap().to_string(),
                finding["package"]["name"].as_str().unwrap().to_string(),
                finding["package"]["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let critical = local_findings.iter().filter(|finding| finding["severity"] == "CRITICAL").count();
    assert!(critical > 0, "the fixture should have CRITICAL findings");

    // The AWS CLI, with a named profile in a shared credentials file.
    let profile_file = data.path().join("credentials");
    std::fs::write(
        &profile_file,
        format!(
            "[kensa]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            admin["access_key_id"].as_str().unwrap(),
            admin["secret_access_key"].as_str().unwrap()
        ),
    )
    .unwrap();
    let aws_cli = |arguments: &[&str]| {
        Command::new(&aws)
            .args(["inspector2", "--endpoint-url", &server.url, "--region", "us-east-1", "--output", "json"])
            .args(["--profile", "kensa"])
            .args(arguments)
            .env("AWS_SHARED_CREDENTIALS_FILE", &profile_file)
            .env("AWS_CONFIG_FILE", data.path().join("no-config"))
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let listed = json(&aws_cli(&["list-findings"]));
    let findings = listed["findings"].as_array().unwrap();
    let served: BTreeSet<(String, String, String)> = findings
        .iter()
        .map(|finding| {
            let package = &finding["packageVulnerabilityDetails"]["vulnerablePackages"][0];
            (
                finding["packageVulnerabilityDetails"]["vulnerabilityId"].as_str().unwrap().to_string(),
                package["name"].as_str().unwrap().to_string(),
                package["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(findings.len(), local_findings.len());
    assert_eq!(served, expected, "the AWS CLI lists the local scan's findings");
    let cli_arns: BTreeSet<String> =
        findings.iter().map(|finding| finding["findingArn"].as_str().unwrap().to_string()).collect();

    // Paging by hand: --max-items, then --starting-token until none is left.
    let mut paged = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut arguments = vec!["list-findings", "--max-items", "30"];
        if let Some(token) = &token {
            arguments.extend(["--starting-token", token.as_str()]);
        }
        let page = json(&aws_cli(&arguments));
        let items = page["findings"].as_array().unwrap();
        assert!(items.len() <= 30);
        for finding in items {
            assert!(paged.insert(finding["findingArn"].as_str().unwrap().to_string()), "a page repeated a finding");
        }
        match page["NextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, cli_arns);

    // Suppression rules through the CLI's filter commands: created, listed
    // (botocore parses the Filter shape, timestamps included), deleted.
    let first_id = findings[0]["packageVulnerabilityDetails"]["vulnerabilityId"].as_str().unwrap().to_string();
    let criteria = serde_json::json!({"vulnerabilityId": [{"comparison": "EQUALS", "value": first_id}]}).to_string();
    let created = json(&aws_cli(&[
        "create-filter",
        "--name",
        "accepted-risk",
        "--action",
        "SUPPRESS",
        "--reason",
        "mitigated upstream",
        "--filter-criteria",
        &criteria,
    ]));
    let filter_arn = created["arn"].as_str().unwrap().to_string();
    let filters = json(&aws_cli(&["list-filters", "--action", "SUPPRESS"]));
    assert_eq!(filters["filters"][0]["arn"], filter_arn.as_str(), "{filters}");
    assert_eq!(filters["filters"][0]["reason"], "mitigated upstream");
    // The CLI (v1) prints timestamps as the wire has them: epoch seconds.
    let created_at = filters["filters"][0]["createdAt"].as_f64().unwrap();
    assert!((created_at - kensa_model::time::now_seconds() as f64).abs() < 120.0, "{filters}");
    let duplicate =
        aws_cli(&["create-filter", "--name", "accepted-risk", "--action", "SUPPRESS", "--filter-criteria", &criteria]);
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("BadRequestException"));
    let deleted = json(&aws_cli(&["delete-filter", "--arn", &filter_arn]));
    assert_eq!(deleted["arn"], filter_arn.as_str());
    assert_eq!(json(&aws_cli(&["list-filters"]))["filters"], serde_json::json!([]));

    // Coverage through the CLI (its paginator over coveredResources).
    let coverage = json(&aws_cli(&["list-coverage"]));
    let covered = coverage["coveredResources"].as_array().unwrap();
    assert_eq!(covered.len(), 1, "{coverage}");
    assert_eq!(covered[0]["scanStatus"]["statusCode"], "ACTIVE");
    assert_eq!(covered[0]["scanStatus"]["reason"], "SUCCESSFUL");

    // Scan configuration through the CLI.
    let updated = aws_cli(&["update-configuration", "--ecr-configuration", "rescanDuration=DAYS_30"]);
    assert!(updated.status.success(), "{}", String::from_utf8_lossy(&updated.stderr));
    let configuration = json(&aws_cli(&["get-configuration"]));
    assert_eq!(
        configuration["ecrConfiguration"]["rescanDurationState"]["rescanDuration"], "DAYS_30",
        "{configuration}"
    );

    // The criteria fields Kensa knows are the service model's, all of them.
    let model_fields = |shape: &str| -> Vec<String> {
        let script = format!(
            "import botocore.session, json; print(json.dumps(sorted(botocore.session.get_session()\
             .get_service_model('inspector2').shape_for('{shape}').members)))"
        );
        let output = Command::new(&python).args(["-c", &script]).output().unwrap();
        json(&output).as_array().unwrap().iter().map(|field| field.as_str().unwrap().to_string()).collect()
    };
    for (shape, known) in [
        ("FilterCriteria", kensa_api::filter::FILTER_CRITERIA_FIELDS),
        ("CoverageFilterCriteria", kensa_api::inspector::COVERAGE_FILTER_CRITERIA_FIELDS),
    ] {
        let mut known: Vec<String> = known.iter().map(ToString::to_string).collect();
        known.sort();
        assert_eq!(known, model_fields(shape), "Kensa's list of {shape} fields is botocore's");
    }

    let refused = Command::new(&aws)
        .args(["inspector2", "list-findings", "--endpoint-url", &server.url, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", admin["access_key_id"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", "x".repeat(40))
        .env("AWS_CONFIG_FILE", data.path().join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", data.path().join("no-credentials"))
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("InvalidSignatureException"));

    // boto3.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/boto3_inspector.py");
    let result = json(
        &Command::new(&python)
            .arg(&script)
            .env("AWS_ENDPOINT_URL_INSPECTOR2", &server.url)
            .env("AWS_ACCESS_KEY_ID", admin["access_key_id"].as_str().unwrap())
            .env("AWS_SECRET_ACCESS_KEY", admin["secret_access_key"].as_str().unwrap())
            .env("AWS_CONFIG_FILE", data.path().join("no-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", data.path().join("no-credentials"))
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap(),
    );
    let boto_arns: Vec<String> =
        result["arns"].as_array().unwrap().iter().map(|arn| arn.as_str().unwrap().to_string()).collect();
    assert_eq!(boto_arns.len(), cli_arns.len(), "the paginator neither repeats nor drops findings");
    assert_eq!(boto_arns.into_iter().collect::<BTreeSet<_>>(), cli_arns);
    assert_eq!(result["critical"].as_u64().unwrap(), u64::try_from(critical).unwrap());
    assert_eq!(result["errors"]["max_results_101"], "ValidationException");
    assert_eq!(result["errors"]["wrong_secret"], "InvalidSignatureException");
    assert_eq!(result["errors"]["unknown_key"], "UnrecognizedClientException");
    let first = &result["first"];
    for field in ["firstObservedAt", "lastObservedAt", "updatedAt"] {
        // botocore turned the wire's epoch seconds into a datetime.
        assert!(first[field].as_str().unwrap().contains('T'), "{field}: {}", first[field]);
    }
    assert_eq!(first["status"], "ACTIVE");
    assert_eq!(first["awsAccountId"], admin["account_id"]);
}
