"""After a real deploy, the verifier passes; each out-of-band change makes the right check fail.

Every test gets its own local AWS and apply (tests/e2e/conftest.py), then changes AWS the way
an operator or attacker would, with plain API calls, and runs the verifier CLI.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e


def unsigned_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 'swapped'\n")
    return buffer.getvalue()


def statuses(report: dict[str, Any], function_key: str | None = None) -> dict[str, set[str]]:
    by_status: dict[str, set[str]] = {}
    for check in report["checks"]:
        if function_key and check.get("function") not in (None, function_key):
            continue
        by_status.setdefault(check["status"], set()).add(check["id"])
    return by_status


def set_policy(deployment: Deployment, policy: str) -> None:
    deployment.client("lambda").update_code_signing_config(
        CodeSigningConfigArn=deployment.manifest["code_signing_config_arn"],
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
    )


def hello(deployment: Deployment) -> dict[str, str]:
    entry: dict[str, str] = deployment.manifest["functions"]["hello"]
    return entry


def replace_code_under_temporary_warn(deployment: Deployment) -> None:
    set_policy(deployment, "Warn")
    deployment.client("lambda").update_function_code(
        FunctionName=hello(deployment)["function_name"], ZipFile=unsigned_zip()
    )
    set_policy(deployment, "Enforce")  # covers its tracks: the CSC looks right again


def detach_csc(deployment: Deployment) -> None:
    deployment.client("lambda").delete_function_code_signing_config(
        FunctionName=hello(deployment)["function_name"]
    )


def switch_csc_to_warn(deployment: Deployment) -> None:
    set_policy(deployment, "Warn")


def revoke_job_signature(deployment: Deployment) -> None:
    deployment.client("signer").revoke_signature(
        jobId=hello(deployment)["signing_job_id"], reason="key compromise drill"
    )


def _profile(deployment: Deployment) -> dict[str, Any]:
    signer = deployment.client("signer")
    return dict(signer.get_signing_profile(profileName=deployment.manifest["signing_profile_name"]))


def revoke_profile(deployment: Deployment) -> None:
    profile = _profile(deployment)
    deployment.client("signer").revoke_signing_profile(
        profileName=profile["profileName"],
        profileVersion=profile["profileVersion"],
        reason="key compromise drill",
        # Revoking from a time before signing invalidates the signatures already made.
        effectiveTime=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )


def cancel_profile(deployment: Deployment) -> None:
    deployment.client("signer").cancel_signing_profile(
        profileName=deployment.manifest["signing_profile_name"]
    )


def overwrite_signed_key(deployment: Deployment) -> None:
    entry = hello(deployment)
    deployment.client("s3").put_object(
        Bucket=entry["signed_bucket"], Key=entry["signed_key"], Body=unsigned_zip()
    )


def suspend_versioning(deployment: Deployment) -> None:
    deployment.client("s3").put_bucket_versioning(
        Bucket=deployment.manifest["bucket"], VersioningConfiguration={"Status": "Suspended"}
    )


def publish_unsigned_version_behind_an_alias(deployment: Deployment) -> None:
    """$LATEST ends up signed again, but a published version, and the alias routing to it,
    keep unsigned code: only the version and alias checks can see it."""
    entry = hello(deployment)
    lambda_ = deployment.client("lambda")
    set_policy(deployment, "Warn")
    version = lambda_.update_function_code(
        FunctionName=entry["function_name"], ZipFile=unsigned_zip(), Publish=True
    )["Version"]
    lambda_.create_alias(FunctionName=entry["function_name"], Name="live", FunctionVersion=version)
    set_policy(deployment, "Enforce")
    lambda_.update_function_code(
        FunctionName=entry["function_name"],
        S3Bucket=entry["signed_bucket"],
        S3Key=entry["signed_key"],
    )


SCENARIOS: list[tuple[str, Callable[[Deployment], None], set[str]]] = [
    (
        "code replaced under a temporary Warn CSC",
        replace_code_under_temporary_warn,
        {"function.code_sha256", "function.signing_job"},
    ),
    ("CSC detached", detach_csc, {"function.csc"}),
    ("CSC switched to Warn", switch_csc_to_warn, {"csc.policy"}),
    ("job signature revoked", revoke_job_signature, {"job.not_revoked"}),
    ("profile revoked", revoke_profile, {"profile.active"}),
    ("profile canceled", cancel_profile, {"profile.active"}),
    ("signed key overwritten", overwrite_signed_key, {"object.not_overwritten"}),
    ("bucket versioning suspended", suspend_versioning, {"bucket.versioning"}),
    (
        "unsigned version published behind an alias",
        publish_unsigned_version_behind_an_alias,
        {"versions.signed", "aliases.signed"},
    ),
]


def test_clean_deploy_verifies(deployment: Deployment) -> None:
    code, report = deployment.verify()
    assert code == 0, report
    assert report["result"] == "pass"
    assert statuses(report).keys() == {"pass"}
    assert len(report["checks"]) >= 2 * 20


@pytest.mark.parametrize(
    ("change", "expected_failures"),
    [(change, failures) for _, change, failures in SCENARIOS],
    ids=[name for name, _, _ in SCENARIOS],
)
def test_out_of_band_change_fails_the_right_check(
    deployment: Deployment,
    change: Callable[[Deployment], None],
    expected_failures: set[str],
) -> None:
    change(deployment)
    code, report = deployment.verify()
    failed = statuses(report).get("fail", set())
    assert code == 1, report
    assert report["result"] == "fail"
    assert expected_failures <= failed, f"failed: {sorted(failed)}"
    assert not statuses(report).get("error"), report


def test_extra_publisher_is_a_warning_not_a_failure(deployment: Deployment) -> None:
    signer = deployment.client("signer")
    other = signer.put_signing_profile(
        profileName="other_publisher", platformId="AWSLambda-SHA384-ECDSA"
    )
    deployment.client("lambda").update_code_signing_config(
        CodeSigningConfigArn=deployment.manifest["code_signing_config_arn"],
        AllowedPublishers={
            "SigningProfileVersionArns": [
                deployment.manifest["signing_profile_version_arn"],
                other["profileVersionArn"],
            ]
        },
    )
    code, report = deployment.verify()
    assert code == 0, report
    assert "csc.publishers" in statuses(report).get("warn", set())
    assert not statuses(report).get("fail")
