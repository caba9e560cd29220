"""Out-of-band changes an operator or attacker makes with plain API calls, and what must catch
each one. Shared by the Terraform-backed tests (test_drift.py, test_verify_out_of_band.py) and
the boto3-built worlds (test_verify_world.py).

A change takes anything with ``client(service)`` and the stack's ``manifest`` (the
``cdktf-outputs.json`` document's ``manifest`` output, or a world's equivalent).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Target(Protocol):
    @property
    def manifest(self) -> dict[str, Any]: ...

    def client(self, service: str) -> Any: ...


Change = Callable[[Target], None]


def unsigned_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 'swapped'\n")
    return buffer.getvalue()


def set_policy(target: Target, policy: str) -> None:
    target.client("lambda").update_code_signing_config(
        CodeSigningConfigArn=target.manifest["code_signing_config_arn"],
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
    )


def hello(target: Target) -> dict[str, str]:
    entry: dict[str, str] = target.manifest["functions"]["hello"]
    return entry


# -- reversible: the shared deployment's restore undoes each ------------------------------------


def replace_code_under_temporary_warn(target: Target) -> None:
    set_policy(target, "Warn")
    target.client("lambda").update_function_code(
        FunctionName=hello(target)["function_name"], ZipFile=unsigned_zip()
    )
    set_policy(target, "Enforce")  # covers its tracks: the CSC looks right again


def detach_csc(target: Target) -> None:
    target.client("lambda").delete_function_code_signing_config(
        FunctionName=hello(target)["function_name"]
    )


def switch_csc_to_warn(target: Target) -> None:
    set_policy(target, "Warn")


def overwrite_signed_key(target: Target) -> None:
    entry = hello(target)
    target.client("s3").put_object(
        Bucket=entry["signed_bucket"], Key=entry["signed_key"], Body=unsigned_zip()
    )


def suspend_versioning(target: Target) -> None:
    target.client("s3").put_bucket_versioning(
        Bucket=target.manifest["bucket"], VersioningConfiguration={"Status": "Suspended"}
    )


def publish_unsigned_version_behind_an_alias(target: Target) -> None:
    """$LATEST ends up signed again, but a published version, and the alias routing to it,
    keep unsigned code: only the version and alias checks can see it."""
    entry = hello(target)
    lambda_ = target.client("lambda")
    set_policy(target, "Warn")
    version = lambda_.update_function_code(
        FunctionName=entry["function_name"], ZipFile=unsigned_zip(), Publish=True
    )["Version"]
    lambda_.create_alias(FunctionName=entry["function_name"], Name="live", FunctionVersion=version)
    set_policy(target, "Enforce")
    lambda_.update_function_code(
        FunctionName=entry["function_name"],
        S3Bucket=entry["signed_bucket"],
        S3Key=entry["signed_key"],
    )


def change_environment(target: Target) -> None:
    target.client("lambda").update_function_configuration(
        FunctionName=target.manifest["functions"]["audit"]["function_name"],
        Environment={"Variables": {"AUDIT_LEVEL": "off"}},
    )


def change_role(target: Target) -> None:
    role = target.client("iam").create_role(
        RoleName=f"out-of-band-admin-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    target.client("lambda").update_function_configuration(
        FunctionName=hello(target)["function_name"], Role=role
    )


def add_extra_publisher(target: Target) -> None:
    other = target.client("signer").put_signing_profile(
        profileName=f"other_publisher_{uuid.uuid4().hex[:8]}", platformId="AWSLambda-SHA384-ECDSA"
    )
    target.client("lambda").update_code_signing_config(
        CodeSigningConfigArn=target.manifest["code_signing_config_arn"],
        AllowedPublishers={
            "SigningProfileVersionArns": [
                target.manifest["signing_profile_version_arn"],
                other["profileVersionArn"],
            ]
        },
    )


# -- irreversible: each needs a deployment of its own -----------------------------------------


def revoke_job_signature(target: Target) -> None:
    target.client("signer").revoke_signature(
        jobId=hello(target)["signing_job_id"], reason="key compromise drill"
    )


def _profile(target: Target) -> dict[str, Any]:
    signer = target.client("signer")
    return dict(signer.get_signing_profile(profileName=target.manifest["signing_profile_name"]))


def revoke_profile(target: Target) -> None:
    profile = _profile(target)
    target.client("signer").revoke_signing_profile(
        profileName=profile["profileName"],
        profileVersion=profile["profileVersion"],
        reason="key compromise drill",
        # Revoking from a time before signing invalidates the signatures already made.
        effectiveTime=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )


def cancel_profile(target: Target) -> None:
    target.client("signer").cancel_signing_profile(
        profileName=target.manifest["signing_profile_name"]
    )


# -- what catches what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    change: Change
    #: The verifier checks that must fail (empty: the verifier passes).
    verifier_fails: frozenset[str]
    #: Whether `terraform plan` sees the change (None: not part of the drift table).
    plan_sees_it: bool | None
    #: What the drift summary must name (None: not part of the drift table).
    drift_names: str | None
    #: Whether the shared deployment's restore can undo it.
    reversible: bool


SCENARIOS = [
    Scenario(
        "code replaced under a temporary Warn CSC",
        replace_code_under_temporary_warn,
        frozenset({"function.code_sha256", "function.signing_job"}),
        False,
        "`function.code_sha256`",
        True,
    ),
    Scenario(
        "CSC detached",
        detach_csc,
        frozenset({"function.csc"}),
        True,
        "`code_signing_config_arn`",
        True,
    ),
    Scenario(
        "CSC switched to Warn",
        switch_csc_to_warn,
        frozenset({"csc.policy"}),
        True,
        "`policies`",
        True,
    ),
    Scenario(
        "job signature revoked",
        revoke_job_signature,
        frozenset({"job.not_revoked"}),
        False,
        "`job.not_revoked`",
        False,
    ),
    Scenario(
        "profile revoked",
        revoke_profile,
        frozenset({"profile.revocation"}),
        False,
        "`profile.revocation`",
        False,
    ),
    # A Canceled profile signs nothing new, but its signatures stay valid (AWS): the verifier
    # warns; the plan sees it (the provider drops a Canceled profile and plans a new one).
    Scenario(
        "profile canceled",
        cancel_profile,
        frozenset(),
        True,
        "aws_signer_signing_profile",
        False,
    ),
    Scenario(
        "signed key overwritten",
        overwrite_signed_key,
        frozenset({"object.not_overwritten"}),
        False,
        "`object.not_overwritten`",
        True,
    ),
    Scenario(
        "bucket versioning suspended",
        suspend_versioning,
        frozenset({"bucket.versioning"}),
        True,
        "`versioning_configuration`",
        True,
    ),
    Scenario(
        "unsigned version published behind an alias",
        publish_unsigned_version_behind_an_alias,
        frozenset({"versions.signed", "aliases.signed"}),
        None,
        None,
        True,
    ),
    Scenario(
        "function environment changed",
        change_environment,
        # The declaration is the whole environment: another value is not what was declared.
        frozenset({"function.environment"}),
        True,
        "`environment`",
        True,
    ),
    Scenario(
        "function role changed",
        change_role,
        frozenset(),
        True,
        "`role`",
        True,
    ),
]

SCENARIO = {s.name: s for s in SCENARIOS}
#: The verifier's scenarios (the boto3 worlds run every one of them).
VERIFIER_SCENARIOS = [s for s in SCENARIOS if s.verifier_fails]
#: The drift table: README, "what catches what".
DRIFT_SCENARIOS = [s for s in SCENARIOS if s.drift_names is not None]


def check_statuses(report: dict[str, Any], function_key: str | None = None) -> dict[str, set[str]]:
    """Check ids by status, optionally for one function (stack-wide checks included)."""
    by_status: dict[str, set[str]] = {}
    for check in report["checks"]:
        if function_key and check.get("function") not in (None, function_key):
            continue
        by_status.setdefault(check["status"], set()).add(check["id"])
    return by_status
