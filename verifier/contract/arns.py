"""ARN formats the verifier accepts, and the parts it reads from them (botocore's patterns)."""

from __future__ import annotations

import re

# botocore's pattern for Lambda's CodeSigningConfigArn.
CSC_ARN = re.compile(
    r"^arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(\d{12}):"
    r"code-signing-config:csc-[a-z0-9]{17}$"
)
PROFILE_VERSION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:signer:([a-z0-9-]+):(\d{12}):/signing-profiles/([a-zA-Z0-9_]{2,64})/"
    r"([a-zA-Z0-9]+)$"
)
#: An AWS Region name (us-east-1, us-gov-west-1, us-isob-east-1).
REGION_FORMAT = r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d"
REGION = re.compile(rf"^{REGION_FORMAT}$")
#: An IAM managed policy ARN (AWS's or an account's), its partition in group 1.
MANAGED_POLICY_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(aws|\d{12}):policy/[\w+=,.@/-]{1,512}$")
CSC_ARN_FORMAT = "arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>"
PROFILE_VERSION_ARN_FORMAT = "arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>"


def account_of(arn: str) -> str | None:
    """The account id field of an ARN (``arn:partition:service:region:account:...``)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def profile_version_of(arn: str) -> tuple[str, str] | None:
    """(profile name, profile version) of a signing profile version ARN."""
    match = PROFILE_VERSION_ARN.match(arn)
    return (match.group(3), match.group(4)) if match else None


def job_id_of(job_arn: str) -> str:
    """The job id of ``arn:aws:signer:{region}:{account}:/signing-jobs/{jobId}``."""
    return job_arn.rsplit("/", 1)[-1]
