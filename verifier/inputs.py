"""Reading what to verify: the ``cdktf deploy --outputs-file`` JSON, a job file, or flags.

Every malformed or incomplete input raises :class:`InputError` with one line naming the file
and the key (``cdktf-outputs.json: signed-lambda.manifest.functions.hello.signing_job_id is
missing``) or the flag. Tolerance is limited to harmless spellings Terraform produces
(``schema_version`` as ``"1"``); anything else that is missing or of the wrong type is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verifier.errors import InputError
from verifier.model import (
    Policy,
    RevocationEvidence,
    SigningJobEvidence,
    VerificationTarget,
)

SUPPORTED_MANIFEST_VERSION = 1
MANIFEST_OUTPUT = "manifest"

# botocore's pattern for Lambda's CodeSigningConfigArn.
CSC_ARN = re.compile(
    r"^arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):\d{12}:"
    r"code-signing-config:csc-[a-z0-9]{17}$"
)
PROFILE_VERSION_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:signer:[a-z0-9-]+:\d{12}:/signing-profiles/")


class _Reader:
    """Typed access into parsed JSON that names ``origin: dotted.path`` in every error."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, problem: str) -> InputError:
        return InputError(f"{self.origin}: {path} {problem}")

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be an object, not {_json_type(value)}")
        return value

    def get(self, parent: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in parent or parent[key] is None:
            raise self.fail(f"{path}.{key}" if path else key, "is missing")
        return parent[key]

    def string(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = self.get(parent, key, path)
        full = f"{path}.{key}" if path else key
        if not isinstance(value, str):
            raise self.fail(full, f"must be a string, not {_json_type(value)}")
        if not value.strip():
            raise self.fail(full, "is empty")
        return value

    def optional_string(self, parent: Mapping[str, Any], key: str, path: str) -> str | None:
        if parent.get(key) is None:
            return None
        return self.string(parent, key, path)

    def obj(self, parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        full = f"{path}.{key}" if path else key
        return self.mapping(self.get(parent, key, path), full)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file, or raise a one-line InputError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found", "check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: {what} is a directory, expected a JSON file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read {what}: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def parse_policy(value: str, where: str) -> Policy:
    """``Enforce``/``Warn`` (any case, harmless tolerance) or an error naming ``where``."""
    for policy in Policy:
        if value.strip().lower() == policy.value.lower():
            return policy
    allowed = " or ".join(p.value for p in Policy)
    raise InputError(f"{where}: {value!r} is not a policy; expected {allowed}")


# --- the outputs file -------------------------------------------------------------------


@dataclass(frozen=True)
class OutputsSelection:
    targets: tuple[VerificationTarget, ...]
    region: str
    stack: str


def load_outputs(
    path: Path,
    *,
    stack: str | None,
    region_flag: str | None,
    expect_policy: Policy | None,
) -> OutputsSelection:
    """The targets of one stack in a ``cdktf deploy --outputs-file`` file."""
    origin = str(path)
    reader = _Reader(origin)
    document = read_json(path, "outputs file")
    if not isinstance(document, Mapping):
        raise InputError(
            f"{origin}: must be a JSON object of stacks (as written by cdktf deploy "
            f"--outputs-file), not {_json_type(document)}"
        )
    if not document:
        raise InputError(f"{origin}: contains no stacks; was the stack deployed?")
    if stack is None:
        if len(document) > 1:
            names = ", ".join(sorted(document))
            raise InputError(f"{origin}: has several stacks ({names}); choose one with --stack")
        stack = next(iter(document))
    elif stack not in document:
        names = ", ".join(sorted(document))
        raise InputError(f"--stack {stack}: no such stack in {origin} (it has: {names})")

    outputs = reader.mapping(document[stack], stack)
    manifest = reader.obj(outputs, MANIFEST_OUTPUT, stack)
    base = f"{stack}.{MANIFEST_OUTPUT}"

    _check_schema_version(reader, manifest, base)
    region = reader.string(manifest, "region", base)
    if region_flag is not None and region_flag != region:
        raise InputError(
            f"--region {region_flag}: wrong region, the stack in {origin} is deployed in "
            f"{region} ({base}.region)",
            f"drop --region or pass --region {region}",
        )
    bucket = reader.string(manifest, "bucket", base)
    profile_name = reader.string(manifest, "signing_profile_name", base)
    profile_version_arn = reader.string(manifest, "signing_profile_version_arn", base)
    if not PROFILE_VERSION_ARN.match(profile_version_arn):
        raise reader.fail(
            f"{base}.signing_profile_version_arn",
            f"is not a signing profile version ARN ({profile_version_arn!r}; expected "
            "arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>)",
        )
    platform_id = reader.string(manifest, "platform_id", base)
    csc_arn = reader.string(manifest, "code_signing_config_arn", base)
    if not CSC_ARN.match(csc_arn):
        raise reader.fail(
            f"{base}.code_signing_config_arn",
            f"is not a code signing config ARN ({csc_arn!r}; expected "
            "arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>)",
        )
    policy = expect_policy
    if policy is None:
        raw_policy = reader.optional_string(manifest, "expected_policy", base)
        policy = (
            Policy.ENFORCE
            if raw_policy is None
            else parse_policy(raw_policy, f"{origin}: {base}.expected_policy")
        )

    functions = reader.obj(manifest, "functions", base)
    if not functions:
        raise reader.fail(f"{base}.functions", "is empty: there is nothing to verify")
    targets = []
    for key in sorted(functions):
        where = f"{base}.functions.{key}"
        entry = reader.mapping(functions[key], where)
        targets.append(
            VerificationTarget(
                key=key,
                function_name=reader.string(entry, "function_name", where),
                job_id=reader.string(entry, "signing_job_id", where),
                csc_arn=csc_arn,
                expected_policy=policy,
                region=region,
                profile_name=profile_name,
                profile_version_arn=profile_version_arn,
                platform_id=platform_id,
                bucket=bucket,
                unsigned_key=reader.string(entry, "unsigned_key", where),
                unsigned_version=reader.string(entry, "unsigned_version", where),
                signed_bucket=reader.string(entry, "signed_bucket", where),
                signed_key=reader.string(entry, "signed_key", where),
                source=origin,
            )
        )
    return OutputsSelection(targets=tuple(targets), region=region, stack=stack)


def _check_schema_version(reader: _Reader, manifest: Mapping[str, Any], base: str) -> None:
    raw = reader.get(manifest, "schema_version", base)
    # Terraform may render numbers as strings in outputs: "1" is accepted, "one" is not.
    version: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        version = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        version = int(raw.strip())
    if version is None:
        raise reader.fail(f"{base}.schema_version", f"must be a number, not {_json_type(raw)}")
    if version != SUPPORTED_MANIFEST_VERSION:
        raise reader.fail(
            f"{base}.schema_version",
            f"is {version}; this verifier reads schema_version {SUPPORTED_MANIFEST_VERSION}",
        )


# --- explicit flags ---------------------------------------------------------------------


def target_from_flags(
    *, function: str, job_id: str, csc_arn: str, region: str, expect_policy: Policy | None
) -> VerificationTarget:
    """A target from ``--function/--job-id/--csc-arn``; the profile comes from the job."""
    if not function.strip():
        raise InputError("--function: is empty")
    if not job_id.strip():
        raise InputError("--job-id: is empty")
    match = CSC_ARN.match(csc_arn)
    if not match:
        raise InputError(
            f"--csc-arn {csc_arn}: not a code signing config ARN",
            "expected arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>",
        )
    if match.group(2) != region:
        raise InputError(
            f"--csc-arn: wrong region, the ARN is in {match.group(2)} but the region is {region}",
            f"pass --region {match.group(2)}",
        )
    return VerificationTarget(
        key=function,
        function_name=function,
        job_id=job_id,
        csc_arn=csc_arn,
        expected_policy=expect_policy or Policy.ENFORCE,
        region=region,
    )


# --- DescribeSigningJob: the API response and the AWS CLI's JSON ------------------------


def parse_timestamp(value: Any, reader: _Reader, path: str) -> datetime | None:
    """A datetime (boto3), an ISO 8601 string or epoch seconds (the AWS CLI's formats)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value, tz=UTC)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = datetime.fromtimestamp(float(value), tz=UTC)
            except ValueError:
                raise reader.fail(path, f"is not a timestamp ({value!r})") from None
    else:
        raise reader.fail(path, f"must be a timestamp, not {_json_type(value)}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_signing_job(data: Any, origin: str) -> SigningJobEvidence:
    """``DescribeSigningJob`` output (from boto3 or ``aws signer describe-signing-job``)."""
    reader = _Reader(origin)
    job = reader.mapping(data, "the document")
    source = reader.obj(reader.obj(job, "source", ""), "s3", "source")
    signed_object = job.get("signedObject")
    signed_s3: Mapping[str, Any] = {}
    if signed_object is not None:
        signed_s3 = reader.obj(reader.mapping(signed_object, "signedObject"), "s3", "signedObject")
    revocation = None
    if job.get("revocationRecord") is not None:
        record = reader.mapping(job["revocationRecord"], "revocationRecord")
        revocation = RevocationEvidence(
            reason=reader.optional_string(record, "reason", "revocationRecord"),
            revoked_at=parse_timestamp(
                record.get("revokedAt"), reader, "revocationRecord.revokedAt"
            ),
            revoked_by=reader.optional_string(record, "revokedBy", "revocationRecord"),
        )
    return SigningJobEvidence(
        job_id=reader.string(job, "jobId", ""),
        status=reader.string(job, "status", ""),
        status_reason=reader.optional_string(job, "statusReason", ""),
        profile_name=reader.string(job, "profileName", ""),
        profile_version=reader.string(job, "profileVersion", ""),
        platform_id=reader.string(job, "platformId", ""),
        source_bucket=reader.optional_string(source, "bucketName", "source.s3"),
        source_key=reader.optional_string(source, "key", "source.s3"),
        source_version=reader.optional_string(source, "version", "source.s3"),
        signed_bucket=reader.optional_string(signed_s3, "bucketName", "signedObject.s3"),
        signed_key=reader.optional_string(signed_s3, "key", "signedObject.s3"),
        created_at=parse_timestamp(job.get("createdAt"), reader, "createdAt"),
        completed_at=parse_timestamp(job.get("completedAt"), reader, "completedAt"),
        signature_expires_at=parse_timestamp(
            job.get("signatureExpiresAt"), reader, "signatureExpiresAt"
        ),
        revocation=revocation,
    )


def load_job_file(path: Path) -> SigningJobEvidence:
    """A job file as ``aws signer describe-signing-job --output json`` prints it."""
    document = read_json(path, "job file")
    if not isinstance(document, Mapping):
        raise InputError(
            f"{path}: must be a JSON object (aws signer describe-signing-job output), "
            f"not {_json_type(document)}"
        )
    return parse_signing_job(document, str(path))
