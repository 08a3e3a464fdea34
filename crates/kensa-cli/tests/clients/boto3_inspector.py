"""boto3, unchanged, against a Kensa server: the endpoint comes from
AWS_ENDPOINT_URL_INSPECTOR2 (botocore's service-specific endpoint variable)
and the credentials from the environment, as any boto3 program gets them.

Prints one JSON object the Rust test checks: every finding ARN through the
ListFindings paginator (small pages, so nextToken is exercised), the
CRITICAL count through a filter, one finding as botocore parsed it against
Inspector's service model, and the error codes botocore reads off refusals.
"""

import json
import os
import sys

import boto3
import botocore.exceptions
from botocore.config import Config

# No retries: a refusal must come back as the refusal.
CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(**overrides):
    session = boto3.session.Session(
        aws_access_key_id=overrides.get("key", os.environ["AWS_ACCESS_KEY_ID"]),
        aws_secret_access_key=overrides.get("secret", os.environ["AWS_SECRET_ACCESS_KEY"]),
        region_name="us-east-1",
    )
    return session.client("inspector2", config=CONFIG)


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"]
    return None


def main():
    inspector = client()
    arns = []
    first = None
    for page in inspector.get_paginator("list_findings").paginate(PaginationConfig={"PageSize": 17}):
        for finding in page["findings"]:
            arns.append(finding["findingArn"])
            if first is None:
                first = finding
    critical = 0
    paginator = inspector.get_paginator("list_findings")
    for page in paginator.paginate(filterCriteria={"severity": [{"comparison": "EQUALS", "value": "CRITICAL"}]}):
        critical += len(page["findings"])
    errors = {
        "max_results_101": error_code(lambda: inspector.list_findings(maxResults=101)),
        "wrong_secret": error_code(lambda: client(secret="x" * 40).list_findings()),
        "unknown_key": error_code(lambda: client(key="KENSAAAAAAAAAAAAAAAA").list_findings()),
    }
    print(
        json.dumps(
            {
                "arns": arns,
                "critical": critical,
                "errors": errors,
                # datetimes as botocore parsed them from the wire.
                "first": json.loads(json.dumps(first, default=lambda value: value.isoformat())),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
