"""Helpers for the local AWS tests (imported by the tests; fixtures live in conftest.py).

Signed worlds come from :mod:`localaws.world` (the one builder).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.model import Shape, StructureShape

from localaws.testing import LocalAws

REGION = "us-east-1"


def make_client(endpoint_url: str, service: str, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config) if config else None,
    )


# -- response shapes ------------------------------------------------------------------------


def _missing_required(shape: Shape, value: Any, path: str) -> list[str]:
    missing: list[str] = []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                missing.append(f"{path}.{name}")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                missing += _missing_required(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            missing += _missing_required(shape.member, item, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            missing += _missing_required(shape.value, item, f"{path}[{key}]")  # type: ignore[attr-defined]
    return missing


def assert_required_members(service: str, operation: str, response: dict[str, Any]) -> None:
    """Every member botocore's model marks required is present, recursively."""
    model = botocore.session.get_session().get_service_model(service)
    output = model.operation_model(operation).output_shape
    assert output is not None, f"{service}.{operation} has no output shape"
    assert _missing_required(output, response, operation) == []


# -- Security Hub findings --------------------------------------------------------------------


def custom_product_arn(account_id: str, region: str = REGION) -> str:
    """The account's own custom-integration product, the one BatchImportFindings accepts."""
    return f"arn:aws:securityhub:{region}:{account_id}:product/{account_id}/default"


def asff_finding(account_id: str, finding_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
    """A valid ASFF finding about a Lambda function of ``account_id``, updated ``at``."""
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": custom_product_arn(account_id),
        "GeneratorId": "signed-lambda/code-sha256",
        "AwsAccountId": account_id,
        "Types": ["Software and Configuration Checks/Signed Lambda"],
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": "HIGH"},
        "Title": "Deployed code is the signed code",
        "Description": "CodeSha256 equals the signed object's SHA-256",
        "Resources": [
            {
                "Type": "AwsLambdaFunction",
                "Id": f"arn:aws:lambda:{REGION}:{account_id}:function:fn",
                "Region": REGION,
            }
        ],
        "Compliance": {"Status": "FAILED"},
        "Remediation": {"Recommendation": {"Text": "Redeploy from the signed object"}},
        **fields,
    }


def set_clock_offset(endpoint_url: str, seconds: float) -> None:
    """Shift the local AWS's clock (POST /_localaws/clock); 0 restores real time."""
    LocalAws(endpoint_url=endpoint_url, ca_bundle=None).set_clock_offset(seconds)
    assert LocalAws(endpoint_url=endpoint_url, ca_bundle=None).health()["clockOffsetSeconds"] == (
        seconds
    )


def error_code(error: Any) -> str:
    return str(error.value.response["Error"]["Code"])


def http_status(error: Any) -> int:
    return int(error.value.response["ResponseMetadata"]["HTTPStatusCode"])
